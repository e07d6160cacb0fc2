"""Linear solvers of the Learning-to-Relax environments (environments/solver_tuning/linear_solvers/,
Khodak et al., arXiv:2310.02246) against dense numpy references written here, the closed forms of
SOR theory (Young) and an independent dense eigenvalue computation; the closed forms and the numpy
Crank-Nicolson helpers are the oracles of solver_tuning_oracles.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
from threadpoolctl import threadpool_limits
from hypothesis import given, settings
from hypothesis import strategies as st

from environments.solver_tuning.linear_solvers import (
    HEAT_OMEGA_GRID,
    cg_csr,
    cg_stencil,
    csr_matvec,
    golden_section_omega,
    laplacian_5point_csr,
    sor_csr,
    sor_stencil,
    ssor_apply_csr,
    ssor_apply_stencil,
    ssor_pcg_csr,
    ssor_pcg_stencil,
    stencil_matvec,
)
from solver_tuning_oracles import (
    bump,
    heat_cn_stencil,
    heat_forcing,
    heat_grid_points,
    heat_initial_condition,
    heat_kappa,
    heat_rhs,
    jacobi_radius_shifted_laplacian,
    optimal_omega,
    sor_spectral_radius,
)


@pytest.fixture(autouse=True, scope="module")
def single_threaded_blas():
    """Run this module's dense LAPACK calls (100 x 100 eigenvalue problems) on one BLAS thread:
    on a loaded 2-core machine the threaded path is ~100x slower."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


# ---------------------------------------------------------------------------------------------
# Dense references
# ---------------------------------------------------------------------------------------------
def dense(indptr, indices, data):
    n = len(indptr) - 1
    A = np.zeros((n, n))
    for i in range(n):
        for p in range(indptr[i], indptr[i + 1]):
            A[i, indices[p]] = data[p]
    return A


def as_csr(A):
    """Every entry of a dense matrix stored (zeros included), columns in order."""
    n = A.shape[0]
    indptr = np.arange(0, n * n + 1, n)
    indices = np.tile(np.arange(n), n)
    return indptr, indices, A.ravel().copy()


def stencil_dense(n_side, diag, off):
    """diag I + off (grid adjacency), natural ordering, built from the grid directly."""
    n = n_side * n_side
    A = diag * np.eye(n)
    for i in range(n_side):
        for j in range(n_side):
            k = i * n_side + j
            for di, dj in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                if 0 <= i + di < n_side and 0 <= j + dj < n_side:
                    A[k, (i + di) * n_side + j + dj] = off
    return A


def dense_sor(A, b, omega, tol=1e-8, max_iter=10000):
    """The official sor.m: W = D/omega + L, x += W^{-1} r, stop when ||r_k|| / ||r_0|| < tol."""
    W = np.diag(np.diag(A)) / omega + np.tril(A, -1)
    x = np.zeros(len(b))
    r = b.copy()
    r0 = np.linalg.norm(r)
    for k in range(1, max_iter + 1):
        x = x + np.linalg.solve(W, r)
        r = b - A @ x
        if np.linalg.norm(r) / r0 < tol:
            return k, x
    return max_iter, x


def ssor_factors(A, omega):
    D = np.diag(np.diag(A))
    X = D + omega * np.tril(A, -1)
    M1 = X.T @ np.diag(1.0 / np.diag(A))
    M2 = X / (omega * (2.0 - omega))
    return M1, M2


def dense_pcg(A, b, x0, omega=None, tol=1e-8, max_iter=10000):
    """MATLAB pcg semantics as documented in the module: relative to ||b||, warm start, 0 if x0
    passes, true-residual confirmation (kept on after a failed confirmation)."""
    nb_ = np.linalg.norm(b)
    if nb_ == 0:
        return 0, np.zeros(len(b))
    tolb = tol * nb_
    x = x0.copy()
    r = b - A @ x
    if np.linalg.norm(r) <= tolb:
        return 0, x
    if omega is not None:
        M1, M2 = ssor_factors(A, omega)
    rho = 1.0
    check = False
    p = None
    for it in range(1, max_iter + 1):
        z = np.linalg.solve(M2, np.linalg.solve(M1, r)) if omega is not None else r.copy()
        rho_old, rho = rho, r @ z
        p = z.copy() if it == 1 else z + (rho / rho_old) * p
        q = A @ p
        alpha = rho / (p @ q)
        x = x + alpha * p
        r = r - alpha * q
        if check or np.linalg.norm(r) <= tolb:
            r = b - A @ x
            if np.linalg.norm(r) <= tolb:
                return it, x
            check = True
    return max_iter, x


