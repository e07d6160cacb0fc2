"""The kernels of every fixed-budget policy of the private best-arm setting: one phased
elimination, three designs (Chen, Karthik, Chee & Tan, arXiv:2401.09073; Yang & Tan,
arXiv:2105.13017; Karnin, Koren & Somekh, ICML 2013).

Phase ``p`` (0-based) over the active arms ``A_p``, with ``B_p`` pulls and ``s_p`` survivors
(:mod:`bandits.policies.private_bai.schedules`):

1. **Design** (fixed before any reward of the phase is seen):

   * ``METHOD_MAX_DET`` (DP-BAI): project the active arms onto their span (orthonormal basis,
     relative rank tolerance), apparent dimension ``d_p``. If the switch rule holds (default
     ``|A_p| > d_p^2``), take a Max-Det collection ``B`` of the projected arms and pull each of
     its ``d_p`` arms ``floor(B_p / d_p)`` times; otherwise pull every active arm ``floor(B_p /
     |A_p|)`` times.
   * ``METHOD_G_OPTIMAL`` (OD-LinBAI): project; Frank-Wolfe G-optimal design ``lambda``
     (:func:`~bandits.policies.private_bai.designs.g_optimal_design`); ``B_p`` pulls apportioned
     to ``lambda``.
   * ``METHOD_UNIFORM`` (sequential halving, uniform allocation): every active arm ``floor(B_p /
     |A_p|)`` times.

2. **Release** (after the phase's last pull): for every pulled arm ``a`` with ``n_a`` pulls and
   reward sum ``S_a``, ``mu~_a = S_a / n_a + Laplace(c / (epsilon n_a))`` (no noise when
   ``epsilon = inf``), with ``c`` the noise factor (1 per phase; ``M`` for the composed
   convention; times the ``noise_multiplier``). Laplace draws come from the policy stream, in
   batch order.

3. **Estimate** every active arm: its own ``mu~`` (uniform); ``sum_b beta_(i,b) mu~_b`` with the
   Max-Det coefficients (``|beta| <= 1`` exactly for an exact collection, ``<= 1 + slack`` for
   the local search); or ``<x_i, theta~>`` with ``theta~`` the weighted least squares fit
   ``(sum n_a x_a x_a^T)^{-1} sum n_a x_a mu~_a`` in the projected coordinates (a ridge of
   ``1e-9 trace / d_p`` if the rounded design is singular, counted in the diagnostics).

4. **Eliminate**: keep the ``s_p`` arms with the largest estimates, ties broken at random (one
   uniform key per active arm from the policy stream, smallest key first).

Steps 2-4 use only released values and the policy stream (post-processing), and the phases read
disjoint time steps, so with the per-phase convention each released mean is
``epsilon``-differentially private with respect to one entry of the reward table, and so is the
whole output (parallel composition).

State
-----
``(counters, active, batch_arms, batch_counts, phase_sums, phase_pulls, estimates, features,
diagnostics, basis_positions, beta, projected)``; ``counters = [phase, n_active, n_batches,
next_batch, pending, kind, d_p, n_phases]`` (``kind`` 0 uniform, 1 Max-Det, 2 G-optimal).

Hyper-parameters
----------------
``(method, epsilon, noise_factor, survivors, phase_budget, max_det_mode, max_det_slack,
rank_tolerance, switch_rule, design_iterations, design_tolerance)``: the same types for every
policy, so the fused loop compiles once for all of them.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.array_copy import copy_into
from bandits.core.rng import generator_of
from bandits.policies.private_bai.designs import apportion, g_optimal_design
from environments.private_bai.linear_algebra import (
    lu_factor,
    lu_solve,
    project,
    span_basis,
)
from environments.private_bai.max_det import (
    AUTO_EXACT_LIMIT,
    coefficients,
    max_det_exact,
    max_det_local_search,
)

__all__ = [
    "MAX_DET_AUTO",
    "MAX_DET_EXACT",
    "MAX_DET_LOCAL",
    "METHOD_G_OPTIMAL",
    "METHOD_MAX_DET",
    "METHOD_UNIFORM",
    "SWITCH_ACTIVE_GT_D2",
    "SWITCH_ALWAYS",
    "SWITCH_NEVER",
    "phased_init",
    "phased_recommend",
    "phased_select_batch",
    "phased_update_batch",
]

METHOD_MAX_DET, METHOD_G_OPTIMAL, METHOD_UNIFORM = 0, 1, 2
MAX_DET_EXACT, MAX_DET_LOCAL, MAX_DET_AUTO = 0, 1, 2
SWITCH_ACTIVE_GT_D2, SWITCH_ALWAYS, SWITCH_NEVER = 0, 1, 2

_PHASE, _N_ACTIVE, _N_BATCHES, _NEXT_BATCH, _PENDING, _KIND, _DIM, _N_PHASES = range(8)
_KIND_UNIFORM, _KIND_MAX_DET, _KIND_G_OPTIMAL = 0, 1, 2


@nb.njit(cache=True, nogil=True)
def phased_init(features, budget, hyper):
    """A fresh state for K arms (the rows of ``features``), all active, before phase 0."""
    n_arms, d = features.shape
    counters = np.zeros(8, np.int64)
    counters[_PHASE] = -1
    counters[_N_ACTIVE] = n_arms
    counters[_N_PHASES] = hyper[3].shape[0]
    active = np.arange(n_arms)
    return (
        counters,
        active,
        np.zeros(n_arms, np.int64),
        np.zeros(n_arms, np.int64),
        np.zeros(n_arms),
        np.zeros(n_arms, np.int64),
        np.zeros(n_arms),
        features.copy(),
        np.zeros(2),
        np.zeros(d, np.int64),
        np.zeros((n_arms, d)),
        np.zeros((n_arms, d)),
    )


@nb.njit(cache=True, nogil=True)
def _n_subsets_at_most(n, k, limit):
    """``C(n, k) <= limit`` without overflow."""
    value = 1.0
    for i in range(k):
        value = value * (n - i) / (i + 1)
        if value > limit:
            return False
    return True


@nb.njit(cache=True, nogil=True)
def _uniform_batches(state, n_active, budget):
    counters, active, batch_arms, batch_counts = state[0], state[1], state[2], state[3]
    per = budget // n_active
    n = 0
    if per > 0:
        for i in range(n_active):
            batch_arms[n] = active[i]
            batch_counts[n] = per
            n += 1
    counters[_KIND] = _KIND_UNIFORM
    counters[_N_BATCHES] = n


@nb.njit(cache=True, nogil=True)
def _plan_phase(state, hyper, phase):
    """Fix the batches of ``phase`` (step 1 of the module docstring)."""
    counters, active, batch_arms, batch_counts = state[0], state[1], state[2], state[3]
    phase_sums, phase_pulls, features = state[4], state[5], state[7]
    diagnostics, basis_positions, beta, projected = state[8], state[9], state[10], state[11]
    method = hyper[0]
    budget = hyper[4][phase]
    n_active = counters[_N_ACTIVE]
    counters[_PHASE] = phase
    counters[_NEXT_BATCH] = 0
    counters[_PENDING] = 0
    phase_sums[:] = 0.0
    phase_pulls[:] = 0
    if method == METHOD_UNIFORM:
        _uniform_batches(state, n_active, budget)
        return
    d = features.shape[1]
    sub = np.empty((n_active, d))
    for i in range(n_active):
        copy_into(sub[i], features[active[i]])
    basis = np.zeros((d, d))
    rank = span_basis(sub, hyper[7], basis)
    counters[_DIM] = rank
    if rank == 0:
        _uniform_batches(state, n_active, budget)
        return
    coordinates = np.empty((n_active, rank))
    project(sub, basis, rank, coordinates)
    for i in range(n_active):
        for j in range(rank):
            projected[i, j] = coordinates[i, j]
    if method == METHOD_MAX_DET:
        switch = hyper[8]
        use = (switch == SWITCH_ACTIVE_GT_D2 and n_active > rank * rank) or (switch == SWITCH_ALWAYS and n_active > rank)
        per = budget // rank
        if not use or per == 0:
            _uniform_batches(state, n_active, budget)
            return
        chosen = np.empty(rank, np.int64)
        mode = hyper[5]
        if mode == MAX_DET_EXACT or (mode == MAX_DET_AUTO and _n_subsets_at_most(n_active, rank, AUTO_EXACT_LIMIT)):
            max_det_exact(coordinates, chosen)
        else:
            max_det_local_search(coordinates, hyper[6], chosen)
        chosen.sort()
        coefficient = np.empty((n_active, rank))
        coefficients(coordinates, chosen, coefficient)
        largest = 0.0
        for i in range(n_active):
            for j in range(rank):
                beta[i, j] = coefficient[i, j]
                largest = max(largest, abs(coefficient[i, j]))
        diagnostics[0] = max(diagnostics[0], largest)
        for j in range(rank):
            basis_positions[j] = chosen[j]
            batch_arms[j] = active[chosen[j]]
            batch_counts[j] = per
        counters[_KIND] = _KIND_MAX_DET
        counters[_N_BATCHES] = rank
        return
    # METHOD_G_OPTIMAL
    weights = np.empty(n_active)
    g_optimal_design(coordinates, hyper[9], hyper[10], weights)
    counts = np.zeros(n_active, np.int64)
    apportion(weights, budget, counts)
    n = 0
    for i in range(n_active):
        if counts[i] > 0:
            batch_arms[n] = active[i]
            batch_counts[n] = counts[i]
            n += 1
    counters[_KIND] = _KIND_G_OPTIMAL
    counters[_N_BATCHES] = n


@nb.njit(cache=True, nogil=True)
def _released_mean(state, hyper, arm, rng):
    """``S_a / n_a`` plus the phase's Laplace noise (step 2)."""
    n = state[5][arm]
    if n == 0:
        return 0.0
    value = state[4][arm] / n
    epsilon = hyper[1]
    if math.isfinite(epsilon):
        value += generator_of(rng).laplace(0.0, hyper[2] / (epsilon * n))
    return value


