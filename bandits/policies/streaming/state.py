"""The kernel state shared by every streaming policy (Chen Wang, ICML 2023, arXiv:2306.02208),
the common ``update`` kernel and the small helpers of the ``select`` kernels.

State layout: ``state[0]`` int64 registers, ``state[1]`` float64 registers, ``state[2]``
``occupied`` int64[M] (the policy's own view of its memory); each algorithm family appends its
registers after the common ones (indices from :data:`N_COMMON_INT` and :data:`N_COMMON_FLOAT`)
and its own arrays after ``state[2]``.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from environments.streaming.protocol import DISCARD, READ

__all__ = [
    "POLICY_PHASE",
    "POLICY_N_ARMS",
    "POLICY_HORIZON",
    "POLICY_MEMORY",
    "POLICY_ARMS_READ",
    "POLICY_PULLS_USED",
    "POLICY_LAST_SLOT",
    "POLICY_LAST_PULLS",
    "POLICY_LAST_SUCCESSES",
    "N_COMMON_INT",
    "POLICY_LAST_MEAN",
    "N_COMMON_FLOAT",
    "common_state",
    "free_slot",
    "batch_within_horizon",
    "streaming_update",
]

#: Common int64 registers (indices into the policy state's ``state[0]``; the environment's
#: counters are ``environments.streaming.dynamics.ENV_*``): the algorithm's phase, K, T, M, arms
#: read, pulls used, and the slot, pulls and successes of the last operation.
POLICY_PHASE = 0
POLICY_N_ARMS = 1
POLICY_HORIZON = 2
POLICY_MEMORY = 3
POLICY_ARMS_READ = 4
POLICY_PULLS_USED = 5
POLICY_LAST_SLOT = 6
POLICY_LAST_PULLS = 7
POLICY_LAST_SUCCESSES = 8
#: First int64 register of an algorithm family.
N_COMMON_INT = 10
#: Common float64 register (index into the policy state's ``state[1]``): the mean of the last batch.
POLICY_LAST_MEAN = 0
#: First float64 register of an algorithm family.
N_COMMON_FLOAT = 1


@nb.njit(cache=True, nogil=True)
def common_state(n_arms, horizon, memory, n_int, n_float):
    """``(int registers int64[n_int], float registers float64[n_float], occupied int64[M])``
    with K, T and M set and no last slot."""
    iv = np.zeros(n_int, np.int64)
    fv = np.zeros(n_float, np.float64)
    iv[POLICY_N_ARMS] = n_arms
    iv[POLICY_HORIZON] = horizon
    iv[POLICY_MEMORY] = memory
    iv[POLICY_LAST_SLOT] = -1
    occupied = np.zeros(memory, np.int64)
    return iv, fv, occupied


@nb.njit(cache=True, nogil=True)
def free_slot(occupied):
    """First free slot of the policy's memory (-1 if none: the environment then refuses)."""
    for s in range(occupied.size):
        if occupied[s] == 0:
            return s
    return -1


@nb.njit(cache=True, nogil=True)
def batch_within_horizon(batch, iv):
    """``min(batch, T - pulls_used)``: the last batch is cut short at the horizon."""
    remaining = iv[POLICY_HORIZON] - iv[POLICY_PULLS_USED]
    if remaining < 1:
        return 1
    return batch if batch < remaining else remaining


@nb.njit(cache=True, nogil=True)
def streaming_update(state, hyper, op, slot, status, pulls_done, successes):
    """Common ``update`` kernel of every streaming policy: records the outcome of the operation
    (``pulls_done``, ``successes``, mean ``successes / pulls_done``), the pulls used so far and
    the policy's own view of its memory (READ occupies ``slot``, DISCARD frees it)."""
    iv = state[0]
    fv = state[1]
    occupied = state[2]
    iv[POLICY_LAST_SLOT] = slot
    iv[POLICY_LAST_PULLS] = pulls_done
    iv[POLICY_LAST_SUCCESSES] = successes
    iv[POLICY_PULLS_USED] += pulls_done
    if pulls_done > 0:
        fv[POLICY_LAST_MEAN] = successes / pulls_done
    if op == READ:
        occupied[slot] = 1
        iv[POLICY_ARMS_READ] += 1
    elif op == DISCARD:
        occupied[slot] = 0
