"""Cascading policies (CascadeUCB1 and CascadeKL-UCB, Kveton et al., ICML 2015, arXiv:1502.02763;
CascadingVI, its Oracle and Bonus variants, CascadingBPI and AdaptVI, Du, Srikant & Chen, ICLR
2024, arXiv:2401.08961): the policy contract, their kernels against their definitions, optimism,
the runner and the experiment pipeline, and the statistical behaviour the papers predict."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bandits.core.conformance import check_policy
from bandits.core.indices import kl_ucb_index
from bandits.core.validation import ParameterError
from bandits.policies.cascading import (
    AdaptVI,
    CascadeKLUCB,
    CascadeUCB1,
    CascadingBPI,
    CascadingVI,
    CascadingVIBonus,
    CascadingVIOracle,
)
from bandits.policies.cascading.index_policies import cascade_index_init, cascade_index_plan
from bandits.policies.cascading.value_iteration import cascading_vi_plan
from bandits.policies.classic import UCB1
from bandits.runner import run
from environments.cascading import BLBCascadingBandit, CascadeFeedback, RandomCascadingMDP
from environments.classic import BernoulliBandit

ALL_POLICIES = [CascadeUCB1, CascadeKLUCB, CascadingVI, CascadingVIOracle, CascadingVIBonus, CascadingBPI, AdaptVI]


# ---------------------------------------------------------------------------------------------
# The contract
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL_POLICIES, ids=lambda c: c.name)
def test_every_cascading_policy_passes_check_policy(cls):
    check_policy(cls())


@pytest.mark.parametrize(
    "build, parameter, message",
    [
        (lambda: CascadingVI(delta=0.0), "delta", r"delta: must be in \(0, 1\)"),
        (lambda: CascadingVI(bonus_constants=(1.0, -1.0, 1.0)), "bonus_constants", "bonus_constants: must be three"),
        (lambda: CascadingVI(bonus_constants="abc"), "bonus_constants", "bonus_constants: must be three"),
        (lambda: CascadingVI(log_horizon="sometimes"), "log_horizon", "log_horizon: must be one of"),
        (lambda: CascadingBPI(epsilon=0.0), "epsilon", "epsilon: must be > 0"),
        (lambda: CascadeUCB1(c=0), "c", "c: must be > 0"),
        (lambda: AdaptVI(bonus_scale=-1), "bonus_scale", "bonus_scale: must be > 0"),
    ],
)
def test_invalid_hyper_parameters_are_rejected(build, parameter, message):
    with pytest.raises(ParameterError, match=message) as caught:
        build()
    assert caught.value.parameter == parameter


def test_run_rejects_policies_of_another_setting_and_missing_horizon():
    problem = BLBCascadingBandit(6, 2)
    with pytest.raises(ValueError, match=r"policies\[0\]: must be a policy of the 'cascading' setting"):
        run(problem, [UCB1()], horizon=10, n_replications=1, seed=0)
    with pytest.raises(ValueError, match=r"policies\[0\]: must be a policy of the 'classic' setting"):
        run(BernoulliBandit([0.1, 0.2]), [CascadeUCB1()], horizon=10, n_replications=1, seed=0)
    for other in (object(), UCB1()):
        with pytest.raises(ParameterError, match="policy: must be a policy of the 'cascading' setting") as caught:
            problem.check_policy_compatible(other)
        assert caught.value.parameter == "policy"
    # the setting's own check comes after the setting check
    with pytest.raises(ParameterError, match="S = H = 1 and unit rewards") as caught:
        RandomCascadingMDP(n_items=4).check_policy_compatible(CascadeUCB1(), "policies[2]")
    assert caught.value.parameter == "policies[2]"
    with pytest.raises(ValueError, match="horizon"):
        CascadingVI().reset(problem, seed=0)  # log_horizon="known" needs K
    CascadingVI(log_horizon="anytime").reset(problem, seed=0)
    with pytest.raises(ValueError, match="S = H = 1 and unit rewards"):
        CascadeUCB1().reset(RandomCascadingMDP(n_items=4), seed=0)
    with pytest.raises(ValueError, match="view: must be a CascadeLearnerView"):
        CascadingVI(log_horizon="anytime").reset(BernoulliBandit([0.1, 0.2]), seed=0)


def test_the_face_takes_views_problems_and_environments_alike():
    problem = RandomCascadingMDP(n_items=5, n_states=2, episode_length=2, list_length=2, instance_seed=1)
    plans = []
    for source in (problem.learner_view, problem, problem.make_env(10)):
        policy = CascadingVI().reset(source, seed=4, horizon=10)
        for k in range(3):
            policy.select(np.array([0, k % 2]))
            policy.update(policy.select(np.array([1, 0])), CascadeFeedback(1, 0, 0, 1, 0.5))
        plans.append(tuple(a.copy() for a in policy.plan))
    for items, lengths in plans[1:]:
        np.testing.assert_array_equal(items, plans[0][0])
        np.testing.assert_array_equal(lengths, plans[0][1])
    assert policy.episode == 3 and not policy.stopped
    with pytest.raises(ValueError, match=r"observation: \(h, s\) must be in \[0, 2\) x \[0, 2\)"):
        policy.select(np.array([2, 0]))


def test_update_names_the_feedback_reward_it_refuses():
    problem = RandomCascadingMDP(n_items=4, n_states=2, episode_length=2, list_length=2, instance_seed=1)
    policy = CascadingVI().reset(problem, seed=0, horizon=10)
    action = policy.select(np.array([0, 0]))
    for reward, rule in (
        (1.5, r"CascadingVI needs finite rewards in \[0, 1\], got 1.5"),
        (float("nan"), "needs finite rewards"),
        ("high", "must be a real number"),
    ):
        with pytest.raises(ParameterError, match=rule) as caught:
            policy.update(action, CascadeFeedback(0, 0, 0, 1, reward))
        assert caught.value.parameter == "feedback.reward" and str(caught.value).startswith("feedback.reward: ")
    policy.update(action, CascadeFeedback(0, 0, 0, 1, 1.0))


@pytest.mark.parametrize("value_cap", ["horizon", "remaining"])
def test_optimism_upper_value_dominates_v_star_in_every_episode(value_cap):
    """Optimism with our fix for items below the no-click item: V_up_1(s_1) >= V*_1(s_1) in every
    episode (fails with probability <= delta)."""
    for seed in range(3):
        problem = RandomCascadingMDP(n_items=4, n_states=2, episode_length=2, list_length=2, instance_seed=seed)
        env = problem.make_env(2000)
        policy = CascadingVI(value_cap=value_cap).reset(problem, seed=seed, horizon=2000)
        view = policy.view
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
                policy.update(action, view.feedback(reward, info))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12), st.integers(1, 5), st.integers(2, 10**6), st.data())
def test_cascade_index_lists_equal_the_top_m_of_all_exact_indices(n_items, m, k, data):
    """The pruned CascadeKL-UCB plan (exact indices only where Pinsker bounds reach the top m)
    and CascadeUCB1's plan equal the top m of every item's index computed from its definition,
    in decreasing index order, ties in priority order."""
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


def test_oracle_and_best_perm_reach_the_same_optimistic_values_from_the_same_statistics():
    """CascadingVI-Oracle replaces BestPerm by exhaustive search: planning from identical
    statistics (taken from a CascadingVI run at several points) gives the same optimistic values
    V_up at every (h, s) to 1e-12 (the lists may differ among lists of equal value)."""
    problem = RandomCascadingMDP(n_items=6, n_states=3, episode_length=3, list_length=3, instance_seed=4)
    env = problem.make_env(3000)
    vi, oracle = CascadingVI(), CascadingVIOracle()
    vi.reset(problem, seed=1, horizon=3000)
    view = vi.view
    oracle_hyper = oracle.kernel_hyper(view, 3000)
    obs, _ = env.reset(seed=2)
    for k in range(3000):
        if k:
            obs, _ = env.reset()
        for _ in range(3):
            action = vi.select(obs)
            obs, reward, _, _, info = env.step(action)
            vi.update(action, view.feedback(reward, info))
        if k in (0, 10, 300, 2999):
            state = copy.deepcopy(vi.state)
            items = np.zeros((3, 3, 3), np.int64)
            lengths = np.zeros((3, 3), np.int64)
            cascading_vi_plan(state, oracle_hyper, k + 2, np.random.default_rng(0), items, lengths)
            vi_state = copy.deepcopy(vi.state)
            vi_items, vi_lengths = np.zeros_like(items), np.zeros_like(lengths)
            cascading_vi_plan(vi_state, vi.kernel_hyper(view, 3000), k + 2, np.random.default_rng(0), vi_items, vi_lengths)
            np.testing.assert_allclose(state[4], vi_state[4], rtol=0, atol=1e-12)  # V_up
            assert np.all(state[5] <= state[4] + 1e-12)  # V_low <= V_up


# ---------------------------------------------------------------------------------------------
# The runner and the experiment pipeline
# ---------------------------------------------------------------------------------------------
def test_results_do_not_depend_on_n_jobs_and_regret_never_decreases():
    problem = RandomCascadingMDP(n_items=5, n_states=3, episode_length=2, list_length=2, instance_seed=2)
    policies = [CascadingVI(), CascadingVIOracle(), AdaptVI()]
    one = run(problem, policies, horizon=300, n_replications=4, seed=9, n_jobs=1)
    two = run(problem, policies, horizon=300, n_replications=4, seed=9, n_jobs=2)
    for name in ("cumulative_regret", "cumulative_reward", "pull_counts"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
    np.testing.assert_array_equal(one.metrics["clicks"], two.metrics["clicks"])
    assert np.all(np.diff(one.cumulative_regret, axis=2) >= -1e-12)
    assert np.all(one.cumulative_regret >= -1e-12)
    assert one.pull_counts[0].sum(axis=1).min() > 0


def test_bpi_stops_with_an_epsilon_optimal_policy():
    problem = RandomCascadingMDP(n_items=4, n_states=2, episode_length=2, list_length=2, instance_seed=1)
    result = run(problem, [CascadingBPI(epsilon=0.2, delta=0.1)], horizon=200_000, n_replications=4, seed=2, n_jobs=2)
    assert np.all(result.metrics["stopped"] == 1)
    assert np.all(result.metrics["episodes_used"] < 200_000)
    assert np.all(result.metrics["final_gap"] <= 0.2)
    # after stopping, nothing more is played: the last record equals the value at the stop
    assert np.all(result.cumulative_regret[:, :, -1] == result.cumulative_regret[:, :, -2])


def test_experiment_pipeline_stores_cascading_metrics_and_reports_them(tmp_path):
    from bandits import ConfigError, load_results, run_experiment, write_report

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
    direct = run(RandomCascadingMDP(n_items=4, n_states=2, episode_length=2, list_length=2),
                 [CascadingVI(), CascadingBPI(epsilon=0.5)], horizon=300, n_replications=3, seed=1)
    stored = results["environments"][1].result
    np.testing.assert_array_equal(stored.cumulative_regret, direct.cumulative_regret)
    for name in ("clicks", "episodes_used", "stopped", "final_gap"):
        np.testing.assert_array_equal(stored.metrics[name], direct.metrics[name])
    loaded = load_results(tmp_path / "out")["environments"][0].result
    assert loaded.metrics["clicks"].shape == (2, 3, loaded.record_points.size)
    report = write_report(tmp_path / "out").read_text()
    assert "Cascading metrics" in report and "asymptotic lower bound" in report
    assert "stopped (fraction)" in report  # CascadingBPI can stop: the stopping columns are shown
    assert "(log)" in report or "regret_env0" in report

    bad = dict(config, policies=[{"name": "cascade_ucb1"}])
    with pytest.raises(ConfigError, match=r"environments\[1\] \(RandomCascadingMDP\) with policies\[0\]: CascadeUCB1 is a cascading-bandit algorithm"):
        run_experiment(bad, tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


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


# ---------------------------------------------------------------------------------------------
# Statistical behaviour (Kveton et al.'s lower bound; Du et al.'s sublinear regret)
# ---------------------------------------------------------------------------------------------
@pytest.mark.statistical
def test_cascade_kl_ucb_regret_grows_logarithmically_above_the_lower_bound():
    """B_LB(16, 4, 0.2, 0.15), n = 10^5, 6 runs. Regret per unit of ln n over the last decade is
    (a) not larger than over the decade before (log-like, not polynomial: a T^a rate would
    multiply it by 10^a), and (b) above the asymptotic lower-bound constant (about 9.8), both
    beyond 3 standard errors. CascadeUCB1's regret is larger (Kveton et al.'s ordering)."""
    problem = BLBCascadingBandit(16, 4, 0.2, 0.15)
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
    problem = RandomCascadingMDP(n_items=25, n_states=2, episode_length=2, list_length=3, instance_seed=1)
    points = np.array([10_000, 50_000])
    result = run(problem, [CascadingVI(), AdaptVI()], horizon=50_000, n_replications=6, seed=3,
                 record_points=points, n_jobs=2)
    slopes = np.log(result.cumulative_regret[:, :, 1] / result.cumulative_regret[:, :, 0]) / math.log(5)
    vi = slopes[0]
    assert vi.mean() + 3 * vi.std(ddof=1) / math.sqrt(vi.size) < 0.9
    assert slopes[1].mean() > 0.95
    assert np.all(result.final_regret[0] < result.final_regret[1])
