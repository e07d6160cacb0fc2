"""Private-BAI numerics against independent oracles: the hand-written linear algebra against
numpy.linalg, and Max-Det collections against brute force over all subsets (itertools +
numpy.linalg.det), the coefficient bound, the swap identity and known small cases.

Chen, Karthik, Chee & Tan, *Fixed-Budget Differentially Private Best Arm Identification*, ICLR
2024, arXiv:2401.09073. Kernels are called with C-contiguous float64 arrays and int64 indices so
each compiles once.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bandits.core.validation import ParameterError
from environments.private_bai.linear_algebra import (
    determinant,
    project,
    solve,
    span_basis,
)
from environments.private_bai.max_det import (
    coefficients,
    max_det_collection,
    max_det_exact,
    max_det_local_search,
)


# ---------------------------------------------------------------------------------------------
# Strategies and oracles
# ---------------------------------------------------------------------------------------------
@st.composite
def square_matrices(draw, max_size=6):
    n = draw(st.integers(1, max_size))
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).standard_normal((n, n))


@st.composite
def low_rank_sets(draw, max_rows=9, max_dim=6):
    """(vectors, rank): a product of random ``n x r`` and ``r x d`` factors (rank r almost surely)."""
    d = draw(st.integers(1, max_dim))
    n = draw(st.integers(1, max_rows))
    r = draw(st.integers(0, min(n, d)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    vectors = rng.standard_normal((n, r)) @ rng.standard_normal((r, d))
    return np.ascontiguousarray(vectors), r


@st.composite
def spanning_sets(draw, max_dim=4, max_rows=10, integer=False):
    """Rows spanning R^d' (small integers make ties and degenerate subsets common)."""
    k = draw(st.integers(1, max_dim))
    n = draw(st.integers(k, max_rows))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    while True:
        vectors = rng.integers(-2, 3, (n, k)).astype(float) if integer else rng.standard_normal((n, k))
        if np.linalg.matrix_rank(vectors) == k:
            return np.ascontiguousarray(vectors)


any_spanning_sets = st.one_of(spanning_sets(), spanning_sets(integer=True))


def brute_force_max_det(vectors):
    k = vectors.shape[1]
    return max(abs(np.linalg.det(vectors[list(s)])) for s in itertools.combinations(range(len(vectors)), k))


def betas(vectors, indices):
    """Coefficients by numpy: vectors = beta @ vectors[indices]."""
    return np.linalg.solve(vectors[list(indices)].T, vectors.T).T


def exact(vectors):
    out = np.zeros(vectors.shape[1], np.int64)
    value = max_det_exact(np.ascontiguousarray(vectors, np.float64), out)
    return value, out


def local(vectors, slack=0.0):
    out = np.zeros(vectors.shape[1], np.int64)
    value, swaps = max_det_local_search(np.ascontiguousarray(vectors, np.float64), float(slack), out)
    return value, out, swaps


# ---------------------------------------------------------------------------------------------
# Linear algebra
# ---------------------------------------------------------------------------------------------
@given(square_matrices())
def test_determinant_matches_numpy(matrix):
    before = matrix.copy()
    assert determinant(matrix) == pytest.approx(np.linalg.det(matrix), rel=1e-9, abs=1e-12)
    np.testing.assert_array_equal(matrix, before)


@given(low_rank_sets(max_rows=6, max_dim=6))
def test_determinant_of_singular_matrices_is_rounding_level(case):
    vectors, r = case
    n = min(vectors.shape)
    if r < n:
        square = np.ascontiguousarray(vectors[:n, :n])
        assert abs(determinant(square)) <= 1e-9 * max(1.0, np.abs(square).max()) ** n


