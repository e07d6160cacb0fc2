"""Successive elimination with burn-in: the algorithm of Malik, Igoe, Li & Singh (*Weighted
Tallying Bandits*, ICML 2023, arXiv:2305.02955), "a simple modification of successive
elimination" with complete policy regret ``O(sqrt(KT) + (m + M) K)`` under repeated exposure
optimality.

The paper's algorithm box was not available to us; this is our reconstruction of what the stated
bound requires. A sample of action a has mean ``f_a(W)`` only once the last m plays were all a;
m is unknown, so every block of plays of one action starts with ``M >= m`` burn-in plays whose
losses are discarded, and blocks grow geometrically so that each action has ``O(log T)`` blocks:

* phase ``j = 0, 1, 2, ...``: every active action, in turn, is played for ``M`` burn-in steps
  (discarded) and then ``n_j = round(first_block * block_growth^j)`` recorded steps;
* after the phase, with ``mean_a`` the mean recorded reward and ``r_a = radius_scale
  sqrt(2 log(2 K T / delta) / n_a)``, action ``a`` is eliminated if ``mean_a + r_a < max_b
  (mean_b - r_b)`` over the active ``b``;
* once one action is left it is played to the end, with no further blocks: its plays need no
  burn-in (no decision is left to make, and with one action every play is a play of it).

Rewards are ``-loss`` or ``1 - loss``: larger is better, so the rule above eliminates actions
with larger losses.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numba as nb
import numpy as np

from bandits.core.rng import generator_of
from bandits.core.validation import ParameterError, check_integer, check_real
from bandits.policies.tallying.face import TallyingPolicy

__all__ = ["SuccessiveEliminationBurnIn"]


@nb.njit(cache=True, nogil=True)
def burn_in_init(n_arms, hyper):
    """State ``(sums, counts float64[K], active int64[K], order int64[K], schedule int64[5] =
    (phase, position in order, steps into the block, active count, survivor or -1), reorder
    int64[1])``; with ``shuffle_order`` the next ``select`` after a phase ends (and the first)
    draws the phase's order."""
    schedule = np.zeros(5, np.int64)
    schedule[3] = n_arms
    schedule[4] = -1 if n_arms > 1 else 0
    return (np.zeros(n_arms), np.zeros(n_arms), np.ones(n_arms, np.int64), np.arange(n_arms), schedule,
            np.ones(1, np.int64))


@nb.njit(cache=True, nogil=True)
def _block_length(hyper, phase):
    first_block, growth = hyper[1], hyper[2]
    length = min(first_block * growth**phase, 2.0**62)  # clamped in float: no int64 overflow
    return max(1, int(round(length)))  # noqa: RUF046 (numba)


@nb.njit(cache=True, nogil=True)
def burn_in_select(state, hyper, t, rng):
    """The scheduled action: the survivor, or the action whose block is under way."""
    active, order, schedule, reorder = state[2], state[3], state[4], state[5]
    if reorder[0] != 0:
        reorder[0] = 0
        if hyper[6] != 0:
            _shuffle_active(active, order, schedule, rng)
    if schedule[4] >= 0:
        return schedule[4]
    return order[schedule[1]]


@nb.njit(cache=True, nogil=True)
def _shuffle_active(active, order, schedule, rng):
    """Active actions first in ``order``, in a uniformly random order (one draw per position)."""
    n = 0
    for a in range(active.size):
        if active[a] != 0:
            order[n] = a
            n += 1
    generator = generator_of(rng)
    for i in range(n - 1, 0, -1):
        j = generator.integers(0, i + 1)
        order[i], order[j] = order[j], order[i]
    schedule[3] = n


