"""Cascading bandits and cascading RL: planning oracles against brute force, exact values against
Monte Carlo, the Gym shells against the fused loop, policies against the contract, and the
statistical behaviour the papers predict (shared/reference/cascading.md §5, §10, §12)."""

from __future__ import annotations

import itertools
import math

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st

import environments as E
from bandits import run
from bandits.policies import (
    AdaptVI,
    CascadeKLUCB,
    CascadeUCB1,
    CascadingBPI,
    CascadingVI,
    CascadingVIBonus,
    CascadingVIOracle,
    check_policy,
)
from bandits.policies.cascading import (
    _list_index,
    _pessimistic_list_value,
    all_item_lists,
    best_perm,
    cascade_list_value,
    exhaustive_best_list,
)
from bandits.rng import replication_seeds

ALL_POLICIES = [CascadeUCB1, CascadeKLUCB, CascadingVI, CascadingVIOracle, CascadingVIBonus, CascadingBPI, AdaptVI]


# ---------------------------------------------------------------------------------------------
# Readable references
# ---------------------------------------------------------------------------------------------
def f_reference(items, u, w, w_bot):
    """f(A, u, w) straight from the definition (§3): sum of prefix-products plus the no-click term."""
    total, not_clicked = 0.0, 1.0
    for a in items:
        total += not_clicked * u[a] * w[a]
        not_clicked *= 1.0 - u[a]
    return total + not_clicked * w_bot


def brute_force_best(u, w, w_bot, m):
    """max over every ordered list of 1..m distinct items."""
    n = len(u)
    return max(
        f_reference(p, u, w, w_bot) for k in range(1, min(m, n) + 1) for p in itertools.permutations(range(n), k)
    )


def best_perm_call(u, w, w_bot, m, priority=None):
    n = len(u)
    u, w = np.asarray(u, float), np.asarray(w, float)
    items = np.zeros(m, np.int64)
    value, length = best_perm(
        u, w, float(w_bot), m, np.arange(n) if priority is None else priority, items, np.zeros(n, np.int64),
        np.zeros((n + 1, m + 1)), np.zeros((n + 1, m + 1), np.uint8),
    )
    return value, items[:length]


def v_star_exhaustive(problem):
    """V* by backward induction over every list (no BestPerm)."""
    H, S, N, m = problem.horizon_per_episode, problem.n_states, problem.n_items, problem.max_list_length
    q, r, p = problem.attraction_table, problem.reward_table, problem.transition_table
    values = np.zeros((H + 1, S))
    for h in range(H - 1, -1, -1):
        for s in range(S):
            w = r[s] + p[s] @ values[h + 1]
            values[h, s] = brute_force_best(q[s], w[:N], w[N], m)
    return values


# small values with many exact ties, zeros and ones (§5: "including ties, zero attractions and w_bot = 0")
tie_prone = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 1.0])
real_01 = st.floats(0.0, 1.0, allow_nan=False, width=32) | tie_prone


@st.composite
def instances(draw, max_items=6, max_m=4):
    n = draw(st.integers(1, max_items))
    m = draw(st.integers(1, max_m))
    u = draw(st.lists(real_01, min_size=n, max_size=n))
    w = draw(st.lists(real_01.map(lambda x: 2.0 * x), min_size=n, max_size=n))
    w_bot = draw(st.sampled_from([0.0, 0.5]) | real_01)
    return np.array(u), np.array(w), float(w_bot), m


# ---------------------------------------------------------------------------------------------
# BestPerm (§5, §10 oracles 1-3)
# ---------------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(instances())
def test_best_perm_equals_exhaustive_search(instance):
    u, w, w_bot, m = instance
    value, items = best_perm_call(u, w, w_bot, m)
    assert abs(value - brute_force_best(u, w, w_bot, m)) <= 1e-12
    assert abs(value - f_reference(items, u, w, w_bot)) <= 1e-12  # the value is the list's value
    lists, lengths = all_item_lists(len(u), m)
    exhaustive_value, _ = exhaustive_best_list(u, w, w_bot, lists, lengths)
    assert abs(exhaustive_value - value) <= 1e-12


