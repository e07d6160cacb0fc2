"""Phased policies of the classic bandit: successive elimination (Even-Dar, Mannor & Mansour,
JMLR 2006) and explore-then-commit."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.selection import argmax_random_tie
from bandits.core.validation import ParameterError, check_integer, check_real
from bandits.policies.classic.face import ArmedBanditPolicy

_INF = np.inf


# ---------------------------------------------------------------------------------------------
# Successive elimination
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def successive_elimination_init(n_arms, hyper):
    """State ``(counts int64[K], sums float64[K], active float64[K] (1.0 or 0.0))``."""
    return (np.zeros(n_arms, np.int64), np.zeros(n_arms), np.ones(n_arms))


@nb.njit(cache=True, nogil=True)
def successive_elimination_select(state, hyper, t, rng):
    """Round robin: the active arm with the fewest pulls (lowest index among those)."""
    counts, sums, active = state
    best = -1
    for k in range(counts.size):
        if active[k] > 0.0 and (best < 0 or counts[k] < counts[best]):
            best = k
    return best


@nb.njit(cache=True, nogil=True)
def successive_elimination_update(state, hyper, arm, reward, t):
    """Record the reward; once every active arm has ``n`` pulls, drop each active arm with
    ``mean_k < max_active_mean - 2 r(n)``, ``r(n) = sqrt(ln(4 K n^2 / delta) / (2 n))``."""
    counts, sums, active = state
    counts[arm] += 1
    sums[arm] += reward
    delta = hyper[0]
    n = -1
    for k in range(counts.size):
        if active[k] > 0.0:
            if n < 0:
                n = counts[k]
            elif counts[k] != n:
                return  # round not complete
    if n <= 0:
        return
    radius = math.sqrt(math.log(4.0 * counts.size * n * n / delta) / (2.0 * n))
    best_mean = -_INF
    for k in range(counts.size):
        if active[k] > 0.0 and sums[k] / n > best_mean:
            best_mean = sums[k] / n
    for k in range(counts.size):
        if active[k] > 0.0 and sums[k] / n < best_mean - 2.0 * radius:
            active[k] = 0.0


class SuccessiveElimination(ArmedBanditPolicy):
    """Successive elimination (Even-Dar, Mannor & Mansour, 2006) for rewards in [0, 1].

    Pull the active arms in round robin; after each complete round (every active arm has ``n``
    pulls) eliminate every arm whose mean is below the best mean by more than ``2 r(n)``,
    ``r(n) = sqrt(ln(4 K n^2 / delta) / (2 n))``. With probability ``>= 1 - delta`` the best arm is
    never eliminated. Deterministic: it uses no randomness.

    Parameters
    ----------
    delta : float, default 0.01
        Confidence parameter in ``(0, 1)``; ``1/T`` gives ``O(sum_k ln T / Delta_k)`` regret.
    """

    name = "successive_elimination"
    regret_exponent = 0.0
    init_kernel = successive_elimination_init
    select_kernel = successive_elimination_select
    update_kernel = successive_elimination_update
    reward_range = (0.0, 1.0)

    def __init__(self, delta=0.01):
        self.delta = check_real("delta", delta, low=0.0, high=1.0, low_open=True, high_open=True)

    def kernel_hyper(self, view, horizon):
        return (self.delta,)


# ---------------------------------------------------------------------------------------------
# Explore-then-commit
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def explore_then_commit_init(n_arms, hyper):
    """State ``(counts int64[K], sums float64[K], means float64[K], committed int64[1] = -1)``."""
    return (
        np.zeros(n_arms, np.int64),
        np.zeros(n_arms),
        np.zeros(n_arms),
        np.full(1, -1, np.int64),
    )


@nb.njit(cache=True, nogil=True)
def explore_then_commit_select(state, hyper, t, rng):
    """Explore: the arm with the fewest pulls while it has fewer than m; then commit once, at
    random among the best empirical means, and play that arm forever."""
    counts, sums, means, committed = state
    m = hyper[0]
    if committed[0] >= 0:
        return committed[0]
    fewest = 0
    for k in range(1, counts.size):
        if counts[k] < counts[fewest]:
            fewest = k
    if counts[fewest] < m:
        return fewest
    for k in range(counts.size):
        means[k] = sums[k] / counts[k]
    committed[0] = argmax_random_tie(means, rng)
    return committed[0]


@nb.njit(cache=True, nogil=True)
def explore_then_commit_update(state, hyper, arm, reward, t):
    """Add one observation (counts and sums)."""
    state[0][arm] += 1
    state[1][arm] += reward


class ExploreThenCommit(ArmedBanditPolicy):
    """Explore-then-commit: ``m`` pulls of every arm (round robin), then commit to the best mean.

    With ``m ∝ (T/K)^(2/3)`` and no knowledge of the gaps, regret grows like ``T^(2/3)``
    (Lattimore & Szepesvari, 2020, ch. 6).

    Parameters
    ----------
    explore_per_arm : int, optional
        ``m >= 1``. Default ``max(1, ceil((T / K)^(2/3)))``, which needs the horizon T. Given
        a horizon, ``m K`` must not exceed it (the policy must be able to commit): ``reset``
        and experiment files refuse a longer exploration.
    """

    name = "explore_then_commit"
    regret_exponent = 2.0 / 3.0
    init_kernel = explore_then_commit_init
    select_kernel = explore_then_commit_select
    update_kernel = explore_then_commit_update

    def __init__(self, explore_per_arm=None):
        if explore_per_arm is not None:
            explore_per_arm = check_integer("explore_per_arm", explore_per_arm, low=1)
        self.explore_per_arm = explore_per_arm

    @property
    def needs_horizon(self):
        return self.explore_per_arm is None

    def kernel_hyper(self, view, horizon):
        n_arms = view.n_arms
        if self.explore_per_arm is not None:
            if horizon is not None and self.explore_per_arm * n_arms > horizon:
                raise ParameterError(
                    "explore_per_arm", self.explore_per_arm,
                    f"must leave steps to commit: explore_per_arm x K = {self.explore_per_arm * n_arms} exceeds the "
                    f"horizon T = {horizon} (K = {n_arms} arms)")
            return (self.explore_per_arm,)
        return (max(1, math.ceil((horizon / n_arms) ** (2.0 / 3.0))),)