@nb.njit(cache=True, nogil=True)
def _keep_top(state, keep, rng):
    """Keep the ``keep`` active arms with the largest estimates, ties at random (step 4); the
    survivors stay in increasing arm order."""
    counters, active, estimates = state[0], state[1], state[6]
    n_active = counters[_N_ACTIVE]
    keys = np.empty(n_active)
    generator = generator_of(rng)
    for i in range(n_active):
        keys[i] = generator.random()
    taken = np.zeros(n_active, np.bool_)
    kept = np.empty(keep, np.int64)
    for k in range(keep):
        best = -1
        for i in range(n_active):
            if taken[i]:
                continue
            if best < 0:
                best = i
                continue
            a, b = estimates[active[i]], estimates[active[best]]
            if a > b or (a == b and keys[i] < keys[best]):
                best = i
        taken[best] = True
        kept[k] = active[best]
    kept.sort()
    for k in range(keep):
        active[k] = kept[k]
    counters[_N_ACTIVE] = keep


@nb.njit(cache=True, nogil=True)
def _finish_phase(state, hyper, rng):
    """Release, estimate, eliminate (steps 2-4)."""
    counters, active, batch_arms = state[0], state[1], state[2]
    phase_pulls, estimates, diagnostics = state[5], state[6], state[8]
    basis_positions, beta, projected = state[9], state[10], state[11]
    counters[_PENDING] = 0
    n_active = counters[_N_ACTIVE]
    n_batches = counters[_N_BATCHES]
    released = np.zeros(estimates.shape[0])
    for j in range(n_batches):
        arm = batch_arms[j]
        released[arm] = _released_mean(state, hyper, arm, rng)
    kind = counters[_KIND]
    if kind == _KIND_UNIFORM:
        for i in range(n_active):
            estimates[active[i]] = released[active[i]]
    elif kind == _KIND_MAX_DET:
        rank = counters[_DIM]
        for i in range(n_active):
            value = 0.0
            for j in range(rank):
                value += beta[i, j] * released[active[basis_positions[j]]]
            estimates[active[i]] = value
    else:
        rank = counters[_DIM]
        gram = np.zeros((rank, rank))
        rhs = np.zeros(rank)
        for i in range(n_active):
            arm = active[i]
            n = phase_pulls[arm]
            if n == 0:
                continue
            for r in range(rank):
                rhs[r] += n * projected[i, r] * released[arm]
                for c in range(rank):
                    gram[r, c] += n * projected[i, r] * projected[i, c]
        perm = np.empty(rank, np.int64)
        lu = gram.copy()
        if lu_factor(lu, perm) != 0:
            trace = 0.0
            for r in range(rank):
                trace += gram[r, r]
            lu = gram.copy()
            for r in range(rank):
                lu[r, r] += 1e-9 * trace / rank
            lu_factor(lu, perm)
            diagnostics[1] += 1.0
        theta = np.empty(rank)
        lu_solve(lu, perm, rhs, theta)
        for i in range(n_active):
            value = 0.0
            for r in range(rank):
                value += projected[i, r] * theta[r]
            estimates[active[i]] = value
    keep = hyper[3][counters[_PHASE]]
    _keep_top(state, min(keep, n_active), rng)


