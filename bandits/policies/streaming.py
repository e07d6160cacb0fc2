"""Single-pass streaming bandit algorithms with limited arm memory (Chen Wang, ICML 2023).

The setting (``shared/reference/streaming.md`` §3, :mod:`environments.streaming`): K arms arrive
once, in a seeded order; an algorithm may READ the next arm into a free memory slot, PULL a
stored arm ``n`` times at once (it sees the number of successes), DISCARD a stored arm (gone for
ever) and COMMIT a stored arm for the rest of the horizon T. The memory limit M counts the
arriving arm. Every algorithm finds an (approximately) best arm with
``epsilon = (K / T)^(1/3)`` and commits to it (§2, §4).

Kernel protocol (``docs/kernel_interfaces.md`` §5)
--------------------------------------------------
``init(n_arms, horizon, memory, oracle_gap, hyper) -> state``
    Fresh state. ``oracle_gap`` is the true best/second-best gap of the instance; only
    :class:`GameOfArms` with ``gap_hint="oracle"`` reads it (oracle information, flagged in its
    label and in reports); every other policy ignores it.
``select(state, hyper, rng) -> (op, slot, count, charged_slot)``
    The next operation: ``op`` in READ = 0, PULL = 1, DISCARD = 2, COMMIT = 3; ``slot`` in
    ``[0, M)``; ``count`` the number of pulls (PULL only, ``>= 1``, never more than the pulls
    left). ``charged_slot`` is the slot whose arm the *official code* charges for this
    operation (§6: challengers of the level algorithms are charged at the champion's mean); it
    equals ``slot`` except for those challenger batches. The environment always charges the arm
    actually pulled; the fused loop uses ``charged_slot`` only for the official accounting.
    Every algorithm decision is taken here (the policy stream ``rng`` is only drawn from by
    Game-of-Arms, one uniform per arriving arm).
``update(state, hyper, op, slot, status, pulls_done, successes)``
    Record the outcome: ``status`` the stream position of the arm (``>= 0``), ``pulls_done`` the
    pulls actually made (the last batch may be cut short at T), ``successes`` their sum.

The three level algorithms (L1, L2, L*) share one kernel set (their hyper-parameters are level
schedules); uniform exploration and the naive epsilon-best algorithm share another. So only three
fused loops are ever compiled for this setting.

Batch sizes
-----------
The official code uses real-valued batch sizes (pitfall 5). Every batch here is an integer
``max(1, ceil(x))`` (``batch_rounding="ceil"``, default) or ``max(1, floor(x))``
(``"floor"``: the number of Bernoulli draws the official ``batch_pull`` makes below 10^5 pulls),
computed once in :meth:`StreamingPolicy.kernel_hyper` and clamped to ``2**62``. Level budgets are
kept as *numbers of counted batches per epoch* (the official ``level_arm_pulls <= cap`` with
``cap = m * b`` is ``batches <= m``), so that rounding the batches cannot change how many arms an
epoch holds.
"""

from __future__ import annotations

import copy
import math
import pickle
from typing import ClassVar

import numba as nb
import numpy as np

from bandits.kernels import compiled_entry_point
from bandits.policies.base import Policy
from bandits.rng import as_generator, generator_of, make_random_stream
from bandits.validation import check_choice, check_integer, check_real

__all__ = [
    "READ",
    "PULL",
    "DISCARD",
    "COMMIT",
    "OPERATION_NAMES",
    "StreamingPolicy",
    "UniformExploration",
    "NaiveEpsilonBest",
    "LogMemoryTournament",
    "LogLogMemoryTournament",
    "LogStarMemory",
    "GameOfArms",
    "STREAMING_POLICIES",
    "check_streaming_policy",
    "epsilon_of",
    "streaming_update",
]

READ, PULL, DISCARD, COMMIT = 0, 1, 2, 3
OPERATION_NAMES = ("READ", "PULL", "DISCARD", "COMMIT")
#: Largest batch or budget count (int64 headroom for pulls_used + count, kernel_interfaces §5).
MAX_COUNT = 2**62

# ---------------------------------------------------------------------------------------------
# State layout shared by every kernel set: state[0] int64 registers, state[1] float64 registers,
# state[2] occupied int64[M] (the policy's own view of its memory).
# ---------------------------------------------------------------------------------------------
_PHASE, _K, _T, _M, _READ, _USED, _LASTSLOT, _LASTN, _LASTS = 0, 1, 2, 3, 4, 5, 6, 7, 8
_N_COMMON_INT = 10
_LASTMEAN = 0
_N_COMMON_FLOAT = 1


@nb.njit(cache=True, nogil=True)
def _common_state(n_arms, horizon, memory, n_int, n_float):
    iv = np.zeros(n_int, np.int64)
    fv = np.zeros(n_float, np.float64)
    iv[_K] = n_arms
    iv[_T] = horizon
    iv[_M] = memory
    iv[_LASTSLOT] = -1
    occupied = np.zeros(memory, np.int64)
    return iv, fv, occupied


@nb.njit(cache=True, nogil=True)
def _free_slot(occupied):
    """First free slot of the policy's memory (-1 if none: the environment then refuses)."""
    for s in range(occupied.size):
        if occupied[s] == 0:
            return s
    return -1


@nb.njit(cache=True, nogil=True)
def _count(batch, iv):
    """``min(batch, T - pulls_used)``: the last batch is cut short at the horizon."""
    remaining = iv[_T] - iv[_USED]
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
    iv[_LASTSLOT] = slot
    iv[_LASTN] = pulls_done
    iv[_LASTS] = successes
    iv[_USED] += pulls_done
    if pulls_done > 0:
        fv[_LASTMEAN] = successes / pulls_done
    if op == READ:
        occupied[slot] = 1
        iv[_READ] += 1
    elif op == DISCARD:
        occupied[slot] = 0