def sor_iteration_radius(A, omega):
    W = np.diag(np.diag(A)) / omega + np.tril(A, -1)
    C = np.eye(len(A)) - np.linalg.solve(W, A)
    return float(np.max(np.abs(np.linalg.eigvals(C))))


LAPLACIAN_10 = stencil_dense(10, 4.0, -1.0)


# ---------------------------------------------------------------------------------------------
# Matrices and operators
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n_side", [1, 2, 3, 5])
def test_laplacian_csr_is_the_5_point_stencil_and_the_kron_form(n_side):
    indptr, indices, data = laplacian_5point_csr(n_side, 4.3, -0.7)
    assert indptr.dtype == indices.dtype == np.int64 and data.dtype == np.float64
    assert np.array_equal(dense(indptr, indices, data), stencil_dense(n_side, 4.3, -0.7))
    T = 2 * np.eye(n_side) - np.eye(n_side, k=1) - np.eye(n_side, k=-1)
    kron = np.kron(np.eye(n_side), T) + np.kron(T, np.eye(n_side))
    assert np.array_equal(dense(*laplacian_5point_csr(n_side)), kron)


@pytest.mark.parametrize("n_side", [1, 2, 4, 7])
def test_stencil_matvec_is_bitwise_the_csr_product(n_side):
    x = np.random.default_rng(n_side).normal(size=n_side * n_side)
    csr = laplacian_5point_csr(n_side, 3.7, 0.4)
    y = stencil_matvec(n_side, 3.7, 0.4, x)
    assert np.array_equal(y, csr_matvec(*csr, x))
    np.testing.assert_allclose(y, stencil_dense(n_side, 3.7, 0.4) @ x, rtol=1e-14, atol=1e-14)


# ---------------------------------------------------------------------------------------------
# SOR
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n_side", [3, 4, 5, 6])
def test_sor_counts_and_solutions_match_the_dense_reference(n_side):
    rng = np.random.default_rng(100 + n_side)
    h = 1.0 / (n_side + 1)
    lowest = -(4 - 4 * math.cos(math.pi * h))
    for shift in (0.9 * lowest, 0.0, 0.45):
        diag = 4.0 + shift
        A = stencil_dense(n_side, diag, -1.0)
        csr = laplacian_5point_csr(n_side, diag, -1.0)
        b = rng.normal(size=n_side * n_side)
        solution = np.linalg.solve(A, b)
        for omega in (0.6, 1.0, 1.3, optimal_omega(jacobi_radius_shifted_laplacian(n_side, shift)), 1.7, 1.95):
            k_ref, x_ref = dense_sor(A, b, omega)
            k_csr, x_csr = sor_csr(*csr, b, omega)
            k_st, x_st = sor_stencil(n_side, diag, -1.0, b, omega)
            assert k_csr == k_st == k_ref, (shift, omega)
            assert np.array_equal(x_csr, x_st)
            np.testing.assert_allclose(x_csr, x_ref, rtol=0, atol=1e-10 * np.abs(solution).max())
            assert np.linalg.norm(b - A @ x_csr) < 1e-8 * np.linalg.norm(b)


@pytest.mark.parametrize("n_side", [1, 2, 3, 4, 5, 9, 13])
def test_sor_stencil_iterates_are_bitwise_those_of_sor_csr(n_side):
    # sizes around the 4-row wavefront blocks (full, partial and single blocks)
    rng = np.random.default_rng(n_side)
    b = rng.normal(size=n_side * n_side)
    csr = laplacian_5point_csr(n_side, 4.2, -1.0)
    for omega in (0.8, 1.5, 1.9):
        for max_iter in (1, 3, 10000):
            k1, x1 = sor_csr(*csr, b, omega, max_iter=max_iter)
            k2, x2 = sor_stencil(n_side, 4.2, -1.0, b, omega, max_iter=max_iter)
            assert k1 == k2 and np.array_equal(x1, x2)


def test_sor_cap_and_zero_right_hand_side():
    csr = laplacian_5point_csr(4)
    b = np.ones(16)
    assert sor_csr(*csr, b, 1.0, max_iter=5)[0] == 5
    assert sor_stencil(4, 4.0, -1.0, b, 1.0, max_iter=5)[0] == 5
    assert sor_stencil(4, 4.0, -1.0, b, 1.0, tol=0.5)[0] >= 1
    for k, x in (sor_csr(*csr, np.zeros(16), 1.0), sor_stencil(4, 4.0, -1.0, np.zeros(16), 1.0)):
        assert k == 0 and not x.any()