@settings(max_examples=200, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_best_perm_list_is_sorted_by_weight_with_the_documented_length(instance, random):
    u, w, w_bot, m = instance
    priority = np.array(random.sample(range(len(u)), len(u)), np.int64)
    value, items = best_perm_call(u, w, w_bot, m, priority)
    assert len(set(items.tolist())) == len(items) >= 1
    assert np.all(np.diff(w[items]) <= 0.0)
    kept = int(np.sum(w >= w_bot))
    assert len(items) == (min(m, kept) if kept >= 1 else 1)
    assert abs(value - brute_force_best(u, w, w_bot, m)) <= 1e-12  # any tie-breaking order is optimal


@settings(max_examples=200, deadline=None)
@given(instances(), st.integers(0, 5), st.sampled_from(["u", "w", "w_bot"]), st.floats(0.0, 0.5))
def test_optimal_value_is_monotone_when_some_item_reaches_the_no_click_weight(instance, index, which, bump):
    u, w, w_bot, m = instance
    if not np.any(w >= w_bot):
        w = w.copy()
        w[0] = w_bot  # J >= 1 (§5: monotonicity needs it)
    before, _ = best_perm_call(u, w, w_bot, m)
    u2, w2, w_bot2 = u.copy(), w.copy(), w_bot
    i = index % len(u)
    if which == "u":
        u2[i] = min(1.0, u2[i] + bump)
    elif which == "w":
        w2[i] += bump
    else:
        w_bot2 += bump
        if not np.any(w2 >= w_bot2):
            return  # raising w_bot may empty G: the non-monotone J = 0 regime
    after, _ = best_perm_call(u2, w2, w_bot2, m)
    assert after >= before - 1e-12


def test_greedy_rules_are_not_optimal_but_best_perm_is():
    """§5: "top-m by u*(w - w_bot), then sort by w" is wrong on some N = 6, m = 2 instances."""
    rng = np.random.default_rng(0)
    greedy_wrong = 0
    for _ in range(300):
        u, w = rng.random(6), rng.random(6)
        best = brute_force_best(u, w, 0.0, 2)
        top = np.argsort(-(u * w))[:2]
        greedy = f_reference(top[np.argsort(-w[top], kind="stable")], u, w, 0.0)
        greedy_wrong += greedy < best - 1e-12
        assert abs(best_perm_call(u, w, 0.0, 2)[0] - best) <= 1e-12
    assert greedy_wrong > 0


def test_unit_weights_give_kvetons_top_m_objective():
    """§5: with w = 1 and w_bot = 0 the value is 1 - prod(1 - u) over the m most attractive items."""
    u = np.array([0.3, 0.9, 0.1, 0.5, 0.7])
    value, items = best_perm_call(u, np.ones(5), 0.0, 3)
    assert sorted(items.tolist()) == [1, 3, 4]
    assert value == pytest.approx(1 - 0.1 * 0.5 * 0.3, abs=1e-15)


def test_fixed_list_value_is_not_monotone_in_attraction():
    """§5's worked example: u = (0.5, 0.5), w = (0.1, 1.0), w_bot = 0 gives 0.30; u_1 = 0.9 gives 0.14."""
    items = np.array([0, 1])
    w = np.array([0.1, 1.0])
    assert cascade_list_value(items, 2, np.array([0.5, 0.5]), w, 0.0) == pytest.approx(0.30, abs=1e-15)
    assert cascade_list_value(items, 2, np.array([0.9, 0.5]), w, 0.0) == pytest.approx(0.14, abs=1e-15)


@settings(max_examples=200, deadline=None)
@given(instances(max_m=3), st.data())
def test_pessimistic_list_value_is_the_minimum_over_the_attraction_box(instance, data):
    """f is multilinear in u, so its minimum over a box is at a vertex: compare with all 2^n."""
    u, w, w_bot, m = instance
    n = len(u)
    length = data.draw(st.integers(1, min(m, n)))
    items = np.array(data.draw(st.permutations(range(n)))[:length], np.int64)
    width = np.array(data.draw(st.lists(st.floats(0.0, 0.5), min_size=n, max_size=n)))
    low, high = np.clip(u - width, 0, 1), np.clip(u + width, 0, 1)
    corners = [
        f_reference(items, np.where(np.array(choice), high, low), w, w_bot)
        for choice in itertools.product([False, True], repeat=n)
    ]
    assert abs(_pessimistic_list_value(items, length, low, high, w, w_bot) - min(corners)) <= 1e-12


def test_list_index_matches_the_enumeration_order():
    for n, m in [(1, 1), (4, 2), (5, 3), (6, 4)]:
        lists, lengths = all_item_lists(n, m)
        assert lengths.size == sum(math.perm(n, k) for k in range(1, min(n, m) + 1))
        for i in range(lengths.size):
            assert _list_index(lists[i], lengths[i], n) == i


# ---------------------------------------------------------------------------------------------
# Problems and exact values (§3, §10 oracles 4, 5, 8)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_v_star_by_best_perm_equals_v_star_by_exhaustive_lists(seed):
    problem = E.RandomCascadingMDP(n_items=5, n_states=3, episode_length=3, list_length=2, instance_seed=seed)
    np.testing.assert_allclose(problem.optimal_values, v_star_exhaustive(problem), rtol=0, atol=1e-12)
    assert problem.plan_value(*problem.optimal_plan) == pytest.approx(problem.optimal_value, abs=1e-12)


def test_policy_value_equals_monte_carlo_rollouts_of_the_shell():
    """Exact evaluation of a fixed (random) plan against 20,000 episodes of the Gym shell; the
    tolerance is 4 standard errors of the Monte Carlo mean."""
    problem = E.RandomCascadingMDP(n_items=6, n_states=4, episode_length=3, list_length=3, instance_seed=11,
                                   attraction_regime="low_ctr")
    rng = np.random.default_rng(5)
    H, S, m, N = 3, 4, 3, 6
    items = np.zeros((H, S, m), np.int64)
    lengths = rng.integers(1, m + 1, size=(H, S))
    for h in range(H):
        for s in range(S):
            items[h, s] = rng.permutation(N)[:m]
    exact = problem.plan_value(items, lengths)
    env = E.CascadingMDPEnv(problem)
    returns = []
    obs, _ = env.reset(seed=3)
    for episode in range(20_000):
        if episode:
            obs, _ = env.reset()
        total, done = 0.0, False
        while not done:
            h, s = obs
            action = np.full(m, N, np.int64)
            action[: lengths[h, s]] = items[h, s, : lengths[h, s]]
            obs, reward, done, _, _ = env.step(action)
            total += reward
        returns.append(total)
    returns = np.array(returns)
    assert abs(returns.mean() - exact) <= 4 * returns.std(ddof=1) / math.sqrt(returns.size)


def test_bandit_is_the_mdp_with_one_state_one_step_and_unit_rewards():
    """§12 mapping: the same policy on the same seeds gives identical arrays on both forms."""
    attraction = np.array([0.05, 0.3, 0.2, 0.12, 0.4, 0.08])
    bandit = E.CascadingBandit(attraction, list_length=3)
    mdp = E.CascadingMDP(attraction[None, :], np.ones((1, 6)), np.ones((1, 7, 1)), episode_length=1, list_length=3)
    assert bandit.optimal_value == pytest.approx(1 - 0.6 * 0.7 * 0.8, abs=1e-15)
    assert mdp.optimal_value == pytest.approx(bandit.optimal_value, abs=1e-15)
    for policy in (CascadingVI(), CascadeKLUCB()):
        if policy.needs_unit_rewards:
            with pytest.raises(ValueError, match="S = H = 1 and unit rewards"):
                run(mdp, [policy], horizon=10, n_replications=1, seed=0)
            continue
        a = run(bandit, [policy], horizon=500, n_replications=3, seed=4)
        b = run(mdp, [policy], horizon=500, n_replications=3, seed=4)
        np.testing.assert_array_equal(a.cumulative_regret, b.cumulative_regret)
        np.testing.assert_array_equal(a.cumulative_reward, b.cumulative_reward)


def test_blb_family_and_its_lower_bound_constant():
    problem = E.BLBCascadingBandit(16, 4, 0.2, 0.15)
    np.testing.assert_allclose(problem.expected_rewards, [0.2] * 4 + [0.2 - 0.15] * 12, rtol=0, atol=0)
    assert problem.optimal_expected_reward == pytest.approx(1 - 0.8**4, abs=1e-15)
    kl = 0.05 * math.log(0.05 / 0.2) + 0.95 * math.log(0.95 / 0.8)
    assert problem.lower_bound_constant() == pytest.approx(12 * 0.15 * 0.8**3 / kl, rel=1e-12)
    assert 9.7 < problem.lower_bound_constant() < 9.9  # §12's worked magnitude, about 9.8


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: E.CascadingBandit([0.2, 1.5], 1), r"attraction\[1\]: must be in \[0, 1\], got 1.5"),
        (lambda: E.CascadingBandit([0.2, 0.5], 3), "list_length: must be <= the number of items 2, got 3"),
        (lambda: E.CascadingBandit([0.2, np.nan], 1), r"attraction\[1\]: must be finite"),
        (lambda: E.BLBCascadingBandit(16, 4, 0.2, 0.3), "gap: must be in"),
        (lambda: E.RandomCascadingMDP(n_items=0), "n_items: must be >= 1, got 0"),
        (lambda: E.RandomCascadingMDP(attraction_regime="high"), "attraction_regime: must be one of"),
        (lambda: E.CascadingMDP(np.full((1, 2), 0.5), np.ones((1, 2)), np.full((1, 3, 1), 0.5)), r"transition\[0, 0, :\]: must sum to 1"),
        (lambda: E.CascadingMDP(np.full((1, 2), 0.5), np.ones((1, 3)), np.ones((1, 3, 1))), r"reward: must have shape \(S, N\)"),
        (lambda: E.CascadingMDP(np.full((1, 2), 0.5), np.ones((1, 2)), np.ones((1, 3, 1)), episode_length=0), "episode_length: must be >= 1"),
    ],
)
def test_invalid_problems_name_the_parameter_and_the_rule(build, message):
    with pytest.raises(ValueError, match=message):
        build()


