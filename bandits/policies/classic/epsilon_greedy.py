"""Epsilon-greedy for the classic bandit: fixed exploration rate, and the decaying rate
``min(1, c K / (d^2 t))`` of Auer, Cesa-Bianchi & Fischer (Machine Learning 2002)."""

from __future__ import annotations


import numba as nb
import numpy as np

from bandits.core.rng import generator_of
from bandits.core.selection import argmax_random_tie
from bandits.core.validation import check_real
from bandits.policies.classic.counts_sums import counts_sums_init, counts_sums_update
from bandits.policies.classic.face import ArmedBanditPolicy

_INF = np.inf


# ---------------------------------------------------------------------------------------------
# Epsilon-greedy
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def epsilon_greedy_select(state, hyper, t, rng):
    """With probability eps_t a uniform arm, else the best empirical mean (untried arms first).

    ``eps_t = epsilon`` (hyper[0] = 0) or ``min(1, c K / (d^2 t))`` (hyper[0] = 1).
    Draws one uniform, then one integer when exploring.
    """
    counts, sums, means = state
    schedule, epsilon, c, d = hyper
    k_arms = counts.size
    if schedule == 0:
        eps = epsilon
    else:
        eps = min(1.0, c * k_arms / (d * d * t))
    generator = generator_of(rng)
    if generator.random() < eps:
        return generator.integers(0, k_arms)
    for k in range(k_arms):
        means[k] = _INF if counts[k] == 0 else sums[k] / counts[k]
    return argmax_random_tie(means, rng)


class EpsilonGreedy(ArmedBanditPolicy):
    """Epsilon-greedy with a fixed exploration probability.

    Each round: with probability ``epsilon`` a uniformly random arm, otherwise the arm with the best
    empirical mean (untried arms count as +inf, ties at random). Linear regret for fixed
    ``epsilon > 0``; a baseline.

    Parameters
    ----------
    epsilon : float, default 0.1
        In ``[0, 1]``.
    """

    name = "epsilon_greedy"
    regret_exponent = 1.0
    init_kernel = counts_sums_init
    select_kernel = epsilon_greedy_select
    update_kernel = counts_sums_update

    def __init__(self, epsilon=0.1):
        self.epsilon = check_real("epsilon", epsilon, low=0.0, high=1.0)

    def kernel_hyper(self, view, horizon):
        return (0, self.epsilon, 0.0, 1.0)


class DecayingEpsilonGreedy(ArmedBanditPolicy):
    """epsilon_n-greedy of Auer, Cesa-Bianchi & Fischer (2002): ``eps_t = min(1, c K / (d^2 t))``.

    With ``0 < d <= min_k Delta_k`` and ``c > 0`` large enough, regret is logarithmic.

    Parameters
    ----------
    c : float, default 0.15
        ``> 0``.
    d : float, default 0.1
        Assumed lower bound on the gaps, in ``(0, 1]``.
    """

    name = "decaying_epsilon_greedy"
    regret_exponent = 0.0
    init_kernel = counts_sums_init
    select_kernel = epsilon_greedy_select
    update_kernel = counts_sums_update

    def __init__(self, c=0.15, d=0.1):
        self.c = check_real("c", c, low=0.0, low_open=True)
        self.d = check_real("d", d, low=0.0, high=1.0, low_open=True)

    def kernel_hyper(self, view, horizon):
        return (1, 0.0, self.c, self.d)
