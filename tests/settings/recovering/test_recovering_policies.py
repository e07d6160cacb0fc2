"""Recovering-rewards policies (Simchi-Levi, Zheng & Zhu, ICML 2021, arXiv:2106.14813): the policy
contract with non-default hyper-parameters (the registry test covers the defaults), validation,
who may read the oracle table, and behaviour with exact or statistical oracles: PurelyPeriodic
against top-K selection (d_max = 1), the closed-form fluid bound (N <= K) and the stationary
periodic lower bound; PeriodicUCB's samples against the periods the LP can choose; MyopicGreedy
and RandomSubset against their definitions.

Fused-loop compilations: PurelyPeriodic, PeriodicUCB, MyopicGreedy and RandomSubset, one each
(every problem here has the same array types; hyper-parameters change values, not types).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bandits.core.conformance import check_policy
from bandits.core.validation import ParameterError
from bandits.policies.recovering import (
    CombinatorialUCB,
    MyopicGreedy,
    MyopicGreedyUCB,
    PeriodicUCB,
    PurelyPeriodic,
    RandomSubset,
)
from bandits.runner import run
from environments.recovering import (
    RandomRecoveringBandit,
    RecoveringBandit,
    RecoveringLearnerView,
)

LEARNERS = [PeriodicUCB, MyopicGreedyUCB, CombinatorialUCB, RandomSubset]
ORACLES = [PurelyPeriodic, MyopicGreedy]


# ---------------------------------------------------------------------------------------------
# The contract with non-default hyper-parameters
# ---------------------------------------------------------------------------------------------
NON_DEFAULT = [
    pytest.param(policy, id=policy.label) for policy in (
        PeriodicUCB(epochs="fixed", first_epoch=7, rounding="deterministic", collisions="greedy"),
        PeriodicUCB(ucb_scale=0.2, delta=0.05, epochs="time_doubling", monotone_tightening=False, capacity_scale=0.6),
        PurelyPeriodic(rounding="deterministic", collisions="greedy", capacity_scale=0.8),
        PurelyPeriodic(capacity_scale=0.5),
        MyopicGreedyUCB(ucb_scale=0.3, delta=0.01),
        CombinatorialUCB(ucb_scale=1.5, delta=0.1),
    )
]


@pytest.mark.parametrize("policy", NON_DEFAULT)
def test_policies_with_non_default_hyper_parameters_pass_check_policy(policy):
    check_policy(policy)


@pytest.mark.parametrize(
    "build, parameter, rule",
    [
        (lambda: PurelyPeriodic(rounding="nearest"), "rounding", "one of"),
        (lambda: PurelyPeriodic(collisions="first"), "collisions", "one of"),
        (lambda: PurelyPeriodic(capacity_scale=0.0), "capacity_scale", r"\(0, 1\]"),
        (lambda: PurelyPeriodic(capacity_scale=1.5), "capacity_scale", r"\(0, 1\]"),
        (lambda: PurelyPeriodic(capacity_scale=float("nan")), "capacity_scale", "finite"),
        (lambda: PeriodicUCB(rounding="up"), "rounding", "one of"),
        (lambda: PeriodicUCB(collisions=None), "collisions", "one of"),
        (lambda: PeriodicUCB(capacity_scale=-1), "capacity_scale", r"\(0, 1\]"),
        (lambda: PeriodicUCB(ucb_scale=-0.1), "ucb_scale", ">= 0"),
        (lambda: PeriodicUCB(ucb_scale="big"), "ucb_scale", "real number"),
        (lambda: PeriodicUCB(delta=0.0), "delta", r"\(0, 1\)"),
        (lambda: PeriodicUCB(delta=1.0), "delta", r"\(0, 1\)"),
        (lambda: PeriodicUCB(epochs="halving"), "epochs", "one of"),
        (lambda: PeriodicUCB(first_epoch=0), "first_epoch", ">= 1"),
        (lambda: PeriodicUCB(first_epoch=2.5), "first_epoch", "integer"),
        (lambda: PeriodicUCB(first_epoch=2**63), "first_epoch", "<= 4611686018427387904"),
        (lambda: PeriodicUCB(monotone_tightening=1), "monotone_tightening", "True or False"),
        (lambda: PeriodicUCB(monotone_tightening="yes"), "monotone_tightening", "True or False"),
        (lambda: MyopicGreedyUCB(ucb_scale=-1.0), "ucb_scale", ">= 0"),
        (lambda: MyopicGreedyUCB(delta=2.0), "delta", r"\(0, 1\)"),
        (lambda: CombinatorialUCB(delta=0.0), "delta", r"\(0, 1\)"),
    ],
)
def test_invalid_hyper_parameters_raise_parameter_error_naming_them(build, parameter, rule):
    with pytest.raises(ParameterError, match=rule) as caught:
        build()
    assert caught.value.parameter == parameter and str(caught.value).startswith(f"{parameter}: ")


def test_horizon_is_required_only_by_horizon_dependent_defaults():
    problem = RandomRecoveringBandit("concave", n_arms=4, d_max=3, max_pulls=2)
    for policy in (PeriodicUCB(), PeriodicUCB(delta=0.1, epochs="fixed"), MyopicGreedyUCB(), CombinatorialUCB()):
        with pytest.raises(ParameterError, match="^horizon: ") as caught:
            policy.reset(problem, seed=0)
        assert caught.value.parameter == "horizon"
    for policy in (PeriodicUCB(delta=0.1), PeriodicUCB(delta=0.1, epochs="fixed", first_epoch=5),
                   MyopicGreedyUCB(delta=0.1), CombinatorialUCB(delta=0.1), PurelyPeriodic(), MyopicGreedy(),
                   RandomSubset()):
        policy.reset(problem, seed=0)
        assert policy.select().sum() <= 2


# ---------------------------------------------------------------------------------------------
# The oracle field
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ORACLES, ids=lambda c: c.name)
def test_oracle_policies_refuse_a_view_without_the_true_table(cls):
    view = RecoveringLearnerView(4, 2, 3)
    assert view.oracle_recovery is None
    policy = cls()
    with pytest.raises(ValueError, match="oracle") as caught:
        policy.reset(view, seed=0)
    assert isinstance(caught.value, ParameterError)
    with pytest.raises(RuntimeError, match="reset"):  # a failed reset leaves the policy un-reset
        policy.select()
    with pytest.raises(ParameterError, match=r"^policies\[0\]: .*oracle"):
        policy.check_view(view, "policies[0]")


def play(policy, view, problem, horizon, env_seed, policy_seed, use_observation=True):
    """The actions of ``policy`` reset with ``view``, driven through the problem's shell."""
    env = problem.make_env(horizon)
    obs, _ = env.reset(seed=env_seed)
    policy.reset(view, seed=policy_seed, horizon=horizon)
    actions = []
    for _ in range(horizon):
        action = policy.select(obs if use_observation else None)
        obs, reward, _, _, info = env.step(action)
        policy.update(action, policy.view.feedback(reward, info))
        actions.append(action.copy())
    return np.array(actions)


