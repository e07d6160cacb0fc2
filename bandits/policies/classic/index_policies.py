"""Index policies of the classic bandit: UCB1 (Auer, Cesa-Bianchi & Fischer, Machine Learning
2002) and KL-UCB (Garivier & Cappe, COLT 2011, arXiv:1102.2490). Arms never pulled have index ``+inf``, so each arm is pulled once first, in
random order."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.indices import bernoulli_kl, kl_ucb_index
from bandits.core.rng import generator_of
from bandits.core.selection import argmax_random_tie, nth_maximum
from bandits.core.validation import check_real
from bandits.policies.classic.counts_sums import counts_sums_init, counts_sums_update
from bandits.policies.classic.face import ArmedBanditPolicy

_INF = np.inf


# ---------------------------------------------------------------------------------------------
# UCB1
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def ucb1_init(n_arms, hyper):
    """State ``(counts int64[K], sums, means, inverse_sqrt_counts, index)`` (float64[K] each)."""
    return (
        np.zeros(n_arms, np.int64),
        np.zeros(n_arms),
        np.zeros(n_arms),
        np.zeros(n_arms),
        np.zeros(n_arms),
    )


@nb.njit(cache=True, nogil=True)
def ucb1_select(state, hyper, t, rng):
    """UCB1: argmax of ``mean_k + sqrt(alpha ln t) / sqrt(n_k)``; untried arms (+inf) first.

    Incremental form: ``means`` and ``1/sqrt(n_k)`` are maintained by :func:`ucb1_update`, so a
    round costs one ``log``, one ``sqrt`` and K multiply-adds (the product equals
    ``sqrt(alpha ln t / n_k)`` up to rounding).
    """
    counts, sums, means, inverse_sqrt_counts, index = state
    radius = math.sqrt(hyper[0] * math.log(t))
    best = -_INF
    best_index = 0
    n_best = 0
    for k in range(counts.size):
        if counts[k] == 0:
            v = _INF
        else:
            v = means[k] + radius * inverse_sqrt_counts[k]
        index[k] = v
        if v > best:
            best = v
            best_index = k
            n_best = 1
        elif v == best:
            n_best += 1
    if n_best == 1:
        return best_index
    return nth_maximum(index, best_index, generator_of(rng).integers(0, n_best))


@nb.njit(cache=True, nogil=True)
def ucb1_update(state, hyper, arm, reward, t):
    """Add one observation and refresh ``means[arm]`` and ``1/sqrt(counts[arm])``."""
    counts, sums, means, inverse_sqrt_counts, index = state
    counts[arm] += 1
    sums[arm] += reward
    means[arm] = sums[arm] / counts[arm]
    inverse_sqrt_counts[arm] = 1.0 / math.sqrt(counts[arm])


class UCB1(ArmedBanditPolicy):
    """UCB1 (Auer, Cesa-Bianchi & Fischer, 2002).

    Index ``mean_k + sqrt(alpha * ln t / n_k)``; ``alpha = 2`` is the original UCB1.
    Regret ``O(sum_k ln T / Delta_k)`` for rewards in [0, 1].

    Parameters
    ----------
    alpha : float, default 2.0
        Exploration coefficient, ``> 0``.
    """

    name = "ucb1"
    regret_exponent = 0.0
    init_kernel = ucb1_init
    select_kernel = ucb1_select
    update_kernel = ucb1_update

    def __init__(self, alpha=2.0):
        self.alpha = check_real("alpha", alpha, low=0.0, low_open=True)

    def kernel_hyper(self, view, horizon):
        return (self.alpha,)


# ---------------------------------------------------------------------------------------------
# KL-UCB
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def kl_ucb_index_below(mean, best, d):
    """True when the KL-UCB index ``max{q : kl(mean, q) <= d}`` is certainly below ``best``:
    ``mean < best < 1`` and ``kl(mean, best) > d + 1e-9 (1 + d)``."""
    if mean >= best or best >= 1.0 or mean >= 1.0:
        return False
    return bernoulli_kl(mean, best) > d + 1e-9 * (1.0 + d)


@nb.njit(cache=True, nogil=True)
def kl_ucb_select(state, hyper, t, rng):
    """KL-UCB with exploration threshold ``c ln t + c2 ln ln t`` (ln ln t taken as 0 for t < 3).

    Only arms that may reach the best index found so far are solved exactly: an arm is skipped
    when its Pinsker bound ``mean + sqrt(threshold / (2 n))`` is below that index, or when
    ``n kl(mean, best) > threshold`` by more than a margin ``1e-9 (1 + threshold / n)`` (its
    index is then below ``best``; the margin exceeds the error of the computed index, so the
    argmax and its ties are unchanged by the skipping).
    """
    counts, sums, index = state
    c = hyper[0]
    c_loglog = hyper[1]
    log_t = math.log(t)
    threshold = c * log_t
    if t >= 3 and c_loglog != 0.0:
        threshold += c_loglog * math.log(log_t)
    k_arms = counts.size
    # Upper bounds first: untried arms are +inf.
    best_bound = -1.0
    best_bound_arm = 0
    for k in range(k_arms):
        n = counts[k]
        if n == 0:
            index[k] = _INF
        else:
            index[k] = min(1.0, sums[k] / n + math.sqrt(0.5 * threshold / n))
        if index[k] > best_bound:
            best_bound = index[k]
            best_bound_arm = k
    if best_bound == _INF:
        return argmax_random_tie(index, rng)
    n = counts[best_bound_arm]
    best_exact = kl_ucb_index(sums[best_bound_arm] / n, threshold / n)
    index[best_bound_arm] = best_exact
    for k in range(k_arms):
        if k != best_bound_arm:
            if index[k] >= best_exact:
                n = counts[k]
                mean = sums[k] / n
                d = threshold / n
                if kl_ucb_index_below(mean, best_exact, d):
                    index[k] = -1.0  # provably below the maximum
                    continue
                index[k] = kl_ucb_index(mean, d)
                if index[k] > best_exact:
                    best_exact = index[k]
            else:
                index[k] = -1.0  # provably below the maximum
    return argmax_random_tie(index, rng)


class KLUCB(ArmedBanditPolicy):
    """KL-UCB for rewards in [0, 1] with the Bernoulli KL (Garivier & Cappe, 2011).

    Index ``max{q in [mean_k, 1] : n_k kl(mean_k, q) <= c ln t + c_loglog ln ln t}``.
    With ``c = 1`` and ``c_loglog = 3`` it is the algorithm of the paper's theorem; ``c_loglog = 0``
    (the default) is the variant the paper recommends in practice. Asymptotically optimal for
    Bernoulli arms (regret ``~ sum_k Delta_k ln T / kl(mu_k, mu*)``).

    Parameters
    ----------
    c : float, default 1.0
        Coefficient of ``ln t`` in the threshold, ``> 0``.
    c_loglog : float, default 0.0
        Coefficient of ``ln ln t``, ``>= 0``.
    """

    name = "kl_ucb"
    regret_exponent = 0.0
    init_kernel = counts_sums_init
    select_kernel = kl_ucb_select
    update_kernel = counts_sums_update
    reward_range = (0.0, 1.0)

    def __init__(self, c=1.0, c_loglog=0.0):
        self.c = check_real("c", c, low=0.0, low_open=True)
        self.c_loglog = check_real("c_loglog", c_loglog, low=0.0)

    def kernel_hyper(self, view, horizon):
        return (self.c, self.c_loglog)
