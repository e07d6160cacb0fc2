"""Kernels for choosing an index, shared by the policies of every setting: the argmax with
uniformly random tie-breaking and inverse-CDF sampling from a categorical distribution.

Both draw from a policy's own stream (a :class:`numpy.random.Generator` or a
:class:`bandits.core.rng.RandomStream`) and document exactly how many draws they make, so that
fused loops and Gymnasium drivers stay in lockstep.
"""

from __future__ import annotations

import numba as nb

from bandits.core.rng import generator_of

__all__ = ["argmax_random_tie", "argmax_count", "nth_maximum", "sample_categorical"]


@nb.njit(cache=True, nogil=True)
def argmax_count(values):
    """``(index of the first maximum of values, number of entries equal to the maximum)``."""
    best = values[0]
    best_index = 0
    n_best = 1
    for k in range(1, values.size):
        v = values[k]
        if v > best:
            best = v
            best_index = k
            n_best = 1
        elif v == best:
            n_best += 1
    return best_index, n_best


@nb.njit(cache=True, nogil=True)
def nth_maximum(values, first_index, n):
    """Index of the ``n``-th (0-based) entry equal to ``values[first_index]``, scanning from it."""
    best = values[first_index]
    for k in range(first_index, values.size):
        if values[k] == best:
            if n == 0:
                return k
            n -= 1
    return -1  # unreachable when n < number of maxima


@nb.njit(cache=True, nogil=True)
def argmax_random_tie(values, rng):
    """Index of the largest entry of ``values``; among exact ties, one chosen uniformly at random.

    ``rng`` (a Generator or a RandomStream) is drawn from only when there is a tie: one
    ``integers(0, n_ties)`` draw. Kernels on a hot path inline this logic with
    :func:`argmax_count` so that the generator is touched only in the tie branch.
    """
    best_index, n_best = argmax_count(values)
    if n_best == 1:
        return best_index
    return nth_maximum(values, best_index, generator_of(rng).integers(0, n_best))


@nb.njit(cache=True, nogil=True)
def sample_categorical(probabilities, rng):
    """Draw an index from ``probabilities`` (non-negative, summing to 1) by inverse CDF.

    Uses exactly one uniform draw from ``rng`` (a Generator or a RandomStream).
    Indices with zero probability are never returned.
    """
    u = generator_of(rng).random()
    cumulative = 0.0
    last_positive = -1
    for k in range(probabilities.size):
        p = probabilities[k]
        if p > 0.0:
            cumulative += p
            last_positive = k
            if u < cumulative:
                return k
    return last_positive  # rounding: u >= sum(p) only when sum(p) < 1 by a few ulps