@pytest.mark.parametrize("cls", LEARNERS, ids=lambda c: c.name)
def test_learners_never_read_the_oracle_table(cls):
    """Same seeds, same actions whether the view carries the true table, none, or a wrong one;
    and the face's own idle bookkeeping (select(None)) equals the shell's observation."""
    problem = RandomRecoveringBandit("logistic", n_arms=6, d_max=4, max_pulls=2, instance_seed=8,
                                     initial_idle=[1, 2, 3, 4, 4, 2])
    true = problem.learner_view
    blind = RecoveringLearnerView(6, 2, 4, true.initial_idle)
    wrong = RecoveringLearnerView(6, 2, 4, true.initial_idle, np.ones((6, 4)))
    reference = play(cls(), true, problem, 300, 3, 4)
    for view in (blind, wrong):
        np.testing.assert_array_equal(play(cls(), view, problem, 300, 3, 4), reference)
    np.testing.assert_array_equal(play(cls(), blind, problem, 300, 3, 4, use_observation=False), reference)


# ---------------------------------------------------------------------------------------------
# PurelyPeriodic
# ---------------------------------------------------------------------------------------------
def test_with_d_max_one_purely_periodic_pulls_the_top_k_arms_every_period():
    problem = RecoveringBandit([[0.3], [0.9], [0.1], [0.7], [0.5]], max_pulls=2)
    horizon = 500
    policies = [PurelyPeriodic(rounding="deterministic"), PurelyPeriodic(), PurelyPeriodic(collisions="greedy")]
    result = run(problem, policies, horizon=horizon, n_replications=3, seed=1)
    expected = np.array([0, horizon, 0, horizon, 0])
    np.testing.assert_array_equal(result.pull_counts, np.broadcast_to(expected, result.pull_counts.shape))
    np.testing.assert_allclose(result.metrics["expected_reward"][..., -1], 1.6 * horizon, rtol=1e-12)


