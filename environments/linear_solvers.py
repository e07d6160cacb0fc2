"""Linear solvers for the *Learning to Relax* environments: SOR, SSOR-preconditioned CG and vanilla
CG, on a generic CSR matrix and matrix-free on the constant-coefficient 5-point stencil, plus the
closed forms, the golden-section search and the Crank-Nicolson heat-equation helpers.

Implementation reference: ``shared/reference/solver_tuning.md`` (§3 solvers, §4 instances, §8
theory oracles, §9 pitfalls, §11 implementation notes).

Two layers
----------
* Kernels, ``@nb.njit`` functions for compiled code (fused loops, environments):
  ``sor_csr_kernel``, ``sor_stencil_kernel``, ``pcg_csr_kernel`` and ``pcg_stencil_kernel`` (SSOR-PCG
  or, with ``precondition=False``, vanilla CG), ``ssor_apply_*_kernel``, ``*_matvec_kernel``. They
  do **no** validation: the caller guarantees the preconditions listed in each docstring.
* Validated entry points: ``sor_csr``, ``sor_stencil``, ``ssor_pcg_csr``, ``ssor_pcg_stencil``,
  ``cg_csr``, ``cg_stencil``, ``ssor_apply_*``, ``*_matvec``. They check their arguments at the
  Python boundary (``ValueError`` naming the parameter, the rule and the value, e.g.
  ``omega: must be in (0, 2), got 2.5``) and call a kernel.

Every solver returns ``(iterations, x)``.

SOR (§3, ``sor.m``)
-------------------
``W = D/omega + L``; ``x_0 = 0``, ``r_0 = b``; repeat ``x_k = x_{k-1} + W^{-1} r_{k-1}``,
``r_k = b - A x_k`` and stop as soon as ``||r_k|| / ||r_0|| < tol`` (checked after every update,
so the count is the number of updates, >= 1 whenever ``b != 0``). At the cap the solver returns
``max_iter`` (the official code uses 10000, §9 pitfall 3). ``b = 0`` makes the relative rule
undefined; the solvers then return ``(0, 0)``. The update ``x + W^{-1} r`` is computed as one
forward SOR sweep, row by row: with ``s = sum_j A_ij x_j`` over the current (partly updated)
iterate, ``x_i += (b_i - s) * (omega / A_ii)``. The residual ``b - A x_k`` is the true residual of
the new iterate, computed from scratch every iteration.

SSOR-PCG and CG (§3 ``ssor_pcg.m``, §7.2 item 4)
------------------------------------------------
MATLAB ``pcg(A, b, tol, max_iter, M1, M2, x0)`` semantics: warm start ``x0``; ``iterations = 0``
if ``||b - A x0|| <= tol ||b||`` (and ``x = 0`` if ``b = 0``); stop when
``||b - A x_k|| <= tol ||b||``. The preconditioner is ``M = M1 M2`` with ``X = D + omega L``,
``M1 = X^T D^{-1}`` and ``M2 = X / (omega (2 - omega))``, applied as ``z = M2^{-1}(M1^{-1} r)``: a
backward sweep ``w = (D + omega U)^{-1} r`` (so that ``M1^{-1} r = D w``), computed as
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

Stencil path (§9 pitfall 10, §11)
---------------------------------
``A = diag I + off (sum of the N/S/E/W neighbours)`` on an ``n_side x n_side`` interior grid with
zero Dirichlet boundary, natural ordering ``k = i n_side + j`` (i-outer, j-inner). The stencil
kernels perform exactly the floating-point operations of the CSR kernels on
``laplacian_5point_csr(n_side, diag, off)`` (same terms, same summation order; a missing boundary
neighbour contributes an exact ``+-0``), so they return the same iteration counts and bitwise the
same iterates. Summation orders (shared by both paths):

* sweep rows: ``s = A_ii x_i``, then the upper entries, then the lower ones, each in column order
  (the term that depends on the value just updated comes last, which shortens the latency chain);
* residual and matrix-vector rows: all entries in column order, starting from ``0.0``;
* backward preconditioner sweep: the upper entries in *reverse* column order; forward sweep: the
  lower entries in column order;
* norms and dot products: eight partial sums over ``k mod 8``, combined as
  ``((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))``.

``sor_stencil_kernel`` is the fast path. Its forward sweep (and both triangular sweeps of the
stencil SSOR preconditioner) visits blocks of ``_WAVEFRONT`` = 4 grid rows along a skewed
wavefront: point ``(i, j)`` of the block starting at row ``i0`` at step ``j + i - i0``, after its
N and W neighbours and before its S and E ones. That is a valid order of the Gauss-Seidel
dependencies, so every value is the one of the row-by-row sweep, and four independent dependency
chains overlap (the row-by-row sweep is latency bound). The residual of each grid row is computed,
fused, as soon as the row below it has been updated, while the three rows involved are still in
cache. Array indices are ``uint64``, which spares numba's negative-index test on every load. The
(P)CG loop updates ``x`` and ``r`` and computes ``||r||`` in one pass.

Closed forms (§8)
-----------------
``jacobi_radius_shifted_laplacian(n_side, shift) = 4 cos(pi h) / (4 + c)``, ``h = 1/(n_side+1)``;
``optimal_omega(beta) = 2 / (1 + sqrt(1 - beta^2))``; ``sor_spectral_radius(omega, beta)``: Young's
formula ``(omega beta + sqrt(omega^2 beta^2 - 4 (omega - 1)))^2 / 4`` for ``omega <= omega*`` and
``omega - 1`` above.

Heat equation (§4.2, the code's conventions of §9 pitfall 1)
------------------------------------------------------------
``u_t = kappa(t) Lap u + f(t, x)`` on the unit square, zero Dirichlet boundary, grid ``nx``,
``dx = 1/nx``, ``(nx - 1)^2`` interior points ``(i dx, j dx)`` ordered i-outer, j-inner.
Crank-Nicolson at ``t + dt/2``: ``A_t = I - kappa dt/2 L_h`` (stencil ``diag = 1 + 2 kappa dt /
dx^2``, ``off = -kappa dt / (2 dx^2)``) and ``b_t = (I + kappa dt/2 L_h) u + dt f(t + dt/2, x)``.
``kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t)``; ``bump(x; c, r) = exp(1 - 1/(1 - |x-c|^2/r^2))``
(peak 1); ``f = 32 bump(x; (1/2 + cos(16 pi t)/4, 1/2 + sin(16 pi t)/4), 1/8)``;
``u_0 = bump(x; (1/2, 1/2), 1/4)``.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numba as nb
import numpy as np

from bandits.validation import check_integer, check_real, check_real_vector

__all__ = [
    # validated solvers
    "sor_csr",
    "sor_stencil",
    "ssor_pcg_csr",
    "ssor_pcg_stencil",
    "cg_csr",
    "cg_stencil",
    # compiled kernels (no validation)
    "sor_csr_kernel",
    "sor_stencil_kernel",
    "pcg_csr_kernel",
    "pcg_stencil_kernel",
    "ssor_apply_csr_kernel",
    "ssor_apply_stencil_kernel",
    "stencil_matvec_kernel",
    "csr_matvec_kernel",
    # matrices and operators
    "laplacian_5point_csr",
    "stencil_matvec",
    "csr_matvec",
    "ssor_apply_csr",
    "ssor_apply_stencil",
    # closed forms
    "jacobi_radius_shifted_laplacian",
    "optimal_omega",
    "sor_spectral_radius",
    # golden section
    "GoldenSection",
    "golden_section_omega",
    "HEAT_OMEGA_GRID",
    # heat equation
    "heat_kappa",
    "bump",
    "heat_grid_points",
    "heat_forcing",
    "heat_initial_condition",
    "heat_cn_stencil",
    "heat_rhs",
]

#: Grid rows swept together along a wavefront by ``sor_stencil_kernel``.
_WAVEFRONT = 4

#: The fixed omegas of ``h2d.m`` whose costs seed the golden-section search (§4.2).
HEAT_OMEGA_GRID = (1.0, 1.3, 1.5, 1.75, 1.95)


# ---------------------------------------------------------------------------------------------
# Reductions (fixed summation order, shared by every kernel)
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def _dot(u, v):
    """``sum_k u_k v_k`` as eight partial sums over ``k mod 8``, combined pairwise."""
    n = u.size
    m = n - n % 8
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
    for k in range(0, m, 8):
        a0 += u[k] * v[k]
        a1 += u[k + 1] * v[k + 1]
        a2 += u[k + 2] * v[k + 2]
        a3 += u[k + 3] * v[k + 3]
        a4 += u[k + 4] * v[k + 4]
        a5 += u[k + 5] * v[k + 5]
        a6 += u[k + 6] * v[k + 6]
        a7 += u[k + 7] * v[k + 7]
    t = n - m
    if t > 0:
        a0 += u[m] * v[m]
    if t > 1:
        a1 += u[m + 1] * v[m + 1]
    if t > 2:
        a2 += u[m + 2] * v[m + 2]
    if t > 3:
        a3 += u[m + 3] * v[m + 3]
    if t > 4:
        a4 += u[m + 4] * v[m + 4]
    if t > 5:
        a5 += u[m + 5] * v[m + 5]
    if t > 6:
        a6 += u[m + 6] * v[m + 6]
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))


@nb.njit(cache=True, nogil=True)
def _norm(v):
    return math.sqrt(_dot(v, v))


@nb.njit(cache=True, nogil=True)
def _cg_step(x, r, p, q, alpha):
    """``x += alpha p``, ``r -= alpha q`` and return ``||r||``: one pass, with the lanes of
    :func:`_dot` (so the norm is bitwise ``_norm(r)``)."""
    n = r.size
    m = n - n % 8
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
    for k in range(0, m, 8):
        for lane in range(8):
            x[k + lane] += alpha * p[k + lane]
            r[k + lane] -= alpha * q[k + lane]
        a0 += r[k] * r[k]
        a1 += r[k + 1] * r[k + 1]
        a2 += r[k + 2] * r[k + 2]
        a3 += r[k + 3] * r[k + 3]
        a4 += r[k + 4] * r[k + 4]
        a5 += r[k + 5] * r[k + 5]
        a6 += r[k + 6] * r[k + 6]
        a7 += r[k + 7] * r[k + 7]
    for k in range(m, n):
        x[k] += alpha * p[k]
        r[k] -= alpha * q[k]
    t = n - m
    if t > 0:
        a0 += r[m] * r[m]
    if t > 1:
        a1 += r[m + 1] * r[m + 1]
    if t > 2:
        a2 += r[m + 2] * r[m + 2]
    if t > 3:
        a3 += r[m + 3] * r[m + 3]
    if t > 4:
        a4 += r[m + 4] * r[m + 4]
    if t > 5:
        a5 += r[m + 5] * r[m + 5]
    if t > 6:
        a6 += r[m + 6] * r[m + 6]
    return math.sqrt(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)))


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
    """SOR from ``x = 0`` (module docstring, reference §3); returns ``(iterations, x)``.

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
# Stencil building blocks. Indices are uint64: numba then skips the negative-index wraparound
# test on every load (a 1.7x speed-up of the sweeps); offsets such as -P wrap modulo 2^64.
# ---------------------------------------------------------------------------------------------
_U1 = np.uint64(1)


