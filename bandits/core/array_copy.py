"""Copying one array into another in compiled code, without numba's costly slice assignment.

numba compiles an assignment of an array to a slice or row of another array
(``out[:] = values``, ``table[i] = row``) together with a shape-mismatch error whose message
is formatted in compiled code; compiling that formatting costs about 1.7 s the first time a
process needs it. Every process that compiles a fused loop containing such an assignment pays
it, and on a first run of an experiment (an empty disk cache) it is a tenth of the whole run.
:func:`copy_into` does the same copy as an element loop, with a fixed error message.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["copy_into"]


@nb.njit(cache=True, nogil=True)
def copy_into(destination, source):
    """``destination[...] = source`` for two arrays of the same shape (compiled code and
    Python); ``destination`` may be a view (a row or a slice). Raises ``ValueError`` when the
    shapes differ."""
    if destination.shape != source.shape:
        raise ValueError("copy_into: destination and source shapes differ")
    for index in np.ndindex(source.shape):
        destination[index] = source[index]
