"""SSOR-preconditioned conjugate gradient and vanilla CG, with MATLAB ``pcg`` semantics, on a CSR
matrix or matrix-free on the 5-point stencil (Khodak, Chow, Balcan & Talwalkar, *Learning to
Relax*, ICLR 2024, arXiv:2310.02246: the heat-equation experiments and the official code's
``ssor_pcg.m``).

Semantics
---------
MATLAB ``pcg(A, b, tol, max_iter, M1, M2, x0)``: warm start ``x0``; ``iterations = 0`` if
``||b - A x0|| <= tol ||b||`` (and ``x = 0`` if ``b = 0``); stop when ``||b - A x_k|| <= tol ||b||``.
The preconditioner is ``M = M1 M2`` with ``X = D + omega L``, ``M1 = X^T D^{-1}`` and
``M2 = X / (omega (2 - omega))``, applied as ``z = M2^{-1}(M1^{-1} r)``: a backward sweep
``w = (D + omega U)^{-1} r`` (so that ``M1^{-1} r = D w``), computed as
``w_i = r_i / A_ii - (sum_{j>i} A_ij w_j) (omega / A_ii)``, then a forward sweep
``z_i = omega (2 - omega) w_i - (sum_{j<i} A_ij z_j) (omega / A_ii)``. CG is the same loop without
the preconditioner (``z = r``).

True-residual check (what MATLAB does and what is done here): when the recurrence residual
passes ``||r|| <= tol ||b||``, the true residual ``b - A x`` is computed and replaces ``r``; the
solve stops only if the true residual passes too. If it does not, the loop goes on and checks the
true residual after every later iteration. MATLAB instead gives up after ``maxmsteps = min(
floor(n/50), 5, n - maxit)`` failed checks (i.e. at the first failed check whenever
``maxit >= n``), returning flag 3 with its minimum-residual iterate; MATLAB's stagnation test is
not reproduced either. At the cap, and on a breakdown (``r'z = 0``, ``p'Ap <= 0`` or a non-finite
scalar: ``A`` or ``M`` not SPD), the kernels return ``max_iter`` and the last iterate, where
MATLAB would return its minimum-residual iterate and that iterate's index.

One loop serves the four variants, so that CSR and stencil runs share every operation but the
matrix-vector product and the preconditioner; the (P)CG loop updates ``x`` and ``r`` and computes
``||r||`` in one pass (:func:`.reductions._cg_step`).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.array_copy import copy_into
from environments.solver_tuning.linear_solvers.csr import (
    _csr_ssor,
    _diagonal_positions,
    csr_matvec_kernel,
)
from environments.solver_tuning.linear_solvers.reductions import _cg_step, _dot, _norm
from environments.solver_tuning.linear_solvers.stencil import (
    _stencil_ssor,
    stencil_matvec_kernel,
)
from environments.solver_tuning.linear_solvers.validation import (
    _check_csr,
    _check_solver,
    _check_stencil,
    _check_vector,
    _start,
)

__all__ = ["ssor_pcg_csr", "ssor_pcg_stencil", "cg_csr", "cg_stencil", "pcg_csr_kernel", "pcg_stencil_kernel"]


# ---------------------------------------------------------------------------------------------
# (P)CG: the stencil runs pass ``indptr = None``: numba then prunes the CSR branches at compile
# time (and the CSR runs the stencil ones).
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def _apply_matrix(indptr, indices, data, n_side, diag, off, x, y):
    if indptr is None:
        stencil_matvec_kernel(n_side, diag, off, x, y)
    else:
        csr_matvec_kernel(indptr, indices, data, x, y)


@nb.njit(cache=True, nogil=True)
def _pcg(indptr, indices, data, n_side, diag, off, b, x0, omega, tol, max_iter, precondition):
    n = b.size
    x = x0.copy()
    nb_ = _norm(b)
    if nb_ == 0.0:
        return 0, np.zeros(n)
    tolb = tol * nb_
    r = np.empty(n)
    q = np.empty(n)
    _apply_matrix(indptr, indices, data, n_side, diag, off, x, q)
    for k in range(n):
        r[k] = b[k] - q[k]
    if _norm(r) <= tolb:
        return 0, x
    z = np.empty(n)
    p = np.empty(n)
    # preconditioner data and scratch (the stencil sweeps use padded arrays with a zero ring)
    if indptr is None:
        m = (n_side + 2) * (n_side + 2) if precondition else 0
        wp = np.zeros(m)
        zp = np.zeros(m)
    else:
        m = n if precondition else 0
        diagpos = _diagonal_positions(indptr, indices) if precondition else np.empty(0, np.int64)
        inv_d = np.empty(m)
        for i in range(m):
            inv_d[i] = 1.0 / data[diagpos[i]]
        w = np.empty(m)
    rho = 1.0
    check_true = False
    if not precondition:
        z = r  # CG: z = r, no copy
    for it in range(1, max_iter + 1):
        if precondition:
            if indptr is None:
                _stencil_ssor(n_side, off, 1.0 / diag, omega, r, wp, zp, z)
            else:
                _csr_ssor(indptr, indices, data, diagpos, inv_d, omega, r, w, z)
        rho1 = rho
        rho = _dot(r, z)
        if rho == 0.0 or not math.isfinite(rho):
            break
        if it == 1:
            copy_into(p, z)
        else:
            beta = rho / rho1
            if beta == 0.0 or not math.isfinite(beta):
                break
            for k in range(n):
                p[k] = z[k] + beta * p[k]
        _apply_matrix(indptr, indices, data, n_side, diag, off, p, q)
        pq = _dot(p, q)
        if not (pq > 0.0) or not math.isfinite(pq):
            break
        alpha = rho / pq
        if not math.isfinite(alpha):
            break
        if _cg_step(x, r, p, q, alpha) <= tolb or check_true:
            # MATLAB: confirm with the true residual, which replaces the recurrence one
            _apply_matrix(indptr, indices, data, n_side, diag, off, x, q)
            for k in range(n):
                r[k] = b[k] - q[k]
            if _norm(r) <= tolb:
                return it, x
            check_true = True
    return max_iter, x


@nb.njit(cache=True, nogil=True)
def pcg_csr_kernel(indptr, indices, data, b, x0, omega, tol, max_iter, precondition):
    """SSOR-PCG (``precondition=True``) or vanilla CG (``False``, ``omega`` ignored) with MATLAB
    pcg semantics (module docstring); returns ``(iterations, x)``.

    Preconditions: the CSR preconditions, ``b.size == x0.size == n``, ``0 < omega < 2`` if
    preconditioned, ``tol > 0``, ``max_iter >= 1``.
    """
    return _pcg(indptr, indices, data, 0, 1.0, 0.0, b, x0, omega, tol, max_iter, precondition)


@nb.njit(cache=True, nogil=True)
def pcg_stencil_kernel(n_side, diag, off, b, x0, omega, tol, max_iter, precondition):
    """:func:`pcg_csr_kernel` on the 5-point stencil, matrix-free: the same operations, hence the
    same count and iterate, as on ``laplacian_5point_csr(n_side, diag, off)``. Preconditions:
    ``n_side >= 1``, ``diag > 0``, ``b.size == x0.size == n_side**2`` and as for the CSR kernel."""
    return _pcg(None, None, None, n_side, diag, off, b, x0, omega, tol, max_iter, precondition)


# ---------------------------------------------------------------------------------------------
# Validated entry points
# ---------------------------------------------------------------------------------------------
def ssor_pcg_csr(indptr, indices, data, b, omega, x0=None, tol=1e-8, max_iter=10000):
    """SSOR-preconditioned CG on a CSR matrix, MATLAB pcg semantics, warm start ``x0`` (default
    0); ``(iterations, x)``."""
    indptr, indices, data = _check_csr(indptr, indices, data)
    n = indptr.size - 1
    b = _check_vector("b", b, n)
    omega, tol, max_iter = _check_solver(omega, tol, max_iter)
    k, x = pcg_csr_kernel(indptr, indices, data, b, _start(x0, n), omega, tol, max_iter, True)
    return int(k), x


def ssor_pcg_stencil(n_side, diag, off, b, omega, x0=None, tol=1e-8, max_iter=10000):
    """SSOR-preconditioned CG on the 5-point stencil, MATLAB pcg semantics; ``(iterations, x)``."""
    n_side, diag, off = _check_stencil(n_side, diag, off)
    n = n_side * n_side
    b = _check_vector("b", b, n)
    omega, tol, max_iter = _check_solver(omega, tol, max_iter)
    k, x = pcg_stencil_kernel(n_side, diag, off, b, _start(x0, n), omega, tol, max_iter, True)
    return int(k), x


def cg_csr(indptr, indices, data, b, x0=None, tol=1e-8, max_iter=10000):
    """Vanilla CG on a CSR matrix, MATLAB pcg semantics; ``(iterations, x)``."""
    indptr, indices, data = _check_csr(indptr, indices, data)
    n = indptr.size - 1
    b = _check_vector("b", b, n)
    _, tol, max_iter = _check_solver(None, tol, max_iter, with_omega=False)
    k, x = pcg_csr_kernel(indptr, indices, data, b, _start(x0, n), 1.0, tol, max_iter, False)
    return int(k), x


def cg_stencil(n_side, diag, off, b, x0=None, tol=1e-8, max_iter=10000):
    """Vanilla CG on the 5-point stencil, MATLAB pcg semantics; ``(iterations, x)``."""
    n_side, diag, off = _check_stencil(n_side, diag, off)
    n = n_side * n_side
    b = _check_vector("b", b, n)
    _, tol, max_iter = _check_solver(None, tol, max_iter, with_omega=False)
    k, x = pcg_stencil_kernel(n_side, diag, off, b, _start(x0, n), 1.0, tol, max_iter, False)
    return int(k), x