# ---------------------------------------------------------------------------------------------
# U and N: one champion, explore each arriving arm with a fixed batch, commit (§4 U, N)
# ---------------------------------------------------------------------------------------------
_C_CHAMP, _C_X = 10, 11
_C_CHAMP_MEAN = 1
_CP_NEXT, _CP_AFTER_READ, _CP_AFTER_PULL, _CP_DONE = 0, 1, 2, 3


@nb.njit(cache=True, nogil=True)
def champion_init(n_arms, horizon, memory, oracle_gap, hyper):
    """State of the single-champion algorithms (U, N): no champion yet."""
    iv, fv, occupied = _common_state(n_arms, horizon, memory, _N_COMMON_INT + 2, _N_COMMON_FLOAT + 1)
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
        phase = iv[_PHASE]
        if phase == _CP_NEXT:
            if iv[_READ] >= iv[_K]:
                iv[_PHASE] = _CP_DONE
                champ = iv[_C_CHAMP]
                return COMMIT, champ, 0, champ
            s = _free_slot(occupied)
            iv[_PHASE] = _CP_AFTER_READ
            return READ, s, 0, s
        elif phase == _CP_AFTER_READ:
            x = iv[_LASTSLOT]
            iv[_C_X] = x
            iv[_PHASE] = _CP_AFTER_PULL
            return PULL, x, _count(batch, iv), x
        elif phase == _CP_AFTER_PULL:
            mean = fv[_LASTMEAN]
            x = iv[_C_X]
            champ = iv[_C_CHAMP]
            iv[_PHASE] = _CP_NEXT
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
# L1, L2, L*: level tournaments (§4 L1, L2, L*)
# ---------------------------------------------------------------------------------------------
_L_LEVEL, _L_MAXLEVEL, _L_X, _L_ENDI, _L_WINNER = 10, 11, 12, 13, 14
_L_M1 = 1
(
    _LP_TOP,
    _LP_LEVEL,
    _LP_AFTER_READ_NEW,
    _LP_AFTER_PULL_NEW,
    _LP_AFTER_READ_CH,
    _LP_AFTER_PULL_CH,
    _LP_AFTER_REMEASURE,
    _LP_AFTER_PROMO1,
    _LP_AFTER_PROMO2,
    _LP_AFTER_PROMO_DISCARD,
    _LP_END,
    _LP_END_NEXT,
    _LP_AFTER_END_PULL,
    _LP_DONE,
) = range(14)


@nb.njit(cache=True, nogil=True)
def levels_init(n_arms, horizon, memory, oracle_gap, hyper):
    """State of the level algorithms: per level a champion slot, a pending promoted arm, the
    counted batches of the current epoch, the benchmark mean, and the end-of-stream re-test
    means. ``hyper = (batch int64[L], max_batches int64[L], official_quirks)``."""
    n_levels = hyper[0].size
    iv, fv, occupied = _common_state(n_arms, horizon, memory, _N_COMMON_INT + 5, _N_COMMON_FLOAT + 1)
    champ = np.full(n_levels, -1, np.int64)
    pending = np.full(n_levels, -1, np.int64)
    batches = np.zeros(n_levels, np.int64)
    bench = np.zeros(n_levels, np.float64)
    end_mean = np.zeros(n_levels, np.float64)
    return iv, fv, occupied, champ, pending, batches, bench, end_mean


@nb.njit(cache=True, nogil=True)
def _promote(iv, champ, pending, batches, level, winner):
    """Clear ``level`` and hand ``winner`` to ``level + 1`` (its champion if that level is
    empty, else its pending challenger); continue the pass at ``level + 1``."""
    champ[level] = -1
    pending[level] = -1
    batches[level] = 0
    if champ[level + 1] < 0:
        champ[level + 1] = winner
    else:
        pending[level + 1] = winner
    iv[_L_LEVEL] = level + 1
    iv[_PHASE] = _LP_LEVEL


@nb.njit(cache=True, nogil=True)
def _highest_stored_level(champ):
    for level in range(champ.size - 1, -1, -1):
        if champ[level] >= 0:
            return level
    return -1