@given(square_matrices(), st.integers(0, 2**32 - 1))
def test_solve_matches_numpy(matrix, seed):
    rhs = np.random.default_rng(seed).standard_normal(matrix.shape[0])
    out = np.zeros_like(rhs)
    status = solve(matrix, rhs, out)
    if np.linalg.cond(matrix) < 1e8:
        assert status == 0
        np.testing.assert_allclose(out, np.linalg.solve(matrix, rhs), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(matrix @ out, rhs, atol=1e-9 * max(1.0, np.abs(rhs).max()) * matrix.shape[0])


def test_solve_reports_singular_matrices():
    out = np.full(3, 7.0)
    assert solve(np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 1.0]]), np.ones(3), out) == 1
    assert solve(np.zeros((2, 2)), np.ones(2), np.zeros(2)) == 1
    np.testing.assert_array_equal(out, 7.0)


@given(low_rank_sets())
def test_span_basis_rank_orthonormality_and_projection(case):
    vectors, r = case
    d = vectors.shape[1]
    basis = np.full((d, d), np.nan)
    rank = span_basis(vectors, 1e-9, basis)
    assert rank == r == np.linalg.matrix_rank(vectors, tol=1e-9 * max(1e-300, np.linalg.norm(vectors, axis=1).max()))
    q = basis[:rank]
    np.testing.assert_allclose(q @ q.T, np.eye(rank), atol=1e-12)
    np.testing.assert_array_equal(basis[rank:], 0.0)
    coords = np.full((vectors.shape[0], rank), np.nan)
    project(vectors, basis, rank, coords)
    np.testing.assert_allclose(coords, vectors @ q.T, atol=1e-12)
    scale = max(1.0, np.abs(vectors).max()) ** 2
    np.testing.assert_allclose(coords @ coords.T, vectors @ vectors.T, atol=1e-9 * scale)   # inner products kept
    np.testing.assert_allclose(coords @ q, vectors, atol=1e-9 * np.sqrt(scale))              # rows lie in the span


def test_span_basis_of_zero_vectors_is_empty():
    basis = np.ones((3, 3))
    assert span_basis(np.zeros((4, 3)), 1e-10, basis) == 0
    np.testing.assert_array_equal(basis, 0.0)


def test_span_basis_tolerance_is_relative():
    vectors = np.array([[1e8, 0.0], [0.0, 1e-3]])
    basis = np.zeros((2, 2))
    assert span_basis(vectors, 1e-10, basis) == 1       # 1e-3 < 1e-10 * 1e8
    assert span_basis(vectors * 1e-20, 1e-12, basis) == 2


# ---------------------------------------------------------------------------------------------
# Max-Det
# ---------------------------------------------------------------------------------------------
@settings(max_examples=40)
@given(any_spanning_sets)
def test_exact_matches_brute_force_and_bounds_coefficients(vectors):
    value, indices = exact(vectors)
    assert value == pytest.approx(brute_force_max_det(vectors), rel=1e-9)
    assert abs(np.linalg.det(vectors[indices])) == pytest.approx(value, rel=1e-9)
    assert list(indices) == sorted(set(indices.tolist()))
    assert np.abs(betas(vectors, indices)).max() <= 1.0 + 1e-9


@settings(max_examples=40)
@given(any_spanning_sets, st.sampled_from([0.0, 0.1, 1.0]))
def test_local_search_is_swap_stable(vectors, slack):
    value, indices, swaps = local(vectors, slack)
    assert swaps >= 0
    assert len(set(indices.tolist())) == vectors.shape[1]
    assert abs(np.linalg.det(vectors[indices])) == pytest.approx(value, rel=1e-9)
    assert value <= brute_force_max_det(vectors) * (1 + 1e-9)
    assert np.abs(betas(vectors, indices)).max() <= (1.0 + slack) * (1 + 1e-9)
    # no single swap grows |det| by more than 1 + slack (checked with numpy determinants)
    for j in range(len(indices)):
        for a in range(len(vectors)):
            swapped = indices.copy()
            swapped[j] = a
            assert abs(np.linalg.det(vectors[swapped])) <= value * (1.0 + slack) * (1 + 1e-9) + 1e-12