@nb.njit(cache=True, nogil=True, inline="always")
def _matvec_point(x, y, k, n, diag, off, has_n, has_w, has_e, has_s):
    s = 0.0
    if has_n:
        s += off * x[k - n]
    if has_w:
        s += off * x[k - _U1]
    s += diag * x[k]
    if has_e:
        s += off * x[k + _U1]
    if has_s:
        s += off * x[k + n]
    y[k] = s


@nb.njit(cache=True, nogil=True, inline="always")
def _matvec_row(x, y, base, n, diag, off, has_n, has_s):
    if n == _U1:
        _matvec_point(x, y, base, n, diag, off, has_n, False, False, has_s)
        return
    _matvec_point(x, y, base, n, diag, off, has_n, False, True, has_s)
    for j in range(1, n - 1):
        _matvec_point(x, y, base + nb.uint64(j), n, diag, off, has_n, True, True, has_s)
    _matvec_point(x, y, base + n - _U1, n, diag, off, has_n, True, False, has_s)


@nb.njit(cache=True, nogil=True)
def stencil_matvec_kernel(n_side, diag, off, x, y):
    """``y = A x`` for the 5-point stencil; each row summed in column order (N, W, C, E, S) from
    ``0.0``, as :func:`csr_matvec_kernel` does on ``laplacian_5point_csr``."""
    n = nb.uint64(n_side)
    if n == _U1:
        _matvec_row(x, y, nb.uint64(0), n, diag, off, False, False)
        return
    _matvec_row(x, y, nb.uint64(0), n, diag, off, False, True)
    for i in range(1, n_side - 1):
        _matvec_row(x, y, nb.uint64(i) * n, n, diag, off, True, True)
    _matvec_row(x, y, (n - _U1) * n, n, diag, off, True, False)