@nb.njit(cache=True, nogil=True)
def levels_select(state, hyper, rng):
    """One operation of the level tournament (official ``log_eps_best_algorithm`` and its
    log log K / log* K variants, §4).

    A *pass* visits levels 0, 1, ... (``max_level`` records the highest visited). At level l:

    * within budget (``batches[l] <= max_batches[l]``; the top level is never over budget):
      level 0 READs a newcomer (or, if level 0 is empty, READs its new champion and measures it
      with a batch ``b_0``); a level l >= 1 that just received a promoted arm compares it with
      its benchmark (batch ``b_l``; the challenger stays only if its mean is strictly higher),
      or, when the promoted arm is its only arm, re-measures the benchmark with a batch ``b_l``
      (not counted in the budget). The pass ends.
    * over budget: the champion (or the better of champion and pending arm after a fresh
      batch each) is promoted to level l + 1, level l is cleared, and the pass continues there.

    When the stream is exhausted (visiting level 0): if at least ``max_level * b_0`` pulls
    remain, every stored champion gets a fresh batch ``b_0`` and the best is committed
    (``official_quirks``: the *last* level whose fresh mean is > 0, as the official
    ``best_among_remaining``, which never updates its running best); otherwise the champion of
    level ``max_level`` is committed.

    With ``official_quirks`` level 0 keeps its stale benchmark across epochs (the official
    code clears the arms of a promoted level but not its benchmark, pitfall 2): a new epoch's
    first arm only raises the benchmark. Without it the benchmark is that arm's mean, and the
    end-of-stream re-test is skipped when a single level holds an arm.
    """
    iv = state[0]
    fv = state[1]
    occupied = state[2]
    champ = state[3]
    pending = state[4]
    batches = state[5]
    bench = state[6]
    end_mean = state[7]
    batch = hyper[0]
    max_batches = hyper[1]
    quirks = hyper[2]
    n_levels = batch.size
    while True:
        phase = iv[_PHASE]
        level = iv[_L_LEVEL]
        if phase == _LP_TOP:
            iv[_L_LEVEL] = 0
            iv[_PHASE] = _LP_LEVEL
        elif phase == _LP_LEVEL:
            if level > iv[_L_MAXLEVEL]:
                iv[_L_MAXLEVEL] = level
            if level == n_levels - 1 or batches[level] <= max_batches[level]:
                if champ[level] < 0 or level == 0:
                    if iv[_READ] >= iv[_K]:
                        iv[_PHASE] = _LP_END
                        continue
                    s = _free_slot(occupied)
                    iv[_PHASE] = _LP_AFTER_READ_NEW if champ[level] < 0 else _LP_AFTER_READ_CH
                    return READ, s, 0, s
                if pending[level] >= 0:
                    x = pending[level]
                    pending[level] = -1
                    iv[_L_X] = x
                    iv[_PHASE] = _LP_AFTER_PULL_CH
                    return PULL, x, _count(batch[level], iv), champ[level]
                iv[_PHASE] = _LP_AFTER_REMEASURE
                c = champ[level]
                return PULL, c, _count(batch[level], iv), c
            if pending[level] >= 0:
                iv[_PHASE] = _LP_AFTER_PROMO1
                c = champ[level]
                return PULL, c, _count(batch[level], iv), c
            _promote(iv, champ, pending, batches, level, champ[level])
        elif phase == _LP_AFTER_READ_NEW:
            x = iv[_LASTSLOT]
            iv[_L_X] = x
            iv[_PHASE] = _LP_AFTER_PULL_NEW
            return PULL, x, _count(batch[level], iv), x
        elif phase == _LP_AFTER_PULL_NEW:
            mean = fv[_LASTMEAN]
            champ[level] = iv[_L_X]
            if quirks != 0:
                if mean > bench[level]:
                    bench[level] = mean
            else:
                bench[level] = mean
            batches[level] += 1
            iv[_PHASE] = _LP_TOP
        elif phase == _LP_AFTER_READ_CH:
            x = iv[_LASTSLOT]
            iv[_L_X] = x
            iv[_PHASE] = _LP_AFTER_PULL_CH
            return PULL, x, _count(batch[level], iv), champ[level]
        elif phase == _LP_AFTER_PULL_CH:
            mean = fv[_LASTMEAN]
            x = iv[_L_X]
            batches[level] += 1
            iv[_PHASE] = _LP_TOP
            if bench[level] >= mean:
                return DISCARD, x, 0, x
            old = champ[level]
            champ[level] = x
            bench[level] = mean
            return DISCARD, old, 0, old
        elif phase == _LP_AFTER_REMEASURE:
            bench[level] = fv[_LASTMEAN]
            iv[_PHASE] = _LP_TOP
        elif phase == _LP_AFTER_PROMO1:
            fv[_L_M1] = fv[_LASTMEAN]
            iv[_PHASE] = _LP_AFTER_PROMO2
            p = pending[level]
            return PULL, p, _count(batch[level], iv), p
        elif phase == _LP_AFTER_PROMO2:
            if fv[_L_M1] > fv[_LASTMEAN]:
                winner = champ[level]
                loser = pending[level]
            else:
                winner = pending[level]
                loser = champ[level]
            iv[_L_WINNER] = winner
            iv[_PHASE] = _LP_AFTER_PROMO_DISCARD
            return DISCARD, loser, 0, loser
        elif phase == _LP_AFTER_PROMO_DISCARD:
            _promote(iv, champ, pending, batches, level, iv[_L_WINNER])
        elif phase == _LP_END:
            remaining = iv[_T] - iv[_USED]
            n_stored = 0
            for l in range(n_levels):
                if champ[l] >= 0:
                    n_stored += 1
                end_mean[l] = -1.0
            retest = remaining >= iv[_L_MAXLEVEL] * batch[0]
            if quirks == 0 and n_stored < 2:
                retest = False
            if retest:
                iv[_L_ENDI] = -1
                iv[_PHASE] = _LP_END_NEXT
                continue
            chosen = iv[_L_MAXLEVEL]
            if quirks == 0 or champ[chosen] < 0:
                chosen = _highest_stored_level(champ)
            iv[_PHASE] = _LP_DONE
            c = champ[chosen]
            return COMMIT, c, 0, c
        elif phase == _LP_END_NEXT:
            nxt = -1
            for l in range(iv[_L_ENDI] + 1, n_levels):
                if champ[l] >= 0:
                    nxt = l
                    break
            if nxt >= 0:
                iv[_L_ENDI] = nxt
                iv[_PHASE] = _LP_AFTER_END_PULL
                c = champ[nxt]
                return PULL, c, _count(batch[0], iv), c
            chosen = -1
            if quirks != 0:
                chosen = 0  # official: best_arm_level starts at 0 and is the last level with mean > 0
                for l in range(n_levels):
                    if champ[l] >= 0 and end_mean[l] > 0.0:
                        chosen = l
                if champ[chosen] < 0:
                    chosen = _highest_stored_level(champ)
            else:
                best = -2.0
                for l in range(n_levels):
                    if champ[l] >= 0 and end_mean[l] > best:
                        best = end_mean[l]
                        chosen = l
            iv[_PHASE] = _LP_DONE
            c = champ[chosen]
            return COMMIT, c, 0, c
        elif phase == _LP_AFTER_END_PULL:
            end_mean[iv[_L_ENDI]] = fv[_LASTMEAN]
            iv[_PHASE] = _LP_END_NEXT
        else:
            c = champ[_highest_stored_level(champ)]
            return COMMIT, c, 0, c


# ---------------------------------------------------------------------------------------------
# G: Game-of-Arms regret minimisation (§4 G)
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
    iv, fv, occupied = _common_state(n_arms, horizon, memory, _N_COMMON_INT + 4, _N_COMMON_FLOAT + 6)
    iv[_G_KING] = -1
    iv[_G_BACKUP] = -1
    iv[_G_CUR] = -1
    fv[_G_EST] = hyper[0] / 2.0
    fv[_G_GAP] = oracle_gap if hyper[7] == 1 else hyper[8]
    return iv, fv, occupied


