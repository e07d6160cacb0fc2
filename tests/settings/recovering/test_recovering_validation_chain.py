"""The chain of the validation study on random tiny instances (Simchi-Levi, Zheng & Zhu,
arXiv:2106.14813): UB* (fluid LP) >= OPT (exact long-run optimum, relative value iteration) >=
the periodic policy's exact lower bound; and over a finite horizon, the exact finite-horizon
optimum OPT_T >= the simulated purely periodic policy >= its lower bound, the simulated values
within four standard errors. Hypothesis draws random monotone tables (cumulative sums of
nonnegative increments); ``derandomize=True`` fixes the examples, the simulation seed is fixed.
The finite-horizon optimum itself is checked against enumeration of every action sequence."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bandits.policies.recovering import PurelyPeriodic
from bandits.runner import run
from environments.recovering import (
    RecoveringBandit,
    next_idle_times,
    optimal_average_reward,
    optimal_total_reward,
)

PERIODS = 2000
RUNS = 30


@st.composite
def tiny_instances(draw, max_arms=4, max_d=4):
    n_arms = draw(st.integers(2, max_arms))
    d_max = draw(st.integers(1, max_d))
    max_pulls = draw(st.integers(1, min(2, n_arms)))
    increments = draw(st.lists(st.lists(st.floats(0.0, 1.0), min_size=d_max, max_size=d_max),
                               min_size=n_arms, max_size=n_arms))
    table = np.cumsum(np.asarray(increments), axis=1)
    scale = draw(st.floats(0.2, 1.0))
    table = scale * table / max(table.max(), 1e-12)
    return np.maximum.accumulate(np.clip(table, 0.0, 1.0), axis=1), max_pulls


def _enumerated_total(table, max_pulls, horizon):
    """The best total expected reward over every sequence of pull sets (brute force)."""
    n_arms, d_max = table.shape
    sets = [c for k in range(max_pulls + 1) for c in itertools.combinations(range(n_arms), k)]
    best = -np.inf
    for sequence in itertools.product(sets, repeat=horizon):
        idle = np.full(n_arms, d_max)
        total = 0.0
        for pulled in sequence:
            total += sum(table[i, idle[i] - 1] for i in pulled)
            idle = next_idle_times(idle, list(pulled), d_max)
        best = max(best, total)
    return best


@settings(max_examples=10, deadline=None, derandomize=True)
@given(tiny_instances(max_arms=3, max_d=3), st.integers(1, 4))
def test_finite_horizon_optimum_equals_enumeration(instance, horizon):
    table, max_pulls = instance
    expected = _enumerated_total(table, max_pulls, horizon)
    assert abs(optimal_total_reward(table, max_pulls, horizon) - expected) <= 1e-12


@settings(max_examples=8, deadline=None, derandomize=True)
@given(tiny_instances())
def test_upper_bound_optimum_periodic_policy_and_its_lower_bound_are_ordered(instance):
    table, max_pulls = instance
    problem = RecoveringBandit(table, max_pulls=max_pulls)
    opt_low, opt_high = optimal_average_reward(problem.mean_rewards, max_pulls)
    lower = problem.periodic_lower_bound("randomised")
    assert opt_high - opt_low <= 1e-8
    assert problem.fluid_upper_bound >= opt_low - 1e-9
    assert opt_high >= lower - 1e-9  # the periodic policy is a policy: its long-run average is at most OPT
    opt_total = optimal_total_reward(problem.mean_rewards, max_pulls, PERIODS)
    # the LP argument, over a finite horizon from full recovery: OPT_T <= T UB* + N max R
    assert opt_total <= PERIODS * problem.fluid_upper_bound + problem.n_arms * table.max() + 1e-9
    result = run(problem, [PurelyPeriodic(collisions="random"), PurelyPeriodic(collisions="greedy")],
                 horizon=PERIODS, n_replications=RUNS, seed=7)
    average = result.metrics["expected_reward"][:, :, -1] / PERIODS
    mean = average.mean(axis=1)
    se = np.maximum(average.std(axis=1, ddof=1) / np.sqrt(RUNS), 1e-12)
    for p in range(2):
        assert mean[p] <= opt_total / PERIODS + 4 * se[p] + 1e-9, (p, mean[p], opt_total / PERIODS, se[p])
        assert mean[p] >= lower - 4 * se[p] - 1e-9, (p, mean[p], lower, se[p])
