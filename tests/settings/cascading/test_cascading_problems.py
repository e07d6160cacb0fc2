"""Cascading problems (Kveton et al., ICML 2015, arXiv:1502.02763; Du, Srikant & Chen, ICLR 2024,
arXiv:2401.08961): exact values against Monte Carlo, the bandit as the MDP with one state and one
step, Kveton's B_LB family, exact plan evaluation and the errors of bad parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bandits.core.validation import ParameterError
from bandits.policies.cascading import CascadeKLUCB, CascadingVI
from bandits.runner import run
from environments.cascading import BLBCascadingBandit, CascadingBandit, CascadingMDP, RandomCascadingMDP


def test_policy_value_equals_monte_carlo_rollouts_of_the_shell():
    """Exact evaluation of a fixed (random) plan against 20,000 episodes of the Gym shell; the
    tolerance is 4 standard errors of the Monte Carlo mean."""
    problem = RandomCascadingMDP(n_items=6, n_states=4, episode_length=3, list_length=3, instance_seed=11,
                                 attraction_regime="low_ctr")
    rng = np.random.default_rng(5)
    H, S, m, N = 3, 4, 3, 6
    items = np.zeros((H, S, m), np.int64)
    lengths = rng.integers(1, m + 1, size=(H, S))
    for h in range(H):
        for s in range(S):
            items[h, s] = rng.permutation(N)[:m]
    exact = problem.plan_value(items, lengths)
    env = problem.make_env(20_000)
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
    assert env.elapsed == 20_000


def test_bandit_is_the_mdp_with_one_state_one_step_and_unit_rewards():
    """The same policy on the same seeds gives identical arrays on both forms."""
    attraction = np.array([0.05, 0.3, 0.2, 0.12, 0.4, 0.08])
    bandit = CascadingBandit(attraction, list_length=3)
    mdp = CascadingMDP(attraction[None, :], np.ones((1, 6)), np.ones((1, 7, 1)), episode_length=1, list_length=3)
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
    problem = BLBCascadingBandit(16, 4, 0.2, 0.15)
    np.testing.assert_allclose(problem.expected_rewards, [0.2] * 4 + [0.2 - 0.15] * 12, rtol=0, atol=0)
    assert problem.optimal_expected_reward == pytest.approx(1 - 0.8**4, abs=1e-15)
    kl = 0.05 * math.log(0.05 / 0.2) + 0.95 * math.log(0.95 / 0.8)
    assert problem.lower_bound_constant() == pytest.approx(12 * 0.15 * 0.8**3 / kl, rel=1e-12)
    assert 9.7 < problem.lower_bound_constant() < 9.9  # Kveton et al.'s magnitude, about 9.8


def test_plan_value_rejects_malformed_plans_naming_the_step_and_state():
    problem = RandomCascadingMDP(n_items=4, n_states=2, episode_length=2, list_length=2, instance_seed=0)
    items, lengths = (np.array(a) for a in problem.optimal_plan)
    assert problem.plan_value(items, lengths) == problem.optimal_value
    with pytest.raises(ValueError, match=r"plan: must be items of shape \(2, 2, 2\)"):
        problem.plan_value(items[:1], lengths)
    bad_items, bad_lengths = items.copy(), np.full((2, 2), 2)
    bad_items[1, 0] = [3, 3]
    with pytest.raises(ValueError, match=r"plan\[1, 0\]: must be a list of 1 to 2 distinct items in \[0, 4\), got \[3, 3\]"):
        problem.plan_value(bad_items, bad_lengths)
    bad_lengths = lengths.copy()
    bad_lengths[0, 1] = 0
    with pytest.raises(ValueError, match=r"plan\[0, 1\]"):
        problem.plan_value(items, bad_lengths)
    bad_items = np.zeros_like(items)
    bad_items[..., 0] = 4
    with pytest.raises(ValueError, match=r"plan\[0, 0\]"):
        problem.plan_value(bad_items, np.ones((2, 2), np.int64))


@pytest.mark.parametrize(
    "build, parameter, message",
    [
        (lambda: CascadingBandit([0.2, 1.5], 1), "attraction[1]", r"attraction\[1\]: must be in \[0, 1\], got 1.5"),
        (lambda: CascadingBandit([0.2, 0.5], 3), "list_length", "list_length: must be <= the number of items 2, got 3"),
        (lambda: CascadingBandit([0.2, np.nan], 1), "attraction[1]", r"attraction\[1\]: must be finite"),
        (lambda: BLBCascadingBandit(16, 4, 0.2, 0.3), "gap", "gap: must be in"),
        (lambda: RandomCascadingMDP(n_items=0), "n_items", "n_items: must be >= 1, got 0"),
        (lambda: RandomCascadingMDP(attraction_regime="high"), "attraction_regime", "attraction_regime: must be one of"),
        (lambda: CascadingMDP(np.full((1, 2), 0.5), np.ones((1, 2)), np.full((1, 3, 1), 0.5)), "transition[0, 0, :]",
         r"transition\[0, 0, :\]: must sum to 1"),
        (lambda: CascadingMDP(np.full((1, 2), 0.5), np.ones((1, 3)), np.ones((1, 3, 1))), "reward",
         r"reward: must have shape \(S, N\) = \(1, 2\), got \(1, 3\)"),
        (lambda: CascadingMDP(np.full((1, 2), 0.5), np.ones((1, 2)), np.ones((1, 2, 1))), "transition",
         r"transition: must have shape \(S, N\+1, S\)"),
        (lambda: CascadingMDP(np.full((1, 2), 0.5), np.ones((1, 2)), np.ones((1, 3, 1)), episode_length=0),
         "episode_length", "episode_length: must be >= 1"),
        (lambda: CascadingMDP(np.full((2, 2), 0.5), np.ones((2, 2)), np.full((2, 3, 2), 0.5), list_length=2,
                              initial_distribution=[0.5, 0.4]),
         "initial_distribution", "initial_distribution: must be 2 probabilities summing to 1"),
    ],
)
def test_invalid_problems_name_the_parameter_and_the_rule(build, parameter, message):
    with pytest.raises(ParameterError, match=message) as caught:
        build()
    assert caught.value.parameter == parameter