@nb.njit(cache=True, nogil=True)
def game_of_arms_select(state, hyper, rng):
    """One operation of Game-of-Arms (official ``Game_of_Arms_regret_min``, §4 G).

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
        phase = iv[_PHASE]
        if phase == _GP_FIRST:
            iv[_PHASE] = _GP_AFTER_FIRST_READ
            s = _free_slot(occupied)
            return READ, s, 0, s
        elif phase == _GP_AFTER_FIRST_READ:
            x = iv[_LASTSLOT]
            iv[_G_KING] = x
            iv[_G_BACKUP] = x
            fv[_G_BUDGET] = float(king_batch)
            iv[_PHASE] = _GP_AFTER_FIRST_BACKUP
            return PULL, x, _count(backup_batch, iv), x
        elif phase == _GP_AFTER_FIRST_BACKUP:
            fv[_G_BACKUP_MEAN] = fv[_LASTMEAN]
            iv[_PHASE] = _GP_NEXT
        elif phase == _GP_NEXT:
            if iv[_READ] >= iv[_K]:
                iv[_PHASE] = _GP_DONE
                chosen = iv[_G_KING] if fv[_G_FULL] <= full_cap else iv[_G_BACKUP]
                return COMMIT, chosen, 0, chosen
            iv[_PHASE] = _GP_AFTER_READ
            s = _free_slot(occupied)
            return READ, s, 0, s
        elif phase == _GP_AFTER_READ:
            iv[_G_CUR] = iv[_LASTSLOT]
            if fv[_G_FULL] <= full_cap:
                fv[_G_BUDGET] += float(increment)
                iv[_G_ROUND] = 0
                iv[_PHASE] = _GP_ROUND
            else:
                iv[_PHASE] = _GP_BACKUP
        elif phase == _GP_ROUND:
            r = iv[_G_ROUND]
            if r >= round_batches.size or fv[_G_BUDGET] < float(round_batches[r]):
                iv[_PHASE] = _GP_DETHRONE
                continue
            iv[_PHASE] = _GP_AFTER_ROUND
            c = iv[_G_CUR]
            return PULL, c, _count(round_batches[r], iv), c
        elif phase == _GP_AFTER_ROUND:
            n = float(iv[_LASTN])
            fv[_G_FULL] += n
            fv[_G_BUDGET] -= n
            if fv[_G_EST] - eps / 5.0 >= fv[_LASTMEAN]:
                iv[_PHASE] = _GP_BACKUP
            else:
                iv[_G_ROUND] += 1
                iv[_PHASE] = _GP_ROUND
        elif phase == _GP_DETHRONE:
            old = iv[_G_KING]
            iv[_G_KING] = iv[_G_CUR]
            fv[_G_BUDGET] = float(king_batch)
            iv[_PHASE] = _GP_AFTER_DETHRONE_DISCARD
            if old != iv[_G_BACKUP] and old != iv[_G_CUR]:
                return DISCARD, old, 0, old
        elif phase == _GP_AFTER_DETHRONE_DISCARD:
            iv[_PHASE] = _GP_AFTER_DETHRONE_PULL
            k = iv[_G_KING]
            return PULL, k, _count(king_batch, iv), k
        elif phase == _GP_AFTER_DETHRONE_PULL:
            raised = fv[_G_EST] + fv[_G_GAP] / 2.0
            mean = fv[_LASTMEAN]
            fv[_G_EST] = min(max(mean, raised), 1.0)
            fv[_G_FULL] += float(iv[_LASTN])
            iv[_PHASE] = _GP_BACKUP
        elif phase == _GP_BACKUP:
            if generator_of(rng).random() < backup_probability:
                iv[_PHASE] = _GP_AFTER_BACKUP_PULL
                c = iv[_G_CUR]
                return PULL, c, _count(backup_batch, iv), c
            iv[_PHASE] = _GP_RELEASE
        elif phase == _GP_AFTER_BACKUP_PULL:
            fv[_G_FRAC] += float(iv[_LASTN])
            iv[_PHASE] = _GP_RELEASE
            if fv[_LASTMEAN] > fv[_G_BACKUP_MEAN]:
                fv[_G_BACKUP_MEAN] = fv[_LASTMEAN]
                old = iv[_G_BACKUP]
                iv[_G_BACKUP] = iv[_G_CUR]
                if old != iv[_G_KING] and old != iv[_G_CUR]:
                    return DISCARD, old, 0, old
        elif phase == _GP_RELEASE:
            c = iv[_G_CUR]
            iv[_G_CUR] = -1
            iv[_PHASE] = _GP_NEXT
            if c != iv[_G_KING] and c != iv[_G_BACKUP]:
                return DISCARD, c, 0, c
        else:
            chosen = iv[_G_KING] if fv[_G_FULL] <= full_cap else iv[_G_BACKUP]
            return COMMIT, chosen, 0, chosen


# ---------------------------------------------------------------------------------------------
# Python faces
# ---------------------------------------------------------------------------------------------
def epsilon_of(n_arms: int, horizon: int) -> float:
    """``epsilon = (K / T)^(1/3)``, the accuracy of the epsilon-best arm (§2, §5)."""
    return (n_arms / horizon) ** (1.0 / 3.0)


def _batch(x: float, rounding: str) -> int:
    """A real batch size as an integer count ``>= 1``: ceil (default) or floor, clamped."""
    if not math.isfinite(x) or x >= MAX_COUNT:
        return MAX_COUNT
    value = math.ceil(x) if rounding == "ceil" else math.floor(x)
    return int(min(max(1, value), MAX_COUNT))


class StreamingPolicy(Policy):
    """Base class of the streaming policies' Python faces.

    A face drives its kernels through the Gymnasium shell ``regretlab/StreamingBandit-v0``
    (:class:`environments.streaming.StreamingBanditEnv`) one operation per step::

        env = StreamingBanditEnv(problem, horizon=T, batch_pulls=True)
        obs, info = env.reset(seed=0)
        policy = LogStarMemory().reset(**env.learner_view, seed=1, oracle_gap=info["oracle_gap"])
        truncated = False
        while not truncated:
            action = policy.select()
            obs, reward, terminated, truncated, info = env.step(action)
            policy.update(action, reward, info)

    Actions are dicts ``{"op", "slot", "count"}`` (op codes :data:`READ`, :data:`PULL`,
    :data:`DISCARD`, :data:`COMMIT`). Hyper-parameters common to every algorithm:

    Parameters
    ----------
    paper_accounting : bool, default False
        False: the run's regret charges every pull at the pulled arm's own mean (exact
        pseudo-regret). True: the run's regret curve follows the official code's charging
        (challengers of L1/L2/L* charged at their level champion's mean, §6), for comparison
        with the paper; the exact regret is still recorded (metric ``exact_regret``).
    official_quirks : bool, default False
        Reproduce the official code's quirks where they change decisions (pitfalls 2, 3 and the
        uniform-exploration first arm): see each algorithm.
    batch_rounding : {"ceil", "floor"}, default "ceil"
        How real-valued batch sizes become pull counts (pitfall 5); "floor" draws as many
        Bernoulli samples as the official ``batch_pull`` does.
    """

    setting: ClassVar[str] = "streaming"
    update_kernel: ClassVar[object] = streaming_update
    needs_horizon: ClassVar[bool] = True
    reward_range = (0.0, math.inf)
    regret_exponent: ClassVar[float | None] = 2.0 / 3.0
    #: True when the algorithm reads the oracle gap (Game-of-Arms with gap_hint="oracle").
    uses_oracle_gap: ClassVar[bool] = False

    def _set_common(self, paper_accounting, official_quirks, batch_rounding):
        if not isinstance(paper_accounting, (bool, np.bool_)):
            raise ValueError(f"paper_accounting: must be True or False, got {paper_accounting!r}")
        if not isinstance(official_quirks, (bool, np.bool_)):
            raise ValueError(f"official_quirks: must be True or False, got {official_quirks!r}")
        self.paper_accounting = bool(paper_accounting)
        self.official_quirks = bool(official_quirks)
        self.batch_rounding = check_choice("batch_rounding", batch_rounding, ("ceil", "floor"))

    def kernel_hyper(self, n_arms: int, horizon: int) -> tuple:
        """Hyper-parameter tuple for ``n_arms`` arms and horizon ``horizon`` (batch schedules)."""
        raise NotImplementedError

    def memory_required(self, n_arms: int) -> int:
        """Slots the algorithm ever holds at once, the arriving arm included (§3)."""
        raise NotImplementedError

    def reset(self, n_arms, *, horizon, memory, seed=None, oracle_gap=None):
        """Start a fresh run.

        Parameters
        ----------
        n_arms : int
            Number of arms K in the stream (known to the learner, §3).
        horizon : int
            Total pulls T (known).
        memory : int
            Memory limit M of the environment, ``>= memory_required(n_arms)``.
        seed : None, int, SeedSequence or Generator
            The policy's own random stream.
        oracle_gap : float, optional
            True best/second-best gap; required only by policies that use oracle information
            (:attr:`uses_oracle_gap`); ignored by the others.

        Returns
        -------
        StreamingPolicy
            ``self``.
        """
        n = check_integer("n_arms", n_arms, low=1)
        t = check_integer("horizon", horizon, low=1, high=MAX_COUNT)
        m = check_integer("memory", memory, low=1)
        needed = self.memory_required(n)
        if m < needed:
            raise ValueError(f"memory: {type(self).__name__} needs >= {needed} slots for {n} arms, got {m}")
        if self.uses_oracle_gap:
            if oracle_gap is None:
                raise ValueError(f"oracle_gap: {type(self).__name__}({self.label}) uses the true gap; pass oracle_gap")
        gap = 0.0 if oracle_gap is None else check_real("oracle_gap", oracle_gap, low=0.0, high=1.0)
        self._n_arms, self._horizon, self._memory = n, t, m
        self._hyper = self.kernel_hyper(n, t)
        self._generator = as_generator(seed)
        self._stream = make_random_stream(self._generator)
        self._state = type(self).init_kernel(n, t, m, gap, self._hyper)
        self._charged_slot = -1
        self._bind_entry_points()
        return self

    def _bind_entry_points(self):
        cls = type(self)
        self._select_entry = compiled_entry_point(cls.select_kernel, (self._state, self._hyper, self._stream))
        self._update_entry = compiled_entry_point(cls.update_kernel, (self._state, self._hyper, 0, 0, 0, 0, 0))

    def _require_reset(self):
        if not hasattr(self, "_state"):
            raise RuntimeError(
                f"{type(self).__name__}: call reset(n_arms, horizon=..., memory=..., seed=...) before select()/update()"
            )

    def select(self) -> dict:
        """The next operation as a Gym action ``{"op", "slot", "count"}`` (count 0 except for
        PULL)."""
        self._require_reset()
        if self.pulls_used >= self._horizon:
            raise RuntimeError(f"{type(self).__name__}: all {self._horizon} pulls are used; the run is over")
        op, slot, count, charged = self._select_entry(self._state, self._hyper, self._stream)
        self._charged_slot = int(charged)
        return {"op": int(op), "slot": int(slot), "count": int(count)}

    @property
    def charged_slot(self) -> int:
        """Slot the official code charges for the last selected operation (§6)."""
        self._require_reset()
        return self._charged_slot

    def update(self, action, reward, info) -> None:
        """Record the outcome of ``action``: ``reward`` is its number of successes and ``info``
        the step's info dict (``status``, ``pulls_done``)."""
        self._require_reset()
        op, slot = _parse_operation(action, self._memory)
        try:
            status = int(info["status"])
            pulls_done = int(info["pulls_done"])
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"info: must carry integer 'status' and 'pulls_done', got {info!r}") from error
        if status < 0:
            raise ValueError(f"info['status']: must be >= 0 (a successful operation), got {status}")
        if pulls_done < 0 or (op in (READ, DISCARD) and pulls_done != 0):
            raise ValueError(f"info['pulls_done']: must be >= 0, and 0 for READ/DISCARD, got {pulls_done}")
        if pulls_done > self._horizon - self.pulls_used:
            raise ValueError(
                f"info['pulls_done']: must be <= the pulls left {self._horizon - self.pulls_used}, got {pulls_done}"
            )
        try:
            successes = float(reward)
        except (TypeError, ValueError):
            raise ValueError(f"reward: must be a number of successes, got {reward!r}") from None
        if not (math.isfinite(successes) and successes == int(successes) and 0 <= successes <= pulls_done):
            raise ValueError(f"reward: must be an integer number of successes in [0, {pulls_done}], got {reward!r}")
        self._update_entry(self._state, self._hyper, op, slot, status, pulls_done, int(successes))

    @property
    def pulls_used(self) -> int:
        """Pulls made so far (as reported to :meth:`update`)."""
        self._require_reset()
        return int(self._state[0][_USED])

    @property
    def label(self) -> str:
        text = super().label
        if self.uses_oracle_gap and "oracle" not in text:
            text += " [oracle gap]"
        return text


