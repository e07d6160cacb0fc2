"""Policies for the classic stochastic K-armed bandit.

Each policy is a triple of numba kernels (``*_init``, ``*_select``, ``*_update``; see
:mod:`bandits.policies.base` for the protocol) plus a :class:`~bandits.policies.base.Policy`
face. Arms never pulled have index ``+inf`` in the index policies, so each arm is pulled once
first, in random order. Rounds ``t`` are 1-based.

=====================  ======================================================================
policy                 decision rule
=====================  ======================================================================
UCB1                   ``mean_k + sqrt(alpha ln t / n_k)``, alpha = 2 (Auer et al., 2002)
KL-UCB                 ``max{q : n_k kl(mean_k, q) <= c ln t + c2 ln ln t}`` (Garivier & Cappe, 2011)
Thompson (Beta)        ``theta_k ~ Beta(a0 + S_k, b0 + n_k - S_k)`` (fractional for [0,1] rewards)
Thompson (Gaussian)    ``theta_k ~ N(posterior mean, posterior variance)``, conjugate normal prior
epsilon-greedy         explore uniformly w.p. eps_t, else greedy; eps_t fixed or min(1, cK/(d^2 t))
EXP3                   ``p ∝ exp(-eta L_hat)``, importance-weighted losses 1 - r
Tsallis-INF            1/2-Tsallis FTRL, ``p_i = 4 / (eta_t (L_hat_i - x))^2``, eta_t = 2/sqrt(t)
successive elimination round robin over active arms, drop arms whose UCB < best LCB
explore-then-commit    m pulls per arm in round robin, then the best empirical mean forever
=====================  ======================================================================
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.policies.base import Policy, argmax_random_tie, nth_maximum, sample_categorical
from bandits.rng import generator_of
from bandits.validation import check_integer, check_real

__all__ = [
    "UCB1",
    "KLUCB",
    "BernoulliThompsonSampling",
    "GaussianThompsonSampling",
    "EpsilonGreedy",
    "DecayingEpsilonGreedy",
    "EXP3",
    "TsallisINF",
    "SuccessiveElimination",
    "ExploreThenCommit",
    "bernoulli_kl",
    "kl_ucb_index",
    "tsallis_inf_probabilities",
]

_INF = np.inf


# ---------------------------------------------------------------------------------------------
# Shared state: pull counts and reward sums (the sufficient statistics of most index policies).
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def counts_sums_init(n_arms, hyper):
    """State ``(counts int64[K], sums float64[K], scratch float64[K])``."""
    return (np.zeros(n_arms, np.int64), np.zeros(n_arms), np.zeros(n_arms))


@nb.njit(cache=True, nogil=True)
def counts_sums_update(state, hyper, arm, reward, t):
    """Add one observation: ``counts[arm] += 1``, ``sums[arm] += reward``."""
    state[0][arm] += 1
    state[1][arm] += reward


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


class UCB1(Policy):
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

    def kernel_hyper(self, n_arms, horizon):
        return (self.alpha,)


# ---------------------------------------------------------------------------------------------
# KL-UCB
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def bernoulli_kl(p, q):
    """Bernoulli Kullback-Leibler divergence ``kl(p, q)`` with ``0 log 0 = 0``."""
    value = 0.0
    if p > 0.0:
        value += p * math.log(p / q)
    if p < 1.0:
        value += (1.0 - p) * math.log((1.0 - p) / (1.0 - q))
    return value


@nb.njit(cache=True, nogil=True)
def kl_ucb_index(p, d):
    """``max{q in [p, 1] : kl(p, q) <= d}`` for ``p`` in [0, 1], ``d >= 0``.

    Closed forms when ``p = 0`` (``1 - exp(-d)``) or ``p = 1`` (``1``). Otherwise Newton's method
    in ``u = -ln(1 - q)``: there ``kl(p, q(u)) = p ln(p / q) + (1 - p)(ln(1 - p) + u)`` is convex
    and increasing on ``q > p``, and well conditioned near ``q = 1`` (Newton in ``q`` itself stalls
    there). Started to the right of the root, at the smaller of the Pinsker bound
    ``p + sqrt(d / 2)`` and ``u = (d + H(p)) / (1 - p)`` (from ``kl >= (1 - p) u - H(p)``, H the
    binary entropy, capped at ``u = 50`` where ``q`` rounds to 1), the iterates decrease
    monotonically to the root, so the index returned is not below the exact one (up to
    rounding). Stops when a step is below ``1e-12 (1 + u)``. When ``sqrt(2 p (1-p) d)`` is tiny
    against ``min(p, 1-p)``, Newton's residual cannot resolve ``d``; the index then comes from
    the inverted third-order Taylor expansion of the divergence.
    """
    if d <= 0.0:
        return p
    if p >= 1.0:
        return 1.0
    if p <= 0.0:
        return -math.expm1(-d)
    delta = math.sqrt(2.0 * d) * math.sqrt(p) * math.sqrt(1.0 - p)  # sqrt(2 p (1-p) d), no underflow
    if delta <= 1e-5 * min(p, 1.0 - p):
        # Tiny radius: the Newton residual's rounding (~1e-17) would swamp d. Invert the Taylor
        # expansion kl(p, p + delta) = delta^2 / (2v) + (delta^3 / 3)(1/(1-p)^2 - 1/p^2) + ...,
        # v = p (1-p): delta + ((1-p)/p - p/(1-p)) delta^2 / 3 (relative error of order
        # (delta / min(p, 1-p))^2 <= 1e-10), written without overflow for tiny p or 1-p.
        correction = ((1.0 - p) * (delta / p) * delta - p * (delta / (1.0 - p)) * delta) / 3.0
        return min(1.0, p + delta + correction)
    log_one_minus_p = math.log1p(-p)
    entropy = -p * math.log(p) - (1.0 - p) * log_one_minus_p
    u = (d + entropy) / (1.0 - p)
    pinsker = p + math.sqrt(0.5 * d)
    if pinsker < 1.0:
        u = min(u, -math.log1p(-pinsker))
    # Beyond u = 50, q = 1 - exp(-u) rounds to 1: start there (also keeps u finite for huge d).
    u = min(u, 50.0)
    for _ in range(200):
        q = -math.expm1(-u)
        excess = p * math.log(p / q) + (1.0 - p) * (log_one_minus_p + u) - d
        if excess <= 0.0:
            return q
        step = excess * q / (q - p)
        u -= step
        if step <= 1e-12 * (1.0 + u):
            break
    return -math.expm1(-u)


@nb.njit(cache=True, nogil=True)
def kl_ucb_select(state, hyper, t, rng):
    """KL-UCB with exploration threshold ``c ln t + c2 ln ln t`` (ln ln t taken as 0 for t < 3).

    Only arms whose Pinsker bound ``mean + sqrt(threshold / (2 n))`` reaches the best exact
    index found so far are solved exactly; the argmax and its ties are unchanged by this.
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
                index[k] = kl_ucb_index(sums[k] / n, threshold / n)
                if index[k] > best_exact:
                    best_exact = index[k]
            else:
                index[k] = -1.0  # provably below the maximum
    return argmax_random_tie(index, rng)


