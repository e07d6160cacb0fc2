"""Max-Det collections: the d' vectors of a finite set with the largest absolute determinant.

Chen, Karthik, Chee & Tan, *Fixed-Budget Differentially Private Best Arm Identification*, ICLR
2024, arXiv:2401.09073, build their algorithm on a Max-Det collection of the (projected) arm
vectors. Only the abstract and public reviews of that paper were available to us: the
definition below, the swap argument, the local search and its slack are our reconstruction.

Definition
----------
Let ``A`` be a finite set of vectors spanning ``R^d'`` (the rows of an ``(n, d')`` array). A
*Max-Det collection* is a subset ``B`` of ``d'`` of them maximising ``|det[B]|``, where ``[B]``
has ``B``'s vectors as columns. Such ``B`` is a basis of ``R^d'``, so every ``a`` in ``A`` is
``a = sum_b beta_{a,b} b`` for unique coefficients.

Key property and swap identity
------------------------------
Replacing ``b`` by ``a`` in ``B`` multiplies ``det[B]`` by ``beta_{a,b}`` (Cramer's rule:
``beta_{a,b} = det[B with b replaced by a] / det[B]``). Hence for a Max-Det ``B`` every
``|beta_{a,b}| <= 1`` -- otherwise the swap would increase ``|det|``. This is what makes the
collection useful: every arm is a combination of the ``d'`` collection arms with coefficients
bounded by 1, so estimates on ``B`` transfer to all of ``A`` with at most a factor ``d'`` loss.
A basis with all ``|beta| <= 1`` need not be a Max-Det collection (the property is local); the
algorithm's analysis only needs the coefficient bound.

Algorithms
----------
:func:`max_det_exact` enumerates all ``C(n, d')`` subsets (ties: the lexicographically first).
:func:`max_det_local_search` starts from a greedy pivoted basis and swaps while some ``|beta|``
exceeds ``1 + slack``; each swap multiplies ``|det|`` by more than ``1 + slack``, so no subset
repeats and the search ends; with ``slack = 0`` every ``|beta| <= 1`` (up to a relative
rounding guard of ``1e-12``) at the end. With ``slack > 0`` the number of swaps is at most
``log(maxdet / det0) / log(1 + slack)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np

from bandits.core.array_copy import copy_into
from bandits.core.validation import (
    ParameterError,
    check_choice,
    check_real,
    check_real_array,
)
from environments.private_bai.linear_algebra import (
    determinant,
    lu_factor,
    lu_solve,
    span_basis,
)

__all__ = [
    "AUTO_EXACT_LIMIT",
    "EXACT_LIMIT",
    "MAX_SWAPS",
    "RANK_TOLERANCE",
    "MaxDetResult",
    "coefficients",
    "max_det_collection",
    "max_det_exact",
    "max_det_local_search",
]

#: ``max_det_collection`` refuses ``method="exact"`` above this many subsets.
EXACT_LIMIT = 200_000
#: ``method="auto"`` searches exhaustively up to this many subsets, else locally.
AUTO_EXACT_LIMIT = 2000
#: Safety cap on local-search swaps.
MAX_SWAPS = 100_000
#: Relative rank tolerance of the spanning check (:func:`span_basis`).
RANK_TOLERANCE = 1e-10
#: A swap needs ``|beta| > (1 + slack) * (1 + _SWAP_GUARD)``: keeps rounding from cycling ties.
_SWAP_GUARD = 1e-12


@nb.njit(cache=True, nogil=True)
def _subset_abs_det(vectors, indices, work):
    k = indices.shape[0]
    for r in range(k):
        for c in range(k):
            work[r, c] = vectors[indices[r], c]
    return abs(determinant(work))


@nb.njit(cache=True, nogil=True)
def max_det_exact(vectors, out_indices):
    """Exhaustive Max-Det search over all ``d'``-subsets of the rows of ``vectors``.

    Parameters
    ----------
    vectors : float64[n, d']
        ``n >= d'``.
    out_indices : int64[d']
        Overwritten with the chosen rows, increasing; ties go to the lexicographically first
        subset.

    Returns
    -------
    float
        The maximal ``|det|`` (0.0 when the rows do not span ``R^d'``).
    """
    n, k = vectors.shape
    work = np.empty((k, k))
    current = np.arange(k)
    best = -1.0
    while True:
        value = _subset_abs_det(vectors, current, work)
        if value > best:
            best = value
            copy_into(out_indices, current)
        # next combination in lexicographic order
        i = k - 1
        while i >= 0 and current[i] == n - k + i:
            i -= 1
        if i < 0:
            break
        current[i] += 1
        for j in range(i + 1, k):
            current[j] = current[j - 1] + 1
    return best


@nb.njit(cache=True, nogil=True)
def _greedy_basis(vectors, out_indices):
    """Pivoted Gram–Schmidt: repeatedly take the row with the largest component orthogonal to
    the rows chosen so far (first such row on ties). Returns the number chosen (``< d'`` only if
    the rows do not span)."""
    n, k = vectors.shape
    residual = vectors.copy()
    chosen = np.zeros(n, np.bool_)
    q = np.empty(k)
    for step in range(k):
        best_norm = 0.0
        best_row = -1
        for i in range(n):
            if chosen[i]:
                continue
            norm2 = 0.0
            for j in range(k):
                norm2 += residual[i, j] * residual[i, j]
            if norm2 > best_norm:
                best_norm = norm2
                best_row = i
        if best_row < 0:
            return step
        chosen[best_row] = True
        out_indices[step] = best_row
        norm = np.sqrt(best_norm)
        for j in range(k):
            q[j] = residual[best_row, j] / norm
        for _ in range(2):
            for i in range(n):
                if chosen[i]:
                    continue
                dot = 0.0
                for j in range(k):
                    dot += residual[i, j] * q[j]
                for j in range(k):
                    residual[i, j] -= dot * q[j]
    return k


@nb.njit(cache=True, nogil=True)
def coefficients(vectors, basis_indices, out):
    """``beta`` for every row: ``out[a] = [B]^{-1} vectors[a]`` with
    ``[B] = vectors[basis_indices].T`` (the basis vectors as columns), so ``out[a, j]`` is the
    coefficient of ``vectors[basis_indices[j]]``.

    Parameters
    ----------
    vectors : float64[n, d']
    basis_indices : int64[d']
    out : float64[n, d']

    Returns
    -------
    int
        0 ok, 1 when ``[B]`` is singular (``out`` then unspecified).
    """
    n, k = vectors.shape
    lu = np.empty((k, k))
    for r in range(k):
        for c in range(k):
            lu[r, c] = vectors[basis_indices[c], r]
    perm = np.empty(k, np.int64)
    if lu_factor(lu, perm) != 0:
        return 1
    x = np.empty(k)
    for a in range(n):
        lu_solve(lu, perm, vectors[a], x)
        for j in range(k):
            out[a, j] = x[j]
    return 0


@nb.njit(cache=True, nogil=True)
def max_det_local_search(vectors, slack, out_indices):
    """Local-search Max-Det: greedy pivoted start, then best-improvement swaps.

    Each round computes every ``beta_{a,b}`` and, if the largest ``|beta_{a,b}|`` exceeds
    ``(1 + slack)(1 + 1e-12)``, replaces ``b`` by ``a`` (``|det|`` grows by that factor); it
    stops when no coefficient does, or after :data:`MAX_SWAPS` swaps.

    Parameters
    ----------
    vectors : float64[n, d']
        Rows spanning ``R^d'``.
    slack : float
        ``>= 0``.
    out_indices : int64[d']
        Overwritten with the basis rows (in basis order, not sorted).

    Returns
    -------
    (abs_det, swaps) : (float, int)
        ``|det|`` of the final basis (recomputed, not accumulated) and the number of swaps;
        ``abs_det = 0.0, swaps = -1`` when the rows do not span ``R^d'``.
    """
    n, k = vectors.shape
    if _greedy_basis(vectors, out_indices) < k:
        return 0.0, -1
    beta = np.empty((n, k))
    threshold = (1.0 + slack) * (1.0 + _SWAP_GUARD)
    swaps = 0
    while swaps < MAX_SWAPS:
        if coefficients(vectors, out_indices, beta) != 0:
            return 0.0, -1
        best = threshold
        best_a = -1
        best_b = -1
        for a in range(n):
            for b in range(k):
                value = abs(beta[a, b])
                if value > best:
                    best = value
                    best_a = a
                    best_b = b
        if best_a < 0:
            break
        out_indices[best_b] = best_a
        swaps += 1
    work = np.empty((k, k))
    return _subset_abs_det(vectors, out_indices, work), swaps


@dataclass(frozen=True)
class MaxDetResult:
    """A Max-Det collection and its coefficients.

    Attributes
    ----------
    indices : int64[d'] (read-only)
        The collection's rows of ``vectors``, increasing.
    abs_det : float
        ``|det|`` of the collection.
    coefficients : float64[n, d'] (read-only)
        ``coefficients[a, j]`` is ``beta_{a, indices[j]}``: ``vectors[a] = coefficients[a] @
        vectors[indices]``.
    max_abs_coefficient : float
        ``max |beta|`` (1.0 at least: the collection's own vectors have coefficient 1).
    method : str
        ``"exact"`` or ``"local"`` (what ``"auto"`` resolved to).
    swaps : int
        Local-search swaps (0 for ``"exact"``).
    """

    indices: np.ndarray
    abs_det: float
    coefficients: np.ndarray
    max_abs_coefficient: float
    method: str
    swaps: int = 0


def _check_spanning(vectors: np.ndarray) -> None:
    n, k = vectors.shape
    basis = np.zeros((k, k))
    rank = span_basis(np.ascontiguousarray(vectors), RANK_TOLERANCE, basis)
    if rank < k:
        raise ParameterError("vectors", vectors, "must span R^d'",
                             got=f"{n} rows of dimension d' = {k} spanning dimension {rank}")


def max_det_collection(vectors, method: str = "auto", slack: float = 0.0) -> MaxDetResult:
    """A Max-Det collection of the rows of ``vectors``.

    Parameters
    ----------
    vectors : array of shape (n, d')
        Finite rows spanning ``R^d'`` (so ``n >= d'``); checked with a relative rank tolerance
        of :data:`RANK_TOLERANCE`.
    method : {"auto", "exact", "local"}, default "auto"
        ``"exact"``: exhaustive (refused when ``C(n, d') > EXACT_LIMIT``); ``"local"``: local
        search with ``slack``; ``"auto"``: exact when ``C(n, d') <= AUTO_EXACT_LIMIT``, else
        local.
    slack : float, default 0.0
        Local search only, ``>= 0``: swap while some ``|beta| > 1 + slack``.

    Raises
    ------
    ParameterError
        Naming ``"vectors"`` (not 2-D, non-finite, not spanning, too many subsets for
        ``"exact"``), ``"method"`` or ``"slack"``.
    RuntimeError
        If the local search hit :data:`MAX_SWAPS` before converging (not expected).
    """
    array = check_real_array("vectors", vectors, ndim=2)
    method = check_choice("method", method, ("auto", "exact", "local"))
    slack = check_real("slack", slack, low=0.0)
    _check_spanning(array)
    n, k = array.shape
    data = np.ascontiguousarray(array, dtype=np.float64)
    subsets = math.comb(n, k)
    if method == "exact" and subsets > EXACT_LIMIT:
        raise ParameterError("vectors", array, f"must have at most {EXACT_LIMIT} subsets C(n, d') for method 'exact'",
                             got=f"C({n}, {k}) = {subsets}")
    if method == "auto":
        method = "exact" if subsets <= AUTO_EXACT_LIMIT else "local"
    indices = np.zeros(k, np.int64)
    swaps = 0
    if method == "exact":
        abs_det = float(max_det_exact(data, indices))
    else:
        abs_det, swaps = max_det_local_search(data, float(slack), indices)
        abs_det, swaps = float(abs_det), int(swaps)
        if swaps < 0:  # pragma: no cover - the spanning check above rules this out
            raise ParameterError("vectors", array, "must span R^d'")
    indices.sort()
    beta = np.zeros((n, k))
    if coefficients(data, indices, beta) != 0:  # pragma: no cover - a spanning Max-Det basis is regular
        raise ParameterError("vectors", array, "must span R^d'")
    max_abs = float(np.abs(beta).max())
    if method == "local" and swaps >= MAX_SWAPS and max_abs > (1.0 + slack) * (1.0 + _SWAP_GUARD):
        raise RuntimeError(f"max-det local search did not converge within {MAX_SWAPS} swaps")
    indices.setflags(write=False)
    beta.setflags(write=False)
    return MaxDetResult(indices, abs_det, beta, max_abs, method, swaps)