def _parse_operation(action, memory):
    """``(op, slot)`` of a Gym action dict, or ValueError naming the rule."""
    if not isinstance(action, dict) or not {"op", "slot"} <= set(action):
        raise ValueError(f"action: must be a dict with keys 'op', 'slot', 'count', got {action!r}")
    op, slot = action["op"], action["slot"]
    values = []
    for name, value in (("op", op), ("slot", slot)):
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"action['{name}']: must be an integer, got {value!r}")
        values.append(int(value))
    op, slot = values
    if not 0 <= op <= 3:
        raise ValueError(f"action['op']: must be in [0, 3] (READ, PULL, DISCARD, COMMIT), got {op}")
    if not 0 <= slot < memory:
        raise ValueError(f"action['slot']: must be in [0, {memory - 1}], got {slot}")
    return op, slot


class _ChampionPolicy(StreamingPolicy):
    init_kernel: ClassVar[object] = champion_init
    select_kernel: ClassVar[object] = champion_select

    def memory_required(self, n_arms):
        return 1 if n_arms == 1 else 2

    def batch_size(self, n_arms: int, horizon: int) -> float:
        """The real-valued per-arm batch of the algorithm (before rounding)."""
        raise NotImplementedError

    def kernel_hyper(self, n_arms, horizon):
        return (np.int64(_batch(self.batch_size(n_arms, horizon), self.batch_rounding)), np.int64(self.official_quirks))


