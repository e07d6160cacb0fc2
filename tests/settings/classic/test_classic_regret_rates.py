"""Statistical checks of regret rates on the classic Bernoulli bandit (fixed seeds).

Instance: K = 10 arms with means ``linspace(0.1, 0.9, 10)``. Tolerances are multiples of standard
errors computed from the replications themselves (paired across record points or policies when the
quantities come from the same replications), plus, where stated, a model tolerance for
lower-order terms that theory does not pin down.

"Regret grows like ln T" is tested as: regret is affine in ln T, i.e. the increment over the
decade 10^3..10^4 equals the increment over 10^4..10^5 (regret / ln T itself is not flat at
these horizons because of the constant term, e.g. the K initial pulls).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bandits import EXP3, KLUCB, UCB1, BernoulliThompsonSampling, ExploreThenCommit, run
from environments import BernoulliBandit

pytestmark = pytest.mark.statistical

MEANS = np.linspace(0.1, 0.9, 10)
PROBLEM = BernoulliBandit(MEANS)
N_REPLICATIONS = 50
SEED = 20261122
DECADES = np.array([1_000, 10_000, 100_000])


def lai_robbins_constant(means):
    """sum over suboptimal arms of gap / kl(mu_k, mu*), the asymptotic regret per ln T."""
    best = means.max()
    total = 0.0
    for mu in means:
        if mu < best:
            kl = mu * math.log(mu / best) + (1 - mu) * math.log((1 - mu) / (1 - best))
            total += (best - mu) / kl
    return total


@pytest.fixture(scope="module")
def logarithmic_run():
    policies = [UCB1(), KLUCB(), BernoulliThompsonSampling()]
    return run(
        PROBLEM,
        policies,
        horizon=int(DECADES[-1]),
        n_replications=N_REPLICATIONS,
        seed=SEED,
        record_points=DECADES,
        n_jobs=2,
    )


def _paired(difference):
    """Mean and standard error of per-replication values."""
    return difference.mean(), difference.std(ddof=1) / math.sqrt(difference.size)


@pytest.mark.parametrize("label", ["ucb1", "kl_ucb", "thompson_beta"])
def test_regret_is_affine_in_log_t(logarithmic_run, label):
    p = logarithmic_run.policy_labels.index(label)
    regret = logarithmic_run.cumulative_regret[p]  # (replication, decade)
    first_decade = regret[:, 1] - regret[:, 0]
    second_decade = regret[:, 2] - regret[:, 1]
    mean_difference, se_difference = _paired(second_decade - first_decade)
    mean_first, _ = _paired(first_decade)
    # equal decade increments (log growth) within 4 standard errors ...
    assert abs(mean_difference) <= 4 * se_difference, (label, mean_difference, se_difference)
    # ... and the test has power: sqrt(T) growth would make the second increment sqrt(10) times
    # the first, i.e. a difference of 2.16 * first increment, far outside the band.
    assert 4 * se_difference < 0.5 * mean_first, (label, se_difference, mean_first)
    assert mean_first > 0


def test_ordering_thompson_below_kl_ucb_below_ucb1(logarithmic_run):
    labels = logarithmic_run.policy_labels
    at_10_4 = logarithmic_run.cumulative_regret[:, :, 1]  # (policy, replication)
    ucb1, kl_ucb, thompson = (at_10_4[labels.index(x)] for x in ("ucb1", "kl_ucb", "thompson_beta"))
    for better, worse in ((thompson, kl_ucb), (kl_ucb, ucb1)):
        mean, se = _paired(worse - better)  # common random numbers: paired by replication
        assert mean > 3 * se, (mean, se)


def test_kl_ucb_rate_near_lai_robbins_constant(logarithmic_run):
    """KL-UCB is asymptotically optimal: regret per unit of ln T tends to the Lai-Robbins
    constant C (8.70 here). At T = 10^5 lower-order terms remain, so the model tolerance is a
    factor 1.5 either way on top of 3 standard errors."""
    constant = lai_robbins_constant(MEANS)
    assert constant == pytest.approx(8.70, abs=0.01)
    p = logarithmic_run.policy_labels.index("kl_ucb")
    regret = logarithmic_run.cumulative_regret[p]
    per_log_t = (regret[:, 2] - regret[:, 0]) / math.log(100)
    mean, se = _paired(per_log_t)
    assert constant / 1.5 - 3 * se <= mean <= 1.5 * constant + 3 * se, (mean, se, constant)


def _log_log_slope(horizons, final_regrets):
    """Least-squares slope of log(mean regret) on log T, and its standard error from the
    per-horizon standard errors (delta method; horizons treated as independent)."""
    x = np.log(horizons)
    means = np.array([r.mean() for r in final_regrets])
    ses = np.array([r.std(ddof=1) / math.sqrt(r.size) for r in final_regrets])
    weights = (x - x.mean()) / np.sum((x - x.mean()) ** 2)
    slope = float(weights @ np.log(means))
    slope_se = float(math.sqrt(np.sum(weights**2 * (ses / means) ** 2)))
    return slope, slope_se


def test_exp3_regret_slope_one_half():
    """Horizon-tuned EXP3 (eta = sqrt(2 ln K / (T K))): regret of order sqrt(T K ln K).
    Model tolerance 0.06 for lower-order terms."""
    horizons = 1_000 * 2 ** np.arange(0, 9)  # 10^3 .. 2.56 * 10^5
    finals = [
        run(PROBLEM, [EXP3()], horizon=int(T), n_replications=30, seed=SEED, record_points=[int(T)], n_jobs=2).final_regret[0]
        for T in horizons
    ]
    slope, slope_se = _log_log_slope(horizons, finals)
    assert abs(slope - 0.5) <= 0.06 + 3 * slope_se, (slope, slope_se)


def test_explore_then_commit_regret_slope_two_thirds():
    """ETC with m = ceil((T/K)^(2/3)) pulls per arm: exploration costs exactly m * sum(gaps)
    (a deterministic lower bound), and once m is large the commit is right, so regret grows like
    T^(2/3). The slope is fitted where the exploration term dominates (T >= 4 * 10^4)."""
    horizons = 40_000 * 2 ** np.arange(0, 6)  # 4 * 10^4 .. 1.28 * 10^6
    gaps_sum = PROBLEM.gaps.sum()
    finals = []
    for T in horizons:
        final = run(PROBLEM, [ExploreThenCommit()], horizon=int(T), n_replications=20, seed=SEED, record_points=[int(T)]).final_regret[0]
        m = max(1, math.ceil((T / 10) ** (2 / 3)))
        exploration_cost = m * gaps_sum
        assert np.all(final >= exploration_cost - 1e-6 * exploration_cost)
        # upper bound: every commit step at most the largest gap
        assert np.all(final <= exploration_cost + (T - 10 * m) * PROBLEM.gaps.max() + 1e-6)
        finals.append(final)
    slope, slope_se = _log_log_slope(horizons, finals)
    assert abs(slope - 2 / 3) <= 0.03 + 3 * slope_se, (slope, slope_se)