@nb.njit(cache=True, nogil=True, inline="always")
def _visit(sor, x, src, k, ks, d_n, d_w, d_e, d_s, diag, off, a, g):
    """One point of a sweep over the padded array ``x``.

    SOR (forward): ``s = diag x_k + off (E, S, N, W)`` and ``x_k += (src_ks - s) a`` (``a = omega /
    diag``). Triangular: ``s = off x_{k+d_n} + off x_{k+d_w}`` (new values only) and
    ``x_k = a src_ks - s g``.
    """
    if sor:
        s = diag * x[k]
        s += off * x[k + d_e]
        s += off * x[k + d_s]
        s += off * x[k + d_n]
        s += off * x[k + d_w]
        x[k] += (src[ks] - s) * a
    else:
        s = off * x[k + d_n]
        s += off * x[k + d_w]
        x[k] = a * src[ks] - s * g


@nb.njit(cache=True, nogil=True)
def _sweep_block(sor, reverse, n_side, i0, rows, x, src, src_padded, diag, off, a, g):
    """Sweep the grid rows ``i0 .. i0 + rows - 1`` (1-based, ``rows <= _WAVEFRONT``) of the padded
    ``(n_side + 2)^2`` array ``x`` in natural order (``reverse``: the mirrored order, last point
    first, with the roles N <-> S and W <-> E swapped), along the skewed wavefront that visits
    point ``(i, j)`` at step ``j + (i - i0)``. ``src`` is padded like ``x`` or unpadded
    (``n_side^2``, natural ordering)."""
    n = nb.uint64(n_side)
    p = n + nb.uint64(2)
    one = _U1
    if reverse:
        direction = nb.uint64(-1)
        origin = p * p - one
        origin_src = (p * p - one) if src_padded else (n * n - one)
    else:
        direction = one
        origin = nb.uint64(0)
        origin_src = nb.uint64(0)
    d_n = direction * (nb.uint64(0) - p)
    d_w = direction * (nb.uint64(0) - one)
    d_e = direction
    d_s = direction * p
    # point (i0 + q, j): padded index k0 + q step_k + j direction, source index likewise
    i = nb.uint64(i0)
    k0 = origin + direction * (i * p)
    step_k = direction * (p - one)
    if src_padded:
        s0 = k0
        step_s = step_k
    else:
        s0 = origin_src + direction * ((i - one) * n - one)
        step_s = direction * (n - one)
    if rows == _WAVEFRONT and n_side >= _WAVEFRONT:
        # prologue: steps 1 .. W - 1 (row q starts at step q + 1)
        for t in range(1, _WAVEFRONT):
            tt = nb.uint64(t) * direction
            for q in range(t):
                qq = nb.uint64(q)
                _visit(sor, x, src, k0 + qq * step_k + tt, s0 + qq * step_s + tt, d_n, d_w, d_e, d_s, diag, off, a, g)
        for t in range(_WAVEFRONT, n_side + 1):
            tt = nb.uint64(t) * direction
            for q in range(_WAVEFRONT):
                qq = nb.uint64(q)
                _visit(sor, x, src, k0 + qq * step_k + tt, s0 + qq * step_s + tt, d_n, d_w, d_e, d_s, diag, off, a, g)
        # epilogue: steps n + 1 .. n + W - 1 (row q ends at step n + q)
        for t in range(n_side + 1, n_side + _WAVEFRONT):
            tt = nb.uint64(t) * direction
            for q in range(t - n_side, _WAVEFRONT):
                qq = nb.uint64(q)
                _visit(sor, x, src, k0 + qq * step_k + tt, s0 + qq * step_s + tt, d_n, d_w, d_e, d_s, diag, off, a, g)
    else:
        for t in range(1, n_side + rows):
            tt = nb.uint64(t) * direction
            for q in range(rows):
                j = t - q
                if j >= 1 and j <= n_side:
                    qq = nb.uint64(q)
                    _visit(sor, x, src, k0 + qq * step_k + tt, s0 + qq * step_s + tt, d_n, d_w, d_e, d_s, diag, off, a, g)