class UniformExploration(_ChampionPolicy):
    """Streaming uniform exploration (U), the baseline (§4 U): every arriving arm is pulled
    ``B = (T / K)^(2/3) (ln T)^(1/3)`` times, the best empirical mean is kept (2 slots: champion
    and arriving arm) and committed at the end of the stream. Exploration uses exactly ``K * B``
    pulls when ``K * B <= T``; regret ``O(K^(1/3) T^(2/3) log^(1/3) T)``.

    With ``official_quirks`` the first arm's mean is not stored (stored mean 0), as in the
    official ``uniform_exploration_algorithm``.
    """

    name = "uniform_exploration"

    def __init__(self, paper_accounting=False, official_quirks=False, batch_rounding="ceil"):
        self._set_common(paper_accounting, official_quirks, batch_rounding)

    def batch_size(self, n_arms, horizon):
        return (horizon / n_arms) ** (2.0 / 3.0) * math.log(horizon) ** (1.0 / 3.0)


class NaiveEpsilonBest(_ChampionPolicy):
    """Naive epsilon-best arm then commit (N), single-arm memory (§4 N): as
    :class:`UniformExploration` with batch ``B = ln K / eps^2``, ``eps = (K / T)^(1/3)``, so that
    with probability ``1 - 1/poly(K)`` the kept arm is eps-best. Regret
    ``O(K^(1/3) T^(2/3) log K)``. Same quirk option as uniform exploration.
    """

    name = "naive_epsilon_best"

    def __init__(self, paper_accounting=False, official_quirks=False, batch_rounding="ceil"):
        self._set_common(paper_accounting, official_quirks, batch_rounding)

    def batch_size(self, n_arms, horizon):
        return math.log(n_arms) / epsilon_of(n_arms, horizon) ** 2


class _LevelPolicy(StreamingPolicy):
    """Common face of the level tournaments: schedules ``(batch, max_batches)`` per level."""

    init_kernel: ClassVar[object] = levels_init
    select_kernel: ClassVar[object] = levels_select

    def schedule(self, n_arms: int, horizon: int) -> tuple[list, list]:
        """``(real batch sizes b_l, max counted batches per epoch m_l)`` for every level."""
        raise NotImplementedError

    def n_levels(self, n_arms: int) -> int:
        raise NotImplementedError

    def memory_required(self, n_arms):
        # one champion per level, plus one arm in transit (arriving, or promoted onto a champion)
        return min(n_arms, self.n_levels(n_arms) + 1)

    def kernel_hyper(self, n_arms, horizon):
        batches, caps = self.schedule(n_arms, horizon)
        b = np.array([_batch(x, self.batch_rounding) for x in batches], np.int64)
        m = np.array([min(int(c), MAX_COUNT) for c in caps], np.int64)
        return (b, m, np.int64(self.official_quirks))


class LogMemoryTournament(_LevelPolicy):
    """O(log K)-memory level tournament (L1; official ``log_eps_best_algorithm``, §4 L1).

    ``max(1, floor(ln K))`` levels; level l pulls batches ``b_l = ceil(1.2^l / eps^2)`` and holds
    ``6 + 1`` counted batches per epoch (official cap ``ceil(6 b_l)`` checked with ``<=``), so an
    epoch sees about 7 arms at level 0 and 8 at higher levels. The top level is never promoted
    from (the official code would index past its last level). See :func:`levels_select` for
    promotion, benchmarks, the end-of-stream choice and ``official_quirks``.
    """

    name = "log_memory"

    def __init__(self, paper_accounting=False, official_quirks=False, batch_rounding="ceil"):
        self._set_common(paper_accounting, official_quirks, batch_rounding)

    def n_levels(self, n_arms):
        return max(1, int(math.log(n_arms)))

    def schedule(self, n_arms, horizon):
        inv = 1.0 / epsilon_of(n_arms, horizon) ** 2
        levels = self.n_levels(n_arms)
        return [math.ceil(1.2**l * inv) for l in range(levels)], [6] * levels