# ---------------------------------------------------------------------------------------------
# Gymnasium shells
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("env_id", ["regretlab/CascadingBandit-v0", "regretlab/CascadingMDP-v0"])
def test_registered_shells_pass_check_env(env_id):
    env = gym.make(env_id)
    check_env(env.unwrapped)
    action = env.action_space.sample()
    assert env.action_space.contains(action)


@pytest.mark.parametrize(
    "action, rule",
    [
        ([3, 3, 16, 16], "distinct"),
        ([3, 16, 5, 16], "only at the end"),
        ([16, 16, 16, 16], "at least one item"),
        ([3, 17, 16, 16], r"in \[0, 16\]"),
        ([3, 4], "must be 4 integers"),
    ],
)
def test_invalid_lists_raise_value_error_naming_the_rule(action, rule):
    env = E.CascadingBanditEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match=rule):
        env.step(np.array(action))
    if len(action) == 4:
        assert not env.action_space.contains(np.array(action))


def test_bandit_shell_reports_feedback_and_exact_expected_reward():
    problem = E.CascadingBandit([0.0, 1.0, 0.5, 0.0], list_length=3)
    env = E.CascadingBanditEnv(problem)
    env.reset(seed=1)
    _, reward, terminated, truncated, info = env.step(np.array([0, 1, 2]))
    # item 0 never attractive, item 1 always: the click is at position 1, item 2 unobserved
    assert (reward, terminated, truncated) == (1.0, False, False)
    assert info["click_position"] == 1 and info["clicked_item"] == 1
    np.testing.assert_array_equal(info["examined_items"], [0, 1])
    np.testing.assert_array_equal(info["attraction_outcomes"], [0, 1])
    assert info["expected_reward"] == pytest.approx(1.0)
    _, reward, _, _, info = env.step(np.array([0, 3, 4]))  # 4 = empty slot
    assert reward == 0.0 and info["click_position"] == -1 and info["expected_reward"] == 0.0
    assert info["optimal_expected_reward"] == pytest.approx(1.0)


