"""SOR and the SSOR preconditioner matrix-free on the constant-coefficient 5-point stencil, the fast
path of the *Learning to Relax* environments (Khodak, Chow, Balcan & Talwalkar, ICLR 2024,
arXiv:2310.02246).

``A = diag I + off (sum of the N/S/E/W neighbours)`` on an ``n_side x n_side`` interior grid with
zero Dirichlet boundary, natural ordering ``k = i n_side + j`` (i-outer, j-inner). The stencil
kernels perform exactly the floating-point operations of the CSR kernels of :mod:`.csr` on
``laplacian_5point_csr(n_side, diag, off)`` (same terms, same summation order; a missing boundary
neighbour contributes an exact ``+-0``), so they return the same iteration counts and bitwise the
same iterates. Summation orders (shared by both paths):

* sweep rows: ``s = A_ii x_i``, then the upper entries, then the lower ones, each in column order
  (the term that depends on the value just updated comes last, which shortens the latency chain);
* residual and matrix-vector rows: all entries in column order, starting from ``0.0``;
* backward preconditioner sweep: the upper entries in *reverse* column order; forward sweep: the
  lower entries in column order;
* norms and dot products: :mod:`.reductions`.

``sor_stencil_kernel`` is the fast path. Its forward sweep (and both triangular sweeps of the
stencil SSOR preconditioner) visits blocks of ``_WAVEFRONT`` = 4 grid rows along a skewed
wavefront: point ``(i, j)`` of the block starting at row ``i0`` at step ``j + i - i0``, after its
N and W neighbours and before its S and E ones. That is a valid order of the Gauss-Seidel
dependencies, so every value is the one of the row-by-row sweep, and four independent dependency
chains overlap (the row-by-row sweep is latency bound). The residual of each grid row is computed,
fused, as soon as the row below it has been updated, while the three rows involved are still in
cache. Array indices are ``uint64``, which spares numba's negative-index test on every load.

The kernels (``*_kernel``) check nothing; the validated entry points (``sor_stencil``,
``stencil_matvec``, ``ssor_apply_stencil``) check their arguments first.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.validation import check_real
from environments.solver_tuning.linear_solvers.reductions import _norm
from environments.solver_tuning.linear_solvers.validation import _check_solver, _check_stencil, _check_vector

__all__ = [
    "sor_stencil",
    "stencil_matvec",
    "ssor_apply_stencil",
    "sor_stencil_kernel",
    "stencil_matvec_kernel",
    "ssor_apply_stencil_kernel",
]

#: Grid rows swept together along a wavefront by ``sor_stencil_kernel``.
_WAVEFRONT = 4


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
# Validated entry points
# ---------------------------------------------------------------------------------------------
def sor_stencil(n_side, diag, off, b, omega, tol=1e-8, max_iter=10000):
    """SOR on the 5-point stencil from ``x = 0``; ``(iterations, x)`` (see
    :func:`sor_stencil_kernel`)."""
    n_side, diag, off = _check_stencil(n_side, diag, off)
    b = _check_vector("b", b, n_side * n_side)
    omega, tol, max_iter = _check_solver(omega, tol, max_iter)
    k, x = sor_stencil_kernel(n_side, diag, off, b, omega, tol, max_iter)
    return int(k), x


def stencil_matvec(n_side, diag, off, x):
    """``A x`` for the 5-point stencil (the operation order of ``csr_matvec`` on
    ``laplacian_5point_csr``)."""
    n_side, diag, off = _check_stencil(n_side, diag, off)
    x = _check_vector("x", x, n_side * n_side)
    y = np.empty(n_side * n_side)
    stencil_matvec_kernel(n_side, diag, off, x, y)
    return y


def ssor_apply_stencil(n_side, diag, off, r, omega):
    """``z = M2^{-1}(M1^{-1} r)``, the SSOR preconditioner of :func:`ssor_pcg_stencil`."""
    n_side, diag, off = _check_stencil(n_side, diag, off)
    r = _check_vector("r", r, n_side * n_side)
    omega = check_real("omega", omega, low=0.0, high=2.0, low_open=True, high_open=True)
    return ssor_apply_stencil_kernel(n_side, diag, off, r, omega)
