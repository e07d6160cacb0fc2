"""Phase schedules of the phased-elimination policies of fixed-budget best-arm identification:
how many arms survive each phase, and how many pulls each phase gets.

A schedule is evaluated in Python, before any work, to two int64 arrays the kernels read:
``survivors[p]`` (arms kept after phase p; the last is 1) and ``phase_budget[p]`` (pulls of
phase p). With ``M`` phases and ``T' = T - reserved`` usable pulls, every phase gets
``floor(T' / M)`` pulls ("equal" split; per-arm floors leave a few more unused).

Named schedules (K arms whose vectors span a space of dimension ``r``, the *rank*):

``"halve_from_d2"``
    Our reconstruction for DP-BAI (Chen, Karthik, Chee & Tan, arXiv:2401.09073; only the
    paper's abstract and reviews were available to us): ``s_1 = ceil(min(K, r^2) / 2)``, then
    ``s_p = ceil(s_(p-1) / 2)`` down to 1. When ``K > r^2`` the first phase cuts straight to about
    ``r^2 / 2`` arms, so ``M = 1 + ceil(log2 s_1) = O(log r)`` phases, the ``M = Theta(log d)``
    of the paper's bound; otherwise it is sequential halving.
``"od_linbai"``
    Yang & Tan's OD-LinBAI (arXiv:2105.13017): ``ceil(log2 r)`` phases keeping ``ceil(r /
    2^p)`` arms (at least one phase).
``"halving"``
    Sequential halving (Karnin, Koren & Somekh, ICML 2013): ``ceil(log2 K)`` phases keeping
    ``ceil(K / 2^p)`` arms.
``"single"``
    One phase keeping 1 arm (uniform allocation).

An explicit list of survivors (strictly decreasing, at most K - 1 first, ending with 1) is
accepted too.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from bandits.core.validation import ParameterError

__all__ = ["SCHEDULES", "check_schedule", "phase_budgets", "survivors"]

SCHEDULES = ("halve_from_d2", "od_linbai", "halving", "single")


def check_schedule(schedule):
    """``schedule`` as a schedule name or a tuple of ints; ``ParameterError`` naming
    ``schedule`` otherwise (the list is checked against K when the arms are known)."""
    if isinstance(schedule, str):
        if schedule not in SCHEDULES:
            raise ParameterError("schedule", schedule, f"must be one of {list(SCHEDULES)} or a list of survivor counts")
        return schedule
    try:
        values = tuple(schedule)
    except TypeError:
        raise ParameterError("schedule", schedule, f"must be one of {list(SCHEDULES)} or a list of survivor counts") from None
    if not values or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in values):
        raise ParameterError("schedule", schedule, "must be a non-empty list of integers (arms kept after each phase)")
    values = tuple(int(v) for v in values)
    if values[-1] != 1 or any(b >= a for a, b in itertools.pairwise(values)) or values[0] < 1:
        raise ParameterError("schedule", list(values), "must decrease strictly and end with 1 (one arm left)")
    return values


def survivors(schedule, n_arms: int, rank: int) -> np.ndarray:
    """``survivors[p]``: arms kept after phase p (int64, ends with 1; empty when K = 1)."""
    if n_arms <= 1:
        return np.zeros(0, np.int64)
    if isinstance(schedule, tuple):
        if schedule[0] >= n_arms:
            raise ParameterError("schedule", list(schedule), f"must keep fewer than K = {n_arms} arms after phase 1")
        return np.array(schedule, np.int64)
    rank = max(1, rank)
    if schedule == "single":
        counts = [1]
    elif schedule == "halving":
        counts = [math.ceil(n_arms / 2 ** p) for p in range(1, max(1, math.ceil(math.log2(n_arms))) + 1)]
    elif schedule == "od_linbai":
        phases = max(1, math.ceil(math.log2(rank)))
        counts = [min(n_arms - 1, math.ceil(rank / 2 ** p)) for p in range(1, phases + 1)]
        counts[-1] = 1
    else:  # halve_from_d2
        counts = [math.ceil(min(n_arms, rank * rank) / 2)]
        while counts[-1] > 1:
            counts.append(math.ceil(counts[-1] / 2))
    # equal consecutive counts (possible in od_linbai for tiny ranks) are one phase
    unique = []
    for c in counts:
        if not unique or c < unique[-1]:
            unique.append(c)
    return np.array(unique, np.int64)


def phase_budgets(horizon: int, n_phases: int, reserved: int) -> np.ndarray:
    """``floor((T - reserved) / M)`` pulls for each of the M phases (int64)."""
    if n_phases == 0:
        return np.zeros(0, np.int64)
    usable = horizon - reserved
    return np.full(n_phases, max(0, usable) // n_phases, np.int64)
