"""The chain of the validation study on random tiny instances (Simchi-Levi, Zheng & Zhu,
arXiv:2106.14813): UB* (fluid LP) >= OPT (exact optimum, relative value iteration) >= the
simulated purely periodic policy >= its exact stationary lower bound, the simulated values
within four standard errors. Hypothesis draws random monotone tables (cumulative sums of
nonnegative increments); ``derandomize=True`` fixes the examples, the simulation seed is fixed."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bandits.policies.recovering import PurelyPeriodic
from bandits.runner import run
from environments.recovering import RecoveringBandit, optimal_average_reward

PERIODS = 2000
RUNS = 30


@st.composite
def tiny_instances(draw):
    n_arms = draw(st.integers(2, 4))
    d_max = draw(st.integers(1, 4))
    max_pulls = draw(st.integers(1, min(2, n_arms)))
    increments = draw(st.lists(st.lists(st.floats(0.0, 1.0), min_size=d_max, max_size=d_max),
                               min_size=n_arms, max_size=n_arms))
    table = np.cumsum(np.asarray(increments), axis=1)
    scale = draw(st.floats(0.2, 1.0))
    table = scale * table / max(table.max(), 1e-12)
    return np.maximum.accumulate(np.clip(table, 0.0, 1.0), axis=1), max_pulls


@settings(max_examples=8, deadline=None, derandomize=True)
@given(tiny_instances())
def test_upper_bound_optimum_periodic_policy_and_its_lower_bound_are_ordered(instance):
    table, max_pulls = instance
    problem = RecoveringBandit(table, max_pulls=max_pulls)
    opt_low, opt_high = optimal_average_reward(problem.mean_rewards, max_pulls)
    assert opt_high - opt_low <= 1e-8
    assert problem.fluid_upper_bound >= opt_low - 1e-9
    result = run(problem, [PurelyPeriodic(collisions="random"), PurelyPeriodic(collisions="greedy")],
                 horizon=PERIODS, n_replications=RUNS, seed=7)
    average = result.metrics["expected_reward"][:, :, -1] / PERIODS
    mean = average.mean(axis=1)
    se = np.maximum(average.std(axis=1, ddof=1) / np.sqrt(RUNS), 1e-12)
    lower = problem.periodic_lower_bound("randomised")
    # a finite run starts fully recovered: its average can exceed the long-run optimum by at
    # most N max R / T (one full recovery per arm)
    start_bonus = problem.n_arms * table.max() / PERIODS
    for p in range(2):
        assert mean[p] <= opt_high + start_bonus + 4 * se[p], (p, mean[p], opt_high, se[p])
        assert mean[p] >= lower - 4 * se[p], (p, mean[p], lower, se[p])
