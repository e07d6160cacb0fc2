"""Small dense linear algebra for ChebCB (Khodak, Chow, Balcan & Talwalkar, *Learning to Relax*, ICLR
2024, arXiv:2310.02246, Algorithm 3 / 7): a symmetric eigen-decomposition by cyclic Jacobi
rotations, the minimum-norm solve of a PSD system (the official code's ``lsqminnorm``) and an
exact box-constrained least-squares solver on the Gram form (the official code calls
``lsqlin``). No LAPACK: numba's ``np.linalg`` would need SciPy.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

__all__ = ["RCOND", "KKT_TOLERANCE", "min_norm_psd_solve", "box_constrained_least_squares"]

#: Eigenvalues below RCOND * largest are treated as zero (Gram matrix: singular values of the
#: design matrix below 1e-6 of the largest are null directions).
RCOND = 1e-12
#: Relative tolerance of the KKT (multiplier) test of the box-constrained solver.
KKT_TOLERANCE = 1e-11


@nb.njit(cache=True, nogil=True)
def _jacobi_eigen(a, v, n):
    """Eigen-decomposition of the symmetric leading ``n x n`` block of ``a`` by cyclic Jacobi
    rotations: on return the diagonal of ``a`` holds the eigenvalues and the columns of ``v``
    (leading block) the eigenvectors (``A = V diag(a) V^T``). ``a`` is overwritten."""
    for r in range(n):
        for c in range(n):
            v[r, c] = 1.0 if r == c else 0.0
    for sweep in range(60):
        off = 0.0
        diag = 0.0
        for r in range(n):
            diag += a[r, r] * a[r, r]
            for c in range(r + 1, n):
                off += a[r, c] * a[r, c]
        if off <= 1e-34 * diag or off == 0.0:
            return
        for pp in range(n - 1):
            for q in range(pp + 1, n):
                apq = a[pp, q]
                if apq == 0.0:
                    continue
                theta = (a[q, q] - a[pp, pp]) / (2.0 * apq)
                if abs(theta) > 1e150:
                    t = 0.5 / theta
                else:
                    t = 1.0 / (abs(theta) + math.sqrt(theta * theta + 1.0))
                    if theta < 0.0:
                        t = -t
                c = 1.0 / math.sqrt(t * t + 1.0)
                s = t * c
                for r in range(n):
                    arp = a[r, pp]
                    arq = a[r, q]
                    a[r, pp] = c * arp - s * arq
                    a[r, q] = s * arp + c * arq
                for r in range(n):
                    apr = a[pp, r]
                    aqr = a[q, r]
                    a[pp, r] = c * apr - s * aqr
                    a[q, r] = s * apr + c * aqr
                a[pp, q] = 0.0
                a[q, pp] = 0.0
                for r in range(n):
                    vrp = v[r, pp]
                    vrq = v[r, q]
                    v[r, pp] = c * vrp - s * vrq
                    v[r, q] = s * vrp + c * vrq


@nb.njit(cache=True, nogil=True)
def _min_norm_solve_block(a, rhs, n, v, out):
    """Minimum-norm solution ``A^+ rhs`` of the symmetric PSD leading ``n x n`` block of ``a``
    (overwritten) into ``out[:n]``: eigenvalues ``<= RCOND * largest`` count as zero."""
    _jacobi_eigen(a, v, n)
    largest = 0.0
    for r in range(n):
        if a[r, r] > largest:
            largest = a[r, r]
    for r in range(n):
        out[r] = 0.0
    if largest <= 0.0:
        return
    threshold = RCOND * largest
    for e in range(n):
        lam = a[e, e]
        if lam <= threshold:
            continue
        coefficient = 0.0
        for r in range(n):
            coefficient += v[r, e] * rhs[r]
        coefficient /= lam
        for r in range(n):
            out[r] += coefficient * v[r, e]


@nb.njit(cache=True, nogil=True)
def min_norm_psd_solve(gram, rhs):
    """``gram^+ rhs`` for a symmetric PSD matrix (the ``lsqminnorm`` solution of the least-squares
    problem whose normal equations are ``gram theta = rhs``); see :data:`RCOND`."""
    n = rhs.size
    a = gram.copy()
    v = np.empty((n, n))
    out = np.zeros(n)
    _min_norm_solve_block(a, rhs, n, v, out)
    return out


@nb.njit(cache=True, nogil=True)
def _box_active_set(gram, rhs, lower, upper, theta, status, free, sub, sub_rhs, v, step, max_iterations):
    """Primal active-set method for ``min 1/2 theta^T G theta - rhs^T theta`` subject to
    ``lower <= theta <= upper`` (G symmetric PSD, ``rhs`` in the range of G, as for the normal
    equations of a least-squares problem), started from ``theta`` clipped into the box.

    Each iteration solves for the minimum-norm step ``delta_F = G_FF^+ r_F`` on the free
    variables F, ``r = rhs - G theta`` (so a variable just released moves into the box: its
    component of ``r`` is the only non-zero one and ``r^T delta > 0``), takes the longest
    feasible step ``alpha <= 1`` and fixes the blocking variable at its bound. After a full step
    the KKT multipliers of the fixed variables are checked (at the lower bound ``r_j <= tol``,
    at the upper ``r_j >= -tol``, ``tol = KKT_TOLERANCE * (|G| |theta| + |rhs|)_j``) and the
    most violating one is released. Variables with ``lower == upper`` stay fixed. Stops after
    ``max_iterations`` (never reached in the tests; the iterate is feasible and no worse than
    the start). Returns the number of iterations, ``-1`` if the cap was hit."""
    m = rhs.size
    for j in range(m):
        if theta[j] <= lower[j]:
            theta[j] = lower[j]
            status[j] = -1
        elif theta[j] >= upper[j]:
            theta[j] = upper[j]
            status[j] = 1
        else:
            status[j] = 0
    for iteration in range(max_iterations):
        n_free = 0
        for j in range(m):
            if status[j] == 0:
                free[n_free] = j
                n_free += 1
        alpha = 1.0
        block = -1
        if n_free > 0:
            for r in range(n_free):
                jr = free[r]
                residual = rhs[jr]
                for c in range(m):
                    residual -= gram[jr, c] * theta[c]
                sub_rhs[r] = residual
                for c in range(n_free):
                    sub[r, c] = gram[jr, free[c]]
            _min_norm_solve_block(sub, sub_rhs, n_free, v, step)
            for r in range(n_free):
                jr = free[r]
                d = step[r]
                if d > 0.0 and theta[jr] + d > upper[jr]:
                    ratio = (upper[jr] - theta[jr]) / d
                    if ratio < alpha:
                        alpha = ratio
                        block = r
                elif d < 0.0 and theta[jr] + d < lower[jr]:
                    ratio = (lower[jr] - theta[jr]) / d
                    if ratio < alpha:
                        alpha = ratio
                        block = r
            if alpha < 0.0:
                alpha = 0.0
            for r in range(n_free):
                jr = free[r]
                value = theta[jr] + alpha * step[r]
                theta[jr] = min(max(value, lower[jr]), upper[jr])
            if block >= 0:
                jb = free[block]
                if step[block] > 0.0:
                    theta[jb] = upper[jb]
                    status[jb] = 1
                else:
                    theta[jb] = lower[jb]
                    status[jb] = -1
                continue
        release = -1
        worst = 0.0
        for j in range(m):
            if status[j] == 0 or lower[j] == upper[j]:
                continue
            residual = rhs[j]
            magnitude = abs(rhs[j])
            for c in range(m):
                residual -= gram[j, c] * theta[c]
                magnitude += abs(gram[j, c] * theta[c])
            violation = residual if status[j] < 0 else -residual
            if violation > KKT_TOLERANCE * magnitude and violation > worst:
                worst = violation
                release = j
        if release < 0:
            return iteration + 1
        status[release] = 0
    return -1


@nb.njit(cache=True, nogil=True)
def box_constrained_least_squares(gram, rhs, lower, upper):
    """``argmin_theta ||F theta - y||^2`` subject to ``lower <= theta <= upper``, given the Gram
    form ``gram = F^T F``, ``rhs = F^T y``: the minimum-norm unconstrained solution
    (:func:`min_norm_psd_solve`) when it lies in the box, else :func:`_box_active_set` started
    from it clipped into the box (the official ``lsqlin`` call is warm-started from the
    ``lsqminnorm`` solution). Returns ``(theta, iterations)``, ``iterations = 0`` when the
    unconstrained solution was inside the box."""
    m = rhs.size
    theta = min_norm_psd_solve(gram, rhs)
    inside = True
    for j in range(m):
        if theta[j] < lower[j] or theta[j] > upper[j]:
            inside = False
    if inside:
        return theta, 0
    status = np.zeros(m, np.int64)
    free = np.zeros(m, np.int64)
    sub = np.empty((m, m))
    sub_rhs = np.empty(m)
    v = np.empty((m, m))
    step = np.empty(m)
    iterations = _box_active_set(gram, rhs, lower, upper, theta, status, free, sub, sub_rhs, v, step, 50 + 20 * m)
    return theta, iterations
