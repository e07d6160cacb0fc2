"""SOR and the SSOR preconditioner on a generic CSR matrix (Khodak, Chow, Balcan & Talwalkar,
*Learning to Relax*, ICLR 2024, arXiv:2310.02246; the official code's ``sor.m``).

SOR
---
``W = D/omega + L``; ``x_0 = 0``, ``r_0 = b``; repeat ``x_k = x_{k-1} + W^{-1} r_{k-1}``,
``r_k = b - A x_k`` and stop as soon as ``||r_k|| / ||r_0|| < tol`` (checked after every update,
so the count is the number of updates, >= 1 whenever ``b != 0``). At the cap the solver returns
``max_iter`` (the official code uses 10000). ``b = 0`` makes the relative rule undefined; the
solvers then return ``(0, 0)``. The update ``x + W^{-1} r`` is computed as one forward SOR
sweep, row by row: with ``s = sum_j A_ij x_j`` over the current (partly updated) iterate,
``x_i += (b_i - s) * (omega / A_ii)``. The residual ``b - A x_k`` is the true residual of the new
iterate, computed from scratch every iteration.

Summation orders (shared with the stencil path of :mod:`.stencil`): sweep rows ``s = A_ii x_i``,
then the upper entries, then the lower ones, each in column order (the term that depends on the
value just updated comes last, which shortens the latency chain); residual and matrix-vector
rows: all entries in column order, starting from ``0.0``; backward preconditioner sweep: the
upper entries in *reverse* column order; forward sweep: the lower entries in column order.

The kernels (``*_kernel``) check nothing; the validated entry points (``sor_csr``,
``csr_matvec``, ``ssor_apply_csr``, ``laplacian_5point_csr``) check their arguments first.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from bandits.core.validation import check_real
from environments.solver_tuning.linear_solvers.reductions import _norm
from environments.solver_tuning.linear_solvers.validation import _check_csr, _check_solver, _check_stencil, _check_vector

__all__ = [
    "sor_csr",
    "csr_matvec",
    "ssor_apply_csr",
    "laplacian_5point_csr",
    "sor_csr_kernel",
    "csr_matvec_kernel",
    "ssor_apply_csr_kernel",
]


# ---------------------------------------------------------------------------------------------
# CSR building blocks. Preconditions: square n x n CSR with strictly increasing column indices in
# every row and a positive diagonal entry in every row.
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def _diagonal_positions(indptr, indices):
    n = indptr.size - 1
    position = np.empty(n, np.int64)
    for i in range(n):
        position[i] = -1
        for p in range(indptr[i], indptr[i + 1]):
            if indices[p] == i:
                position[i] = p
                break
    return position


@nb.njit(cache=True, nogil=True)
def csr_matvec_kernel(indptr, indices, data, x, y):
    """``y = A x``; every row summed in column order from ``0.0``."""
    n = indptr.size - 1
    for i in range(n):
        s = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            s += data[p] * x[indices[p]]
        y[i] = s


@nb.njit(cache=True, nogil=True)
def _csr_residual(indptr, indices, data, b, x, r):
    """``r = b - A x`` (rows in column order)."""
    n = indptr.size - 1
    for i in range(n):
        s = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            s += data[p] * x[indices[p]]
        r[i] = b[i] - s


@nb.njit(cache=True, nogil=True)
def _csr_ssor(indptr, indices, data, diagpos, inv_diag, omega, r, w, z):
    """``z = M2^{-1} M1^{-1} r`` (``w`` is scratch): backward sweep ``w_i = r_i / A_ii - s g_i``,
    ``s`` over the upper entries in reverse column order, then forward sweep ``z_i = omega (2 -
    omega) w_i - s g_i``, ``s`` over the lower entries in column order; ``g_i = omega / A_ii``."""
    n = indptr.size - 1
    for i in range(n - 1, -1, -1):
        s = 0.0
        for p in range(indptr[i + 1] - 1, diagpos[i], -1):
            s += data[p] * w[indices[p]]
        w[i] = inv_diag[i] * r[i] - s * (omega * inv_diag[i])
    c = omega * (2.0 - omega)
    for i in range(n):
        s = 0.0
        for p in range(indptr[i], diagpos[i]):
            s += data[p] * z[indices[p]]
        z[i] = c * w[i] - s * (omega * inv_diag[i])


@nb.njit(cache=True, nogil=True)
def ssor_apply_csr_kernel(indptr, indices, data, r, omega):
    """The SSOR preconditioner solve ``z = M2^{-1}(M1^{-1} r)`` on a CSR matrix."""
    n = indptr.size - 1
    diagpos = _diagonal_positions(indptr, indices)
    inv_diag = np.empty(n)
    for i in range(n):
        inv_diag[i] = 1.0 / data[diagpos[i]]
    w = np.empty(n)
    z = np.empty(n)
    _csr_ssor(indptr, indices, data, diagpos, inv_diag, omega, r, w, z)
    return z


@nb.njit(cache=True, nogil=True)
def sor_csr_kernel(indptr, indices, data, b, omega, tol, max_iter):
    """SOR from ``x = 0`` (see the module docstring); returns ``(iterations, x)``.

    Preconditions: the CSR preconditions above, ``b.size == n``, ``0 < omega < 2``, ``tol > 0``,
    ``max_iter >= 1``.
    """
    n = indptr.size - 1
    x = np.zeros(n)
    r0 = _norm(b)  # r_0 = b - A 0 = b
    if r0 == 0.0:
        return 0, x
    diagpos = _diagonal_positions(indptr, indices)
    scale = np.empty(n)
    for i in range(n):
        scale[i] = omega / data[diagpos[i]]
    r = np.empty(n)
    for k in range(1, max_iter + 1):
        for i in range(n):
            d = diagpos[i]
            s = data[d] * x[i]
            for p in range(d + 1, indptr[i + 1]):
                s += data[p] * x[indices[p]]
            for p in range(indptr[i], d):
                s += data[p] * x[indices[p]]
            x[i] += (b[i] - s) * scale[i]
        _csr_residual(indptr, indices, data, b, x, r)
        if _norm(r) / r0 < tol:
            return k, x
    return max_iter, x


# ---------------------------------------------------------------------------------------------
# Validated entry points
# ---------------------------------------------------------------------------------------------
def sor_csr(indptr, indices, data, b, omega, tol=1e-8, max_iter=10000):
    """SOR on a CSR matrix from ``x = 0``; ``(iterations, x)`` (see :func:`sor_csr_kernel`)."""
    indptr, indices, data = _check_csr(indptr, indices, data)
    b = _check_vector("b", b, indptr.size - 1)
    omega, tol, max_iter = _check_solver(omega, tol, max_iter)
    k, x = sor_csr_kernel(indptr, indices, data, b, omega, tol, max_iter)
    return int(k), x


def laplacian_5point_csr(n_side, diag=4.0, off=-1.0):
    """CSR arrays ``(indptr int64, indices int64, data float64)`` of the 5-point stencil matrix
    ``diag I + off (N + S + E + W neighbours)`` on an ``n_side x n_side`` interior grid, natural
    ordering ``k = i n_side + j``, columns sorted in every row. The defaults give MATLAB's
    ``delsq(numgrid('S', n_side + 2))``, the matrix of the paper's synthetic instances (MATLAB
    numbers the grid column-wise, which for this symmetric stencil on a square gives the same
    matrix ``kron(I, T) + kron(T, I)``)."""
    n_side, diag, off = _check_stencil(n_side, diag, off)
    n = n_side
    i, j = np.divmod(np.arange(n * n), n)
    k = np.arange(n * n)
    # candidate neighbours in column order: N, W, C, E, S
    columns = np.stack([k - n, k - 1, k, k + 1, k + n], axis=1)
    present = np.stack([i > 0, j > 0, np.ones(n * n, bool), j < n - 1, i < n - 1], axis=1)
    values = np.broadcast_to(np.array([off, off, diag, off, off]), columns.shape)
    indptr = np.zeros(n * n + 1, np.int64)
    np.cumsum(present.sum(axis=1), out=indptr[1:])
    return indptr, columns[present].astype(np.int64), values[present].astype(np.float64)


def csr_matvec(indptr, indices, data, x):
    """``A x`` for a CSR matrix (rows summed in column order)."""
    indptr, indices, data = _check_csr(indptr, indices, data)
    x = _check_vector("x", x, indptr.size - 1)
    y = np.empty(indptr.size - 1)
    csr_matvec_kernel(indptr, indices, data, x, y)
    return y


def ssor_apply_csr(indptr, indices, data, r, omega):
    """``z = M2^{-1}(M1^{-1} r)``, the SSOR preconditioner of :func:`ssor_pcg_csr`."""
    indptr, indices, data = _check_csr(indptr, indices, data)
    r = _check_vector("r", r, indptr.size - 1)
    omega = check_real("omega", omega, low=0.0, high=2.0, low_open=True, high_open=True)
    return ssor_apply_csr_kernel(indptr, indices, data, r, omega)