@settings(max_examples=25)
@given(
    omega=st.floats(0.01, 1.99),
    n=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_sor_converges_for_every_omega_on_random_spd_matrices(omega, n, seed):
    # Ostrowski-Reich: rho(C_omega) < 1 for every omega in (0, 2) on SPD A
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(n, n))
    A = B @ B.T + 0.5 * np.eye(n)
    b = rng.normal(size=n)
    k, x = sor_csr(*as_csr(A), b, omega, max_iter=500_000)
    assert 1 <= k < 500_000
    assert np.linalg.norm(b - A @ x) < 1e-8 * np.linalg.norm(b) * (1 + 1e-9)


@settings(max_examples=25)
@given(
    omega=st.floats(0.01, 1.99),
    n_side=st.integers(1, 6),
    diag=st.floats(0.5, 10.0),
    ratio=st.floats(-0.99, 0.99),
    seed=st.integers(0, 2**32 - 1),
)
def test_sor_stencil_converges_on_random_spd_stencils_with_the_csr_count(omega, n_side, diag, ratio, seed):
    off = ratio * diag / 4.0  # diag > 4 |off|: strictly diagonally dominant, hence SPD
    b = np.random.default_rng(seed).normal(size=n_side * n_side)
    k, x = sor_stencil(n_side, diag, off, b, omega, max_iter=500_000)
    assert 1 <= k < 500_000
    k_csr, x_csr = sor_csr(*laplacian_5point_csr(n_side, diag, off), b, omega, max_iter=500_000)
    assert k == k_csr and np.array_equal(x, x_csr)


# ---------------------------------------------------------------------------------------------
# Closed forms and theory oracles (Young)
# ---------------------------------------------------------------------------------------------
def test_model_problem_closed_forms():
    beta = jacobi_radius_shifted_laplacian(10, 0.0)
    assert beta == pytest.approx(0.959493, abs=1e-6)
    assert optimal_omega(beta) == pytest.approx(1.560388, abs=1e-6)
    assert sor_spectral_radius(1.0, beta) == pytest.approx(0.920627, abs=1e-6)
    assert optimal_omega(beta) == pytest.approx(2 / (1 + math.sin(math.pi / 11)), rel=1e-14)
    assert jacobi_radius_shifted_laplacian(10, -0.15) == pytest.approx(0.99688, abs=1e-5)
    values = [round(optimal_omega(jacobi_radius_shifted_laplacian(10, c)), 4) for c in (-0.15, 0.0, 0.15, 0.45)]
    assert values == [1.8536, 1.5604, 1.4488, 1.3279]
    # log eps / log rho: 223 at omega = 1, 31.8 at omega*
    assert math.log(1e-8) / math.log(sor_spectral_radius(1.0, beta)) == pytest.approx(223, abs=0.5)
    w = optimal_omega(beta)
    assert math.log(1e-8) / math.log(sor_spectral_radius(w, beta)) == pytest.approx(31.8, abs=0.05)
    # vectorised, both identities of omega*
    array = sor_spectral_radius(np.array([1.0, w, 1.9]), beta)
    np.testing.assert_allclose(array, [beta**2, w - 1, 0.9], rtol=1e-12)
    assert optimal_omega(beta) == pytest.approx(1 + (beta / (1 + math.sqrt(1 - beta**2))) ** 2, rel=1e-14)


def test_young_formula_matches_the_dense_sor_iteration_matrix_on_the_10x10_laplacian():
    beta = jacobi_radius_shifted_laplacian(10, 0.0)
    w_opt = optimal_omega(beta)
    omegas = [1.0, 1.3, w_opt, 1.7, 1.9]
    dense_radius = [sor_iteration_radius(LAPLACIAN_10, w) for w in omegas]
    expected = [0.92063, 0.84997, 0.56039, 0.70000, 0.90000]
    np.testing.assert_allclose(dense_radius, expected, atol=1e-4)
    np.testing.assert_allclose(sor_spectral_radius(np.array(omegas), beta), expected, atol=1e-5)
    np.testing.assert_allclose(sor_spectral_radius(np.array(omegas), beta), dense_radius, atol=1e-5)