def test_mdp_shell_is_episodic():
    env = E.CascadingMDPEnv(E.RandomCascadingMDP(n_items=4, n_states=3, episode_length=2, list_length=2))
    obs, info = env.reset(seed=0)
    assert obs[0] == 0 and "optimal_value" in info
    _, _, terminated, _, _ = env.step(np.array([0, 1]))
    assert not terminated
    obs, _, terminated, _, _ = env.step(np.array([2, 4]))
    assert terminated and obs[0] == 2
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.array([0, 1]))


@pytest.mark.parametrize("policy", [CascadingVI(), AdaptVI(), CascadeKLUCB()], ids=lambda p: p.name)
def test_fused_loop_equals_driving_the_shell_step_by_step(policy):
    if policy.needs_unit_rewards:
        problem, shell = E.BLBCascadingBandit(6, 2, 0.4, 0.2), E.CascadingBanditEnv
    else:
        problem = E.RandomCascadingMDP(n_items=6, n_states=3, episode_length=3, list_length=2, instance_seed=5)
        shell = E.CascadingMDPEnv
    K = 200
    result = run(problem, [policy], horizon=K, n_replications=2, seed=7, record_points=np.arange(1, K + 1))
    for rep in range(2):
        env_seed, policy_seed = replication_seeds(7, rep)
        env = shell(problem)
        policy.reset(env, seed=policy_seed, horizon=K)
        obs, _ = env.reset(seed=env_seed)
        regret, total, regrets, rewards = 0.0, 0.0, [], []
        for k in range(K):
            if k and shell is E.CascadingMDPEnv:
                obs, _ = env.reset()
            for h in range(problem.horizon_per_episode):
                action = policy.select(obs)
                if h == 0:
                    regret += problem.optimal_value - problem.plan_value(*policy.plan)
                obs, reward, _, _, info = env.step(action)
                policy.update(action, reward, info)
                total += reward
            regrets.append(regret)
            rewards.append(total)
        np.testing.assert_array_equal(result.cumulative_reward[0, rep], rewards)
        np.testing.assert_allclose(result.cumulative_regret[0, rep], regrets, rtol=0, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL_POLICIES, ids=lambda c: c.name)
