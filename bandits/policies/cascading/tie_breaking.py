"""Tie-breaking for the cascading policies: a uniformly random priority order of the items, drawn
from the policy's stream at the first episode (CascadeUCB1 and CascadeKL-UCB, Kveton et al.,
2015, arXiv:1502.02763, and BestPerm in the CascadingVI family, Du et al., 2024,
arXiv:2401.08961, break ties in this order)."""

from __future__ import annotations

import numba as nb

from bandits.core.rng import generator_of

__all__ = ["draw_priority"]


@nb.njit(cache=True, nogil=True)
def draw_priority(priority, rng):
    """A uniformly random permutation of ``priority`` in place (the tie-breaking order)."""
    g = generator_of(rng)
    for i in range(priority.size - 1, 0, -1):
        j = g.integers(0, i + 1)
        tmp = priority[i]
        priority[i] = priority[j]
        priority[j] = tmp
