"""Small dense linear algebra in numba, written out by hand: determinants, linear solves and
orthonormal bases of spans.

Why not ``np.linalg`` inside ``njit``: numba's ``np.linalg`` calls LAPACK through SciPy's
Cython bindings at run time, and SciPy is not a run-time dependency of regretlab. The matrices
of the private best-arm setting are tiny (the dimension d is at most about 16), so plain
Gaussian elimination and Gram–Schmidt are both fast and accurate enough.

Conventions
-----------
All kernels take C-contiguous float64 arrays and write into caller-provided outputs; they never
modify their inputs (``determinant`` and ``solve`` eliminate on copies). Status codes: 0 ok,
1 singular (a pivot at most :data:`SINGULAR_TOLERANCE` times the largest absolute entry of the
matrix).
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = [
    "SINGULAR_TOLERANCE",
    "determinant",
    "lu_factor",
    "lu_solve",
    "project",
    "solve",
    "span_basis",
]

#: A pivot this small relative to the largest absolute entry makes a matrix singular for
#: :func:`solve` and :func:`lu_factor`.
SINGULAR_TOLERANCE = 1e-13


@nb.njit(cache=True, nogil=True)
def determinant(matrix):
    """``det(matrix)`` of a square float64 matrix by Gaussian elimination with partial pivoting.

    The input is copied, never modified. An exactly zero pivot column gives 0.0; no tolerance is
    applied (so a numerically singular matrix returns a tiny, rounding-level determinant, as
    ``numpy.linalg.det`` does).
    """
    n = matrix.shape[0]
    a = matrix.copy()
    det = 1.0
    for col in range(n):
        pivot_row = col
        pivot_abs = abs(a[col, col])
        for r in range(col + 1, n):
            if abs(a[r, col]) > pivot_abs:
                pivot_abs = abs(a[r, col])
                pivot_row = r
        if pivot_abs == 0.0:
            return 0.0
        if pivot_row != col:
            for c in range(col, n):
                tmp = a[col, c]
                a[col, c] = a[pivot_row, c]
                a[pivot_row, c] = tmp
            det = -det
        pivot = a[col, col]
        det *= pivot
        for r in range(col + 1, n):
            factor = a[r, col] / pivot
            if factor != 0.0:
                for c in range(col + 1, n):
                    a[r, c] -= factor * a[col, c]
    return det


@nb.njit(cache=True, nogil=True)
def lu_factor(lu, perm):
    """In-place LU factorisation with partial pivoting: ``P A = L U``.

    Parameters
    ----------
    lu : float64[n, n]
        ``A`` on entry; on exit ``U`` on and above the diagonal and the multipliers of the unit
        lower-triangular ``L`` below it.
    perm : int64[n]
        Overwritten: row ``i`` of ``P A`` is row ``perm[i]`` of ``A``.

    Returns
    -------
    int
        0, or 1 when a pivot is at most ``SINGULAR_TOLERANCE`` times the largest absolute entry
        of ``A`` (the factorisation is then incomplete and must not be used).
    """
    n = lu.shape[0]
    scale = 0.0
    for i in range(n):
        perm[i] = i
        for j in range(n):
            scale = max(scale, abs(lu[i, j]))
    if scale == 0.0:
        return 1
    threshold = SINGULAR_TOLERANCE * scale
    for col in range(n):
        pivot_row = col
        pivot_abs = abs(lu[col, col])
        for r in range(col + 1, n):
            if abs(lu[r, col]) > pivot_abs:
                pivot_abs = abs(lu[r, col])
                pivot_row = r
        if pivot_abs <= threshold:
            return 1
        if pivot_row != col:
            for c in range(n):
                tmp = lu[col, c]
                lu[col, c] = lu[pivot_row, c]
                lu[pivot_row, c] = tmp
            tmp_index = perm[col]
            perm[col] = perm[pivot_row]
            perm[pivot_row] = tmp_index
        pivot = lu[col, col]
        for r in range(col + 1, n):
            factor = lu[r, col] / pivot
            lu[r, col] = factor
            if factor != 0.0:
                for c in range(col + 1, n):
                    lu[r, c] -= factor * lu[col, c]
    return 0


@nb.njit(cache=True, nogil=True)
def lu_solve(lu, perm, rhs, out):
    """Solve ``A x = rhs`` into ``out`` from a successful :func:`lu_factor` of ``A``."""
    n = lu.shape[0]
    for i in range(n):
        value = rhs[perm[i]]
        for j in range(i):
            value -= lu[i, j] * out[j]
        out[i] = value
    for i in range(n - 1, -1, -1):
        value = out[i]
        for j in range(i + 1, n):
            value -= lu[i, j] * out[j]
        out[i] = value / lu[i, i]


@nb.njit(cache=True, nogil=True)
def solve(matrix, rhs, out):
    """Solve ``matrix @ x = rhs`` into ``out`` by Gaussian elimination with partial pivoting.

    Parameters
    ----------
    matrix : float64[n, n]
    rhs : float64[n]
    out : float64[n]
        Overwritten with ``x`` (left untouched when singular).

    Returns
    -------
    int
        0 ok; 1 singular within the relative tolerance :data:`SINGULAR_TOLERANCE`.
    """
    n = matrix.shape[0]
    lu = matrix.copy()
    perm = np.empty(n, np.int64)
    if lu_factor(lu, perm) != 0:
        return 1
    lu_solve(lu, perm, rhs, out)
    return 0


@nb.njit(cache=True, nogil=True)
def span_basis(vectors, tol, basis_out):
    """An orthonormal basis of the span of the rows of ``vectors``, by modified Gram–Schmidt with
    one re-orthogonalisation pass ("twice is enough").

    Rows are taken in order; a row joins the basis when its component orthogonal to the basis
    so far has norm ``> tol * max_i ||vectors[i]||`` (a relative rank tolerance). Stops early
    once the basis has ``d`` vectors.

    Parameters
    ----------
    vectors : float64[n, d]
    tol : float
        Relative rank tolerance, e.g. ``1e-10``.
    basis_out : float64[d, d]
        Rows ``[:rank]`` are overwritten with the basis; the rest are set to 0.

    Returns
    -------
    int
        The rank: the dimension of the span at tolerance ``tol`` (0 for all-zero input).
    """
    n, d = vectors.shape
    basis_out[:, :] = 0.0
    largest = 0.0
    for i in range(n):
        norm2 = 0.0
        for j in range(d):
            norm2 += vectors[i, j] * vectors[i, j]
        largest = max(largest, np.sqrt(norm2))
    if largest == 0.0:
        return 0
    threshold = tol * largest
    residual = np.empty(d)
    rank = 0
    for i in range(n):
        if rank == d:
            break
        for j in range(d):
            residual[j] = vectors[i, j]
        for _ in range(2):
            for q in range(rank):
                dot = 0.0
                for j in range(d):
                    dot += residual[j] * basis_out[q, j]
                for j in range(d):
                    residual[j] -= dot * basis_out[q, j]
        norm2 = 0.0
        for j in range(d):
            norm2 += residual[j] * residual[j]
        norm = np.sqrt(norm2)
        if norm > threshold:
            for j in range(d):
                basis_out[rank, j] = residual[j] / norm
            rank += 1
    return rank


@nb.njit(cache=True, nogil=True)
def project(vectors, basis, rank, out):
    """Coordinates of the rows of ``vectors`` in the orthonormal basis ``basis[:rank]``:
    ``out[:, :rank] = vectors @ basis[:rank].T``.

    When the rows lie in the span of the basis this is an isometry onto ``R^rank``: inner
    products and norms are preserved. ``out`` is float64[n, >= rank]; its other columns are left
    untouched.
    """
    n, d = vectors.shape
    for i in range(n):
        for q in range(rank):
            dot = 0.0
            for j in range(d):
                dot += vectors[i, j] * basis[q, j]
            out[i, q] = dot