@nb.njit(cache=True, nogil=True)
def phased_select_batch(state, hyper, t, rng):
    """The next batch ``(arm, count, phase)``; ``count = 0`` once one arm is left or every phase
    is done. Finishes the previous phase first when its data is complete."""
    counters, batch_arms, batch_counts = state[0], state[2], state[3]
    while True:
        i = counters[_NEXT_BATCH]
        if counters[_PHASE] >= 0 and i < counters[_N_BATCHES]:
            counters[_NEXT_BATCH] = i + 1
            return batch_arms[i], batch_counts[i], counters[_PHASE]
        if counters[_PENDING] != 0:
            _finish_phase(state, hyper, rng)
        following = counters[_PHASE] + 1
        if counters[_N_ACTIVE] <= 1 or following >= counters[_N_PHASES]:
            return 0, 0, 0
        _plan_phase(state, hyper, following)


@nb.njit(cache=True, nogil=True)
def phased_update_batch(state, hyper, arm, count, reward_sum, t):
    """Add a batch's rewards to the phase's sums; its data is released when the phase ends."""
    state[4][arm] += reward_sum
    state[5][arm] += count
    state[0][_PENDING] = 1


@nb.njit(cache=True, nogil=True)
def phased_recommend(state, hyper, rng, diagnostics_out):
    """The last active arm; if several remain (the budget ended early), the best estimate with
    ties at random. Finishes a pending phase first. Writes the diagnostics."""
    counters = state[0]
    if counters[_PENDING] != 0:
        _finish_phase(state, hyper, rng)
    if counters[_N_ACTIVE] > 1:
        _keep_top(state, 1, rng)
    diagnostics_out[0] = state[8][0]
    diagnostics_out[1] = state[8][1]
    return state[1][0]