def test_without_collisions_purely_periodic_earns_the_closed_form_fluid_bound():
    """N <= K: the capacity never binds, so UB* = sum_i max_d R_i(d) / d, every arm runs at its
    best period, and T periods earn T UB* up to the start (at most N d_max)."""
    horizon = 3000
    for problem in (RandomRecoveringBandit("logistic", n_arms=3, d_max=6, max_pulls=3, instance_seed=5),
                    RandomRecoveringBandit("concave", n_arms=3, d_max=5, max_pulls=3, instance_seed=1,
                                           initial_idle=[1, 1, 1]),
                    RandomRecoveringBandit("step", n_arms=2, d_max=4, max_pulls=2, instance_seed=2)):
        table = problem.recovery
        d = np.arange(1, problem.d_max + 1)
        bound = float(sum(max(row / d) for row in table))
        assert problem.fluid_upper_bound == pytest.approx(bound, rel=1e-12)
        result = run(problem, [PurelyPeriodic(rounding="randomised"), PurelyPeriodic(rounding="deterministic")],
                     horizon=horizon, n_replications=4, seed=2)
        earned = result.metrics["expected_reward"][..., -1]
        slack = problem.n_arms * problem.d_max
        assert np.all(np.abs(earned - horizon * bound) <= slack), (earned, horizon * bound)
        best = np.argmax(table / d, axis=1) + 1
        for i in range(problem.n_arms):  # each arm's pulls: all but possibly the first at its best period
            by_idle = result.metrics["pulls_by_idle"][:, :, i]
            assert np.all(by_idle.sum(axis=-1) - by_idle[..., best[i] - 1] <= 1)


@pytest.mark.parametrize("problem", [
    RandomRecoveringBandit("logistic", n_arms=8, d_max=6, max_pulls=2, instance_seed=1),
    RandomRecoveringBandit("linear", n_arms=9, d_max=6, max_pulls=3, instance_seed=0),
], ids=["logistic", "linear"])
def test_purely_periodic_earns_at_least_the_periodic_lower_bound(problem):
    """Average expected reward over 100 replications of 2000 periods >= the stationary lower
    bound of its rounding minus 4 standard errors (and a float-summation margin), for random and
    greedy collisions."""
    policies = [PurelyPeriodic(rounding=r, collisions=c) for r in ("randomised", "deterministic")
                for c in ("random", "greedy")]
    horizon, n = 2000, 100
    result = run(problem, policies, horizon=horizon, n_replications=n, seed=3, n_jobs=2,
                 record_points=np.array([horizon]))
    for k, policy in enumerate(policies):
        average = result.metrics["expected_reward"][k, :, -1] / horizon
        se = average.std(ddof=1) / math.sqrt(n)
        bound = problem.periodic_lower_bound(policy.rounding)
        assert average.mean() >= bound - 4 * se - 1e-9, (policy.label, average.mean(), bound, se)
        assert average.max() <= problem.fluid_upper_bound + problem.n_arms / horizon
    assert np.all(result.pull_counts.sum(axis=-1) <= problem.max_pulls * horizon)


# ---------------------------------------------------------------------------------------------
# PeriodicUCB: samples only where the LP can schedule
# ---------------------------------------------------------------------------------------------
#: N = 2 <= K = 2 (no collisions; the capacity never binds, so each arm runs at the argmax of
#: its optimistic UCB_i(d) / d). Arm 0's best period is 3 (0.9 / 3 = 0.3 > 0.1 / 2, 0.05); arm 1's
#: is 2 (0.8 / 2 = 0.4 > 0.85 / 3, 0.05). An index is at most 1, so a period d can be chosen
#: only while 1 / d beats the index of every shorter period: as long as the confidence bounds
#: hold (UCB_i(d) >= R_i(d), and untried pairs have index 1), arm 0 never runs at d >= 4
#: (1/4 < 0.9/3) and arm 1 never at d >= 3 (1/3 < 0.8/2).
KNOWN_PERIODS = np.array([[0.05, 0.1, 0.9, 0.9, 0.9, 0.9],
                          [0.05, 0.8, 0.85, 0.9, 0.9, 0.9]])


