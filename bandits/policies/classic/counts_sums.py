"""The sufficient statistics most classic policies keep: pull counts and reward sums per arm."""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["counts_sums_init", "counts_sums_update"]


@nb.njit(cache=True, nogil=True)
def counts_sums_init(n_arms, hyper):
    """State ``(counts int64[K], sums float64[K], scratch float64[K])``."""
    return (np.zeros(n_arms, np.int64), np.zeros(n_arms), np.zeros(n_arms))


@nb.njit(cache=True, nogil=True)
def counts_sums_update(state, hyper, arm, reward, t):
    """Add one observation: ``counts[arm] += 1``, ``sums[arm] += reward``."""
    state[0][arm] += 1
    state[1][arm] += reward


