"""Streaming bandits, theory oracles: regret / (K^(1/3) T^(2/3)) against the horizon (Chen Wang,
ICML 2023, arXiv:2306.02208): it grows like (ln T)^(1/3) for uniform exploration and is flat for
the naive epsilon-best and log* K algorithms."""

from __future__ import annotations

import numpy as np
import pytest

from bandits.policies.streaming import LogStarMemory, NaiveEpsilonBest, UniformExploration
from bandits.report.streaming import log_log_horizon_slope, normalised_regret
from environments.streaming import StreamingBandit


def test_log_log_horizon_slope_recovers_a_power_of_log_t():
    horizons = [10**6, 10**9, 10**12, 10**15]
    mean = 0.7 * np.log(np.asarray(horizons, float)) ** 0.25
    slope, se = log_log_horizon_slope(horizons, mean, 0.01 * mean)
    assert slope == pytest.approx(0.25, abs=1e-12) and se > 0
    with pytest.raises(ValueError, match="mean, se"):
        log_log_horizon_slope(horizons[:2], mean[:2], mean[:2])


def test_regret_rates_in_the_horizon():
    """regret / (K^(1/3) T^(2/3)) grows like (ln T)^(1/3) for uniform exploration and is flat
    for the naive epsilon-best and log* algorithms. Slopes of ln(ratio) on ln ln T, fitted over
    T = 10^9 ... 10^17 (K = 1000, clear-cut, 40 seeded replications); tolerance 4 standard errors
    of the weighted fit plus 0.02 for the finite-T curvature (the fitted slopes were 0.333,
    -0.000 and -0.000 with standard errors <= 0.005 in a 200-replication study)."""
    problem = StreamingBandit(arms="clear-cut", n_arms=1000, memory=8, record_pull_counts=False)
    policies = [UniformExploration(), NaiveEpsilonBest(), LogStarMemory()]
    horizons = [10**9, 10**11, 10**13, 10**15, 10**17]
    mean, se = normalised_regret(problem, policies, horizons, n_replications=40, seed=11, n_jobs=2)
    for p, expected in enumerate([1 / 3, 0.0, 0.0]):
        slope, slope_se = log_log_horizon_slope(horizons, mean[p], se[p])
        assert abs(slope - expected) <= 4 * slope_se + 0.02, (policies[p].label, slope, slope_se)
    # and the optimal algorithm's constant is below uniform exploration's at every horizon
    assert np.all(mean[2] + 4 * se[2] < mean[0] - 4 * se[0])