def test_every_cascading_policy_passes_check_policy(cls):
    check_policy(cls())


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: CascadingVI(delta=0.0), r"delta: must be in \(0, 1\)"),
        (lambda: CascadingVI(bonus_constants=(1.0, -1.0, 1.0)), "bonus_constants: must be three"),
        (lambda: CascadingVI(log_horizon="sometimes"), "log_horizon: must be one of"),
        (lambda: CascadingBPI(epsilon=0.0), "epsilon: must be > 0"),
        (lambda: CascadeUCB1(c=0), "c: must be > 0"),
        (lambda: AdaptVI(bonus_scale=-1), "bonus_scale: must be > 0"),
    ],
)
def test_invalid_hyper_parameters_are_rejected(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_run_rejects_policies_of_another_setting_and_missing_horizon():
    from bandits.policies import UCB1

    problem = E.BLBCascadingBandit(6, 2)
    with pytest.raises(ValueError, match=r"policies\[0\]: must be a cascading policy"):
        run(problem, [UCB1()], horizon=10, n_replications=1, seed=0)
    with pytest.raises(ValueError, match=r"policies\[0\]: must be a classic-bandit Policy"):
        run(E.BernoulliBandit([0.1, 0.2]), [CascadeUCB1()], horizon=10, n_replications=1, seed=0)
    with pytest.raises(ValueError, match="horizon"):
        CascadingVI().reset(problem, seed=0)  # log_horizon="known" needs K
    CascadingVI(log_horizon="anytime").reset(problem, seed=0)


@pytest.mark.parametrize("value_cap", ["horizon", "remaining"])
def test_optimism_upper_value_dominates_v_star_in_every_episode(value_cap):
    """§10 oracle 6 with the P3 fix: V_up_1(s_1) >= V*_1(s_1) (fails with probability <= delta)."""
    for seed in range(3):
        problem = E.RandomCascadingMDP(n_items=4, n_states=2, episode_length=2, list_length=2, instance_seed=seed)
        env = E.CascadingMDPEnv(problem)
        policy = CascadingVI(value_cap=value_cap).reset(problem, seed=seed, horizon=2000)
        obs, _ = env.reset(seed=seed)
        for k in range(2000):
            if k:
                obs, _ = env.reset()
            for h in range(2):
                action = policy.select(obs)
                if h == 0:
                    upper = policy.state[4][0] @ problem.initial_probabilities
                    assert upper >= problem.optimal_value - 1e-12
                obs, reward, _, _, info = env.step(action)
                policy.update(action, reward, info)


def test_results_do_not_depend_on_n_jobs_and_regret_never_decreases():
    problem = E.RandomCascadingMDP(n_items=5, n_states=3, episode_length=2, list_length=2, instance_seed=2)
    policies = [CascadingVI(), CascadingVIOracle(), AdaptVI()]
    one = run(problem, policies, horizon=300, n_replications=4, seed=9, n_jobs=1)
    two = run(problem, policies, horizon=300, n_replications=4, seed=9, n_jobs=2)
    for name in ("cumulative_regret", "cumulative_reward", "pull_counts"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
    np.testing.assert_array_equal(one.metrics["clicks"], two.metrics["clicks"])
    assert np.all(np.diff(one.cumulative_regret, axis=2) >= -1e-12)
    assert np.all(one.cumulative_regret >= -1e-12)
    # BestPerm and exhaustive search plan equally well: same value whenever the estimates agree,
    # so their regret differs only through tie-breaking; both are far below AdaptVI's here
    assert one.pull_counts[0].sum(axis=1).min() > 0


def test_bpi_stops_with_an_epsilon_optimal_policy():
    problem = E.RandomCascadingMDP(n_items=4, n_states=2, episode_length=2, list_length=2, instance_seed=1)
    result = run(problem, [CascadingBPI(epsilon=0.2, delta=0.1)], horizon=200_000, n_replications=4, seed=2, n_jobs=2)
    assert np.all(result.metrics["stopped"] == 1)
    assert np.all(result.metrics["episodes_used"] < 200_000)
    assert np.all(result.metrics["final_gap"] <= 0.2)
    # after stopping, nothing more is played: the last record equals the value at the stop
    assert np.all(result.cumulative_regret[:, :, -1] == result.cumulative_regret[:, :, -2])


# ---------------------------------------------------------------------------------------------
# Statistical behaviour (§10 oracle 7, §12)
# ---------------------------------------------------------------------------------------------
@pytest.mark.statistical
def test_cascade_kl_ucb_regret_grows_logarithmically_above_the_lower_bound():
    """B_LB(16, 4, 0.2, 0.15), n = 10^5, 6 runs. Regret per unit of ln n over the last decade is
    (a) not larger than over the decade before (log-like, not polynomial: a T^a rate would
    multiply it by 10^a), and (b) above the asymptotic lower-bound constant (about 9.8), both
    beyond 3 standard errors. CascadeUCB1's regret is larger (Kveton et al.'s ordering)."""
    problem = E.BLBCascadingBandit(16, 4, 0.2, 0.15)
    points = np.array([1_000, 10_000, 100_000])
    result = run(problem, [CascadeKLUCB(), CascadeUCB1()], horizon=100_000, n_replications=6, seed=20261122,
                 record_points=points, n_jobs=2)
    regret = result.cumulative_regret[0]
    first = (regret[:, 1] - regret[:, 0]) / math.log(10)
    last = (regret[:, 2] - regret[:, 1]) / math.log(10)
    difference = first - last
    se = difference.std(ddof=1) / math.sqrt(difference.size)
    assert difference.mean() > -3 * se
    assert last.mean() - 3 * last.std(ddof=1) / math.sqrt(last.size) > problem.lower_bound_constant()
    ucb = result.final_regret[1]
    gap = ucb - result.final_regret[0]
    assert gap.mean() > 3 * gap.std(ddof=1) / math.sqrt(gap.size)


@pytest.mark.statistical
def test_cascading_vi_is_sublinear_and_beats_adapt_vi_at_25_items():
    """N = 25 items, m = 3, S = 2 states, H = 2, 50,000 episodes, 6 runs: the local log-log slope
    of CascadingVI's regret between 10^4 and 5*10^4 episodes is well below 1 (mean + 3 s.e. <
    0.9), AdaptVI's is not (each of its 14,425 lists per state is still being explored), and
    CascadingVI's regret is below AdaptVI's in every run."""
    problem = E.RandomCascadingMDP(n_items=25, n_states=2, episode_length=2, list_length=3, instance_seed=1)
    points = np.array([10_000, 50_000])
    result = run(problem, [CascadingVI(), AdaptVI()], horizon=50_000, n_replications=6, seed=3,
                 record_points=points, n_jobs=2)
    slopes = np.log(result.cumulative_regret[:, :, 1] / result.cumulative_regret[:, :, 0]) / math.log(5)
    vi = slopes[0]
    assert vi.mean() + 3 * vi.std(ddof=1) / math.sqrt(vi.size) < 0.9
    assert slopes[1].mean() > 0.95
    assert np.all(result.final_regret[0] < result.final_regret[1])


def test_experiment_pipeline_stores_cascading_metrics_and_reports_them(tmp_path):
    from bandits import load_results, run_experiment, write_report

    config = {
        "name": "cascading-smoke",
        "horizon": 300,
        "n_replications": 3,
        "seed": 1,
        "chunk_size": 2,
        "environments": [
            {"name": "BLBCascadingBandit", "n_items": 6, "list_length": 2, "p": 0.3, "gap": 0.1},
            {"name": "RandomCascadingMDP", "n_items": 4, "n_states": 2, "episode_length": 2, "list_length": 2},
        ],
        "policies": [{"name": "cascading_vi"}, {"name": "cascading_bpi", "epsilon": 0.5}],
    }
    results = run_experiment(config, tmp_path / "out")
    direct = run(E.RandomCascadingMDP(n_items=4, n_states=2, episode_length=2, list_length=2),
                 [CascadingVI(), CascadingBPI(epsilon=0.5)], horizon=300, n_replications=3, seed=1)
    stored = results["environments"][1].result
    np.testing.assert_array_equal(stored.cumulative_regret, direct.cumulative_regret)
    for name in ("clicks", "episodes_used", "stopped", "final_gap"):
        np.testing.assert_array_equal(stored.metrics[name], direct.metrics[name])
    assert load_results(tmp_path / "out")["environments"][0].result.metrics["clicks"].shape == (2, 3, 300)
    report = write_report(tmp_path / "out").read_text()
    assert "Cascading metrics" in report and "asymptotic lower bound" in report
    assert "(log)" in report or "regret_env0" in report

    bad = dict(config, policies=[{"name": "cascade_ucb1"}])
    from bandits import ConfigError

    with pytest.raises(ConfigError, match=r"environments\[1\] \(RandomCascadingMDP\) with policies\[0\]: CascadeUCB1 is a cascading-bandit algorithm"):
        run_experiment(bad, tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12), st.integers(1, 5), st.integers(2, 10**6), st.data())
def test_cascade_index_lists_equal_the_top_m_of_all_exact_indices(n_items, m, k, data):
    """The pruned CascadeKL-UCB plan (exact indices only where Pinsker bounds reach the top m)
    and CascadeUCB1's plan equal the top m of every item's index computed from its definition,
    in decreasing index order, ties in priority order."""
    from bandits.policies.cascading import cascade_index_init, cascade_index_plan
    from bandits.policies.classic import kl_ucb_index

    m = min(m, n_items)
    counts = np.array(data.draw(st.lists(st.integers(0, 50), min_size=n_items, max_size=n_items)), float)
    clicks = np.array([data.draw(st.integers(0, int(n))) for n in counts], float)
    for cls in (CascadeKLUCB, CascadeUCB1):
        policy = cls()
        hyper = policy.kernel_hyper(None, None)
        state = cascade_index_init(1, n_items, 1, m, hyper)
        state[0][:] = counts
        state[1][:] = clicks
        items, lengths = np.zeros((1, 1, m), np.int64), np.zeros((1, 1), np.int64)
        cascade_index_plan(state, hyper, k, np.random.default_rng(0), items, lengths)
        log_t = math.log(max(k - 1, 1))
        if cls is CascadeKLUCB:
            threshold = max(log_t + (3 * math.log(log_t) if log_t > 1 else 0.0), 0.0)
            exact = [math.inf if n == 0 else kl_ucb_index(c / n, threshold / n) for n, c in zip(counts, clicks)]
        else:
            exact = [math.inf if n == 0 else c / n + math.sqrt(1.5 * log_t / n) for n, c in zip(counts, clicks)]
        priority = list(range(n_items))  # k > 1: no draw happened, identity order
        expected = sorted(range(n_items), key=lambda e: (-exact[e], priority.index(e)))[:m]
        assert lengths[0, 0] == m
        assert items[0, 0].tolist() == expected


def test_bench_measures_cascading_policies_with_both_drivers(capsys):
    """`regretlab bench` on cascading policies: the fused loop and the Gym shell give the same
    regrets on the same seeds (the final regret is a mean over the same replications)."""
    import json

    from bandits.cli import main

    args = ["bench", "--policy", "cascading_vi", "--arms", "5", "--horizon", "40", "--reps", "2", "--repeats", "1", "--json"]
    assert main(args) == 0
    fused = json.loads(capsys.readouterr().out)
    assert main(args + ["--gym"]) == 0
    shell = json.loads(capsys.readouterr().out)
    assert fused["env"] == "cascading_mdp" and fused["time_unit"] == "episode"
    assert fused["mean_regret"] == pytest.approx(shell["mean_regret"], abs=1e-9)
    assert main(["bench", "--policy", "cascade_ucb1", "--arms", "6", "--horizon", "50", "--reps", "2", "--repeats", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["env"] == "cascading_bandit"
    assert main(["bench", "--policy", "cascade_ucb1", "--env", "bernoulli", "--reps", "1", "--repeats", "1"]) == 2


def test_oracle_and_best_perm_reach_the_same_optimistic_values_from_the_same_statistics():
    """CascadingVI-Oracle replaces BestPerm by exhaustive search: planning from identical
    statistics (taken from a CascadingVI run at several points) gives the same optimistic values
    V_up at every (h, s) to 1e-12 (the lists may differ among lists of equal value)."""
    import copy

    from bandits.policies.cascading import cascading_vi_plan

    problem = E.RandomCascadingMDP(n_items=6, n_states=3, episode_length=3, list_length=3, instance_seed=4)
    env = E.CascadingMDPEnv(problem)
    vi, oracle = CascadingVI(), CascadingVIOracle()
    vi.reset(problem, seed=1, horizon=3000)
    oracle_hyper = oracle.kernel_hyper(problem.learner_view, 3000)
    obs, _ = env.reset(seed=2)
    for k in range(3000):
        if k:
            obs, _ = env.reset()
        for _ in range(3):
            action = vi.select(obs)
            obs, reward, _, _, info = env.step(action)
            vi.update(action, reward, info)
        if k in (0, 10, 300, 2999):
            state = copy.deepcopy(vi.state)
            items = np.zeros((3, 3, 3), np.int64)
            lengths = np.zeros((3, 3), np.int64)
            cascading_vi_plan(state, oracle_hyper, k + 2, np.random.default_rng(0), items, lengths)
            vi_state = copy.deepcopy(vi.state)
            vi_items, vi_lengths = np.zeros_like(items), np.zeros_like(lengths)
            cascading_vi_plan(vi_state, vi.kernel_hyper(problem.learner_view, 3000), k + 2,
                              np.random.default_rng(0), vi_items, vi_lengths)
            np.testing.assert_allclose(state[4], vi_state[4], rtol=0, atol=1e-12)  # V_up
            assert np.all(state[5] <= state[4] + 1e-12)  # V_low <= V_up