class LogLogMemoryTournament(_LevelPolicy):
    """O(log log K)-memory level tournament (L2; official ``loglog_eps_best_algorithm``, §4 L2).

    ``floor(ln ln K) + 1`` levels (1 when ``K <= e``); lower levels as L1 with batches
    ``ceil(1.2^l / eps^2)`` and 10 + 1 counted batches per epoch; the top level is a
    king-of-the-hill with batch ``ln K / eps^2`` and no cap.
    """

    name = "log_log_memory"

    def __init__(self, paper_accounting=False, official_quirks=False, batch_rounding="ceil"):
        self._set_common(paper_accounting, official_quirks, batch_rounding)

    def n_levels(self, n_arms):
        if n_arms <= 2:
            return 1
        return max(1, int(math.log(math.log(n_arms))) + 1)

    def schedule(self, n_arms, horizon):
        inv = 1.0 / epsilon_of(n_arms, horizon) ** 2
        levels = self.n_levels(n_arms)
        batches = [math.ceil(1.2**l * inv) for l in range(levels - 1)] + [math.log(n_arms) * inv]
        caps = [10] * (levels - 1) + [n_arms]
        return batches, caps


def log_star_levels(n_arms: int) -> int:
    """1 + the number of times ``ln`` applies to K before the value drops below 1 (4 for
    ``K in [1000, 50000]``), as the official ``logstar_eps_best_algorithm``."""
    levels, value = 1, float(n_arms)
    while value >= 1.0:
        levels += 1
        value = math.log(value)
    return levels


class LogStarMemory(_LevelPolicy):
    """O(log* K)-memory aggressive selective promotion (L*; official
    ``logstar_eps_best_algorithm``, §4 L*), the optimal ``O(K^(1/3) T^(2/3))`` algorithm.

    Levels: :func:`log_star_levels`. Tower ``r_0 = 2, r_{l+1} = 2^{r_l}`` (2, 4, 16, 65536).
    Batches ``b_0 = 1/eps^2``, ``b_l = min(ceil(r_l / eps^2), 1e20)``. Counted batches per
    epoch: ``4 + 1`` at level 0 (cap ``4 / eps^2``) and ``2^{r_l - r_{l-1}} + 1`` above (cap
    ``2^{r_l} b_l / 2^{r_{l-1}}``: 4 at level 1, 4096 at level 2); where ``2^{r_l}`` overflows a
    float the official fallback ``1e10 b_l`` applies (``1e10`` batches). The official code also
    overflows when ``r_l / eps^2`` does (K > 3.8 million); here ``b_l`` is then capped at 1e20.
    """

    name = "log_star_memory"

    def __init__(self, paper_accounting=False, official_quirks=False, batch_rounding="ceil"):
        self._set_common(paper_accounting, official_quirks, batch_rounding)

    def n_levels(self, n_arms):
        return log_star_levels(n_arms)

    def schedule(self, n_arms, horizon):
        inv = 1.0 / epsilon_of(n_arms, horizon) ** 2
        levels = self.n_levels(n_arms)
        tower = [2.0]
        for _ in range(levels - 1):
            tower.append(2.0 ** tower[-1] if tower[-1] < 1024 else math.inf)
        batches = [inv] + [min(math.ceil(r * inv), 1e20) if math.isfinite(r * inv) else 1e20 for r in tower[1:]]
        caps = [4]
        for l in range(1, levels):
            if tower[l] < 1024:  # 2^{r_l} is a finite float
                caps.append(min(2.0 ** (tower[l] - tower[l - 1]), float(MAX_COUNT)))
            else:
                caps.append(1e10)
        return batches, caps