class KLUCB(Policy):
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

    def kernel_hyper(self, n_arms, horizon):
        return (self.c, self.c_loglog)


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


class BernoulliThompsonSampling(Policy):
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

    def kernel_hyper(self, n_arms, horizon):
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


class GaussianThompsonSampling(Policy):
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

    def kernel_hyper(self, n_arms, horizon):
        return (self.noise_std**2, self.prior_mean, self.prior_std**2)


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


class EpsilonGreedy(Policy):
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

    def kernel_hyper(self, n_arms, horizon):
        return (0, self.epsilon, 0.0, 1.0)


class DecayingEpsilonGreedy(Policy):
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

    def kernel_hyper(self, n_arms, horizon):
        return (1, 0.0, self.c, self.d)


# ---------------------------------------------------------------------------------------------
# EXP3 and Tsallis-INF (loss-based, importance weighted)
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def loss_estimates_init(n_arms, hyper):
    """State ``(L_hat float64[K], p float64[K])``: estimated cumulative losses, last distribution."""
    return (np.zeros(n_arms), np.full(n_arms, 1.0 / n_arms))


@nb.njit(cache=True, nogil=True)
def importance_weighted_loss_update(state, hyper, arm, reward, t):
    """``L_hat[arm] += (1 - reward) / p[arm]`` with ``p`` the distribution of the last select."""
    state[0][arm] += (1.0 - reward) / state[1][arm]


