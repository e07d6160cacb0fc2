"""Thompson sampling for the classic bandit: Beta-Bernoulli (fractional updates for rewards in
[0, 1]; Agrawal & Goyal, COLT 2012, arXiv:1111.1797) and Gaussian with a conjugate normal prior."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.rng import generator_of
from bandits.core.selection import argmax_random_tie
from bandits.core.validation import check_real
from bandits.policies.classic.counts_sums import counts_sums_init, counts_sums_update
from bandits.policies.classic.face import ArmedBanditPolicy



# ---------------------------------------------------------------------------------------------
# Thompson sampling
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def beta_thompson_init(n_arms, hyper):
    """State ``(alpha float64[K], beta float64[K], theta float64[K])`` at the prior."""
    return (np.full(n_arms, hyper[0]), np.full(n_arms, hyper[1]), np.zeros(n_arms))


@nb.njit(cache=True, nogil=True)
def beta_thompson_select(state, hyper, t, rng):
    """Draw ``theta_k ~ Beta(alpha_k, beta_k)`` for k = 0..K-1 in order; play the argmax."""
    alpha, beta, theta = state
    generator = generator_of(rng)
    for k in range(alpha.size):
        theta[k] = generator.beta(alpha[k], beta[k])
    return argmax_random_tie(theta, rng)


@nb.njit(cache=True, nogil=True)
def beta_thompson_update(state, hyper, arm, reward, t):
    """``alpha += reward``, ``beta += 1 - reward`` (exact conjugacy for 0/1 rewards)."""
    state[0][arm] += reward
    state[1][arm] += 1.0 - reward


class BernoulliThompsonSampling(ArmedBanditPolicy):
    """Thompson sampling with Beta priors (Thompson, 1933; Agrawal & Goyal, 2012).

    Posterior ``Beta(a0 + S_k, b0 + n_k - S_k)`` with ``S_k`` the reward sum. For 0/1 rewards this
    is exact conjugacy; rewards in [0, 1] are used as fractional pseudo-counts (a documented
    choice: no extra Bernoulli re-sampling, so the update needs no randomness).

    Parameters
    ----------
    prior_alpha, prior_beta : float, default 1.0
        Beta prior parameters, ``> 0`` (1, 1 is uniform).
    """

    name = "thompson_beta"
    regret_exponent = 0.0
    init_kernel = beta_thompson_init
    select_kernel = beta_thompson_select
    update_kernel = beta_thompson_update
    reward_range = (0.0, 1.0)

    def __init__(self, prior_alpha=1.0, prior_beta=1.0):
        self.prior_alpha = check_real("prior_alpha", prior_alpha, low=0.0, low_open=True)
        self.prior_beta = check_real("prior_beta", prior_beta, low=0.0, low_open=True)

    def kernel_hyper(self, view, horizon):
        return (self.prior_alpha, self.prior_beta)


@nb.njit(cache=True, nogil=True)
def gaussian_thompson_select(state, hyper, t, rng):
    """Draw ``theta_k ~ N(m_k, 1/lambda_k)`` for k = 0..K-1 in order; play the argmax.

    Posterior precision ``lambda_k = 1/s0^2 + n_k/sigma^2`` and mean
    ``m_k = (m0/s0^2 + S_k/sigma^2) / lambda_k``.
    """
    counts, sums, theta = state
    noise_var, prior_mean, prior_var = hyper
    generator = generator_of(rng)
    for k in range(counts.size):
        precision = 1.0 / prior_var + counts[k] / noise_var
        mean = (prior_mean / prior_var + sums[k] / noise_var) / precision
        theta[k] = mean + generator.standard_normal() / math.sqrt(precision)
    return argmax_random_tie(theta, rng)


class GaussianThompsonSampling(ArmedBanditPolicy):
    """Thompson sampling with a conjugate Gaussian model (Agrawal & Goyal, 2013).

    Rewards are modelled as ``N(mu_k, noise_std^2)`` with prior ``mu_k ~ N(prior_mean, prior_std^2)``.
    The defaults (0, 1, 1) give Agrawal & Goyal's ``N(S_k/(n_k+1), 1/(n_k+1))`` sampling.

    Parameters
    ----------
    noise_std : float, default 1.0
        Assumed reward noise standard deviation, ``> 0``.
    prior_mean : float, default 0.0
    prior_std : float, default 1.0
        ``> 0``.
    """

    name = "thompson_gaussian"
    regret_exponent = 0.0
    init_kernel = counts_sums_init
    select_kernel = gaussian_thompson_select
    update_kernel = counts_sums_update

    def __init__(self, noise_std=1.0, prior_mean=0.0, prior_std=1.0):
        self.noise_std = check_real("noise_std", noise_std, low=0.0, low_open=True)
        self.prior_mean = check_real("prior_mean", prior_mean)
        self.prior_std = check_real("prior_std", prior_std, low=0.0, low_open=True)

    def kernel_hyper(self, view, horizon):
        return (self.noise_std**2, self.prior_mean, self.prior_std**2)