@pytest.mark.parametrize("shift", [-0.15, 0.0, 0.15, 0.45])
def test_closed_form_omega_star_is_the_argmin_of_the_dense_spectral_radius(shift):
    A = LAPLACIAN_10 + shift * np.eye(100)
    beta = jacobi_radius_shifted_laplacian(10, shift)
    dense_beta = np.max(np.abs(np.linalg.eigvals(np.eye(100) - A / np.diag(A)[:, None])))
    assert beta == pytest.approx(dense_beta, abs=1e-10)
    coarse = np.arange(1.0, 1.9501, 0.01)
    w0 = coarse[np.argmin([sor_iteration_radius(A, w) for w in coarse])]
    fine = np.arange(w0 - 0.01, w0 + 0.01 + 1e-12, 2e-4)
    radius = [sor_iteration_radius(A, w) for w in fine]
    w_fine = fine[np.argmin(radius)]
    assert optimal_omega(beta) == pytest.approx(w_fine, abs=2.5e-4)
    # Young's formula over the fine grid (away from the defective point omega*)
    young = sor_spectral_radius(fine, beta)
    keep = np.abs(fine - optimal_omega(beta)) > 1e-3
    np.testing.assert_allclose(np.array(radius)[keep], young[keep], atol=1e-6)


# ---------------------------------------------------------------------------------------------
# SSOR preconditioner, PCG and CG
# ---------------------------------------------------------------------------------------------
@settings(max_examples=30)
@given(omega=st.floats(1e-3, 2 - 1e-3, exclude_min=False), n=st.integers(1, 7), seed=st.integers(0, 2**32 - 1))
def test_ssor_preconditioner_is_spd_and_applied_as_m2_inv_m1_inv(omega, n, seed):
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(n, n))
    A = B @ B.T + 0.5 * np.eye(n)
    M1, M2 = ssor_factors(A, omega)
    M = M1 @ M2
    np.testing.assert_allclose(M, M.T, rtol=1e-12, atol=1e-12 * np.abs(M).max())
    assert np.linalg.eigvalsh(0.5 * (M + M.T)).min() > 0
    r = rng.normal(size=n)
    z = ssor_apply_csr(*as_csr(A), r, omega)
    np.testing.assert_allclose(M @ z, r, rtol=1e-8, atol=1e-8 * np.abs(r).max())


