"""Level tournaments of single-pass streaming bandits (Chen Wang, ICML 2023, arXiv:2306.02208):
the O(log K)-memory tournament (L1), the O(log log K)-memory tournament (L2) and the O(log* K)-
memory aggressive selective promotion (L*, after Assadi and Wang, STOC 2020), the algorithm with
the optimal ``O(K^(1/3) T^(2/3))`` regret.

The three share one kernel set (:func:`levels_init`, :func:`levels_select`); their
hyper-parameters are level schedules. Level budgets are kept as *numbers of counted batches per
epoch* (the official ``level_arm_pulls <= cap`` with ``cap = m * b`` is ``batches <= m``), so
that rounding the batches cannot change how many arms an epoch holds.
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
    POLICY_HORIZON,
    POLICY_LAST_MEAN,
    POLICY_LAST_SLOT,
    POLICY_N_ARMS,
    POLICY_PHASE,
    POLICY_PULLS_USED,
    batch_within_horizon,
    common_state,
    free_slot,
)
from environments.streaming.protocol import COMMIT, DISCARD, MAX_COUNT, PULL, READ

__all__ = [
    "levels_init",
    "levels_select",
    "LogMemoryTournament",
    "LogLogMemoryTournament",
    "LogStarMemory",
    "log_star_levels",
]

# ---------------------------------------------------------------------------------------------
# Kernels: L1, L2, L*
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
    iv, fv, occupied = common_state(n_arms, horizon, memory, N_COMMON_INT + 5, N_COMMON_FLOAT + 1)
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
    iv[POLICY_PHASE] = _LP_LEVEL


@nb.njit(cache=True, nogil=True)
def _highest_stored_level(champ):
    for level in range(champ.size - 1, -1, -1):
        if champ[level] >= 0:
            return level
    return -1


@nb.njit(cache=True, nogil=True)
def levels_select(state, hyper, rng):
    """One operation of the level tournament (official ``log_eps_best_algorithm`` and its
    log log K / log* K variants).

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
    code clears the arms of a promoted level but not its benchmark): a new epoch's
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
        phase = iv[POLICY_PHASE]
        level = iv[_L_LEVEL]
        if phase == _LP_TOP:
            iv[_L_LEVEL] = 0
            iv[POLICY_PHASE] = _LP_LEVEL
        elif phase == _LP_LEVEL:
            if level > iv[_L_MAXLEVEL]:
                iv[_L_MAXLEVEL] = level
            if level == n_levels - 1 or batches[level] <= max_batches[level]:
                if champ[level] < 0 or level == 0:
                    if iv[POLICY_ARMS_READ] >= iv[POLICY_N_ARMS]:
                        iv[POLICY_PHASE] = _LP_END
                        continue
                    s = free_slot(occupied)
                    iv[POLICY_PHASE] = _LP_AFTER_READ_NEW if champ[level] < 0 else _LP_AFTER_READ_CH
                    return READ, s, 0, s
                if pending[level] >= 0:
                    x = pending[level]
                    pending[level] = -1
                    iv[_L_X] = x
                    iv[POLICY_PHASE] = _LP_AFTER_PULL_CH
                    return PULL, x, batch_within_horizon(batch[level], iv), champ[level]
                iv[POLICY_PHASE] = _LP_AFTER_REMEASURE
                c = champ[level]
                return PULL, c, batch_within_horizon(batch[level], iv), c
            if pending[level] >= 0:
                iv[POLICY_PHASE] = _LP_AFTER_PROMO1
                c = champ[level]
                return PULL, c, batch_within_horizon(batch[level], iv), c
            _promote(iv, champ, pending, batches, level, champ[level])
        elif phase == _LP_AFTER_READ_NEW:
            x = iv[POLICY_LAST_SLOT]
            iv[_L_X] = x
            iv[POLICY_PHASE] = _LP_AFTER_PULL_NEW
            return PULL, x, batch_within_horizon(batch[level], iv), x
        elif phase == _LP_AFTER_PULL_NEW:
            mean = fv[POLICY_LAST_MEAN]
            champ[level] = iv[_L_X]
            if quirks != 0:
                if mean > bench[level]:
                    bench[level] = mean
            else:
                bench[level] = mean
            batches[level] += 1
            iv[POLICY_PHASE] = _LP_TOP
        elif phase == _LP_AFTER_READ_CH:
            x = iv[POLICY_LAST_SLOT]
            iv[_L_X] = x
            iv[POLICY_PHASE] = _LP_AFTER_PULL_CH
            return PULL, x, batch_within_horizon(batch[level], iv), champ[level]
        elif phase == _LP_AFTER_PULL_CH:
            mean = fv[POLICY_LAST_MEAN]
            x = iv[_L_X]
            batches[level] += 1
            iv[POLICY_PHASE] = _LP_TOP
            if bench[level] >= mean:
                return DISCARD, x, 0, x
            old = champ[level]
            champ[level] = x
            bench[level] = mean
            return DISCARD, old, 0, old
        elif phase == _LP_AFTER_REMEASURE:
            bench[level] = fv[POLICY_LAST_MEAN]
            iv[POLICY_PHASE] = _LP_TOP
        elif phase == _LP_AFTER_PROMO1:
            fv[_L_M1] = fv[POLICY_LAST_MEAN]
            iv[POLICY_PHASE] = _LP_AFTER_PROMO2
            p = pending[level]
            return PULL, p, batch_within_horizon(batch[level], iv), p
        elif phase == _LP_AFTER_PROMO2:
            if fv[_L_M1] > fv[POLICY_LAST_MEAN]:
                winner = champ[level]
                loser = pending[level]
            else:
                winner = pending[level]
                loser = champ[level]
            iv[_L_WINNER] = winner
            iv[POLICY_PHASE] = _LP_AFTER_PROMO_DISCARD
            return DISCARD, loser, 0, loser
        elif phase == _LP_AFTER_PROMO_DISCARD:
            _promote(iv, champ, pending, batches, level, iv[_L_WINNER])
        elif phase == _LP_END:
            remaining = iv[POLICY_HORIZON] - iv[POLICY_PULLS_USED]
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
                iv[POLICY_PHASE] = _LP_END_NEXT
                continue
            chosen = iv[_L_MAXLEVEL]
            if quirks == 0 or champ[chosen] < 0:
                chosen = _highest_stored_level(champ)
            iv[POLICY_PHASE] = _LP_DONE
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
                iv[POLICY_PHASE] = _LP_AFTER_END_PULL
                c = champ[nxt]
                return PULL, c, batch_within_horizon(batch[0], iv), c
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
            iv[POLICY_PHASE] = _LP_DONE
            c = champ[chosen]
            return COMMIT, c, 0, c
        elif phase == _LP_AFTER_END_PULL:
            end_mean[iv[_L_ENDI]] = fv[POLICY_LAST_MEAN]
            iv[POLICY_PHASE] = _LP_END_NEXT
        else:
            c = champ[_highest_stored_level(champ)]
            return COMMIT, c, 0, c


