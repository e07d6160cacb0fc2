"""What a learner of the recovering-rewards setting may know, and what it learns from a period.

Recovering rewards: Simchi-Levi, Zheng & Zhu, *Offline Planning and Online Learning under
Recovering Rewards*, ICML 2021, arXiv:2106.14813. Each period a learner pulls a set of at most K
of N arms and observes the realised reward of every arm it pulled (semi-bandit feedback). An
arm's expected reward depends on its *idle time*, the number of periods since it was last
pulled, capped at ``d_max``.

Idle-time convention (ours; the paper's body was not available to us)
---------------------------------------------------------------------
``d_i(t) = t - (last period in which arm i was pulled)``, capped: ``s_i(t) = min(d_i(t),
d_max)``. An arm pulled in period ``t - 1`` has idle time 1 in period ``t``; an arm never pulled
has the problem's ``initial_idle`` (default ``d_max``: fully recovered) plus the periods elapsed,
capped. A pull in period ``t`` pays ``R_i(s_i(t))`` in expectation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from bandits.core.validation import ParameterError, check_integer

__all__ = ["RecoveringFeedback", "RecoveringLearnerView", "next_idle_times", "parse_pull_set"]


class RecoveringFeedback(NamedTuple):
    """What a recovering-rewards learner learns from one period.

    Attributes
    ----------
    rewards : float64[N]
        Realised reward of every pulled arm (entries of arms not pulled are 0 and carry nothing).
    idle_before : int64[N]
        The capped idle times at the start of the period: the pulled arm ``i`` paid
        ``R_i(idle_before[i])`` in expectation.
    """

    rewards: np.ndarray
    idle_before: np.ndarray


@dataclass(frozen=True, eq=False)
class RecoveringLearnerView:
    """The learner view of a recovering-rewards problem.

    Attributes
    ----------
    n_arms : int
        N >= 1.
    max_pulls : int
        K, ``1 <= K <= N``: at most K distinct arms per period.
    d_max : int
        The idle-time cap, ``>= 1``; idle times are ``1..d_max``.
    initial_idle : tuple of int
        Every arm's idle time before the first period (``d_max``: fully recovered).
    oracle_recovery : float64[N, d_max] or None
        The *true* expected-reward table, an oracle field: read only by the offline baselines
        (:class:`bandits.policies.recovering.PurelyPeriodic`,
        :class:`bandits.policies.recovering.MyopicGreedy`), which reports flag as oracles. Learners
        never read it.
    """

    n_arms: int
    max_pulls: int
    d_max: int
    initial_idle: tuple = None
    oracle_recovery: np.ndarray | None = None

    def __post_init__(self):
        n = check_integer("n_arms", self.n_arms, low=1)
        object.__setattr__(self, "n_arms", n)
        object.__setattr__(self, "max_pulls", check_integer("max_pulls", self.max_pulls, low=1, high=n))
        d_max = check_integer("d_max", self.d_max, low=1)
        object.__setattr__(self, "d_max", d_max)
        idle = (d_max,) * n if self.initial_idle is None else self.initial_idle
        values = np.asarray(idle)
        if values.shape != (n,) or not np.issubdtype(values.dtype, np.integer) or values.min() < 1 or values.max() > d_max:
            raise ParameterError("initial_idle", self.initial_idle, f"must be {n} integers in [1, {d_max}]")
        object.__setattr__(self, "initial_idle", tuple(int(x) for x in values))
        if self.oracle_recovery is not None:
            table = np.asarray(self.oracle_recovery, dtype=np.float64)
            if table.shape != (n, d_max):
                raise ParameterError("oracle_recovery", table.shape, f"must have shape ({n}, {d_max})")
            table = table.copy()
            table.setflags(write=False)
            object.__setattr__(self, "oracle_recovery", table)

    def feedback(self, reward, info) -> RecoveringFeedback:
        """The feedback of one Gymnasium step: the per-arm realised rewards and the idle times
        before the period, from ``info``."""
        return RecoveringFeedback(info["rewards"], info["idle_before"])


def parse_pull_set(action, n_arms: int, max_pulls: int) -> np.ndarray:
    """The arms of a ``MultiBinary(N)`` action, ascending (int64); ``ParameterError`` (a
    ``ValueError``) naming ``action`` unless it is N zeros and ones (integer, boolean, or float
    exactly 0.0 and 1.0, as ``MultiBinary.contains`` accepts) with at most K ones."""
    values = np.asarray(action)
    if values.shape != (n_arms,) or not (
        np.issubdtype(values.dtype, np.integer) or np.issubdtype(values.dtype, np.floating) or values.dtype == np.bool_
    ) or np.any((values != 0) & (values != 1)):
        raise ParameterError("action", action, f"must be a MultiBinary({n_arms}) array of zeros and ones")
    pulled = np.flatnonzero(values).astype(np.int64)
    if pulled.size > max_pulls:
        raise ParameterError("action", action, f"must pull at most K = {max_pulls} arms per period",
                             got=f"{pulled.size} arms")
    return pulled


def next_idle_times(idle_before, pulled, d_max: int) -> np.ndarray:
    """The idle times after a period (the convention of the module docstring): every arm's idle
    time grows by one, capped at ``d_max``; the pulled arms restart at 1."""
    idle = np.minimum(np.asarray(idle_before, dtype=np.int64) + 1, d_max)
    idle[np.asarray(pulled, dtype=np.int64)] = 1
    return idle