class GameOfArms(StreamingPolicy):
    """Game-of-Arms regret minimisation (G; official ``Game_of_Arms_regret_min``, §4 G):
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
        return self.gap_hint == "oracle"

    def memory_required(self, n_arms):
        return min(n_arms, 3)

    def n_rounds(self, n_arms):
        if n_arms <= 2:
            return 1
        return max(1, int(self.round_scale * math.log(math.log(n_arms))))

    def kernel_hyper(self, n_arms, horizon):
        eps = epsilon_of(n_arms, horizon)
        inv = 1.0 / eps**2
        rounding = self.batch_rounding
        log_k = math.log(n_arms)
        rounds = np.array([_batch(2.0**l * inv, rounding) for l in range(self.n_rounds(n_arms))], np.int64)
        probability = 1.0 if log_k <= 1.5 else 1.5 / log_k
        oracle = self.gap_hint == "oracle"
        return (
            float(eps),
            np.int64(_batch(1.2 * inv, rounding)),
            np.int64(_batch(inv, rounding)),
            rounds,
            float(probability),
            np.int64(_batch(log_k * inv, rounding)),
            float(10.0 * n_arms * inv),
            np.int64(1 if oracle else 0),
            0.0 if oracle else float(self.gap_hint),
        )


#: name -> class of every streaming policy (merged into ``bandits.POLICIES``).
STREAMING_POLICIES = {
    cls.name: cls
    for cls in (
        UniformExploration,
        NaiveEpsilonBest,
        LogMemoryTournament,
        LogLogMemoryTournament,
        LogStarMemory,
        GameOfArms,
    )
}


# ---------------------------------------------------------------------------------------------
# Conformance check
# ---------------------------------------------------------------------------------------------
def _play_streaming(policy, env, seed, policy_seed, stop_after=None):
    """Drive ``policy`` through the shell until the horizon; return the list of
    (op, slot, count) and the final info. Invalid operations raise in the shell."""
    from bandits.policies.checks import _fail

    observation, info = env.reset(seed=seed)
    policy.reset(**env.learner_view, seed=policy_seed, oracle_gap=info["oracle_gap"])
    operations = []
    truncated = False
    while not truncated:
        action = policy.select()
        try:
            observation, reward, terminated, truncated, info = env.step(action)
        except ValueError as error:
            _fail(policy, "valid operations", f"operation {len(operations)} {action}: {error}")
        operations.append((action["op"], action["slot"], action["count"]))
        policy.update(action, reward, info)
        if stop_after is not None and len(operations) >= stop_after:
            break
        if len(operations) > 100_000:
            _fail(policy, "termination", "more than 100000 operations on a 12-arm stream")
    return operations, info


def check_streaming_policy(policy, *, n_arms: int = 12, horizon: int = 20_000, seed: int = 12345) -> None:
    """Check that a streaming ``policy`` honours the contract of this module; raise
    :class:`bandits.policies.checks.PolicyCheckError` if not.

    Checks, on a ``n_arms``-arm mix-in stream through the Gymnasium shell (batch pulls):

    1. ``get_params`` rebuilds an equal policy; ``select`` before ``reset`` raises RuntimeError;
    2. every operation is valid (the shell raises on an occupied or empty slot, a discarded
       arm, a read past the stream's end or a count < 1), and the run uses exactly T pulls;
    3. memory: the shell's peak memory never exceeds ``memory_required`` (the environment's
       M is set to exactly that), and a smaller M is refused by ``reset``;
    4. the same seeds give the same operations;
    5. parameters and kernel hyper-parameters are unchanged by running;
    6. invalid actions, rewards and feedback raise ValueError;
    7. a pickled policy resumes exactly where the original is;
    8. a single-arm stream is handled (regret 0 there).
    """
    from bandits.policies.checks import _check_params_and_reset, _fail
    from environments.streaming import StreamingBandit, StreamingBanditEnv

    params = _check_params_and_reset(policy)
    params_before = copy.deepcopy(params)
    memory = policy.memory_required(n_arms)
    hyper_before = pickle.dumps(policy.kernel_hyper(n_arms, horizon))
    problem = StreamingBandit(arms="mix-in", n_arms=n_arms, memory=memory)
    env = StreamingBanditEnv(problem, horizon=horizon, batch_pulls=True)
    first, info = _play_streaming(policy, env, seed, seed + 1)
    if info["pulls_used"] != horizon:
        _fail(policy, "exactly T pulls", f"run ended with {info['pulls_used']} pulls, T = {horizon}")
    if env.peak_memory > memory:
        _fail(policy, "memory", f"peak memory {env.peak_memory} > memory_required {memory}")
    second, _ = _play_streaming(type(policy)(**params), env, seed, seed + 1)
    if first != second:
        step = next((i for i, (a, b) in enumerate(zip(first, second)) if a != b), min(len(first), len(second)))
        _fail(policy, "determinism", f"same seeds, different operation at step {step}")
    if policy.get_params() != params_before:
        _fail(policy, "immutability", f"parameters changed from {params_before!r} to {policy.get_params()!r}")
    if pickle.dumps(policy.kernel_hyper(n_arms, horizon)) != hyper_before:
        _fail(policy, "immutability", "kernel hyper-parameters changed by running")
    if memory > 1:
        try:
            type(policy)(**params).reset(n_arms, horizon=horizon, memory=memory - 1, oracle_gap=0.1)
        except ValueError:
            pass
        else:
            _fail(policy, "memory", f"reset with memory {memory - 1} < {memory} did not raise ValueError")

    # invalid input
    policy.reset(n_arms, horizon=horizon, memory=memory, seed=seed, oracle_gap=0.1)
    good_info = {"status": 0, "pulls_done": 0}
    for action in ({"op": 4, "slot": 0, "count": 0}, {"op": 0, "slot": memory, "count": 0}, {"op": 0.5, "slot": 0},
                   [0, 0, 0]):
        try:
            policy.update(action, 0, good_info)
        except ValueError:
            pass
        else:
            _fail(policy, "invalid action", f"update({action!r}, ...) did not raise ValueError")
    pull = {"op": PULL, "slot": 0, "count": 5}
    for reward, bad in ((6, {"status": 0, "pulls_done": 5}), (-1, {"status": 0, "pulls_done": 5}),
                        (0.5, {"status": 0, "pulls_done": 5}), (0, {"status": -4, "pulls_done": 0}),
                        (0, {"pulls_done": 5}), (0, {"status": 0, "pulls_done": horizon + 1})):
        try:
            policy.update(pull, reward, bad)
        except ValueError:
            pass
        else:
            _fail(policy, "invalid feedback", f"update(PULL, {reward!r}, {bad!r}) did not raise ValueError")

    # pickling mid-run
    policy_a = type(policy)(**params)
    operations, _ = _play_streaming(policy_a, env, seed, seed + 1, stop_after=max(1, len(first) // 2))
    policy_b = pickle.loads(pickle.dumps(policy_a))
    truncated = False
    steps = len(operations)
    while not truncated:
        action = policy_a.select()
        other = policy_b.select()
        if action != other:
            _fail(policy, "pickling", f"unpickled copy chose {other}, original {action}, at operation {steps}")
        observation, reward, terminated, truncated, info = env.step(action)
        policy_a.update(action, reward, info)
        policy_b.update(other, reward, info)
        steps += 1

    # a single arm
    single = StreamingBanditEnv(
        StreamingBandit(arms="explicit", means=[0.3], memory=policy.memory_required(1)), horizon=1000, batch_pulls=True
    )
    _, info = _play_streaming(type(policy)(**params), single, seed, seed + 1)
    if single.regret != 0.0 or info["pulls_used"] != 1000:
        _fail(policy, "single arm", f"regret {single.regret}, pulls {info['pulls_used']} on a single arm, T = 1000")


def _register():
    from bandits.policies.checks import register_policy_check

    register_policy_check("streaming", check_streaming_policy)


_register()