# ---------------------------------------------------------------------------------------------
# Faces
# ---------------------------------------------------------------------------------------------
class _LevelPolicy(StreamingPolicy):
    """Common face of the level tournaments: schedules ``(batch, max_batches)`` per level."""

    init_kernel: ClassVar[object] = levels_init
    select_kernel: ClassVar[object] = levels_select

    def schedule(self, n_arms: int, horizon: int) -> tuple[list, list]:
        """``(real batch sizes b_l, max counted batches per epoch m_l)`` for every level."""
        raise NotImplementedError

    def n_levels(self, n_arms: int) -> int:
        """The number of levels L for K arms."""
        raise NotImplementedError

    def memory_required(self, n_arms):
        # one champion per level, plus one arm in transit (arriving, or promoted onto a champion)
        return min(n_arms, self.n_levels(n_arms) + 1)

    def kernel_hyper(self, view, horizon):
        """``(batch int64[L], max counted batches int64[L], official_quirks)``."""
        batches, caps = self.schedule(view.n_arms, horizon)
        b = np.array([batch_count(x, self.batch_rounding) for x in batches], np.int64)
        m = np.array([min(int(c), MAX_COUNT) for c in caps], np.int64)
        return (b, m, np.int64(self.official_quirks))


class LogMemoryTournament(_LevelPolicy):
    """O(log K)-memory level tournament (L1; official ``log_eps_best_algorithm``).

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
    """O(log log K)-memory level tournament (L2; official ``loglog_eps_best_algorithm``).

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
    ``logstar_eps_best_algorithm``), the optimal ``O(K^(1/3) T^(2/3))`` algorithm.

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
