"""Statistical checks of the online policy's regret rate (Simchi-Levi, Zheng & Zhu,
arXiv:2106.14813: UCB + periodic policy, regret of order N sqrt(T) up to logarithms against the
offline benchmark) against the idle-blind combinatorial UCB, whose regret grows linearly where
recovery matters.

The instance has N = K = 3 arms whose best periods are interior (argmax_d R_i(d)/d = 3, 2, 4):
the capacity never binds, so the offline periodic policy earns T UB* up to a constant (no
collisions) and regret against UB* is the policy regret itself, with no spread from the periodic
policy's random offsets. Fixed seeds; tolerances from standard errors; no retries.
"""

from __future__ import annotations

import numpy as np
import pytest

from bandits.policies.recovering import CombinatorialUCB, PeriodicUCB, PurelyPeriodic
from bandits.runner import run
from environments.recovering import RecoveringBandit

RECOVERY = [
    [0.05, 0.30, 0.55, 0.70, 0.78, 0.82],
    [0.20, 0.45, 0.60, 0.68, 0.72, 0.74],
    [0.02, 0.10, 0.40, 0.75, 0.90, 0.95],
]
RECORD_POINTS = np.array([10**3, 10**4, 10**5, 10**6])
N_REPLICATIONS = 8


@pytest.fixture(scope="module")
def long_run():
    problem = RecoveringBandit(RECOVERY, max_pulls=3)
    policies = [PeriodicUCB(), CombinatorialUCB(), PurelyPeriodic()]
    result = run(problem, policies, horizon=10**6, n_replications=N_REPLICATIONS, seed=2021,
                 record_points=RECORD_POINTS, n_jobs=2)
    return problem, result


def _slope_and_se(regret, first, last):
    """Log-log slope of the mean regret between two record points and its standard error (delta
    method, the two ends treated as independent: conservative for positively correlated ends)."""
    mean = regret.mean(axis=0)
    se = regret.std(axis=0, ddof=1) / np.sqrt(regret.shape[0])
    span = np.log(RECORD_POINTS[last] / RECORD_POINTS[first])
    slope = np.log(mean[last] / mean[first]) / span
    slope_se = np.hypot(se[first] / mean[first], se[last] / mean[last]) / span
    return slope, slope_se


def test_offline_periodic_policy_earns_the_fluid_bound_when_capacity_is_slack(long_run):
    problem, result = long_run
    # no collisions: the schedule pays T UB* minus at most the first cycle of every arm
    regret = result.cumulative_regret[2]
    assert np.all(np.abs(regret) <= problem.n_arms * problem.d_max)


def test_periodic_ucb_regret_is_sublinear_and_idle_blind_ucb_is_linear(long_run):
    _, result = long_run
    ucb_slope, ucb_se = _slope_and_se(result.cumulative_regret[0], 0, 3)
    blind_slope, blind_se = _slope_and_se(result.cumulative_regret[1], 0, 3)
    # theory: O(sqrt(T) log T) in the worst case, O(log T) on a fixed instance with gaps
    assert ucb_slope <= 0.5 + 3 * ucb_se, (ucb_slope, ucb_se)
    # the idle-blind learner pulls every arm every period (idle time 1), after the first: a
    # deterministic loss c per period, regret c T - b with b = O(1), so the slope is 1 up to b/(cT)
    assert blind_se == 0.0
    assert abs(blind_slope - 1.0) <= 0.01, blind_slope
    # regret / sqrt(T) does not grow between T = 10^4 and 10^6 (within three standard errors)
    regret = result.cumulative_regret[0]
    scaled = regret / np.sqrt(RECORD_POINTS)
    mean = scaled.mean(axis=0)
    se = scaled.std(axis=0, ddof=1) / np.sqrt(N_REPLICATIONS)
    assert mean[3] <= mean[1] + 3 * np.hypot(se[1], se[3]), (mean, se)


def test_idle_blind_learner_pulls_at_idle_time_one(long_run):
    problem, result = long_run
    by_idle = result.metrics["pulls_by_idle"]
    blind = by_idle[1].sum(axis=(0, 1))
    assert blind[0] / blind.sum() > 0.99
    # the periodic learner pulls each arm mostly at its best period argmax_d R_i(d)/d
    table = np.asarray(RECOVERY)
    best = np.argmax(table / np.arange(1, problem.d_max + 1), axis=1)
    learner = by_idle[0].sum(axis=0)
    for arm in range(problem.n_arms):
        assert learner[arm, best[arm]] / learner[arm].sum() > 0.8, (arm, learner[arm])