@nb.njit(cache=True, nogil=True)
def _stencil_ssor(n_side, off, inv_diag, omega, r, wp, zp, z):
    """``z = M2^{-1} M1^{-1} r`` on the stencil, as :func:`_csr_ssor` (``wp``, ``zp``: padded
    scratch whose ghost ring is zero)."""
    g = omega * inv_diag
    for i0 in range(1, n_side + 1, _WAVEFRONT):
        rows = min(_WAVEFRONT, n_side + 1 - i0)
        _sweep_block(False, True, n_side, i0, rows, wp, r, False, 0.0, off, inv_diag, g)
    c = omega * (2.0 - omega)
    for i0 in range(1, n_side + 1, _WAVEFRONT):
        rows = min(_WAVEFRONT, n_side + 1 - i0)
        _sweep_block(False, False, n_side, i0, rows, zp, wp, True, 0.0, off, c, g)
    _unpad(zp, z, n_side)


@nb.njit(cache=True, nogil=True)
def ssor_apply_stencil_kernel(n_side, diag, off, r, omega):
    """The SSOR preconditioner solve ``z = M2^{-1}(M1^{-1} r)`` on the 5-point stencil."""
    p = n_side + 2
    z = np.empty(n_side * n_side)
    _stencil_ssor(n_side, off, 1.0 / diag, omega, r, np.zeros(p * p), np.zeros(p * p), z)
    return z


@nb.njit(cache=True, nogil=True)
def _unpad(xp, x, n_side):
    p = nb.uint64(n_side + 2)
    n = nb.uint64(n_side)
    for i in range(n_side):
        src = nb.uint64(i + 1) * p + _U1
        dst = nb.uint64(i) * n
        for j in range(n_side):
            x[dst + nb.uint64(j)] = xp[src + nb.uint64(j)]


@nb.njit(cache=True, nogil=True)
def _residual_row(xp, b, i, n_side, diag, off, buf, start):
    """``buf[start + j - 1] = b - A x`` on padded row ``i`` (column order N, W, C, E, S)."""
    n = nb.uint64(n_side)
    p = n + nb.uint64(2)
    k0 = nb.uint64(i) * p
    kb = nb.uint64(i - 1) * n - _U1
    kbuf = nb.uint64(start) - _U1
    for jj in range(1, n_side + 1):
        j = nb.uint64(jj)
        k = k0 + j
        s = off * xp[k - p]
        s += off * xp[k - _U1]
        s += diag * xp[k]
        s += off * xp[k + _U1]
        s += off * xp[k + p]
        buf[kbuf + j] = b[kb + j] - s


@nb.njit(cache=True, nogil=True)
def _accumulate8(buf, m, a0, a1, a2, a3, a4, a5, a6, a7):
    """Add ``buf[k]^2`` for ``k < m`` (``m`` a multiple of 8) to the lanes ``k mod 8``."""
    for kk in range(0, m, 8):
        k = nb.uint64(kk)
        a0 += buf[k] * buf[k]
        a1 += buf[k + 1] * buf[k + 1]
        a2 += buf[k + 2] * buf[k + 2]
        a3 += buf[k + 3] * buf[k + 3]
        a4 += buf[k + 4] * buf[k + 4]
        a5 += buf[k + 5] * buf[k + 5]
        a6 += buf[k + 6] * buf[k + 6]
        a7 += buf[k + 7] * buf[k + 7]
    return a0, a1, a2, a3, a4, a5, a6, a7