@nb.njit(cache=True, nogil=True)
def burn_in_update(state, hyper, arm, reward, t):
    """Discard burn-in rewards, record the others of the scheduled action, advance the block,
    and eliminate at the end of a phase."""
    sums, counts, active, order, schedule, reorder = state
    burn_in, _, _, radius_scale, log_term, reuse, _ = hyper
    if schedule[4] >= 0:
        return  # the survivor plays to the end; nothing left to decide
    scheduled = order[schedule[1]]
    n_block = _block_length(hyper, schedule[0])
    if schedule[2] >= burn_in and arm == scheduled:
        sums[arm] += reward
        counts[arm] += 1.0
    schedule[2] += 1
    if schedule[2] < burn_in + n_block:
        return
    schedule[2] = 0
    schedule[1] += 1
    if schedule[1] < schedule[3]:
        return
    # end of the phase: eliminate, then order the survivors for the next phase
    best_lower = -np.inf
    for a in range(active.size):
        if active[a] != 0 and counts[a] > 0:
            radius = radius_scale * math.sqrt(2.0 * log_term / counts[a])
            best_lower = max(best_lower, sums[a] / counts[a] - radius)
    n_active = 0
    for a in range(active.size):
        if active[a] != 0 and counts[a] > 0:
            radius = radius_scale * math.sqrt(2.0 * log_term / counts[a])
            if sums[a] / counts[a] + radius < best_lower:
                active[a] = 0
        if active[a] != 0:
            order[n_active] = a
            n_active += 1
    schedule[3] = n_active
    schedule[0] += 1
    schedule[1] = 0
    reorder[0] = 1
    if n_active == 1:
        schedule[4] = order[0]
    if reuse == 0:
        for a in range(active.size):
            sums[a] = 0.0
            counts[a] = 0.0


class SuccessiveEliminationBurnIn(TallyingPolicy):
    """Successive elimination with burn-in blocks (our reconstruction of the algorithm of
    arXiv:2305.02955; see the module docstring).

    Parameters
    ----------
    burn_in : int, default 10
        M, the plays discarded at the start of every block; the analysis needs ``M >= m``, the
        memory of the tallies (unknown to the learner).
    first_block : float, default 1.0
        ``n_0``, recorded plays per action in phase 0 (``> 0``).
    block_growth : float, default 2.0
        ``n_j = round(n_0 growth^j)`` (``>= 1``; 1 gives blocks of constant length).
    radius_scale : float, default 0.5
        ``c`` in ``c sqrt(2 log(2 K T / delta) / n)`` (0.5: sub-Gaussian constant of losses in
        [0, 1]).
    delta : float, optional
        Confidence in (0, 1); default ``1 / T`` (needs the horizon).
    reuse_data : bool, default True
        Means over all recorded plays so far (True) or over the last phase only.
    shuffle_order : bool, default False
        Visit the active actions in a random order each phase (policy stream) instead of by index.
    """

    name = "se_burn_in"
    #: The confidence radius uses log(2 K T / delta).
    needs_horizon: ClassVar[bool] = True
    init_kernel = burn_in_init
    select_kernel = burn_in_select
    update_kernel = burn_in_update

    def __init__(self, burn_in=10, first_block=1.0, block_growth=2.0, radius_scale=0.5, delta=None, reuse_data=True,
                 shuffle_order=False):
        self.burn_in = check_integer("burn_in", burn_in, low=1)
        self.first_block = check_real("first_block", first_block, low=0.0, low_open=True)
        self.block_growth = check_real("block_growth", block_growth, low=1.0)
        self.radius_scale = check_real("radius_scale", radius_scale, low=0.0)
        self.delta = None if delta is None else check_real("delta", delta, low=0.0, high=1.0, low_open=True,
                                                            high_open=True)
        for name, value in (("reuse_data", reuse_data), ("shuffle_order", shuffle_order)):
            if not isinstance(value, bool):
                raise ParameterError(name, value, "must be True or False")
        self.reuse_data = reuse_data
        self.shuffle_order = shuffle_order

    def kernel_hyper(self, view, horizon):
        horizon = 1 if horizon is None else horizon
        delta = 1.0 / max(horizon, 2) if self.delta is None else self.delta
        log_term = math.log(2.0 * view.n_arms * horizon / delta)
        return (np.int64(self.burn_in), float(self.first_block), float(self.block_growth), float(self.radius_scale),
                float(log_term), np.int64(self.reuse_data), np.int64(self.shuffle_order))