def test_periodic_ucb_samples_idle_times_only_where_the_lp_schedules():
    problem = RecoveringBandit(KNOWN_PERIODS, max_pulls=2)
    assert problem.fluid_upper_bound == pytest.approx(0.3 + 0.4, rel=1e-12)
    horizon, first = 20_000, 12
    policies = [PeriodicUCB(), PeriodicUCB(epochs="time_doubling", first_epoch=first)]
    result = run(problem, policies, horizon=horizon, n_replications=6, seed=5, n_jobs=2,
                 record_points=np.array([horizon]))
    by_idle = result.metrics["pulls_by_idle"]
    pulls = by_idle.sum(axis=-1)
    never_scheduled = np.stack([by_idle[:, :, 0, 3:].sum(-1), by_idle[:, :, 1, 2:].sum(-1)], axis=-1)
    # Within one plan an arm is pulled exactly at its period, except its first pull (idle up to
    # 2 d - 1, or d_max at the start): off-grid pulls are at most one per plan and arm. Time
    # doubling re-plans at t = 1, 1 + 12, 1 + 12 + 24, ...
    plans = sum(1 for e in range(64) if 1 + first * (2**e - 1) <= horizon)
    assert np.all(never_scheduled[1] <= plans), (never_scheduled[1], plans)
    # the default (sample-doubling epochs): the bulk of each arm's samples is at its LP period
    assert np.all(by_idle[0, :, 0, 2] >= 0.9 * pulls[0, :, 0]) and np.all(by_idle[0, :, 1, 1] >= 0.9 * pulls[0, :, 1])
    assert np.all(never_scheduled[0] <= 0.01 * pulls[0])
    assert np.all(result.metrics["expected_reward"][0, :, -1] >= 0.95 * problem.fluid_upper_bound * horizon)


# ---------------------------------------------------------------------------------------------
# MyopicGreedy and RandomSubset
# ---------------------------------------------------------------------------------------------
def test_myopic_greedy_always_pulls_k_arms_and_random_subset_is_uniform():
    problem = RandomRecoveringBandit("random_monotone", n_arms=6, d_max=5, max_pulls=2, instance_seed=3)
    horizon, n = 20_000, 4
    result = run(problem, [MyopicGreedy(), RandomSubset()], horizon=horizon, n_replications=n, seed=8,
                 record_points=np.array([horizon]))
    assert np.all(result.pull_counts[0].sum(axis=-1) == 2 * horizon)
    assert np.all(result.pull_counts[1].sum(axis=-1) == 2 * horizon)
    p = 2 / 6  # each arm is in a uniform 2-subset of 6 with probability 1/3, independently per period
    se = math.sqrt(horizon * p * (1 - p))
    assert np.all(np.abs(result.pull_counts[1] - p * horizon) <= 5 * se), result.pull_counts[1]
    # RandomSubset's idle time at a pull is geometric (capped): P(idle = d) = (1 - p)^(d-1) p
    by_idle = result.metrics["pulls_by_idle"][1].sum(axis=(0, 1))
    total = by_idle.sum()
    expected = np.array([(1 - p) ** (d - 1) * p for d in range(1, 5)] + [(1 - p) ** 4])
    assert np.all(np.abs(by_idle / total - expected) <= 5 * np.sqrt(expected * (1 - expected) / total) + 1e-3)


def test_myopic_greedy_pulls_the_k_best_arms_at_their_current_idle_times():
    problem = RandomRecoveringBandit("concave", n_arms=5, d_max=4, max_pulls=2, instance_seed=6)
    table = problem.mean_rewards
    env = problem.make_env(200)
    obs, _ = env.reset(seed=1)
    policy = MyopicGreedy().reset(problem, seed=2)
    for _ in range(200):
        action = policy.select(obs)
        values = table[np.arange(5), obs - 1]
        assert action.sum() == 2 and values[action == 1].min() >= values[action == 0].max()
        obs, reward, _, _, info = env.step(action)
        policy.update(action, policy.view.feedback(reward, info))