@nb.njit(cache=True, nogil=True)
def sor_stencil_kernel(n_side, diag, off, b, omega, tol, max_iter):
    """SOR from ``x = 0`` on the 5-point stencil, matrix-free; returns ``(iterations, x)``.

    Same operations, hence the same count and iterate, as :func:`sor_csr_kernel` on
    ``laplacian_5point_csr(n_side, diag, off)``. Preconditions: ``n_side >= 1``, ``diag > 0``,
    ``b.size == n_side**2``, ``0 < omega < 2``, ``tol > 0``, ``max_iter >= 1``.
    """
    n = n_side
    x = np.zeros(n * n)
    r0 = _norm(b)
    if r0 == 0.0:
        return 0, x
    xp = np.zeros((n + 2) * (n + 2))  # padded iterate; the zero ring is the Dirichlet boundary
    scale = omega / diag
    buf = np.empty(n + 8)  # residuals not yet added to the lanes (aligned on k mod 8)
    for it in range(1, max_iter + 1):
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
        pending = 0
        next_row = 1  # next row whose residual is due
        for i0 in range(1, n + 1, _WAVEFRONT):
            rows = min(_WAVEFRONT, n + 1 - i0)
            _sweep_block(True, False, n, i0, rows, xp, b, False, diag, off, scale, 0.0)
            # fused residual of every row whose southern neighbour is now updated
            last = i0 + rows - 1
            ready = n if last == n else last - 1
            while next_row <= ready:
                _residual_row(xp, b, next_row, n, diag, off, buf, pending)
                total = pending + n
                m = total - total % 8
                a0, a1, a2, a3, a4, a5, a6, a7 = _accumulate8(buf, m, a0, a1, a2, a3, a4, a5, a6, a7)
                pending = total - m
                for q in range(pending):
                    buf[q] = buf[m + q]
                next_row += 1
        # the last (< 8) residuals go to lanes 0 .. pending - 1, as in _dot
        if pending > 0:
            a0 += buf[0] * buf[0]
        if pending > 1:
            a1 += buf[1] * buf[1]
        if pending > 2:
            a2 += buf[2] * buf[2]
        if pending > 3:
            a3 += buf[3] * buf[3]
        if pending > 4:
            a4 += buf[4] * buf[4]
        if pending > 5:
            a5 += buf[5] * buf[5]
        if pending > 6:
            a6 += buf[6] * buf[6]
        rnorm = math.sqrt(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)))
        if rnorm / r0 < tol:
            _unpad(xp, x, n)
            return it, x
    _unpad(xp, x, n)
    return max_iter, x


# ---------------------------------------------------------------------------------------------
# (P)CG: one loop for the four variants, so that CSR and stencil runs share every operation but
# the matrix-vector product and the preconditioner. The stencil runs pass ``indptr = None``: numba
# then prunes the CSR branches at compile time (and the CSR runs the stencil ones).
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
            p[:] = z
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
# Validation
# ---------------------------------------------------------------------------------------------
def _check_csr(indptr, indices, data):
    """The CSR arrays as contiguous int64 / float64 arrays, or ValueError: square, column indices in
    range and strictly increasing in every row, a positive diagonal entry in every row."""
    arrays = []
    for name, value, dtype in (("indptr", indptr, np.int64), ("indices", indices, np.int64),
                               ("data", data, np.float64)):
        array = np.asarray(value)
        if array.ndim != 1:
            raise ValueError(f"{name}: must be 1-D, got an array of shape {array.shape}")
        if dtype is np.int64 and array.size and not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"{name}: must hold integers, got dtype {array.dtype}")
        arrays.append(np.ascontiguousarray(array, dtype=dtype))
    indptr, indices, data = arrays
    n = indptr.size - 1
    if n < 1:
        raise ValueError(f"indptr: must have at least 2 entries (n + 1 for n >= 1 rows), got {indptr.size}")
    if indptr[0] != 0:
        raise ValueError(f"indptr[0]: must be 0, got {int(indptr[0])}")
    steps = np.diff(indptr)
    if (steps < 0).any():
        i = int(np.argmax(steps < 0))
        raise ValueError(f"indptr[{i + 1}]: must be >= indptr[{i}] = {int(indptr[i])}, got {int(indptr[i + 1])}")
    nnz = int(indptr[-1])
    if indices.size != nnz:
        raise ValueError(f"indices: must have indptr[-1] = {nnz} entries, got {indices.size}")
    if data.size != nnz:
        raise ValueError(f"data: must have indptr[-1] = {nnz} entries, got {data.size}")
    bad = (indices < 0) | (indices >= n)
    if bad.any():
        p = int(np.argmax(bad))
        raise ValueError(f"indices[{p}]: must be in [0, {n - 1}], got {int(indices[p])}")
    finite = np.isfinite(data)
    if not finite.all():
        p = int(np.argmax(~finite))
        raise ValueError(f"data[{p}]: must be finite, got {float(data[p])!r}")
    row = np.repeat(np.arange(n), steps)
    if nnz > 1:
        same_row = row[1:] == row[:-1]
        unsorted = same_row & (indices[1:] <= indices[:-1])
        if unsorted.any():
            p = int(np.argmax(unsorted)) + 1
            raise ValueError(
                f"indices[{p}]: column indices must be strictly increasing within row {int(row[p])}, "
                f"got {int(indices[p])} after {int(indices[p - 1])}"
            )
    on_diag = indices == row
    count = np.bincount(row[on_diag], minlength=n)
    if (count == 0).any():
        i = int(np.argmax(count == 0))
        raise ValueError(f"indices: row {i} must store its diagonal entry (a positive A[{i}, {i}]), got none")
    diag = np.empty(n)
    diag[row[on_diag]] = data[on_diag]
    if (diag <= 0).any():
        i = int(np.argmax(diag <= 0))
        raise ValueError(f"data: the diagonal entry A[{i}, {i}] must be > 0, got {float(diag[i])!r}")
    return indptr, indices, data


