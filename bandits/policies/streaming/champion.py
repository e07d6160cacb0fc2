"""Single-champion streaming algorithms (Chen Wang, ICML 2023, arXiv:2306.02208): streaming
uniform exploration (U), the baseline with regret ``O(K^(1/3) T^(2/3) log^(1/3) T)``, and the
naive epsilon-best arm then commit (N), single-arm memory, regret ``O(K^(1/3) T^(2/3) log K)``.

Both explore each arriving arm with one fixed batch, keep the best empirical mean (2 slots:
champion and arriving arm) and commit the champion at the end of the stream; they share one
kernel set (:func:`champion_init`, :func:`champion_select`), so one fused loop serves both.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numba as nb
import numpy as np

from bandits.policies.streaming.face import StreamingPolicy, batch_count, epsilon_of
from bandits.policies.streaming.state import (
    N_COMMON_FLOAT,
    N_COMMON_INT,
    POLICY_ARMS_READ,
    POLICY_LAST_MEAN,
    POLICY_LAST_SLOT,
    POLICY_N_ARMS,
    POLICY_PHASE,
    batch_within_horizon,
    common_state,
    free_slot,
)
from environments.streaming.protocol import COMMIT, DISCARD, PULL, READ

__all__ = ["champion_init", "champion_select", "UniformExploration", "NaiveEpsilonBest"]

# ---------------------------------------------------------------------------------------------
# Kernels: one champion, explore each arriving arm with a fixed batch, commit
# ---------------------------------------------------------------------------------------------
_C_CHAMP, _C_X = 10, 11
_C_CHAMP_MEAN = 1
_CP_NEXT, _CP_AFTER_READ, _CP_AFTER_PULL, _CP_DONE = 0, 1, 2, 3


@nb.njit(cache=True, nogil=True)
def champion_init(n_arms, horizon, memory, oracle_gap, hyper):
    """State of the single-champion algorithms (U, N): no champion yet."""
    iv, fv, occupied = common_state(n_arms, horizon, memory, N_COMMON_INT + 2, N_COMMON_FLOAT + 1)
    iv[_C_CHAMP] = -1
    iv[_C_X] = -1
    return iv, fv, occupied


@nb.njit(cache=True, nogil=True)
def champion_select(state, hyper, rng):
    """Uniform exploration / naive epsilon-best: READ the next arm, PULL it ``B`` times, keep it
    if its mean is strictly above the stored mean (DISCARD the loser); COMMIT the champion when
    the stream is exhausted. ``hyper = (B, official_quirks)``; with the quirk the first arm's
    mean is not stored (the stored mean stays 0, so the second arm replaces it whenever its
    mean is > 0), as in the official code."""
    iv = state[0]
    fv = state[1]
    occupied = state[2]
    batch = hyper[0]
    quirks = hyper[1]
    while True:
        phase = iv[POLICY_PHASE]
        if phase == _CP_NEXT:
            if iv[POLICY_ARMS_READ] >= iv[POLICY_N_ARMS]:
                iv[POLICY_PHASE] = _CP_DONE
                champ = iv[_C_CHAMP]
                return COMMIT, champ, 0, champ
            s = free_slot(occupied)
            iv[POLICY_PHASE] = _CP_AFTER_READ
            return READ, s, 0, s
        elif phase == _CP_AFTER_READ:
            x = iv[POLICY_LAST_SLOT]
            iv[_C_X] = x
            iv[POLICY_PHASE] = _CP_AFTER_PULL
            return PULL, x, batch_within_horizon(batch, iv), x
        elif phase == _CP_AFTER_PULL:
            mean = fv[POLICY_LAST_MEAN]
            x = iv[_C_X]
            champ = iv[_C_CHAMP]
            iv[POLICY_PHASE] = _CP_NEXT
            if champ < 0:
                iv[_C_CHAMP] = x
                fv[_C_CHAMP_MEAN] = 0.0 if quirks != 0 else mean
                continue
            if mean > fv[_C_CHAMP_MEAN]:
                iv[_C_CHAMP] = x
                fv[_C_CHAMP_MEAN] = mean
                return DISCARD, champ, 0, champ
            return DISCARD, x, 0, x
        else:
            champ = iv[_C_CHAMP]
            return COMMIT, champ, 0, champ


# ---------------------------------------------------------------------------------------------
# Faces
# ---------------------------------------------------------------------------------------------
class _ChampionPolicy(StreamingPolicy):
    """Common face of U and N: the batch ``B`` per arriving arm (:meth:`batch_size`)."""

    init_kernel: ClassVar[object] = champion_init
    select_kernel: ClassVar[object] = champion_select

    def memory_required(self, n_arms):
        return 1 if n_arms == 1 else 2

    def batch_size(self, n_arms: int, horizon: int) -> float:
        """The real-valued per-arm batch of the algorithm (before rounding)."""
        raise NotImplementedError

    def kernel_hyper(self, view, horizon):
        """``(B, official_quirks)``: the rounded per-arm batch and the quirk flag."""
        batch = batch_count(self.batch_size(view.n_arms, horizon), self.batch_rounding)
        return (np.int64(batch), np.int64(self.official_quirks))


class UniformExploration(_ChampionPolicy):
    """Streaming uniform exploration (U), the baseline: every arriving arm is pulled
    ``B = (T / K)^(2/3) (ln T)^(1/3)`` times, the best empirical mean is kept (2 slots: champion
    and arriving arm) and committed at the end of the stream. Exploration uses exactly ``K * B``
    pulls when ``K * B <= T``; regret ``O(K^(1/3) T^(2/3) log^(1/3) T)``.

    With ``official_quirks`` the first arm's mean is not stored (stored mean 0), as in the
    official ``uniform_exploration_algorithm``.
    """

    name = "uniform_exploration"
    is_regret_baseline: ClassVar[bool] = True

    def __init__(self, paper_accounting=False, official_quirks=False, batch_rounding="ceil"):
        self._set_common(paper_accounting, official_quirks, batch_rounding)

    def batch_size(self, n_arms, horizon):
        return (horizon / n_arms) ** (2.0 / 3.0) * math.log(horizon) ** (1.0 / 3.0)


class NaiveEpsilonBest(_ChampionPolicy):
    """Naive epsilon-best arm then commit (N), single-arm memory: as
    :class:`UniformExploration` with batch ``B = ln K / eps^2``, ``eps = (K / T)^(1/3)``, so that
    with probability ``1 - 1/poly(K)`` the kept arm is eps-best. Regret
    ``O(K^(1/3) T^(2/3) log K)``. Same quirk option as uniform exploration.
    """

    name = "naive_epsilon_best"

    def __init__(self, paper_accounting=False, official_quirks=False, batch_rounding="ceil"):
        self._set_common(paper_accounting, official_quirks, batch_rounding)

    def batch_size(self, n_arms, horizon):
        return math.log(n_arms) / epsilon_of(n_arms, horizon) ** 2
