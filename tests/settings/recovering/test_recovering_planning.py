"""Recovering-rewards planning numerics against independent oracles: the fluid LP against HiGHS
(scipy's linprog) and against the closed-form dual minimised over its breakpoints, the rounding
of periods, the collision factors and the periodic lower bound against brute-force enumeration,
and the exact optimum (relative value iteration) against Karp's maximum mean cycle.

Simchi-Levi, Zheng & Zhu, *Offline Planning and Online Learning under Recovering Rewards*, ICML
2021, arXiv:2106.14813. Every kernel is called with one set of argument types (C-contiguous
writable float64 tables, float capacity, int64 periods, a RandomStream) so each compiles once.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bandits.core.rng import make_random_stream
from bandits.core.validation import ParameterError
from environments.recovering.exact_optimum import optimal_average_reward
from environments.recovering.planning import (
    collision_factors,
    deterministic_periods,
    fluid_upper_bound,
    period_rates,
    periodic_lower_bound,
    randomised_periods,
    solve_fluid_lp,
)


# ---------------------------------------------------------------------------------------------
# Calls with one set of types, and the oracles
# ---------------------------------------------------------------------------------------------
def solve(recovery, capacity):
    """``(ub, lam, z)`` from the kernel."""
    table = np.ascontiguousarray(recovery, dtype=np.float64)
    z = np.zeros(table.shape)
    ub, lam = solve_fluid_lp(table, float(capacity), z)
    return ub, lam, z


def det_periods(z):
    periods = np.zeros(z.shape[0], np.int64)
    deterministic_periods(np.ascontiguousarray(z, dtype=np.float64), periods)
    return periods


def rates_of(periods, n_periods):
    z = np.zeros((periods.size, n_periods))
    period_rates(np.asarray(periods, np.int64), n_periods, z)
    return z


def lower_bound(recovery, max_pulls, z):
    return periodic_lower_bound(np.ascontiguousarray(recovery, np.float64), int(max_pulls),
                                np.ascontiguousarray(z, np.float64))


def factors(rates, max_pulls):
    out = np.zeros(len(rates))
    collision_factors(np.asarray(rates, np.float64), int(max_pulls), out)
    return out


def linprog_value(recovery, capacity):
    """UB* by HiGHS: variables z[i, d-1] in row-major order."""
    linprog = pytest.importorskip("scipy.optimize").linprog
    n, n_periods = recovery.shape
    a_ub = np.zeros((n + 1, n * n_periods))
    for i in range(n):
        a_ub[i, i * n_periods:(i + 1) * n_periods] = np.arange(1, n_periods + 1)
    a_ub[n, :] = 1.0
    b_ub = np.append(np.ones(n), capacity)
    result = linprog(-recovery.ravel(), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs",
                     options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    assert result.status == 0
    return -result.fun


def dual_function(recovery, capacity, lam):
    """``lam C + sum_i max(0, max_d (R_i(d) - lam)/d)``: an upper bound on UB* for every lam >= 0."""
    d = np.arange(1, recovery.shape[1] + 1)
    return lam * capacity + np.maximum(0.0, ((recovery - lam) / d).max(axis=1)).sum()


def dual_value(recovery, capacity):
    """UB* by strong duality: the dual function is convex and piecewise linear in lam, so its
    minimum over lam >= 0 is at 0 or at a breakpoint, where two terms (R_i(d) - lam)/d of an
    arm, or one term and 0, are equal."""
    candidates = [0.0]
    n, n_periods = recovery.shape
    for i in range(n):
        for d in range(1, n_periods + 1):
            candidates.append(recovery[i, d - 1])
            for e in range(d + 1, n_periods + 1):
                candidates.append((e * recovery[i, d - 1] - d * recovery[i, e - 1]) / (e - d))
    return min(dual_function(recovery, capacity, lam) for lam in candidates if lam >= 0.0)


def assert_feasible(z, capacity):
    d = np.arange(1, z.shape[1] + 1)
    assert np.all(z >= 0.0)
    assert np.all(z @ d <= 1.0 + 1e-9)
    assert z.sum() <= capacity + 1e-9


def collision_brute_force(rates, max_pulls):
    """E[min(1, K/(1 + Y_i))] by enumerating every pattern of the other arms being due."""
    n = len(rates)
    out = np.zeros(n)
    for i in range(n):
        others = [j for j in range(n) if j != i]
        for pattern in itertools.product((0, 1), repeat=len(others)):
            probability = math.prod(rates[j] if due else 1.0 - rates[j] for j, due in zip(others, pattern))
            out[i] += probability * min(1.0, max_pulls / (1 + sum(pattern)))
    return out


def periodic_brute_force(recovery, max_pulls, z):
    """The stationary nominal reward per period of the periodic policy: each arm independently is
    due at period d with probability z[i, d-1] (period d drawn with probability d z, offset with
    1/d) or not due; K of the due arms are pulled uniformly at random."""
    n, n_periods = recovery.shape
    outcomes = [[(0, 1.0 - z[i].sum())] + [(d, z[i, d - 1]) for d in range(1, n_periods + 1)] for i in range(n)]
    total = 0.0
    for joint in itertools.product(*outcomes):
        probability = math.prod(p for _, p in joint)
        due = [(i, d) for i, (d, _) in enumerate(joint) if d > 0]
        if due and probability > 0.0:
            share = min(1.0, max_pulls / len(due))
            total += probability * share * sum(recovery[i, d - 1] for i, d in due)
    return total


def karp_optimal_gain(recovery, max_pulls):
    """The optimal average reward of the deterministic MDP as its maximum mean cycle (Karp, 1978),
    with walks from the all-D state (every state on a cycle is reachable from it: a state is a
    function of the last D actions)."""
    n, n_periods = recovery.shape
    states = list(itertools.product(range(1, n_periods + 1), repeat=n))
    index = {s: k for k, s in enumerate(states)}
    actions = [c for k in range(min(max_pulls, n) + 1) for c in itertools.combinations(range(n), k)]
    tails, heads, weights = [], [], []
    for s in states:
        for action in actions:
            nxt = tuple(1 if i in action else min(s[i] + 1, n_periods) for i in range(n))
            tails.append(index[s])
            heads.append(index[nxt])
            weights.append(sum(recovery[i, s[i] - 1] for i in action))
    tails, heads, weights = np.array(tails), np.array(heads), np.array(weights)
    walks = [np.full(len(states), -np.inf)]
    walks[0][index[(n_periods,) * n]] = 0.0
    for _ in range(len(states)):
        following = np.full(len(states), -np.inf)
        np.maximum.at(following, heads, walks[-1][tails] + weights)
        walks.append(following)
    m = len(states)
    best = -np.inf
    for v in range(m):
        if walks[m][v] == -np.inf:
            continue
        best = max(best, min((walks[m][v] - walks[k][v]) / (m - k) for k in range(m) if walks[k][v] > -np.inf))
    return best


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------
increment = st.sampled_from([0.0, 0.0, 0.1, 0.25, 0.5]) | st.floats(0.0, 1.0, width=32)


@st.composite
def monotone_tables(draw, max_arms=8, max_periods=8):
    """Nondecreasing rows in [0, 1]: cumulative sums of nonnegative increments, scaled."""
    n = draw(st.integers(1, max_arms))
    n_periods = draw(st.integers(1, max_periods))
    steps = np.array(draw(st.lists(increment, min_size=n * n_periods, max_size=n * n_periods)))
    table = np.cumsum(steps.reshape(n, n_periods), axis=1)
    top = table.max()
    scale = draw(st.sampled_from([1.0, 0.8]))
    return table / top * scale if top > 0 else table


@st.composite
def lp_instances(draw, max_arms=8, max_periods=8):
    table = draw(monotone_tables(max_arms, max_periods))
    return table, draw(st.integers(1, table.shape[0] + 1))


# ---------------------------------------------------------------------------------------------
# The fluid LP
# ---------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(lp_instances(), st.sampled_from([1.0, 0.5, 0.7]))
def test_fluid_lp_equals_the_dual_minimum_and_its_solution_is_feasible(instance, scale):
    table, k = instance
    capacity = scale * k
    ub, lam, z = solve(table, capacity)
    assert_feasible(z, capacity)
    assert abs(ub - float(np.sum(table * z))) <= 1e-12  # ub is the value of the returned z
    assert abs(ub - dual_value(table, capacity)) <= 1e-9
    assert lam >= 0.0
    assert abs(dual_function(table, capacity, lam) - ub) <= 1e-9  # the returned price is dual optimal


@settings(max_examples=60, deadline=None)
@given(lp_instances())
def test_fluid_lp_matches_highs(instance):
    table, k = instance
    ub, _, z = solve(table, k)
    assert abs(ub - linprog_value(table, k)) <= 1e-9
    assert_feasible(z, k)


@pytest.mark.parametrize(("table", "capacity"), [
    (np.array([[0.5, 0.5, 0.5, 1.0]]), 0.5),  # non-concave: mixes d = 1 and d = 4
    (np.array([[0.5, 0.5, 0.5, 1.0]] * 2), 1.0),
    (np.full((3, 2), 0.5), 2.0),  # identical arms
    (np.array([[0.0, 0.0, 0.0, 1.0], [0.1, 0.2, 0.3, 0.4], [0.9, 0.9, 0.9, 0.9]]), 1.0),
])
def test_hand_instances_match_highs(table, capacity):
    assert abs(solve(table, capacity)[0] - linprog_value(table, capacity)) <= 1e-9


@settings(max_examples=40, deadline=None)
@given(monotone_tables())
def test_upper_bound_is_nondecreasing_in_the_capacity(table):
    values = [solve(table, k)[0] for k in range(1, table.shape[0] + 2)]
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(values))
    fractional = [solve(table, c)[0] for c in (0.25, 0.5, 0.75, 1.0)]
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(fractional))


@settings(max_examples=60, deadline=None)
@given(lp_instances(), st.integers(0, 63), st.floats(0.0, 1.0))
def test_upper_bound_is_nondecreasing_in_each_reward(instance, where, fraction):
    table, k = instance
    n, n_periods = table.shape
    i, d = (where // n_periods) % n, where % n_periods
    ceiling = table[i, d + 1] if d + 1 < n_periods else 1.0
    raised = table.copy()
    raised[i, d] += fraction * (ceiling - table[i, d])
    assert np.all(np.diff(raised, axis=1) >= 0.0)
    assert solve(raised, k)[0] >= solve(table, k)[0] - 1e-12


@settings(max_examples=50, deadline=None)
@given(monotone_tables(), st.integers(0, 3))
def test_without_binding_capacity_each_arm_runs_at_its_best_unpriced_period(table, extra):
    n, n_periods = table.shape
    ub, lam, z = solve(table, n + extra)
    per_time = table / np.arange(1, n_periods + 1)
    best = per_time.max(axis=1)
    # the longest period among the exact maxima; never when the best is 0
    expected = np.where(best > 0.0, n_periods - np.argmax(per_time[:, ::-1] == best[:, None], axis=1), 0)
    assert lam == 0.0
    np.testing.assert_array_equal(det_periods(z), expected)
    np.testing.assert_array_equal(z, rates_of(expected, n_periods))
    assert abs(ub - best.sum()) <= 1e-12


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from([0.0, 0.3, 0.5, 1.0]) | st.floats(0.0, 1.0), min_size=1, max_size=8),
       st.integers(1, 9))
def test_single_idle_time_reduces_to_the_top_k_arms(rewards, k):
    table = np.array(rewards)[:, None]
    ub, _, z = solve(table, k)
    top_k = np.sort(table[:, 0])[::-1][:k]
    assert abs(ub - top_k.sum()) <= 1e-12
    periods = det_periods(z)
    assert set(periods.tolist()) <= {0, 1}
    chosen = periods == 1
    assert chosen.sum() == min(k, int(np.sum(table[:, 0] > 0.0)))
    assert abs(table[chosen, 0].sum() - top_k.sum()) <= 1e-12


def test_non_concave_recovery_mixes_the_periods_of_its_concave_envelope():
    step = np.array([[0.5, 0.5, 0.5, 1.0]])
    # one arm at capacity 1/2: max z1/2 + z4 s.t. z1 + 4 z4 <= 1, z1 + z4 <= 1/2 has the vertex
    # z1 = 1/3, z4 = 1/6 and value 1/3, while any single period or a mix with d = 2, 3 gives 1/4
    solution = fluid_upper_bound(step, 1, capacity_scale=0.5)
    assert abs(solution.upper_bound - 1.0 / 3.0) <= 1e-12
    np.testing.assert_allclose(solution.rates, [[1.0 / 3.0, 0.0, 0.0, 1.0 / 6.0]], atol=1e-12)
    assert abs(solution.price - 1.0 / 3.0) <= 1e-12  # (0.5 - lam)/1 = (1 - lam)/4
    assert not solution.rates.flags.writeable
    np.testing.assert_allclose(solution.pull_rate, [0.5], atol=1e-12)
    np.testing.assert_array_equal(solution.deterministic_periods(), [4])
    two = np.repeat(step, 2, axis=0)  # two such arms, one pull: the first arm mixes d = 1 and 4
    ub, _, z = solve(two, 1)
    assert abs(ub - 2.0 / 3.0) <= 1e-12
    assert z[0, 0] > 0.1 and z[0, 3] > 0.01 and z[0, 1] == z[0, 2] == 0.0


def test_degenerate_tables():
    assert solve(np.zeros((3, 4)), 1)[:2] == (0.0, 0.0)
    ub, lam, z = solve(np.ones((3, 1)), 5)  # capacity >= N
    assert (ub, lam) == (3.0, 0.0)
    np.testing.assert_array_equal(z, np.ones((3, 1)))
    ub, _, z = solve(np.full((3, 2), 0.5), 2)  # identical arms: the first two in arm order
    assert abs(ub - 1.0) <= 1e-12
    np.testing.assert_allclose(z, [[1.0, 0.0], [1.0, 0.0], [0.0, 0.0]], atol=1e-12)
    with pytest.raises(ParameterError) as error:
        fluid_upper_bound(np.array([[-0.1, 0.2]]), 1)
    assert error.value.root_parameter == "recovery"
    with pytest.raises(ParameterError):
        fluid_upper_bound(np.ones((2, 2)), 0)
    with pytest.raises(ParameterError):
        fluid_upper_bound(np.ones((2, 2)), 1, capacity_scale=0.0)


# ---------------------------------------------------------------------------------------------
# Rounding
# ---------------------------------------------------------------------------------------------
def _mixing_instance():
    """The LP at capacity 1.5 mixes arm 0 between d = 1 and d = 4."""
    table = np.array([[0.5, 0.5, 0.5, 1.0], [0.5, 0.5, 0.5, 1.0], [0.2, 0.6, 0.9, 1.0], [0.1, 0.3, 0.4, 0.45],
                      [0.1, 0.3, 0.4, 0.45]])
    _, _, z = solve(table, 1.5)
    return table, z


def test_randomised_periods_follow_d_z_and_draw_one_uniform_per_arm():
    _, lp_rates = _mixing_instance()
    assert 0.0 < lp_rates[0, 0] < 1.0 and lp_rates[0, 3] > 0.0
    z = np.vstack([lp_rates, [[0.0, 0.1, 0.0, 0.1], [0.2, 0.1, 0.1, 0.05], [0.0, 0.0, 0.0, 0.0]]])
    n, n_periods = z.shape
    probabilities = np.hstack([1.0 - (z * np.arange(1, n_periods + 1)).sum(axis=1, keepdims=True),
                               z * np.arange(1, n_periods + 1)])  # column 0: never
    assert np.all(probabilities >= -1e-12)
    generator = np.random.default_rng(20210628)
    stream = make_random_stream(generator)
    draws = 20_000
    periods = np.zeros(n, np.int64)
    counts = np.zeros((n, n_periods + 1))
    for _ in range(draws):
        randomised_periods(z, stream, periods)
        counts[np.arange(n), periods] += 1
    expected = draws * probabilities
    sigma = np.sqrt(draws * probabilities * (1.0 - probabilities))
    assert np.all(np.abs(counts - expected) <= 5.0 * sigma + 1e-9)
    # exactly N uniforms per call, arm i inverting the cumulative d z at the i-th uniform
    generator = np.random.default_rng(7)
    randomised_periods(z, make_random_stream(generator), periods)
    reference = np.random.default_rng(7)
    uniforms = reference.random(n)
    assert generator.bit_generator.state == reference.bit_generator.state
    cumulative = np.cumsum(z * np.arange(1, n_periods + 1), axis=1)
    inverted = [int(np.searchsorted(cumulative[i], uniforms[i], side="right")) + 1 for i in range(n)]
    np.testing.assert_array_equal(periods, [d if d <= n_periods else 0 for d in inverted])


def test_deterministic_periods_and_period_rates():
    _table, z = _mixing_instance()
    periods = det_periods(z)
    d = np.arange(1, z.shape[1] + 1)
    for i in range(z.shape[0]):
        support = np.flatnonzero(z[i] > 1e-12)
        expected = support[-1] + 1 if z[i] @ d >= 1.0 - 1e-9 and support.size else 0
        assert periods[i] == expected
    rates = rates_of(periods, z.shape[1])
    assert np.all(rates.sum(axis=1) <= z.sum(axis=1) + 1e-12)  # rate 1/d_i <= LP rate
    assert_feasible(rates, 1.5)
    np.testing.assert_array_equal(rates_of(np.array([0, 2, 3]), 3), [[0, 0, 0], [0, 0.5, 0], [0, 0, 1 / 3]])


# ---------------------------------------------------------------------------------------------
# Collisions and the periodic lower bound
# ---------------------------------------------------------------------------------------------
probability = st.sampled_from([0.0, 0.5, 1.0, 0.25]) | st.floats(0.0, 1.0)


@settings(max_examples=80, deadline=None)
@given(st.lists(probability, min_size=1, max_size=8), st.integers(1, 9))
def test_collision_factors_match_enumeration(rates, k):
    np.testing.assert_allclose(factors(rates, k), collision_brute_force(rates, k), rtol=0.0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(lp_instances(max_arms=4, max_periods=3))
def test_periodic_lower_bound_is_the_stationary_nominal_reward(instance):
    table, k = instance
    ub, _, z = solve(table, k)
    for rates in (z, rates_of(det_periods(z), table.shape[1])):
        value = lower_bound(table, k, rates)
        assert abs(value - periodic_brute_force(table, k, rates)) <= 1e-12
        assert value <= ub + 1e-12
    if table.shape[0] <= k:
        assert abs(lower_bound(table, k, z) - ub) <= 1e-12


@settings(max_examples=40, deadline=None)
@given(lp_instances())
def test_periodic_lower_bound_is_below_the_fluid_bound(instance):
    table, k = instance
    ub, _, z = solve(table, k)
    assert lower_bound(table, k, z) <= ub + 1e-12
    assert lower_bound(table, k, rates_of(det_periods(z), table.shape[1])) <= ub + 1e-12


# ---------------------------------------------------------------------------------------------
# The exact optimum
# ---------------------------------------------------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(lp_instances(max_arms=3, max_periods=3))
def test_relative_value_iteration_matches_the_maximum_mean_cycle(instance):
    table, k = instance
    lower, upper = optimal_average_reward(table, k)
    assert lower <= upper < lower + 1e-9
    optimum = karp_optimal_gain(table, k)
    assert lower - 1e-9 <= optimum <= upper + 1e-9


@settings(max_examples=12, deadline=None)
@given(monotone_tables(max_arms=4, max_periods=4), st.integers(1, 2))
def test_fluid_bound_and_periodic_policies_bracket_the_optimum(table, k):
    lower, upper = optimal_average_reward(table, k)
    ub, _, z = solve(table, k)
    assert ub >= lower - 1e-9  # UB* >= OPT
    for rates in (z, rates_of(det_periods(z), table.shape[1])):
        assert lower_bound(table, k, rates) <= upper + 1e-9  # a policy's reward <= OPT


def test_exact_optimum_closed_forms_and_limits():
    rewards = np.array([[0.3], [0.9], [0.5], [0.7]])
    for k in (1, 2, 4):
        lower, upper = optimal_average_reward(rewards, k)  # one state: the top-K sum
        expected = np.sort(rewards[:, 0])[::-1][:k].sum()
        assert lower - 1e-12 <= expected <= upper + 1e-12
    # one arm, recovery 0, 0, 1: pull every third period; two arms, K = 1: alternate at d = 2
    lower, upper = optimal_average_reward(np.array([[0.0, 0.0, 1.0]]), 1)
    assert abs(lower - 1.0 / 3.0) <= 1e-9 and abs(upper - 1.0 / 3.0) <= 1e-9
    lower, upper = optimal_average_reward(np.array([[0.2, 1.0], [0.2, 1.0]]), 1)
    assert abs(lower - 1.0) <= 1e-9 and abs(upper - 1.0) <= 1e-9
    with pytest.raises(ParameterError) as error:
        optimal_average_reward(np.ones((11, 1)), 1)
    assert error.value.parameter == "recovery"
    with pytest.raises(ParameterError) as error:
        optimal_average_reward(np.ones((8, 5)), 1)  # 5^8 = 390,625 states
    assert error.value.parameter == "recovery"
