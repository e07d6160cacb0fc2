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

from bandits.core.validation import ParameterError, check_integer, check_real_array

__all__ = ["RecoveringFeedback", "RecoveringLearnerView", "check_idle_times", "check_recovery_table", "next_idle_times",
           "parse_pull_set"]


def check_recovery_table(name: str, recovery) -> np.ndarray:
    """``recovery`` as a read-only float64 (N, d_max) array with ``recovery[i, d - 1] = R_i(d)``:
    finite, in ``[0, 1]`` and nondecreasing in ``d``; else ``ParameterError`` naming the first
    offending entry (``recovery[1, 2]``)."""
    table = check_real_array(name, recovery, ndim=2, low=0.0, high=1.0)
    drops = np.argwhere(np.diff(table, axis=1) < 0)
    if drops.size:
        i, d = (int(x) for x in drops[0])
        raise ParameterError(
            f"{name}[{i}, {d + 1}]", float(table[i, d + 1]),
            f"must be >= {name}[{i}, {d}] = {table[i, d]:g}: R_i(d) is nondecreasing in the idle time d "
            "(column d - 1 holds R_i(d))",
        )
    return table


def check_idle_times(name: str, values, n_arms: int, d_max: int) -> np.ndarray:
    """``values`` as an int64 array of ``n_arms`` capped idle times in ``1..d_max``; else
    ``ParameterError`` naming ``name``."""
    array = np.asarray(values)
    if array.shape != (n_arms,) or not np.issubdtype(array.dtype, np.integer) or (
        array.size and (array.min() < 1 or array.max() > d_max)
    ):
        raise ParameterError(name, values, f"must be N = {n_arms} integer idle times in [1, d_max = {d_max}]")
    return array.astype(np.int64)


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
        values = check_idle_times("initial_idle", idle, n, d_max)
        object.__setattr__(self, "initial_idle", tuple(int(x) for x in values))
        if self.oracle_recovery is not None:
            table = check_recovery_table("oracle_recovery", self.oracle_recovery)
            if table.shape != (n, d_max):
                raise ParameterError("oracle_recovery", self.oracle_recovery, f"must have shape (N, d_max) = ({n}, {d_max})",
                                     got=f"an array of shape {table.shape}")
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
