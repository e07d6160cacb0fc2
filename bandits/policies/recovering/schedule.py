"""Kernels of the purely periodic schedule shared by :class:`~bandits.policies.recovering.PurelyPeriodic`
(offline, true table) and :class:`~bandits.policies.recovering.PeriodicUCB` (online, optimistic
table), and the top-K selection of the index baselines.

Purely periodic policies (Simchi-Levi, Zheng & Zhu, arXiv:2106.14813) set one period per arm.
The paper's abstract fixes only that; the rounding, offsets and collision rule below are our
reconstruction, chosen so that the ``1 - O(1/sqrt(K))`` guarantee holds:

1. solve the fluid LP (:func:`environments.recovering.planning.solve_fluid_lp`) on the planning
   table with capacity ``capacity_scale * K``;
2. round to one period per arm: *randomised* (period ``d`` with probability ``d z[i, d]``, never
   with the rest: keeps the LP value in expectation) or *deterministic* (the longest period the
   LP uses for the arm);
3. draw an offset ``o_i`` uniformly in ``{0, ..., d_i - 1}``: arm ``i`` is *due* in every period
   ``t`` with ``t = o_i (mod d_i)`` and idle time at least ``d_i`` (the *transition rule*: after
   a re-plan an arm waits until it has rested a full period);
4. if more than K arms are due, pull K of them: uniformly at random, or greedily by the planning
   table at their period (ties uniformly at random). A skipped arm keeps its grid: it is next due
   ``d_i`` periods later, when (R being nondecreasing) it pays at least ``R_i(d_i)``.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from bandits.core.array_copy import copy_into
from bandits.core.rng import generator_of
from bandits.core.selection import argmax_random_tie
from environments.recovering.planning import (
    deterministic_periods,
    randomised_periods,
    solve_fluid_lp,
)

__all__ = [
    "DETERMINISTIC",
    "GREEDY_COLLISIONS",
    "RANDOMISED",
    "RANDOM_COLLISIONS",
    "plan_schedule",
    "scheduled_pulls",
    "top_k",
]

RANDOMISED = 0
DETERMINISTIC = 1
RANDOM_COLLISIONS = 0
GREEDY_COLLISIONS = 1


@nb.njit(cache=True, nogil=True)
def plan_schedule(table, capacity, rounding, rng, z, periods, offsets):
    """Steps 1-3: solve the LP on ``table`` (N x d_max) with ``capacity``, round the periods into
    ``periods`` (0: never pulled) and draw ``offsets``. Draws N uniforms (randomised rounding)
    and then one integer per arm whose period is at least 2 (arms with period 0 or 1 draw
    nothing). Returns the LP value."""
    value, _ = solve_fluid_lp(table, capacity, z)
    if rounding == RANDOMISED:
        randomised_periods(z, rng, periods)
    else:
        deterministic_periods(z, periods)
    generator = generator_of(rng)
    for i in range(periods.size):
        offsets[i] = generator.integers(0, periods[i]) if periods[i] > 1 else 0
    return value


@nb.njit(cache=True, nogil=True)
def top_k(values, k, rng, scratch, out):
    """Write the indices of the ``k`` largest entries of ``values`` into ``out[:k]`` (ties
    uniformly at random; entries equal to ``-inf`` are never chosen) and return how many were
    written. ``scratch`` is a float64 array of the same size."""
    copy_into(scratch, values)
    n = 0
    for j in range(k):
        i = argmax_random_tie(scratch, rng)
        if scratch[i] == -np.inf:
            break
        out[j] = i
        scratch[i] = -np.inf
        n += 1
    scratch[:] = 0.0  # work arrays live in the policy state: leave them finite
    return n


@nb.njit(cache=True, nogil=True)
def scheduled_pulls(periods, offsets, table, idle, t, max_pulls, collisions, rng, keys, scratch, pulled_out):
    """Step 4: the arms due in period ``t`` (``t = offsets[i] mod periods[i]`` and
    ``idle[i] >= periods[i]``), at most ``max_pulls`` of them, into ``pulled_out``; returns how
    many. ``keys`` and ``scratch`` are float64[N] work arrays."""
    n_arms = periods.size
    n_due = 0
    for i in range(n_arms):
        d = periods[i]
        if d > 0 and (t - offsets[i]) % d == 0 and idle[i] >= d:
            keys[i] = table[i, d - 1] if collisions == GREEDY_COLLISIONS else 0.0
            n_due += 1
        else:
            keys[i] = -np.inf
    if n_due <= max_pulls:
        n = 0
        for i in range(n_arms):
            if keys[i] != -np.inf:
                pulled_out[n] = i
                n += 1
    else:
        n = top_k(keys, max_pulls, rng, scratch, pulled_out)
    keys[:] = 0.0  # work arrays live in the policy state: leave them finite
    return n
