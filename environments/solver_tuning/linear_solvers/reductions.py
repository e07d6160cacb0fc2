"""Reductions with a fixed summation order, shared by every solver kernel (CSR, stencil, (P)CG).

Norms and dot products are eight partial sums over ``k mod 8``, combined as
``((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))``: the CSR and the matrix-free stencil
paths then round identically, so they return the same iteration counts and bitwise the same
iterates.
"""

from __future__ import annotations

import math

import numba as nb


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