def _check_vector(name, value, n):
    array = check_real_vector(name, value)
    if array.size != n:
        raise ValueError(f"{name}: must have {n} entries (one per unknown), got {array.size}")
    # a private copy: make it writeable again, so that the kernels see the array type compiled
    # code passes them (a read-only array would be a second numba specialisation)
    array.setflags(write=True)
    return array


def _check_stencil(n_side, diag, off):
    n_side = check_integer("n_side", n_side, low=1)
    diag = check_real("diag", diag, low=0.0, low_open=True)
    off = check_real("off", off)
    return n_side, diag, off


def _check_solver(omega, tol, max_iter, *, with_omega=True):
    if with_omega:
        omega = check_real("omega", omega, low=0.0, high=2.0, low_open=True, high_open=True)
    tol = check_real("tol", tol, low=0.0, low_open=True)
    max_iter = check_integer("max_iter", max_iter, low=1)
    return omega, tol, max_iter


def _start(x0, n):
    return np.zeros(n) if x0 is None else _check_vector("x0", x0, n)


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


def sor_stencil(n_side, diag, off, b, omega, tol=1e-8, max_iter=10000):
    """SOR on the 5-point stencil from ``x = 0``; ``(iterations, x)`` (see
    :func:`sor_stencil_kernel`)."""
    n_side, diag, off = _check_stencil(n_side, diag, off)
    b = _check_vector("b", b, n_side * n_side)
    omega, tol, max_iter = _check_solver(omega, tol, max_iter)
    k, x = sor_stencil_kernel(n_side, diag, off, b, omega, tol, max_iter)
    return int(k), x


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


def laplacian_5point_csr(n_side, diag=4.0, off=-1.0):
    """CSR arrays ``(indptr int64, indices int64, data float64)`` of the 5-point stencil matrix
    ``diag I + off (N + S + E + W neighbours)`` on an ``n_side x n_side`` interior grid, natural
    ordering ``k = i n_side + j``, columns sorted in every row. The defaults give MATLAB's
    ``delsq(numgrid('S', n_side + 2))`` (reference §4.1; MATLAB numbers the grid column-wise, which
    for this symmetric stencil on a square gives the same matrix ``kron(I, T) + kron(T, I)``)."""
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


def stencil_matvec(n_side, diag, off, x):
    """``A x`` for the 5-point stencil (the operation order of ``csr_matvec`` on
    ``laplacian_5point_csr``)."""
    n_side, diag, off = _check_stencil(n_side, diag, off)
    x = _check_vector("x", x, n_side * n_side)
    y = np.empty(n_side * n_side)
    stencil_matvec_kernel(n_side, diag, off, x, y)
    return y


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


def ssor_apply_stencil(n_side, diag, off, r, omega):
    """``z = M2^{-1}(M1^{-1} r)``, the SSOR preconditioner of :func:`ssor_pcg_stencil`."""
    n_side, diag, off = _check_stencil(n_side, diag, off)
    r = _check_vector("r", r, n_side * n_side)
    omega = check_real("omega", omega, low=0.0, high=2.0, low_open=True, high_open=True)
    return ssor_apply_stencil_kernel(n_side, diag, off, r, omega)


# ---------------------------------------------------------------------------------------------
# Closed forms (reference §8)
# ---------------------------------------------------------------------------------------------
def jacobi_radius_shifted_laplacian(n_side, shift=0.0):
    """``beta(c) = rho(I - D^{-1}(A + cI)) = 4 cos(pi h) / (4 + c)``, ``h = 1/(n_side + 1)``, for
    the unscaled 5-point Laplacian ``A`` on an ``n_side x n_side`` grid (reference §8).

    ``A + cI`` is SPD, equivalently ``beta < 1``, iff ``c > -(4 - 4 cos(pi h))``; other shifts are
    rejected.
    """
    n_side = check_integer("n_side", n_side, low=1)
    h = 1.0 / (n_side + 1)
    lowest = -(4.0 - 4.0 * math.cos(math.pi * h))
    shift = check_real("shift", shift, low=lowest, low_open=True)
    return 4.0 * math.cos(math.pi * h) / (4.0 + shift)


def _check_beta(beta):
    array = np.asarray(beta, dtype=np.float64)
    bad = ~(np.isfinite(array) & (array >= 0.0) & (array < 1.0))
    if bad.any():
        value = array if array.ndim == 0 else array[np.unravel_index(int(np.argmax(bad)), array.shape)]
        raise ValueError(f"beta: must be in [0, 1), got {float(value)!r}")
    return array


