"""Sampling designs of a phase: the G-optimal design of OD-LinBAI (by Frank-Wolfe) and the
rounding of a design to whole pulls. (The Max-Det design of DP-BAI is
:mod:`environments.private_bai.max_det`.)

G-optimal design
----------------
For vectors ``x_1..x_n`` spanning ``R^k`` and weights ``lambda`` on them, let ``V(lambda) = sum_i
lambda_i x_i x_i^T`` and ``g(lambda) = max_i x_i^T V(lambda)^{-1} x_i``. A G-optimal design
minimises ``g``; by the Kiefer-Wolfowitz theorem the minimum is ``k`` and G- and D-optimal
designs coincide. Yang & Tan's OD-LinBAI (arXiv:2105.13017) pulls each active arm about
``lambda_i m`` times in a phase of ``m`` pulls.

:func:`g_optimal_design` runs the Frank-Wolfe (Fedorov-Wynn) algorithm from the uniform
design: move towards the vector with the largest ``g_i`` with the exact line-search step of the
D-criterion, ``gamma = (g_max / k - 1) / (g_max - 1)``, until ``g_max <= k (1 + tolerance)``
or ``max_iterations``; ``V^{-1}`` follows the rank-one updates (Sherman-Morrison), so an
iteration costs ``O(n k^2)``.

Rounding
--------
:func:`apportion` turns weights into exactly ``m`` pulls: ``floor(lambda_i m)`` each, then one
more to the largest remainders (ties to the lower index). Yang & Tan instead pull
``ceil(lambda_i m)`` times on a support of at most ``k (k + 1) / 2`` arms and reserve budget for
the ceilings; Frank-Wolfe's supports are not that sparse, and apportionment keeps a phase within
its budget exactly.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from environments.private_bai.linear_algebra import lu_factor, lu_solve

__all__ = ["apportion", "g_optimal_design"]


@nb.njit(cache=True, nogil=True)
def _inverse(matrix, out):
    """``out = matrix^{-1}`` by LU; returns 1 if singular."""
    k = matrix.shape[0]
    lu = matrix.copy()
    perm = np.empty(k, np.int64)
    if lu_factor(lu, perm) != 0:
        return 1
    unit = np.zeros(k)
    column = np.empty(k)
    for j in range(k):
        unit[:] = 0.0
        unit[j] = 1.0
        lu_solve(lu, perm, unit, column)
        for i in range(k):
            out[i, j] = column[i]
    return 0


@nb.njit(cache=True, nogil=True)
def g_optimal_design(vectors, max_iterations, tolerance, weights_out):
    """Frank-Wolfe G-optimal design of the rows of ``vectors`` (see the module docstring).

    Parameters
    ----------
    vectors : float64[n, k]
        Rows spanning ``R^k``.
    max_iterations : int
    tolerance : float
        Stop when ``g_max <= k (1 + tolerance)``.
    weights_out : float64[n]
        Overwritten with the design (non-negative, summing to 1).

    Returns
    -------
    (iterations, g_max) : (int, float)
        ``g_max`` of the returned design; ``iterations = -1`` if ``V`` is singular (the rows do
        not span).
    """
    n, k = vectors.shape
    for i in range(n):
        weights_out[i] = 1.0 / n
    gram = np.zeros((k, k))
    for i in range(n):
        for r in range(k):
            for c in range(k):
                gram[r, c] += vectors[i, r] * vectors[i, c] / n
    inverse = np.empty((k, k))
    if _inverse(gram, inverse) != 0:
        return -1, np.inf
    g = np.empty(n)
    vx = np.empty(k)
    iterations = 0
    while True:
        g_max = -1.0
        best = 0
        for i in range(n):
            value = 0.0
            for r in range(k):
                row = 0.0
                for c in range(k):
                    row += inverse[r, c] * vectors[i, c]
                value += vectors[i, r] * row
            g[i] = value
            if value > g_max:
                g_max = value
                best = i
        if g_max <= k * (1.0 + tolerance) or iterations >= max_iterations:
            return iterations, g_max
        gamma = (g_max / k - 1.0) / (g_max - 1.0)
        if gamma >= 1.0:  # k = 1: all weight on the longest vector is optimal (g_max = 1 = k)
            for i in range(n):
                weights_out[i] = 0.0
            weights_out[best] = 1.0
            norm2 = 0.0
            for r in range(k):
                norm2 += vectors[best, r] * vectors[best, r]
            g_max = 0.0
            for i in range(n):
                value = 0.0
                for r in range(k):
                    value += vectors[i, r] * vectors[i, r]
                g_max = max(g_max, value / norm2)
            return iterations + 1, g_max
        for i in range(n):
            weights_out[i] *= 1.0 - gamma
        weights_out[best] += gamma
        # V' = (1 - gamma) V + gamma x x^T;  V'^{-1} = (V^{-1} - c (V^{-1} x)(V^{-1} x)^T) / (1 - gamma)
        # with c = gamma / (1 - gamma + gamma g_best)
        for r in range(k):
            row = 0.0
            for c in range(k):
                row += inverse[r, c] * vectors[best, c]
            vx[r] = row
        scale = gamma / (1.0 - gamma + gamma * g_max)
        for r in range(k):
            for c in range(k):
                inverse[r, c] = (inverse[r, c] - scale * vx[r] * vx[c]) / (1.0 - gamma)
        iterations += 1


@nb.njit(cache=True, nogil=True)
def apportion(weights, total, counts_out):
    """Exactly ``total`` pulls in proportion to ``weights`` (non-negative, summing to 1):
    ``floor(w_i total)`` each, then one more for the largest remainders (ties to the lower
    index). Writes ``counts_out`` (int64[n])."""
    n = weights.shape[0]
    remainders = np.empty(n)
    assigned = 0
    for i in range(n):
        exact = weights[i] * total
        whole = int(np.floor(exact))
        counts_out[i] = whole
        remainders[i] = exact - whole
        assigned += whole
    for _ in range(total - assigned):
        best = -1
        best_value = -1.0
        for i in range(n):
            if remainders[i] > best_value:
                best_value = remainders[i]
                best = i
        if best < 0:
            break
        counts_out[best] += 1
        remainders[best] = -2.0
