"""Argument checks of the validated solver entry points:
:class:`~bandits.core.validation.ParameterError` (a ``ValueError``) naming the parameter, the
rule and the value (e.g. ``omega: must be in (0, 2), got 2.5``), raised at the Python boundary
before any kernel runs. The kernels themselves check nothing."""

from __future__ import annotations

import numpy as np

from bandits.core.validation import ParameterError, check_integer, check_real, check_real_vector


def _check_csr(indptr, indices, data):
    """The CSR arrays as contiguous int64 / float64 arrays, or ParameterError: square, column indices in
    range and strictly increasing in every row, a positive diagonal entry in every row."""
    arrays = []
    for name, value, dtype in (("indptr", indptr, np.int64), ("indices", indices, np.int64),
                               ("data", data, np.float64)):
        array = np.asarray(value)
        if array.ndim != 1:
            raise ParameterError(name, value, "must be 1-D", got=f"an array of shape {array.shape}")
        if dtype is np.int64 and array.size and not np.issubdtype(array.dtype, np.integer):
            raise ParameterError(name, value, "must hold integers", got=f"dtype {array.dtype}")
        arrays.append(np.ascontiguousarray(array, dtype=dtype))
    indptr, indices, data = arrays
    n = indptr.size - 1
    if n < 1:
        raise ParameterError("indptr", indptr, "must have at least 2 entries (n + 1 for n >= 1 rows)", got=str(indptr.size))
    if indptr[0] != 0:
        raise ParameterError("indptr[0]", int(indptr[0]), "must be 0")
    steps = np.diff(indptr)
    if (steps < 0).any():
        i = int(np.argmax(steps < 0))
        raise ParameterError(f"indptr[{i + 1}]", int(indptr[i + 1]), f"must be >= indptr[{i}] = {int(indptr[i])}")
    nnz = int(indptr[-1])
    if indices.size != nnz:
        raise ParameterError("indices", indices, f"must have indptr[-1] = {nnz} entries", got=str(indices.size))
    if data.size != nnz:
        raise ParameterError("data", data, f"must have indptr[-1] = {nnz} entries", got=str(data.size))
    bad = (indices < 0) | (indices >= n)
    if bad.any():
        p = int(np.argmax(bad))
        raise ParameterError(f"indices[{p}]", int(indices[p]), f"must be in [0, {n - 1}]")
    finite = np.isfinite(data)
    if not finite.all():
        p = int(np.argmax(~finite))
        raise ParameterError(f"data[{p}]", float(data[p]), "must be finite")
    row = np.repeat(np.arange(n), steps)
    if nnz > 1:
        same_row = row[1:] == row[:-1]
        unsorted = same_row & (indices[1:] <= indices[:-1])
        if unsorted.any():
            p = int(np.argmax(unsorted)) + 1
            raise ParameterError(
                f"indices[{p}]", int(indices[p]),
                f"column indices must be strictly increasing within row {int(row[p])}",
                got=f"{int(indices[p])} after {int(indices[p - 1])}",
            )
    on_diag = indices == row
    count = np.bincount(row[on_diag], minlength=n)
    if (count == 0).any():
        i = int(np.argmax(count == 0))
        raise ParameterError("indices", indices, f"row {i} must store its diagonal entry (a positive A[{i}, {i}])",
                             got="none")
    diag = np.empty(n)
    diag[row[on_diag]] = data[on_diag]
    if (diag <= 0).any():
        i = int(np.argmax(diag <= 0))
        raise ParameterError("data", data, f"the diagonal entry A[{i}, {i}] must be > 0", got=repr(float(diag[i])))
    return indptr, indices, data


def _check_vector(name, value, n):
    array = check_real_vector(name, value)
    if array.size != n:
        raise ParameterError(name, value, f"must have {n} entries (one per unknown)", got=str(array.size))
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