@nb.njit(cache=True, nogil=True)
def exp3_select(state, hyper, t, rng):
    """``p_k ∝ exp(-eta_t (L_hat_k - min L_hat))``; draw from p (one uniform).

    ``eta_t = hyper[1]`` if hyper[0] = 0 (fixed), else ``hyper[1] / sqrt(t)`` (anytime).
    """
    loss, p = state
    mode, eta0 = hyper
    eta = eta0 if mode == 0 else eta0 / math.sqrt(t)
    lowest = loss.min()
    total = 0.0
    for k in range(loss.size):
        p[k] = math.exp(-eta * (loss[k] - lowest))
        total += p[k]
    for k in range(loss.size):
        p[k] /= total
    return sample_categorical(p, rng)


class EXP3(Policy):
    """EXP3 for losses ``1 - reward`` in [0, 1] (Auer et al., 2002; the form of Bubeck &
    Cesa-Bianchi, 2012, Sec. 3.1: no forced exploration).

    ``p_t(k) ∝ exp(-eta L_hat_k)``, ``L_hat_k`` the importance-weighted cumulative loss.
    Learning rate: ``learning_rate`` if given; else ``sqrt(2 ln K / (T K))`` when the horizon T is
    known (regret ``<= sqrt(2 T K ln K)``); else the anytime ``sqrt(ln K / (t K))``.

    Parameters
    ----------
    learning_rate : float, optional
        Fixed ``eta > 0``.
    anytime : bool, default False
        Use ``sqrt(ln K / (t K))`` even when the horizon is known.
    """

    name = "exp3"
    regret_exponent = 0.5
    init_kernel = loss_estimates_init
    select_kernel = exp3_select
    update_kernel = importance_weighted_loss_update
    reward_range = (0.0, 1.0)

    def __init__(self, learning_rate=None, anytime=False):
        if learning_rate is not None:
            learning_rate = check_real("learning_rate", learning_rate, low=0.0, low_open=True)
        if not isinstance(anytime, bool):
            raise ValueError(f"anytime: must be True or False, got {anytime!r}")
        if learning_rate is not None and anytime:
            raise ValueError("anytime: must be False when learning_rate is given, got True")
        self.learning_rate = learning_rate
        self.anytime = anytime

    def kernel_hyper(self, n_arms, horizon):
        log_k = math.log(n_arms) if n_arms > 1 else 1.0
        if self.learning_rate is not None:
            return (0, self.learning_rate)
        if horizon is None or self.anytime:
            return (1, math.sqrt(log_k / n_arms))
        return (0, math.sqrt(2.0 * log_k / (horizon * n_arms)))