@settings(max_examples=30)
@given(spanning_sets())
def test_swap_identity(vectors):
    _, indices, _ = local(vectors)
    beta = np.zeros(vectors.shape)
    assert coefficients(vectors, indices, beta) == 0
    np.testing.assert_allclose(beta @ vectors[indices], vectors, atol=1e-9)
    det = np.linalg.det(vectors[indices].T)
    for a in range(len(vectors)):
        for j in range(len(indices)):
            swapped = indices.copy()
            swapped[j] = a
            assert np.linalg.det(vectors[swapped].T) == pytest.approx(beta[a, j] * det, rel=1e-8, abs=1e-10)


@settings(max_examples=30)
@given(any_spanning_sets, st.integers(0, 2**32 - 1))
def test_exact_value_is_permutation_invariant(vectors, seed):
    order = np.random.default_rng(seed).permutation(len(vectors))
    value, indices = exact(vectors)
    permuted_value, permuted_indices = exact(np.ascontiguousarray(vectors[order]))
    assert permuted_value == pytest.approx(value, rel=1e-9)
    ties = [set(s) for s in itertools.combinations(range(len(vectors)), vectors.shape[1])
            if abs(np.linalg.det(vectors[list(s)])) >= value * (1 - 1e-9)]
    assert set(order[permuted_indices].tolist()) in ties
    if len(ties) == 1:
        assert set(order[permuted_indices].tolist()) == set(indices.tolist())


def test_counter_example_greedy_coordinates_are_not_max_det():
    vectors = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0]]
    for method in ("exact", "local"):
        result = max_det_collection(vectors, method=method)
        assert result.indices.tolist() == [2, 3]
        assert result.abs_det == pytest.approx(2.0)
        assert result.max_abs_coefficient == pytest.approx(1.0)
        np.testing.assert_allclose(result.coefficients[0], [0.5, 0.5])


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_standard_basis_is_its_own_max_det(d):
    for method in ("exact", "local"):
        result = max_det_collection(np.eye(d), method=method)
        assert result.indices.tolist() == list(range(d))
        assert result.abs_det == pytest.approx(1.0)
        np.testing.assert_allclose(result.coefficients, np.eye(d))


def test_collection_methods_and_result_fields():
    vectors = np.random.default_rng(3).standard_normal((12, 3))       # C(12, 3) = 220 -> exact
    auto = max_det_collection(vectors)
    assert auto.method == "exact" and auto.swaps == 0
    assert auto.abs_det == pytest.approx(brute_force_max_det(vectors))
    assert not auto.indices.flags.writeable and not auto.coefficients.flags.writeable
    big = np.random.default_rng(4).standard_normal((60, 4))           # C(60, 4) = 487635
    assert max_det_collection(big).method == "local"
    result = max_det_collection(big, method="local", slack=0.5)
    assert result.max_abs_coefficient <= 1.5 * (1 + 1e-9)


def test_collection_validation_names_parameters():
    with pytest.raises(ParameterError, match="must span R\\^d'") as info:
        max_det_collection([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    assert info.value.parameter == "vectors"
    with pytest.raises(ParameterError) as info:
        max_det_collection([[1.0, 0.0]])                               # n < d'
    assert info.value.parameter == "vectors"
    with pytest.raises(ParameterError) as info:
        max_det_collection([[1.0, np.nan], [0.0, 1.0]])
    assert info.value.root_parameter == "vectors"
    with pytest.raises(ParameterError) as info:
        max_det_collection([1.0, 2.0])
    assert info.value.parameter == "vectors"
    with pytest.raises(ParameterError) as info:
        max_det_collection(np.random.default_rng(0).standard_normal((60, 4)), method="exact")
    assert info.value.parameter == "vectors"
    with pytest.raises(ParameterError) as info:
        max_det_collection(np.eye(2), method="greedy")
    assert info.value.parameter == "method"
    with pytest.raises(ParameterError) as info:
        max_det_collection(np.eye(2), slack=-0.1)
    assert info.value.parameter == "slack"