@pytest.mark.parametrize("n_side", [1, 2, 3, 6, 9])
def test_ssor_apply_stencil_is_bitwise_the_csr_one(n_side):
    r = np.random.default_rng(n_side).normal(size=n_side * n_side)
    for omega in (0.5, 1.0, 1.8):
        z = ssor_apply_stencil(n_side, 4.1, -0.9, r, omega)
        assert np.array_equal(z, ssor_apply_csr(*laplacian_5point_csr(n_side, 4.1, -0.9), r, omega))
        M1, M2 = ssor_factors(stencil_dense(n_side, 4.1, -0.9), omega)
        np.testing.assert_allclose(z, np.linalg.solve(M2, np.linalg.solve(M1, r)), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n_side", [2, 4, 6])
def test_pcg_and_cg_counts_match_the_dense_reference(n_side):
    rng = np.random.default_rng(7 + n_side)
    n = n_side * n_side
    for diag, off in ((4.0, -1.0), (3.9, -1.0), (1.0 + 4 * 25.0, -25.0)):  # last: a heat CN matrix
        A = stencil_dense(n_side, diag, off)
        csr = laplacian_5point_csr(n_side, diag, off)
        b = rng.normal(size=n)
        for x0 in (np.zeros(n), rng.normal(size=n)):
            for omega in (0.5, 1.0, 1.5, 1.95):
                k_ref, x_ref = dense_pcg(A, b, x0, omega)
                k_csr, x_csr = ssor_pcg_csr(*csr, b, omega, x0=x0)
                k_st, x_st = ssor_pcg_stencil(n_side, diag, off, b, omega, x0=x0)
                assert k_csr == k_st == k_ref, (diag, omega)
                assert np.array_equal(x_csr, x_st)
                assert np.linalg.norm(b - A @ x_csr) <= 1e-8 * np.linalg.norm(b)
                np.testing.assert_allclose(x_csr, x_ref, atol=1e-9 * np.abs(x_ref).max())
            k_ref, _ = dense_pcg(A, b, x0)
            k_csr, x_csr = cg_csr(*csr, b, x0=x0)
            k_st, x_st = cg_stencil(n_side, diag, off, b, x0=x0)
            assert k_csr == k_st == k_ref and np.array_equal(x_csr, x_st)


def test_pcg_on_a_dense_spd_matrix_matches_the_reference():
    rng = np.random.default_rng(3)
    B = rng.normal(size=(12, 12))
    A = B @ B.T + np.eye(12)
    b = rng.normal(size=12)
    for omega in (0.3, 1.0, 1.7):
        assert ssor_pcg_csr(*as_csr(A), b, omega)[0] == dense_pcg(A, b, np.zeros(12), omega)[0]
    assert cg_csr(*as_csr(A), b)[0] == dense_pcg(A, b, np.zeros(12))[0]


def test_warm_start_at_the_solution_takes_zero_iterations():
    n_side = 5
    A = stencil_dense(n_side, 4.0, -1.0)
    b = np.random.default_rng(0).normal(size=25)
    x_star = np.linalg.solve(A, b)
    csr = laplacian_5point_csr(n_side)
    for k, x in (
        ssor_pcg_csr(*csr, b, 1.3, x0=x_star),
        ssor_pcg_stencil(n_side, 4.0, -1.0, b, 1.3, x0=x_star),
        cg_csr(*csr, b, x0=x_star),
        cg_stencil(n_side, 4.0, -1.0, b, x0=x_star),
    ):
        assert k == 0 and np.array_equal(x, x_star)
    # b = 0: x = 0 and no iteration, whatever x0 (MATLAB)
    k, x = ssor_pcg_stencil(n_side, 4.0, -1.0, np.zeros(25), 1.3, x0=np.ones(25))
    assert k == 0 and not x.any()
    # the cap
    assert cg_stencil(n_side, 4.0, -1.0, b, max_iter=2)[0] == 2


@pytest.mark.parametrize("n_side", [3, 4, 5])
def test_cg_converges_within_n_iterations(n_side):
    n = n_side * n_side
    rng = np.random.default_rng(n)
    for shift in (0.0, 0.3):
        b = rng.normal(size=n)
        k, x = cg_stencil(n_side, 4.0 + shift, -1.0, b)
        assert 1 <= k <= n + 2
        k, x = ssor_pcg_stencil(n_side, 4.0 + shift, -1.0, b, 1.2)
        assert 1 <= k <= n + 2
    B = rng.normal(size=(n, n))
    A = B @ B.T + np.eye(n)
    b = rng.normal(size=n)
    k, x = cg_csr(*as_csr(A), b)
    assert 1 <= k <= n + 5
    assert np.linalg.norm(b - A @ x) <= 1e-8 * np.linalg.norm(b)


# ---------------------------------------------------------------------------------------------
# Golden section
# ---------------------------------------------------------------------------------------------
def test_golden_section_uses_twelve_evaluations_and_finds_the_minimum():
    calls = []

    def cost(w):
        calls.append(w)
        return round(200 * (w - 1.58) ** 2) + 30

    result = golden_section_omega(cost)
    assert len(calls) == 12 and list(result.omegas) == calls
    assert list(result.omegas[:5]) == list(HEAT_OMEGA_GRID)
    # grid costs 97, 46, 31, 36, 57: everything after the grid lies inside the bracket
    # [1.3, 1.75] around the grid argmin 1.5
    assert list(result.costs[:5]) == [97, 46, 31, 36, 57]
    assert all(1.3 < w < 1.75 for w in calls[5:])
    assert result.costs.min() == 30
    at_min = result.omegas[result.costs == 30]
    assert result.omega == pytest.approx((at_min.min() + at_min.max()) / 2)
    assert abs(result.omega - 1.58) < 0.05


def test_golden_section_with_given_grid_costs_and_edge_minimum():
    calls = []

    def cost(w):
        calls.append(w)
        return 100 + 50 * w

    result = golden_section_omega(cost, grid=(1.0, 1.2, 1.4), grid_costs=[150, 160, 170], n_evals=6)
    assert len(calls) == 3 and len(result.omegas) == 6
    assert all(1.0 <= w <= 1.2 for w in calls)
    assert result.omega == pytest.approx(1.0)
    # constant cost: midpoint of the whole evaluated range
    flat = golden_section_omega(lambda w: 7, grid=(1.0, 1.5, 1.9), n_evals=5)
    assert flat.omega == pytest.approx((1.0 + 1.9) / 2)


def test_golden_section_on_heat_pcg_counts_does_not_lose_to_the_grid():
    nx, dt, t = 12, 1e-3, 0.7
    kappa = heat_kappa(t)
    n_side, diag, off = heat_cn_stencil(kappa, dt, nx)
    u = heat_initial_condition(nx)
    b = heat_rhs(u, kappa, t + dt / 2, dt, nx)
    result = golden_section_omega(lambda w: ssor_pcg_stencil(n_side, diag, off, b, w, x0=u)[0])
    assert len(result.costs) == 12
    grid_best = min(ssor_pcg_stencil(n_side, diag, off, b, w, x0=u)[0] for w in HEAT_OMEGA_GRID)
    assert result.costs.min() <= grid_best
    assert ssor_pcg_stencil(n_side, diag, off, b, result.omega, x0=u)[0] <= grid_best + 1


# ---------------------------------------------------------------------------------------------
# Heat equation (Khodak et al., Appendix G.2)
# ---------------------------------------------------------------------------------------------
def test_heat_kappa_bump_and_forcing():
    assert heat_kappa(0.25) == pytest.approx(0.1)
    assert heat_kappa(0.75) == pytest.approx(10.0)
    assert heat_kappa(0.75, coefficient=0.01) == pytest.approx(10.0)
    assert heat_kappa(0.25, coefficient=0.01) == pytest.approx(0.01)
    ts = np.linspace(0, 5, 5000)
    kappa = heat_kappa(ts)
    assert kappa.min() >= 0 and kappa.max() == pytest.approx(10.0, abs=1e-3)
    assert bump(np.array([0.3, 0.4]), (0.3, 0.4), 0.2) == 1.0
    points = np.array([[0.5, 0.5], [0.5, 0.74], [0.5, 0.75], [0.9, 0.9]])
    values = bump(points, (0.5, 0.5), 0.25)
    assert values[0] == 1.0 and 0 < values[1] < 1e-3 and values[2] == 0 and values[3] == 0
    assert values[1] == pytest.approx(math.exp(1 - 1 / (1 - (0.24 / 0.25) ** 2)))
    t = 0.01
    centre = (0.5 + math.cos(16 * math.pi * t) / 4, 0.5 + math.sin(16 * math.pi * t) / 4)
    assert heat_forcing(t, np.array([centre]))[0] == pytest.approx(32.0)
    points = heat_grid_points(4)
    assert points.shape == (9, 2)
    assert np.array_equal(points[:4], [[0.25, 0.25], [0.25, 0.5], [0.25, 0.75], [0.5, 0.25]])
    u0 = heat_initial_condition(8)
    assert u0.shape == (49,) and u0[3 * 7 + 3] == 1.0


@pytest.mark.parametrize("kappa", [0.0, 0.1, 3.0, 10.0])
def test_crank_nicolson_matrix_is_spd_and_equals_the_explicit_formula(kappa):
    nx, dt = 8, 1e-3
    dx = 1.0 / nx
    n_side, diag, off = heat_cn_stencil(kappa, dt, nx)
    assert n_side == nx - 1
    L_h = -stencil_dense(n_side, 4.0, -1.0) / dx**2  # 5-point Laplacian / dx^2, negative definite
    A_t = np.eye(n_side**2) - 0.5 * kappa * dt * L_h
    np.testing.assert_allclose(dense(*laplacian_5point_csr(n_side, diag, off)), A_t, rtol=1e-14, atol=1e-14)
    assert np.linalg.eigvalsh(A_t).min() > 0
    u = heat_initial_condition(nx)
    t_half = 0.3 + dt / 2
    f = 32 * bump(heat_grid_points(nx), (0.5 + math.cos(16 * math.pi * t_half) / 4, 0.5 + math.sin(16 * math.pi * t_half) / 4), 0.125)
    expected = (np.eye(n_side**2) + 0.5 * kappa * dt * L_h) @ u + dt * f
    np.testing.assert_allclose(heat_rhs(u, kappa, t_half, dt, nx), expected, rtol=1e-12, atol=1e-12)
    # one CN step by SSOR-PCG with the warm start
    b = heat_rhs(u, kappa, t_half, dt, nx)
    k, x = ssor_pcg_stencil(n_side, diag, off, b, 1.5, x0=u)
    np.testing.assert_allclose(x, np.linalg.solve(A_t, b), atol=1e-7 * np.abs(b).max())


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------
_CSR = laplacian_5point_csr(2)
_B = np.ones(4)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: sor_stencil(2, 4.0, -1.0, _B, 2.5), "omega: must be in (0, 2), got 2.5"),
        (lambda: sor_stencil(2, 4.0, -1.0, _B, 0.0), "omega: must be in (0, 2), got 0.0"),
        (lambda: sor_csr(*_CSR, _B, 1.0, tol=0.0), "tol: must be > 0, got 0.0"),
        (lambda: sor_csr(*_CSR, _B, 1.0, max_iter=0), "max_iter: must be >= 1, got 0"),
        (lambda: sor_csr(*_CSR, _B, 1.0, max_iter=2.5), "max_iter: must be an integer, got 2.5"),
        (lambda: sor_stencil(0, 4.0, -1.0, _B, 1.0), "n_side: must be >= 1, got 0"),
        (lambda: sor_stencil(2, -4.0, -1.0, _B, 1.0), "diag: must be > 0, got -4.0"),
        (lambda: sor_stencil(2, 4.0, float("nan"), _B, 1.0), "off: must be finite, got nan"),
        (lambda: sor_stencil(2, 4.0, -1.0, np.ones(5), 1.0), "b: must have 4 entries (one per unknown), got 5"),
        (lambda: sor_csr(*_CSR, [1, 2, np.inf, 4], 1.0), "b[2]: must be finite, got inf"),
        (lambda: ssor_pcg_stencil(2, 4.0, -1.0, _B, 1.0, x0=np.ones(3)), "x0: must have 4 entries"),
        (lambda: ssor_pcg_csr(*_CSR, _B, 2.0), "omega: must be in (0, 2), got 2.0"),
        (lambda: cg_stencil(2, 4.0, -1.0, _B, tol=-1e-8), "tol: must be > 0, got -1e-08"),
        (lambda: sor_csr(np.array([0, 1, 2]), np.array([0, 0]), np.ones(2), np.ones(2), 1.0),
         "indices: row 1 must store its diagonal entry"),
        (lambda: sor_csr(np.array([0, 2, 4]), np.array([1, 0, 0, 1]), np.ones(4), np.ones(2), 1.0),
         "indices[1]: column indices must be strictly increasing within row 0, got 0 after 1"),
        (lambda: sor_csr(np.array([0, 1, 2]), np.array([0, 2]), np.ones(2), np.ones(2), 1.0),
         "indices[1]: must be in [0, 1], got 2"),
        (lambda: sor_csr(np.array([0, 1, 2]), np.array([0, 1]), np.array([1.0, -2.0]), np.ones(2), 1.0),
         "data: the diagonal entry A[1, 1] must be > 0, got -2.0"),
        (lambda: sor_csr(np.array([0, 1, 3]), np.array([0, 1]), np.ones(2), np.ones(2), 1.0),
         "indices: must have indptr[-1] = 3 entries, got 2"),
        (lambda: sor_csr(np.array([1, 1, 2]), np.array([0, 1]), np.ones(2), np.ones(2), 1.0), "indptr[0]: must be 0, got 1"),
        (lambda: jacobi_radius_shifted_laplacian(10, -0.2), "shift: must be > -0.16"),
        (lambda: optimal_omega(1.0), "beta: must be in [0, 1), got 1.0"),
        (lambda: sor_spectral_radius([1.0, 2.0], 0.5), "omega: must be in (0, 2), got 2.0"),
        (lambda: golden_section_omega(lambda w: 1, grid=(1.0, 1.0)), "grid[1]: must be > grid[0]"),
        (lambda: golden_section_omega(lambda w: 1, n_evals=3), "n_evals: must be >= 5, got 3"),
        (lambda: golden_section_omega(lambda w: None), "cost_fn: must return a real number, got None"),
        (lambda: heat_cn_stencil(-1.0, 1e-3, 8), "kappa: must be >= 0, got -1.0"),
        (lambda: heat_rhs(np.ones(48), 1.0, 0.0, 1e-3, 8), "u: must have 49 entries"),
        (lambda: bump(np.ones((3, 3)), (0.5, 0.5), 0.25), "points: must have shape (..., 2), got (3, 3)"),
        (lambda: bump(np.ones((3, 2)), (0.5, 0.5), 0.0), "radius: must be > 0, got 0.0"),
    ],
)
def test_bad_input_raises_value_error_naming_the_parameter(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert message in str(error.value)