@nb.njit(cache=True, nogil=True)
def tsallis_inf_probabilities(loss, eta, p):
    """1/2-Tsallis FTRL distribution into ``p``; returns the normaliser ``x``.

    ``p_i = 4 / (eta (loss_i - x))^2`` with ``x < min(loss)`` such that ``sum p = 1``. The root lies
    in ``[m - 2 sqrt(K)/eta, m - 2/eta]`` (``m = min loss``): at the lower end every ``p_i <= 1/K``,
    at the upper end the leader has ``p = 1``. ``sum p - 1`` is increasing and convex in ``x``, so
    Newton's method started at the upper end decreases monotonically to the root, stays inside
    the bracket and never reaches the pole at ``x = m`` (unlike Newton from an arbitrary start).
    ``p`` is renormalised at the end (a relative change of order 1e-15).
    """
    k_arms = loss.size
    lowest = loss.min()
    x = lowest - 2.0 / eta
    lower = lowest - 2.0 * math.sqrt(k_arms) / eta
    for _ in range(200):
        total = 0.0
        slope = 0.0
        for i in range(k_arms):
            gap = loss[i] - x
            w = 4.0 / (eta * eta * gap * gap)
            total += w
            slope += 2.0 * w / gap
        f = total - 1.0
        if f <= 0.0:
            break
        step = f / slope
        x -= step
        if x < lower:
            x = lower
            break
        if step <= 1e-15 * (abs(x) + 1.0):
            break
    total = 0.0
    for i in range(k_arms):
        gap = loss[i] - x
        p[i] = 4.0 / (eta * eta * gap * gap)
        total += p[i]
    for i in range(k_arms):
        p[i] /= total
    return x


@nb.njit(cache=True, nogil=True)
def tsallis_inf_select(state, hyper, t, rng):
    """Tsallis-INF: distribution from :func:`tsallis_inf_probabilities` with ``eta_t = c/sqrt(t)``."""
    loss, p = state
    eta = hyper[0] / math.sqrt(t)
    tsallis_inf_probabilities(loss, eta, p)
    return sample_categorical(p, rng)


class TsallisINF(Policy):
    """Tsallis-INF with the 1/2-Tsallis entropy (Zimmert & Seldin, 2021).

    FTRL on importance-weighted losses ``1 - reward`` with regulariser ``-(4/eta_t) sum_i sqrt(p_i)``
    and ``eta_t = learning_rate_scale / sqrt(t)`` (2 in the paper): ``O(sqrt(KT))`` adversarial
    regret and ``O(sum_k ln T / Delta_k)`` stochastic regret. The normaliser is found by a
    bracketed Newton solve (see :func:`tsallis_inf_probabilities` and
    ``reference/solver_tuning.md`` §5.1); the standard importance-weighted estimator is used.

    Parameters
    ----------
    learning_rate_scale : float, default 2.0
        ``c`` in ``eta_t = c / sqrt(t)``, ``> 0``.
    """

    name = "tsallis_inf"
    regret_exponent = 0.0
    init_kernel = loss_estimates_init
    select_kernel = tsallis_inf_select
    update_kernel = importance_weighted_loss_update
    reward_range = (0.0, 1.0)

    def __init__(self, learning_rate_scale=2.0):
        self.learning_rate_scale = check_real(
            "learning_rate_scale", learning_rate_scale, low=0.0, low_open=True
        )

    def kernel_hyper(self, n_arms, horizon):
        return (self.learning_rate_scale,)


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


class SuccessiveElimination(Policy):
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

    def kernel_hyper(self, n_arms, horizon):
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


class ExploreThenCommit(Policy):
    """Explore-then-commit: ``m`` pulls of every arm (round robin), then commit to the best mean.

    With ``m ∝ (T/K)^(2/3)`` and no knowledge of the gaps, regret grows like ``T^(2/3)``
    (Lattimore & Szepesvari, 2020, ch. 6).

    Parameters
    ----------
    explore_per_arm : int, optional
        ``m >= 1``. Default ``max(1, ceil((T / K)^(2/3)))``, which needs the horizon T.
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

    def kernel_hyper(self, n_arms, horizon):
        if self.explore_per_arm is not None:
            return (self.explore_per_arm,)
        return (max(1, math.ceil((horizon / n_arms) ** (2.0 / 3.0))),)


#: name -> policy class, for configuration files and the CLI.
CLASSIC_POLICIES = {
    cls.name: cls
    for cls in (
        UCB1,
        KLUCB,
        BernoulliThompsonSampling,
        GaussianThompsonSampling,
        EpsilonGreedy,
        DecayingEpsilonGreedy,
        EXP3,
        TsallisINF,
        SuccessiveElimination,
        ExploreThenCommit,
    )
}
