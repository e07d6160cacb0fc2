"""The index computations several settings share (bandits.core.indices) against readable
references: the Bernoulli KL divergence and the KL-UCB index (bisection), the Tsallis-INF
normaliser (root solve). Kernel bugs these tests found (kl_ucb_index for tiny and huge radii) are
kept as regression tests."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bandits.core.indices import bernoulli_kl, kl_ucb_index, tsallis_inf_probabilities
from classic_references import INF, assert_is_distribution, kl_ucb_index_reference, tsallis_reference

# =============================================================================================
# 1. Bernoulli KL and the KL-UCB index
# =============================================================================================
unit_points = st.one_of(
    st.floats(0.0, 1.0),
    st.sampled_from([0.0, 1.0, 0.5, 5e-324, 1e-300, 1e-12, 1.0 - 1e-12, 1.0 - 2.0**-53]),
)


@given(p=unit_points, q=st.one_of(st.floats(0.0, 1.0, exclude_min=True, exclude_max=True), st.sampled_from([1e-300, 0.5, 1.0 - 2.0**-53])))
@example(p=0.0, q=0.5)
@example(p=1.0, q=0.5)
@example(p=0.3, q=0.3)
def test_bernoulli_kl_matches_closed_form(p, q):
    """``kl(p, q) = p ln(p/q) + (1-p) ln((1-p)/(1-q))`` with ``0 ln 0 = 0``, for q in (0, 1)."""
    expected = 0.0
    if p > 0.0:
        expected += p * math.log(p / q)
    if p < 1.0:
        expected += (1.0 - p) * math.log((1.0 - p) / (1.0 - q))
    value = bernoulli_kl(p, q)
    assert math.isclose(value, expected, rel_tol=1e-12, abs_tol=1e-15)
    assert value >= -1e-15  # Gibbs' inequality, up to rounding


def test_bernoulli_kl_edge_values():
    assert bernoulli_kl(0.0, 0.0) == 0.0
    assert bernoulli_kl(1.0, 1.0) == 0.0
    assert bernoulli_kl(0.25, 0.25) == 0.0
    assert math.isclose(bernoulli_kl(0.0, 0.3), -math.log(0.7), rel_tol=1e-15)
    assert math.isclose(bernoulli_kl(1.0, 0.3), -math.log(0.3), rel_tol=1e-15)
    assert math.isclose(bernoulli_kl(0.5, 0.25), 0.5 * math.log(2.0) + 0.5 * math.log(2.0 / 3.0), rel_tol=1e-14)


# d in [1e-40, 1e6] (the KL-UCB kernel uses d = threshold / n_k, about ln(t) / t or more with
# c = 1; tiny d arises from tiny c), plus d = 0.
kl_radii = st.one_of(
    st.just(0.0),
    st.floats(-40.0, 6.0).map(lambda e: 10.0**e),
    st.floats(1e-12, 5.0),
    st.sampled_from([1e-12, 1e-6, 0.5, 2.0, 50.0, 1e3, 1e6]),
)


@given(p=unit_points, d=kl_radii)
@example(p=0.0, d=0.0)
@example(p=1.0, d=0.0)
@example(p=0.0, d=1e-12)
@example(p=1.0, d=1e6)
@example(p=0.999, d=1e6)
@example(p=1e-300, d=1e6)
@example(p=1.0 - 2.0**-53, d=2.0)
@example(p=5e-324, d=0.1)
@example(p=1e-170, d=1e-300)
def test_kl_ucb_index_matches_bisection(p, d):
    index = kl_ucb_index(p, d)
    expected = kl_ucb_index_reference(p, d)
    assert abs(index - expected) <= 1e-9, (p, d, index, expected)
    assert p - 1e-9 <= index <= 1.0


@pytest.mark.parametrize("p", [0.0, 1e-300, 0.1, 0.5, 0.9, 1.0 - 1e-9, 1.0])
def test_kl_ucb_index_edge_cases(p):
    # d = 0: the index is the mean itself.
    assert kl_ucb_index(p, 0.0) == p
    # very large d: the index is 1 (kl(p, q) <= d for q up to 1 - exp(-d / (1 - p)) roughly).
    assert abs(kl_ucb_index(p, 1e3) - 1.0) <= 1e-9
    assert abs(kl_ucb_index(p, 1e6) - 1.0) <= 1e-9


@pytest.mark.parametrize("d", [1e-12, 1e-3, 0.1, 1.0, 3.0, 40.0])
def test_kl_ucb_index_closed_forms_at_p_0_and_1(d):
    # p = 0: kl(0, q) = -ln(1 - q) <= d  <=>  q <= 1 - exp(-d).
    assert math.isclose(kl_ucb_index(0.0, d), 1.0 - math.exp(-d), rel_tol=1e-12, abs_tol=1e-15)
    # p = 1: kl(1, q) = -ln q <= d for q = 1.
    assert kl_ucb_index(1.0, d) == 1.0


# Regression: the first Newton-in-u version of kl_ucb_index was wrong for tiny d (the residual's
# rounding, ~1e-17, swamped d; for d < 1e-30 the index fell below p or raised ZeroDivisionError)
# and returned NaN for huge or infinite d (u overflowed). Found by this file's first version.
@pytest.mark.parametrize(
    "p, d",
    [
        (0.25, 1e-40),
        (0.1, 1e-30),
        (0.3, 1e-20),
        (2.0 / 3.0, 1e-32),
        (0.3649056922151075, 9.163879336738248e-33),
        (1e-6, 1e-25),
        (1.0 - 1e-6, 1e-25),
    ],
)
def test_kl_ucb_index_tiny_d(p, d):
    index = kl_ucb_index(p, d)
    assert p <= index <= 1.0
    assert abs(index - kl_ucb_index_reference(p, d)) <= 1e-9


@pytest.mark.parametrize("p, d", [(0.3, INF), (0.5, 1e308), (1.0 - 2.0**-53, 1e300), (5e-324, 1e308)])
def test_kl_ucb_index_huge_d(p, d):
    # The supremum lies above the largest double below 1 (the reference's answer); 1.0 is its
    # rounding. Either is within one ulp of 1.
    assert abs(kl_ucb_index(p, d) - 1.0) <= 2.0**-52
    assert abs(kl_ucb_index_reference(p, d) - 1.0) <= 2.0**-52


# =============================================================================================
# 2. Tsallis-INF normaliser
# =============================================================================================
losses = st.one_of(st.sampled_from([0.0, 1.0, 5.0]), st.floats(0.0, 100.0))


@given(
    loss=st.lists(losses, min_size=1, max_size=6),
    eta=st.one_of(st.floats(0.01, 20.0), st.sampled_from([2.0, 2.0 / math.sqrt(7.0)])),
)
@example(loss=[3.0, 3.0, 3.0, 3.0], eta=2.0)  # all equal: uniform, the root is the lower end
@example(loss=[7.5], eta=0.3)  # one arm: p = 1, the root is the upper end
@example(loss=[0.0, 100.0], eta=20.0)  # nearly a point mass
def test_tsallis_inf_probabilities_match_root_solve(loss, eta):
    loss = np.array(loss, dtype=np.float64)
    p = np.full(loss.size, np.nan)
    x = tsallis_inf_probabilities(loss, eta, p)
    expected, expected_x = tsallis_reference(loss, eta)
    np.testing.assert_allclose(p, expected, rtol=0, atol=1e-9)
    assert_is_distribution(p, "tsallis_inf_probabilities")
    # the returned x is the normaliser: it lies left of min L and makes 4 / (eta (L - x))^2 sum to 1
    assert x < loss.min()
    unnormalised = 4.0 / (eta * (loss - x)) ** 2
    assert abs(unnormalised.sum() - 1.0) <= 1e-9
    assert abs(x - expected_x) <= 1e-9 * (abs(expected_x) + 1.0 / eta)
