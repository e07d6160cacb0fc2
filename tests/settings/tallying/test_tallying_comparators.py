"""Weighted tallying comparators against independent oracles: ``numpy.interp``, subset sums by
itertools, brute force over every action sequence, a plain dictionary/numpy dynamic programme
stepped to the horizon (no normalisation, no period search), per-step simulation and closed forms.

Malik, Igoe, Li & Singh, *Weighted Tallying Bandits: Overcoming Intractability via Repeated
Exposure Optimality*, ICML 2023, arXiv:2305.02955 (the window conventions and the piecewise-linear
losses are our formulation). Every kernel is called with one set of argument types (C-contiguous
writable float64 / int64 arrays, a Python bool, float scalars), so each compiles once.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bandits.core.validation import ParameterError
from environments.tallying.comparators import (
    always_action_losses,
    attainable_tallies,
    exact_optimal_losses,
    exhaustive_optimal_loss,
    interpolate_loss,
    repeated_exposure_optimal_action,
)


# ---------------------------------------------------------------------------------------------
# Oracles, straight from the definitions
# ---------------------------------------------------------------------------------------------
def sequential_sum(weights):
    total = 0.0
    for w in weights:
        total += w
    return total


def action_at(sequence, history, s):
    """``a_s``: the sequence for ``s >= 1``, the initial history (or -1) before."""
    if s >= 1:
        return sequence[s - 1]
    return history[-s] if -s < len(history) else -1


def tally(weights, include_current, sequence, history, t, a):
    """``tau_t(a)``, summed in index order from 0.0."""
    total = 0.0
    for i, w in enumerate(weights, start=1):
        if action_at(sequence, history, t - i + (1 if include_current else 0)) == a:
            total += w
    return total


class Oracle:
    """Losses of sequences of one instance, with the interpolations memoised."""

    def __init__(self, weights, knots, values, include_current, history):
        self.weights, self.knots, self.values = list(weights), np.asarray(knots, float), np.asarray(values, float)
        self.include_current, self.history = include_current, list(history)
        self.cache = {}

    def f(self, a, x):
        if (a, x) not in self.cache:
            self.cache[a, x] = float(np.interp(x, self.knots, self.values[a]))
        return self.cache[a, x]

    def step_loss(self, sequence, t):
        a = sequence[t - 1]
        return self.f(a, tally(self.weights, self.include_current, sequence, self.history, t, a))

    def brute_force(self, horizon):
        """``[OPT_1, .., OPT_T]`` over every sequence (all prefixes extended level by level)."""
        level = [((), 0.0)]
        best = []
        for t in range(1, horizon + 1):
            level = [(s + (a,), v + self.step_loss(s + (a,), t)) for s, v in level for a in range(len(self.values))]
            best.append(min(v for _, v in level))
        return best

    def reference_dp(self, times):
        """OPT at ``times`` by stepping a DP over the last m plays (tuples, most recent first):
        dictionaries for the first m steps, then numpy over all K^m tuples; no normalisation, in
        extended precision (x86 long double: the running sums drift by ~t ulp(t) in float64)."""
        n_actions, m = len(self.values), len(self.weights)

        def loss(state, a):  # state = (a_{t-1}, .., a_{t-m})
            window = (a, *state[:-1]) if self.include_current else state
            total = 0.0
            for i in range(m):
                if window[i] == a:
                    total += self.weights[i]
            return self.f(a, total)

        wanted, out, t = set(times), {}, 0
        values = {tuple(self.history): 0.0}
        while t < m:
            following = {}
            for state, v in values.items():
                for a in range(n_actions):
                    nxt = (a, *state[:-1])
                    following[nxt] = min(following.get(nxt, np.inf), v + loss(state, a))
            values, t = following, t + 1
            if t in wanted:
                out[t] = min(values.values())
        states = list(itertools.product(range(n_actions), repeat=m))
        index = {s: i for i, s in enumerate(states)}
        vec = np.array([values[s] for s in states], dtype=np.longdouble)
        pred = np.array([[index[(*n[1:], x)] for x in range(n_actions)] for n in states])
        cost = np.array([[loss((*n[1:], x), n[0]) for x in range(n_actions)] for n in states], dtype=np.longdouble)
        while t < max(times):
            vec = (vec[pred] + cost).min(axis=1)
            t += 1
            if t in wanted:
                out[t] = vec.min()
        return np.array([out[t] for t in times], dtype=np.float64)


def args(instance):
    weights, knots, values, include_current, history = instance
    return (np.array(weights, float), np.array(knots, float), np.array(values, float), bool(include_current),
            np.array(history, np.int64))


@st.composite
def instances(draw, max_actions=3, max_memory=3):
    n_actions = draw(st.integers(2, max_actions))
    m = draw(st.integers(1, max_memory))
    weights = draw(st.lists(st.sampled_from([0.0, 0.25, 1.0]) | st.floats(0.05, 2.0), min_size=m, max_size=m))
    if sequential_sum(weights) == 0.0:
        weights[0] = 1.0
    total = sequential_sum(weights)
    inner = draw(st.lists(st.floats(0.02, 0.98), max_size=3))
    knots = np.unique([0.0, *(u * total for u in inner), total])
    values = draw(st.lists(st.lists(st.floats(0.0, 1.0), min_size=knots.size, max_size=knots.size),
                           min_size=n_actions, max_size=n_actions))
    history = draw(st.lists(st.integers(-1, n_actions - 1), min_size=m, max_size=m))
    return weights, knots.tolist(), values, draw(st.booleans()), history


def linear_reo(weights, others, include_current=False, history=None):
    """a* = 0 linear from 0.9 (tally 0) to 0.3 (tally W); the others constant."""
    total = sequential_sum(weights)
    values = [[0.9, 0.3]] + [[c, c] for c in others]
    return weights, [0.0, total], values, include_current, [-1] * len(weights) if history is None else history


# ---------------------------------------------------------------------------------------------
# interpolate_loss, attainable_tallies
# ---------------------------------------------------------------------------------------------
@given(st.lists(st.floats(0.01, 5.0), min_size=1, max_size=6), st.data())
def test_interpolate_loss_is_numpy_interp(gaps, data):
    knots = np.concatenate([[0.0], np.cumsum(gaps)])
    row = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=knots.size, max_size=knots.size)))
    points = [float(x) for x in knots] + data.draw(st.lists(st.floats(-1.0, knots[-1] + 1.0), max_size=5))
    for x in points:
        assert interpolate_loss(knots, row, float(x)) == np.interp(x, knots, row)


@given(st.lists(st.sampled_from([0.0, 0.5, 1.0, 4.0]) | st.floats(0.0, 3.0), min_size=1, max_size=8), st.booleans())
def test_attainable_tallies_are_the_subset_sums(weights, include_current):
    first = 1 if include_current else 0
    expected = set()
    for k in range(len(weights) - first + 1):
        for subset in itertools.combinations(range(first, len(weights)), k):
            expected.add(sequential_sum([weights[0]] * first + [weights[i] for i in subset]))
    got = attainable_tallies(weights, include_current)
    assert got.tolist() == sorted(expected)


def test_attainable_tallies_equal_weights_any_memory_and_the_gap():
    assert attainable_tallies([0.5] * 25, False).tolist() == [0.5 * k for k in range(26)]
    assert attainable_tallies([0.5] * 25, True).tolist() == [0.5 * k for k in range(1, 26)]
    assert attainable_tallies([1.0, 1.0, 4.0], False).tolist() == [0.0, 1.0, 2.0, 4.0, 5.0, 6.0]
    assert attainable_tallies([1.0, 1.0, 4.0], True).tolist() == [1.0, 2.0, 5.0, 6.0]
    assert attainable_tallies([1.0 + i / 100 for i in range(21)], False) is None
    assert attainable_tallies([1.0 + 2.0 ** -(i + 1) for i in range(20)], False).size == 2**20  # distinct


# ---------------------------------------------------------------------------------------------
# Repeated exposure optimality
# ---------------------------------------------------------------------------------------------
def test_reo_sanity_configuration():
    weights = [0.9**i for i in range(5)]
    w, knots, values, _, _ = linear_reo(weights, [0.35, 0.40, 0.45, 0.50])
    a_star, detail = repeated_exposure_optimal_action(w, knots, values, False)
    assert a_star == 0 and detail.violation is None and detail.method == "subset sums"
    assert detail.saturated_loss == pytest.approx(0.3, abs=1e-15)
    assert repeated_exposure_optimal_action(w, knots, values, True)[0] == 0


def test_satiation_is_not_reo():
    values = [[0.2, 0.8], [0.2, 0.8]]  # losses increase with the tally
    a_star, detail = repeated_exposure_optimal_action([1.0, 0.5], [0.0, 1.5], values, False)
    assert a_star is None and detail.violation == (0, 0.0, 0.2) and detail.candidate == 0
    assert "violated" in str(detail) and "f_0(0)" in str(detail)


@pytest.mark.parametrize("include_current", [False, True])
def test_reo_subset_check_accepts_what_the_interval_check_rejects(include_current):
    """w = (1, 1, 4): tally 3 is never attainable, and action 0 dips only there."""
    knots = [0.0, 2.5, 3.0, 3.5, 6.0]
    values = [[0.5, 0.5, 0.1, 0.5, 0.3], [0.4] * 5]
    a_star, detail = repeated_exposure_optimal_action([1.0, 1.0, 4.0], knots, values, include_current)
    assert a_star == 0 and detail.method == "subset sums" and detail.violation is None
    a_star, detail = repeated_exposure_optimal_action([1.0, 1.0, 4.0], knots, values, include_current,
                                                      method="interval")
    assert a_star is None and detail.method == "interval" and detail.violation == (0, 3.0, 0.1)


def test_reo_falls_back_to_the_interval_for_many_unequal_weights():
    weights = [1.0 + i / 100 for i in range(21)]
    w, knots, values, _, _ = linear_reo(weights, [0.35])
    a_star, detail = repeated_exposure_optimal_action(w, knots, values)
    assert a_star == 0 and detail.method == "interval" and "sufficient" in str(detail)
    a_star, detail = repeated_exposure_optimal_action(*linear_reo([0.5] * 30, [0.35])[:4])
    assert a_star == 0 and detail.method == "equal weights"


# ---------------------------------------------------------------------------------------------
# The exact optimum
# ---------------------------------------------------------------------------------------------
@settings(max_examples=60)
@given(instances(), st.integers(1, 8))
def test_exact_optimum_equals_brute_force(instance, horizon):
    oracle = Oracle(*instance)
    expected = oracle.brute_force(horizon)
    got = exact_optimal_losses(*args(instance), np.arange(1, horizon + 1))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_exhaustive_optimal_loss_is_the_brute_force():
    instance = ([1.0, 0.25], [0.0, 0.7, 1.25], [[0.3, 0.9, 0.1], [0.5, 0.2, 0.6], [0.4, 0.4, 0.8]], True, [2, -1])
    expected = Oracle(*instance).brute_force(6)
    assert [exhaustive_optimal_loss(*args(instance), t) for t in (1, 4, 6)] == pytest.approx(
        [expected[0], expected[3], expected[5]], abs=1e-12)
    with pytest.raises(ParameterError) as error:
        exhaustive_optimal_loss(*args(instance), 20)
    assert error.value.parameter == "horizon"


LONG_TIMES = [1, 2, 3, 7, 64, 1000, 10_000, 99_999, 100_000]
LONG_INSTANCES = {
    "reo": linear_reo([1.0, 0.6, 0.3], [0.35], False, [1, 0, -1]),
    "reo_current": linear_reo([1.0, 0.6, 0.3], [0.35], True, [0, 1, 1]),
    "satiation": ([1.0, 0.5], [0.0, 1.5], [[0.2, 0.8], [0.1, 0.9]], False, [0, 0]),
    "random_2x3": ([0.7, 0.2, 1.1], [0.0, 0.5, 1.2, 2.0], [[0.31, 0.62, 0.17, 0.4], [0.5, 0.12, 0.77, 0.3]],
                   False, [1, -1, 0]),
    "random_3x2": ([0.4, 0.9], [0.0, 1.0, 1.3], [[0.9, 0.2, 0.6], [0.35, 0.5, 0.1], [0.7, 0.7, 0.05]], True, [2, 1]),
}


@pytest.mark.parametrize("name", LONG_INSTANCES)
def test_period_extrapolation_equals_stepping_the_dp(name):
    instance = LONG_INSTANCES[name]
    expected = Oracle(*instance).reference_dp(LONG_TIMES)
    got, info = exact_optimal_losses(*args(instance), np.array(LONG_TIMES), return_info=True)
    assert info["method"] == "period" and 1 <= info["period"] <= 64 and info["step"] < 1000  # all settle early
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-12)
    stepped = exact_optimal_losses(*args(instance), np.array(LONG_TIMES), max_period=0)
    np.testing.assert_allclose(stepped, got, rtol=1e-13, atol=1e-12)


def near_tie(gap):
    """a* linear 0.9 -> 0.3 over w = (1, 0.6, 0.3), the other arm constant 0.3 + gap. Any play
    of a* before saturation costs more than 0.3 + gap and every switch to a* restarts its
    warm-up, so an optimal sequence is one block of each arm, with a loss linear in the switch
    point: OPT_T is the better of the two constant sequences."""
    return linear_reo([1.0, 0.6, 0.3], [0.3 + gap])


def test_a_near_tie_has_a_long_transient_and_min_plus_powers_jump_it():
    """Gap 1e-9: the warm-up (~0.98) pays off only after ~10^9 steps, no period shows before."""
    instance = near_tie(1e-9)
    times = np.array([1000, 100_000, 200_000, 10**9, 10**12])
    got, info = exact_optimal_losses(*args(instance), times, return_info=True)
    assert info["method"] == "squaring" and info["step"] == 100_003  # squaring_after = 10^5 steps after t = L
    a_star, other = always_action_losses(*args(instance), 0, times), always_action_losses(*args(instance), 1, times)
    np.testing.assert_allclose(got, np.minimum(a_star, other), rtol=1e-15)
    assert other[1] < a_star[1] and a_star[3] < other[3]  # the constant arm leads at 10^5, a* at 10^9
    np.testing.assert_allclose(got[:2], Oracle(*instance).reference_dp([1000, 100_000]), rtol=1e-14)
    stepped = exact_optimal_losses(*args(instance), times[:3], max_period=0, squaring_after=10**9)
    np.testing.assert_allclose(stepped, got[:3], rtol=1e-15)


def test_a_near_tie_below_period_tol_is_extrapolated_within_the_documented_bound():
    """Gap 1e-13 < period_tol: the normalised values repeat within 1e-12 at once, and the
    extrapolation follows arm 1 past the crossover (~10^13): off by at most period_tol per step."""
    instance = near_tie(1e-13)
    times = np.array([10, 10**14])
    truth = np.minimum(always_action_losses(*args(instance), 0, times), always_action_losses(*args(instance), 1, times))
    loose, info = exact_optimal_losses(*args(instance), times, return_info=True)
    assert info == {"method": "period", "period": 1, "step": 4}
    assert 0 < loose[1] - truth[1] <= 1e-12 * 10**14
    exact = exact_optimal_losses(*args(instance), times, period_tol=0.0)
    np.testing.assert_allclose(exact, truth, rtol=1e-15)


@pytest.mark.parametrize("include_current", [False, True])
def test_reo_bounds_at_short_and_long_horizons(include_current):
    """Under REO: T f* <= OPT_T <= Loss(always a*)_T <= T f* + m."""
    instance = linear_reo([1.0, 0.6, 0.3], [0.35], include_current)
    w, knots, values, _, history = args(instance)
    assert repeated_exposure_optimal_action(w, knots, values, include_current)[0] == 0
    times = np.array([1, 3, 12, 100_000, 10**9])
    opt = exact_optimal_losses(w, knots, values, include_current, history, times)
    always = always_action_losses(w, knots, values, include_current, history, 0, times)
    assert opt[2] == pytest.approx(Oracle(*instance).brute_force(12)[-1], abs=1e-12)
    tol = 1e-9 + 1e-15 * times  # 1e-9, plus the rounding of sums near 0.3 T (one ulp is 6e-8 at 3e8)
    assert np.all(0.3 * times - tol <= opt) and np.all(opt <= always + tol)
    assert np.all(always <= 0.3 * times + 3 + tol)
    assert opt[3] == pytest.approx(always[3], rel=1e-14)  # from here on, warming a* up from an empty history is optimal
    reference = Oracle(*instance).reference_dp([10_000, 100_000])  # settled: the slope is f* = 0.3
    assert reference[1] - reference[0] == pytest.approx(0.3 * 90_000, abs=1e-9)
    assert opt[4] == pytest.approx(reference[1] + 0.3 * (10**9 - 100_000), rel=1e-13)


def test_alternating_beats_every_constant_sequence_under_satiation():
    """m = 1, f_a(x) = 0.2 + 0.6 x for both actions: alternating costs 0.2 a step, repeating 0.8."""
    instance = ([1.0], [0.0, 1.0], [[0.2, 0.8], [0.2, 0.8]], False, [-1])
    assert repeated_exposure_optimal_action(*args(instance)[:4])[0] is None
    times = np.array([1, 2, 5, 8, 10**9])
    opt = exact_optimal_losses(*args(instance), times)
    np.testing.assert_allclose(opt, 0.2 * times, rtol=1e-12)
    np.testing.assert_allclose(opt[:4], np.array(Oracle(*instance).brute_force(8))[times[:4] - 1], atol=1e-12)
    for action in (0, 1):
        constant = always_action_losses(*args(instance), action, times)
        np.testing.assert_allclose(constant, 0.2 + 0.8 * (times - 1), rtol=1e-12)
        assert np.all(opt[1:] < constant[1:] - 0.5)


def test_a_cheap_constant_arm_beats_the_warm_up_of_a_star_at_short_horizons():
    """T = m = 3, w = 1: a* costs 0.9, 0.7, 0.5 at tallies 0, 1, 2; the other arm 0.35."""
    instance = linear_reo([1.0, 1.0, 1.0], [0.35])
    assert repeated_exposure_optimal_action(*args(instance)[:4])[0] == 0
    always = always_action_losses(*args(instance), 0, [1, 2, 3])
    np.testing.assert_allclose(always, [0.9, 1.6, 2.1], atol=1e-12)
    opt = exact_optimal_losses(*args(instance), [3])[0]
    assert opt == pytest.approx(1.05, abs=1e-12) == pytest.approx(Oracle(*instance).brute_force(3)[-1])
    assert opt < always[-1]


def test_too_many_histories_are_refused_naming_weights():
    w, knots, values, _, history = args(linear_reo([1.0] * 5, [0.35] * 9))
    with pytest.raises(ParameterError) as error:
        exact_optimal_losses(w, knots, values, False, history, [10])
    assert error.value.parameter == "weights" and "100,000 histories" in str(error.value)
    exact_optimal_losses(w[:4], knots * 0.8, values, False, history[:4], [10])  # 10^4: allowed
    assert exact_optimal_losses(w, knots, values, True, history, [10])[0] == pytest.approx(
        0.35 * 10, abs=1e-12)  # include_current: 10^4 histories of the last m - 1 plays


# ---------------------------------------------------------------------------------------------
# Always one action
# ---------------------------------------------------------------------------------------------
@given(instances(max_actions=3, max_memory=5), st.data())
def test_always_action_losses_equal_simulation_and_the_closed_form(instance, data):
    weights, values = instance[0], instance[2]
    action = data.draw(st.integers(0, len(values) - 1))
    oracle = Oracle(*instance)
    horizon = 12
    sequence = [action] * horizon
    per_step = [oracle.step_loss(sequence, t) for t in range(1, horizon + 1)]
    got = always_action_losses(*args(instance), action, np.arange(1, horizon + 1))
    np.testing.assert_allclose(got, np.cumsum(per_step), rtol=0, atol=1e-12)
    huge = np.array([10**6, 10**12, 2**62])
    saturated = oracle.f(action, sequential_sum(weights))
    assert per_step[-1] == saturated
    closed = sum(per_step) + (huge - horizon) * saturated
    np.testing.assert_allclose(always_action_losses(*args(instance), action, huge), closed, rtol=1e-12)


def test_bad_arguments_are_named():
    w, knots, values, include_current, history = args(linear_reo([1.0, 0.5], [0.35]))
    cases = [
        (("weights", [0.0, 0.0]), "weights"),
        (("knots", [0.0, 1.0]), "knots"),  # does not end at W = 1.5
        (("values", values[:1]), "values"),  # one action
        (("initial_history", [0, 2]), "initial_history"),  # action 2 of K = 2
        (("record_points", [3, 2]), "record_points"),
    ]
    for (field, bad), name in cases:
        call = {"weights": w, "knots": knots, "values": values, "include_current": include_current,
                "initial_history": history, "record_points": [1, 5]}
        call[field] = bad
        with pytest.raises(ParameterError) as error:
            exact_optimal_losses(**call)
        assert error.value.root_parameter == name
    with pytest.raises(ParameterError, match="action"):
        always_action_losses(w, knots, values, include_current, history, 2, [1])
    assert exact_optimal_losses(w, knots, values, include_current, None, [2, 2, 9]).tolist()[0] == pytest.approx(0.7)