def optimal_omega(beta):
    """Young's optimal relaxation ``omega* = 2 / (1 + sqrt(1 - beta^2))`` (``beta`` the Jacobi
    spectral radius, in [0, 1); scalar or array)."""
    b = _check_beta(beta)
    result = 2.0 / (1.0 + np.sqrt(1.0 - b * b))
    return float(result) if result.ndim == 0 else result


def sor_spectral_radius(omega, beta):
    """Young's formula for ``rho(C_omega)`` of a consistently ordered SPD matrix with Jacobi
    spectral radius ``beta`` (reference §8), vectorised over ``omega`` in (0, 2):
    ``(omega beta + sqrt(omega^2 beta^2 - 4 (omega - 1)))^2 / 4`` for ``omega <= omega*``, and
    ``omega - 1`` for ``omega >= omega*``."""
    b = float(_check_beta(check_real("beta", beta)))
    w = np.asarray(omega, dtype=np.float64)
    bad = ~(np.isfinite(w) & (w > 0.0) & (w < 2.0))
    if bad.any():
        value = w if w.ndim == 0 else w[np.unravel_index(int(np.argmax(bad)), w.shape)]
        raise ValueError(f"omega: must be in (0, 2), got {float(value)!r}")
    w_opt = 2.0 / (1.0 + math.sqrt(1.0 - b * b))
    below = w <= w_opt
    disc = np.where(below, w * w * b * b - 4.0 * (w - 1.0), 0.0)
    young = 0.25 * (w * b + np.sqrt(np.maximum(disc, 0.0))) ** 2
    result = np.where(below, young, w - 1.0)
    return float(result) if result.ndim == 0 else result


# ---------------------------------------------------------------------------------------------
# Golden-section search for the instance-optimal omega (reference §4.2, §5.4)
# ---------------------------------------------------------------------------------------------
class GoldenSection(NamedTuple):
    """Result of :func:`golden_section_omega`: the chosen ``omega`` and every evaluation in the
    order made (grid first)."""

    omega: float
    omegas: np.ndarray
    costs: np.ndarray


def golden_section_omega(
    cost_fn: Callable[[float], float],
    grid=HEAT_OMEGA_GRID,
    n_evals: int = 12,
    grid_costs=None,
) -> GoldenSection:
    """The instance-optimal omega of ``h2d.m`` (reference §4.2, §5.4, §9 pitfall 9).

    1. Evaluate ``cost_fn`` (omega -> iteration count) on ``grid`` (or take ``grid_costs``, e.g.
       from the fixed-omega runs, as ``h2d.m`` does).
    2. Bracket the grid minimum by its neighbours: ``[grid[first argmin - 1], grid[last argmin +
       1]]`` (clipped at the ends of the grid).
    3. Golden-section steps with ``tau = (sqrt 5 - 1)/2`` (two interior points, then one new
       evaluation per step) until ``n_evals`` evaluations in total (grid included). When the two
       interior costs are equal, the side that moves alternates, the right end first.
    4. Return the midpoint of the smallest and the largest omega among all evaluations that
       achieve the minimum cost.

    The bracket and tie rules are documented choices [reconstructed]: the reference states the
    procedure only in words.
    """
    grid = check_real_vector("grid", grid, low=0.0, high=2.0, low_open=True, high_open=True, min_length=2)
    steps = np.diff(grid)
    if (steps <= 0).any():
        i = int(np.argmax(steps <= 0)) + 1
        raise ValueError(f"grid[{i}]: must be > grid[{i - 1}] = {grid[i - 1]!r} (strictly increasing), got {grid[i]!r}")
    n_evals = check_integer("n_evals", n_evals, low=grid.size)
    if not callable(cost_fn):
        raise ValueError(f"cost_fn: must be callable (omega -> iterations), got {cost_fn!r}")

    omegas: list[float] = []
    costs: list[float] = []

    def evaluate(w):
        value = cost_fn(float(w))
        try:
            c = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"cost_fn: must return a real number, got {value!r} at omega = {w!r}") from None
        if not math.isfinite(c):
            raise ValueError(f"cost_fn: must return a finite number, got {value!r} at omega = {w!r}")
        omegas.append(float(w))
        costs.append(c)
        return c

    if grid_costs is None:
        for w in grid:
            evaluate(w)
    else:
        given = check_real_vector("grid_costs", grid_costs)
        if given.size != grid.size:
            raise ValueError(f"grid_costs: must have one entry per grid point ({grid.size}), got {given.size}")
        omegas.extend(float(w) for w in grid)
        costs.extend(float(c) for c in given)

    best = min(costs)
    hits = [i for i, c in enumerate(costs) if c == best]
    a = float(grid[max(hits[0] - 1, 0)])
    b = float(grid[min(hits[-1] + 1, grid.size - 1)])
    tau = (math.sqrt(5.0) - 1.0) / 2.0
    if len(costs) < n_evals:
        x1 = b - tau * (b - a)
        f1 = evaluate(x1)
        if len(costs) < n_evals:
            x2 = a + tau * (b - a)
            f2 = evaluate(x2)
            move_right_end = True
            while len(costs) < n_evals:
                if f1 < f2 or (f1 == f2 and move_right_end):
                    if f1 == f2:
                        move_right_end = False
                    b, x2, f2 = x2, x1, f1
                    x1 = b - tau * (b - a)
                    f1 = evaluate(x1)
                else:
                    if f1 == f2:
                        move_right_end = True
                    a, x1, f1 = x1, x2, f2
                    x2 = a + tau * (b - a)
                    f2 = evaluate(x2)

    values = np.array(costs)
    points = np.array(omegas)
    at_min = points[values == values.min()]
    return GoldenSection(0.5 * (float(at_min.min()) + float(at_min.max())), points, values)


