"""Baselines of the recovering-rewards setting (none is the paper's; the paper's own baselines
are not known to us): myopic greedy with the true table (:class:`MyopicGreedy`, an oracle) or
with optimistic estimates (:class:`MyopicGreedyUCB`), a combinatorial UCB that ignores idle
times (:class:`CombinatorialUCB`), and a uniformly random K-subset (:class:`RandomSubset`).

Myopic greedy pulls, each period, the K arms with the largest expected reward at their current
idle time; for blocking bandits (Basu, Sen, Sanghavi & Shakkottai, NeurIPS 2019,
arXiv:1907.11975) this greedy rule is asymptotically ``(1 - 1/e)``-competitive. The idle-blind
combinatorial UCB keeps one mean per arm; where recovery matters it keeps pulling the same arms
at idle time 1 and its regret grows linearly.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.rng import generator_of
from bandits.policies.recovering.face import (
    RecoveringPolicy,
    check_confidence,
    log_confidence,
)
from bandits.policies.recovering.periodic import optimistic_table
from bandits.policies.recovering.schedule import top_k

__all__ = ["CombinatorialUCB", "MyopicGreedy", "MyopicGreedyUCB", "RandomSubset"]


# ---------------------------------------------------------------------------------------------
# Myopic greedy (true table or optimistic estimates by idle time)
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def myopic_init(n_arms, max_pulls, d_max, horizon, hyper):
    """State ``(counts int64[N, d_max], sums, ucb float64[N, d_max], values, scratch float64[N])``."""
    return (np.zeros((n_arms, d_max), np.int64), np.zeros((n_arms, d_max)), np.ones((n_arms, d_max)),
            np.zeros(n_arms), np.zeros(n_arms))


@nb.njit(cache=True, nogil=True)
def myopic_select(state, hyper, t, idle, rng, pulled_out):
    """The K arms with the largest table value at their current idle time (ties at random); the
    table is the true one (``hyper[0]``, oracle) or the tightened optimistic one."""
    counts, sums, ucb, values, scratch = state
    table, use_estimates, ucb_scale, log_term = hyper
    if use_estimates != 0:
        optimistic_table(counts, sums, ucb_scale, log_term, 1, ucb)
        table = ucb
    for i in range(idle.size):
        values[i] = table[i, idle[i] - 1]
    return top_k(values, pulled_out.size, rng, scratch, pulled_out)


@nb.njit(cache=True, nogil=True)
def myopic_update(state, hyper, t, pulled, n_pulled, idle_before, rewards):
    """Record each reward at (arm, realised capped idle time)."""
    counts, sums = state[0], state[1]
    for j in range(n_pulled):
        i = pulled[j]
        counts[i, idle_before[i] - 1] += 1
        sums[i, idle_before[i] - 1] += rewards[j]


class MyopicGreedy(RecoveringPolicy):
    """Each period, the K arms with the largest true expected reward at their current idle time
    (an oracle baseline: it reads ``view.oracle_recovery``)."""

    name = "myopic_greedy"
    uses_oracle = True
    init_kernel = myopic_init
    select_kernel = myopic_select
    update_kernel = myopic_update

    def __init__(self):
        pass

    def kernel_hyper(self, view, horizon):
        return (np.ascontiguousarray(view.oracle_recovery, dtype=np.float64), np.int64(0), 0.0, 0.0)


class _OptimisticBaseline(RecoveringPolicy):
    """The confidence hyper-parameters of the UCB baselines: radius ``ucb_scale sqrt(log(1/delta)
    / n)``, ``delta`` default ``1 / (N d_max T^2)`` (then the horizon is needed)."""

    def __init__(self, ucb_scale=0.5**0.5, delta=None):
        self.ucb_scale, self.delta = check_confidence(ucb_scale, delta)

    @property
    def needs_horizon(self) -> bool:
        return self.delta is None


class MyopicGreedyUCB(_OptimisticBaseline):
    """Each period, the K arms with the largest optimistic index at their current idle time
    (the tightened index table of :class:`~bandits.policies.recovering.PeriodicUCB`).

    Parameters
    ----------
    ucb_scale : float, default 1/sqrt(2)
    delta : float, optional
        Default ``1 / (N d_max T^2)`` (needs the horizon).
    """

    name = "myopic_greedy_ucb"
    init_kernel = myopic_init
    select_kernel = myopic_select
    update_kernel = myopic_update

    def kernel_hyper(self, view, horizon):
        table = np.zeros((view.n_arms, view.d_max))
        return (table, np.int64(1), float(self.ucb_scale), float(log_confidence(self.delta, view, horizon)))


# ---------------------------------------------------------------------------------------------
# Combinatorial UCB, blind to idle times
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def combinatorial_ucb_init(n_arms, max_pulls, d_max, horizon, hyper):
    """State ``(counts int64[N], sums, index, scratch float64[N])``."""
    return np.zeros(n_arms, np.int64), np.zeros(n_arms), np.zeros(n_arms), np.zeros(n_arms)


@nb.njit(cache=True, nogil=True)
def combinatorial_ucb_select(state, hyper, t, idle, rng, pulled_out):
    """The K arms with the largest ``mean + ucb_scale sqrt(log(1/delta) / n)`` (untried first)."""
    counts, sums, index, scratch = state
    ucb_scale, log_term = hyper
    for i in range(counts.size):
        if counts[i] == 0:
            index[i] = np.inf
        else:
            index[i] = sums[i] / counts[i] + ucb_scale * math.sqrt(log_term / counts[i])
    return top_k(index, pulled_out.size, rng, scratch, pulled_out)


@nb.njit(cache=True, nogil=True)
def combinatorial_ucb_update(state, hyper, t, pulled, n_pulled, idle_before, rewards):
    """One mean per arm, whatever the idle time."""
    counts, sums = state[0], state[1]
    for j in range(n_pulled):
        counts[pulled[j]] += 1
        sums[pulled[j]] += rewards[j]


class CombinatorialUCB(_OptimisticBaseline):
    """Top-K by a UCB index per arm that ignores idle times (a standard combinatorial
    semi-bandit learner, blind to recovery).

    Parameters
    ----------
    ucb_scale : float, default 1/sqrt(2)
    delta : float, optional
        Default ``1 / (N d_max T^2)`` (needs the horizon).
    """

    name = "combinatorial_ucb"
    init_kernel = combinatorial_ucb_init
    select_kernel = combinatorial_ucb_select
    update_kernel = combinatorial_ucb_update

    def kernel_hyper(self, view, horizon):
        return (float(self.ucb_scale), float(log_confidence(self.delta, view, horizon)))


# ---------------------------------------------------------------------------------------------
# Uniformly random K-subset
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def random_subset_init(n_arms, max_pulls, d_max, horizon, hyper):
    """State ``(arms int64[N],)``: a permutation shuffled in place."""
    return (np.arange(n_arms),)


@nb.njit(cache=True, nogil=True)
def random_subset_select(state, hyper, t, idle, rng, pulled_out):
    """K distinct arms uniformly at random (a partial Fisher-Yates shuffle: K integer draws)."""
    arms = state[0]
    generator = generator_of(rng)
    n = arms.size
    for j in range(pulled_out.size):
        k = j + generator.integers(0, n - j)
        arms[j], arms[k] = arms[k], arms[j]
        pulled_out[j] = arms[j]
    return pulled_out.size


@nb.njit(cache=True, nogil=True)
def random_subset_update(state, hyper, t, pulled, n_pulled, idle_before, rewards):
    """Nothing to learn."""


class RandomSubset(RecoveringPolicy):
    """K distinct arms uniformly at random every period (a sanity floor)."""

    name = "random_subset"
    init_kernel = random_subset_init
    select_kernel = random_subset_select
    update_kernel = random_subset_update

    def __init__(self):
        pass

    def kernel_hyper(self, view, horizon):
        return (np.int64(0),)
