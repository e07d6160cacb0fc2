"""Game-of-Arms regret minimisation for single-pass streaming bandits (Chen Wang, ICML 2023,
arXiv:2306.02208; official ``Game_of_Arms_regret_min``): Assadi and Wang's (STOC 2020) budgeted
king-of-the-hill game on the full stream plus a sub-sampled backup stream, 3 slots.

The official code raises the new king's estimate by half the **true** best/second-best gap
(oracle information); ``GameOfArms(gap_hint="oracle")`` reproduces it and is flagged as
oracle-assisted, the default ``gap_hint=0`` uses no instance knowledge.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numba as nb
import numpy as np

from bandits.core.rng import generator_of
from bandits.core.validation import check_choice, check_real
from bandits.policies.streaming.face import StreamingPolicy, batch_count, epsilon_of
from bandits.policies.streaming.state import (
    N_COMMON_FLOAT,
    N_COMMON_INT,
    POLICY_ARMS_READ,
    POLICY_LAST_MEAN,
    POLICY_LAST_PULLS,
    POLICY_LAST_SLOT,
    POLICY_N_ARMS,
    POLICY_PHASE,
    batch_within_horizon,
    common_state,
    free_slot,
)
from environments.streaming.protocol import COMMIT, DISCARD, PULL, READ

__all__ = ["game_of_arms_init", "game_of_arms_select", "GameOfArms"]

# ---------------------------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------------------------
_G_KING, _G_BACKUP, _G_CUR, _G_ROUND = 10, 11, 12, 13
_G_BUDGET, _G_EST, _G_FULL, _G_BACKUP_MEAN, _G_GAP, _G_FRAC = 1, 2, 3, 4, 5, 6
(
    _GP_FIRST,
    _GP_AFTER_FIRST_READ,
    _GP_AFTER_FIRST_BACKUP,
    _GP_NEXT,
    _GP_AFTER_READ,
    _GP_ROUND,
    _GP_AFTER_ROUND,
    _GP_DETHRONE,
    _GP_AFTER_DETHRONE_DISCARD,
    _GP_AFTER_DETHRONE_PULL,
    _GP_BACKUP,
    _GP_AFTER_BACKUP_PULL,
    _GP_RELEASE,
    _GP_DONE,
) = range(14)


@nb.njit(cache=True, nogil=True)
def game_of_arms_init(n_arms, horizon, memory, oracle_gap, hyper):
    """State of Game-of-Arms. ``hyper = (epsilon, king_batch, budget_increment,
    round_batches int64[R], backup_probability, backup_batch, full_cap, gap_mode, gap_value)``;
    ``gap_mode = 1`` takes the gap from ``oracle_gap`` (oracle information)."""
    iv, fv, occupied = common_state(n_arms, horizon, memory, N_COMMON_INT + 4, N_COMMON_FLOAT + 6)
    iv[_G_KING] = -1
    iv[_G_BACKUP] = -1
    iv[_G_CUR] = -1
    fv[_G_EST] = hyper[0] / 2.0
    fv[_G_GAP] = oracle_gap if hyper[7] == 1 else hyper[8]
    return iv, fv, occupied


@nb.njit(cache=True, nogil=True)
def game_of_arms_select(state, hyper, rng):
    """One operation of Game-of-Arms (official ``Game_of_Arms_regret_min``).

    First arm: king and backup; pulled ``ln K / eps^2`` times for the backup stream (the king is
    not sampled; its estimate starts at ``eps / 2``); king budget ``1.2 / eps^2``.
    Every later arm, while the full-stream samples are ``<= 10 K / eps^2``: the budget grows by
    ``1 / eps^2``; in round l the challenger is pulled ``2^l / eps^2`` times unless the budget
    is smaller (then the king is dethroned: the challenger becomes king, the budget resets, the
    new king is pulled ``1.2 / eps^2`` times and the estimate becomes
    ``min(max(mean, estimate + gap / 2), 1)``); otherwise the budget falls by the batch and the
    challenger is eliminated once ``estimate - eps / 5 >= mean``. A challenger that survives all
    ``R`` rounds becomes king (the official code raises an error there). Then, with probability
    ``1.5 / ln K`` (one uniform from ``rng`` per arriving arm), the arm is pulled
    ``ln K / eps^2`` times and replaces the backup if its mean is strictly higher. At the end of
    the stream the king is committed if the full-stream cap was never exceeded, else the
    backup. Arms that hold no role are discarded; king and backup may share a slot.
    """
    iv = state[0]
    fv = state[1]
    occupied = state[2]
    eps = hyper[0]
    king_batch = hyper[1]
    increment = hyper[2]
    round_batches = hyper[3]
    backup_probability = hyper[4]
    backup_batch = hyper[5]
    full_cap = hyper[6]
    while True:
        phase = iv[POLICY_PHASE]
        if phase == _GP_FIRST:
            iv[POLICY_PHASE] = _GP_AFTER_FIRST_READ
            s = free_slot(occupied)
            return READ, s, 0, s
        elif phase == _GP_AFTER_FIRST_READ:
            x = iv[POLICY_LAST_SLOT]
            iv[_G_KING] = x
            iv[_G_BACKUP] = x
            fv[_G_BUDGET] = float(king_batch)
            iv[POLICY_PHASE] = _GP_AFTER_FIRST_BACKUP
            return PULL, x, batch_within_horizon(backup_batch, iv), x
        elif phase == _GP_AFTER_FIRST_BACKUP:
            fv[_G_BACKUP_MEAN] = fv[POLICY_LAST_MEAN]
            iv[POLICY_PHASE] = _GP_NEXT
        elif phase == _GP_NEXT:
            if iv[POLICY_ARMS_READ] >= iv[POLICY_N_ARMS]:
                iv[POLICY_PHASE] = _GP_DONE
                chosen = iv[_G_KING] if fv[_G_FULL] <= full_cap else iv[_G_BACKUP]
                return COMMIT, chosen, 0, chosen
            iv[POLICY_PHASE] = _GP_AFTER_READ
            s = free_slot(occupied)
            return READ, s, 0, s
        elif phase == _GP_AFTER_READ:
            iv[_G_CUR] = iv[POLICY_LAST_SLOT]
            if fv[_G_FULL] <= full_cap:
                fv[_G_BUDGET] += float(increment)
                iv[_G_ROUND] = 0
                iv[POLICY_PHASE] = _GP_ROUND
            else:
                iv[POLICY_PHASE] = _GP_BACKUP
        elif phase == _GP_ROUND:
            r = iv[_G_ROUND]
            if r >= round_batches.size or fv[_G_BUDGET] < float(round_batches[r]):
                iv[POLICY_PHASE] = _GP_DETHRONE
                continue
            iv[POLICY_PHASE] = _GP_AFTER_ROUND
            c = iv[_G_CUR]
            return PULL, c, batch_within_horizon(round_batches[r], iv), c
        elif phase == _GP_AFTER_ROUND:
            n = float(iv[POLICY_LAST_PULLS])
            fv[_G_FULL] += n
            fv[_G_BUDGET] -= n
            if fv[_G_EST] - eps / 5.0 >= fv[POLICY_LAST_MEAN]:
                iv[POLICY_PHASE] = _GP_BACKUP
            else:
                iv[_G_ROUND] += 1
                iv[POLICY_PHASE] = _GP_ROUND
        elif phase == _GP_DETHRONE:
            old = iv[_G_KING]
            iv[_G_KING] = iv[_G_CUR]
            fv[_G_BUDGET] = float(king_batch)
            iv[POLICY_PHASE] = _GP_AFTER_DETHRONE_DISCARD
            if old != iv[_G_BACKUP] and old != iv[_G_CUR]:
                return DISCARD, old, 0, old
        elif phase == _GP_AFTER_DETHRONE_DISCARD:
            iv[POLICY_PHASE] = _GP_AFTER_DETHRONE_PULL
            k = iv[_G_KING]
            return PULL, k, batch_within_horizon(king_batch, iv), k
        elif phase == _GP_AFTER_DETHRONE_PULL:
            raised = fv[_G_EST] + fv[_G_GAP] / 2.0
            mean = fv[POLICY_LAST_MEAN]
            fv[_G_EST] = min(max(mean, raised), 1.0)
            fv[_G_FULL] += float(iv[POLICY_LAST_PULLS])
            iv[POLICY_PHASE] = _GP_BACKUP
        elif phase == _GP_BACKUP:
            if generator_of(rng).random() < backup_probability:
                iv[POLICY_PHASE] = _GP_AFTER_BACKUP_PULL
                c = iv[_G_CUR]
                return PULL, c, batch_within_horizon(backup_batch, iv), c
            iv[POLICY_PHASE] = _GP_RELEASE
        elif phase == _GP_AFTER_BACKUP_PULL:
            fv[_G_FRAC] += float(iv[POLICY_LAST_PULLS])
            iv[POLICY_PHASE] = _GP_RELEASE
            if fv[POLICY_LAST_MEAN] > fv[_G_BACKUP_MEAN]:
                fv[_G_BACKUP_MEAN] = fv[POLICY_LAST_MEAN]
                old = iv[_G_BACKUP]
                iv[_G_BACKUP] = iv[_G_CUR]
                if old != iv[_G_KING] and old != iv[_G_CUR]:
                    return DISCARD, old, 0, old
        elif phase == _GP_RELEASE:
            c = iv[_G_CUR]
            iv[_G_CUR] = -1
            iv[POLICY_PHASE] = _GP_NEXT
            if c != iv[_G_KING] and c != iv[_G_BACKUP]:
                return DISCARD, c, 0, c
        else:
            chosen = iv[_G_KING] if fv[_G_FULL] <= full_cap else iv[_G_BACKUP]
            return COMMIT, chosen, 0, chosen


# ---------------------------------------------------------------------------------------------
# Face
# ---------------------------------------------------------------------------------------------
class GameOfArms(StreamingPolicy):
    """Game-of-Arms regret minimisation (G; official ``Game_of_Arms_regret_min``):
    Assadi and Wang's budgeted king-of-the-hill game on the full stream plus a sub-sampled
    backup stream; 3 slots (king, backup, arriving arm). See :func:`game_of_arms_select`.

    Parameters
    ----------
    gap_hint : float >= 0 or "oracle", default 0.0
        The gap Delta by which a new king's estimate is raised (``estimate + Delta / 2``).
        The official code uses the **true** best/second-best gap of the instance: **oracle
        information** a learner does not have; ``gap_hint="oracle"`` reproduces it (and labels
        the policy as oracle-assisted). The default 0 uses no instance knowledge.
    round_scale : float, default 10.0
        Rounds per challenger ``R = max(1, floor(round_scale * ln ln K))`` (official 10).
    paper_accounting, official_quirks, batch_rounding
        See :class:`StreamingPolicy` (Game-of-Arms has no quirk that the flag changes).
    """

    name = "game_of_arms"
    init_kernel: ClassVar[object] = game_of_arms_init
    select_kernel: ClassVar[object] = game_of_arms_select

    def __init__(self, gap_hint=0.0, round_scale=10.0, paper_accounting=False, official_quirks=False,
                 batch_rounding="ceil"):
        if isinstance(gap_hint, str):
            check_choice("gap_hint", gap_hint, ("oracle",))
        else:
            gap_hint = check_real("gap_hint", gap_hint, low=0.0, high=1.0)
        self.gap_hint = gap_hint
        self.round_scale = check_real("round_scale", round_scale, low=0.0, low_open=True)
        self._set_common(paper_accounting, official_quirks, batch_rounding)

    @property
    def uses_oracle_gap(self):
        """True with ``gap_hint="oracle"``: the policy reads the view's oracle gap."""
        return self.gap_hint == "oracle"

    def memory_required(self, n_arms):
        return min(n_arms, 3)

    def n_rounds(self, n_arms):
        """Rounds per challenger ``R = max(1, floor(round_scale * ln ln K))`` (1 when K <= 2)."""
        if n_arms <= 2:
            return 1
        return max(1, int(self.round_scale * math.log(math.log(n_arms))))

    def kernel_hyper(self, view, horizon):
        """``(epsilon, king_batch, budget_increment, round_batches int64[R], backup_probability,
        backup_batch, full_cap, gap_mode, gap_value)`` (see :func:`game_of_arms_init`)."""
        n_arms = view.n_arms
        eps = epsilon_of(n_arms, horizon)
        inv = 1.0 / eps**2
        rounding = self.batch_rounding
        log_k = math.log(n_arms)
        rounds = np.array([batch_count(2.0**l * inv, rounding) for l in range(self.n_rounds(n_arms))], np.int64)
        probability = 1.0 if log_k <= 1.5 else 1.5 / log_k
        oracle = self.gap_hint == "oracle"
        return (
            float(eps),
            np.int64(batch_count(1.2 * inv, rounding)),
            np.int64(batch_count(inv, rounding)),
            rounds,
            float(probability),
            np.int64(batch_count(log_k * inv, rounding)),
            float(10.0 * n_arms * inv),
            np.int64(1 if oracle else 0),
            0.0 if oracle else float(self.gap_hint),
        )