# ---------------------------------------------------------------------------------------------
# Heat equation (reference §4.2)
# ---------------------------------------------------------------------------------------------
def heat_kappa(t, coefficient=0.1):
    """``kappa(t) = max(coefficient sin 2 pi t, -10 sin 2 pi t)`` (the code's 0.1; the paper text
    says 0.01, §9 pitfall 1). Scalar or array ``t``."""
    coefficient = check_real("coefficient", coefficient, low=0.0)
    t = np.asarray(t, dtype=np.float64)
    if not np.isfinite(t).all():
        raise ValueError(f"t: must be finite, got {t!r}")
    s = np.sin(2.0 * np.pi * t)
    result = np.maximum(coefficient * s, -10.0 * s)
    return float(result) if result.ndim == 0 else result


def bump(points, centre, radius):
    """``exp(1 - 1/(1 - |x - centre|^2 / radius^2))`` inside the open ball, 0 outside: the code's
    bump with peak 1 at ``centre`` (the paper's ``exp(-1/(1 - .))`` peaks at 1/e, §9 pitfall 1).
    ``points`` has shape ``(..., 2)``."""
    radius = check_real("radius", radius, low=0.0, low_open=True)
    centre = check_real_vector("centre", centre)
    p = np.asarray(points, dtype=np.float64)
    if p.ndim < 1 or p.shape[-1] != centre.size:
        raise ValueError(f"points: must have shape (..., {centre.size}), got {p.shape}")
    q = np.sum((p - centre) ** 2, axis=-1) / (radius * radius)
    inside = q < 1.0
    out = np.zeros(q.shape)
    out[inside] = np.exp(1.0 - 1.0 / (1.0 - q[inside]))
    return out


def heat_grid_points(nx):
    """The ``(nx - 1)^2`` interior points ``(i dx, j dx)``, ``dx = 1/nx``, i-outer, j-inner, as an
    array of shape ``((nx - 1)^2, 2)``."""
    nx = check_integer("nx", nx, low=2)
    coordinate = np.arange(1, nx) / nx
    x, y = np.meshgrid(coordinate, coordinate, indexing="ij")
    return np.stack([x.ravel(), y.ravel()], axis=1)


def heat_forcing(t, points):
    """``f(t, x) = 32 bump(x; (1/2 + cos(16 pi t)/4, 1/2 + sin(16 pi t)/4), 1/8)`` (the code's
    forcing; the paper writes cos twice)."""
    t = check_real("t", t)
    centre = (0.5 + math.cos(16.0 * math.pi * t) / 4.0, 0.5 + math.sin(16.0 * math.pi * t) / 4.0)
    return 32.0 * bump(points, centre, 0.125)


def heat_initial_condition(nx):
    """``u_0 = bump(x; (1/2, 1/2), 1/4)`` on the interior grid of :func:`heat_grid_points`."""
    return bump(heat_grid_points(nx), (0.5, 0.5), 0.25)


def heat_cn_stencil(kappa, dt, nx):
    """The Crank-Nicolson matrix ``A_t = I - kappa dt/2 L_h`` as a stencil ``(n_side, diag,
    off) = (nx - 1, 1 + 2 kappa dt / dx^2, -kappa dt / (2 dx^2))``, ``dx = 1/nx``."""
    kappa = check_real("kappa", kappa, low=0.0)
    dt = check_real("dt", dt, low=0.0, low_open=True)
    nx = check_integer("nx", nx, low=2)
    a = 0.5 * kappa * dt * nx * nx  # kappa dt / (2 dx^2)
    return nx - 1, 1.0 + 4.0 * a, -a


def heat_rhs(u, kappa, t_half, dt, nx):
    """``b_t = (I + kappa dt/2 L_h) u + dt f(t_half, x)`` on the interior grid (``t_half`` the
    half step ``t + dt/2``)."""
    kappa = check_real("kappa", kappa, low=0.0)
    t_half = check_real("t_half", t_half)
    dt = check_real("dt", dt, low=0.0, low_open=True)
    nx = check_integer("nx", nx, low=2)
    n_side = nx - 1
    u = _check_vector("u", u, n_side * n_side)
    a = 0.5 * kappa * dt * nx * nx
    explicit = np.empty(n_side * n_side)
    stencil_matvec_kernel(n_side, 1.0 - 4.0 * a, a, u, explicit)
    return explicit + dt * heat_forcing(t_half, heat_grid_points(nx))
