"""Loss-based policies with importance-weighted estimates: EXP3 (Auer, Cesa-Bianchi, Freund &
Schapire, SIAM J. Comput. 2002) and Tsallis-INF with the 1/2-Tsallis entropy (Zimmert & Seldin,
JMLR 2021, arXiv:1807.07623), optimal in both stochastic and adversarial regimes."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.indices import tsallis_inf_probabilities
from bandits.core.selection import sample_categorical
from bandits.core.validation import ParameterError, check_real
from bandits.policies.classic.face import ArmedBanditPolicy



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


class EXP3(ArmedBanditPolicy):
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
            raise ParameterError("anytime", anytime, "must be True or False")
        if learning_rate is not None and anytime:
            raise ParameterError("anytime", anytime, "must be False when learning_rate is given")
        self.learning_rate = learning_rate
        self.anytime = anytime

    def kernel_hyper(self, view, horizon):
        n_arms = view.n_arms
        log_k = math.log(n_arms) if n_arms > 1 else 1.0
        if self.learning_rate is not None:
            return (0, self.learning_rate)
        if horizon is None or self.anytime:
            return (1, math.sqrt(log_k / n_arms))
        return (0, math.sqrt(2.0 * log_k / (horizon * n_arms)))


@nb.njit(cache=True, nogil=True)
def tsallis_inf_select(state, hyper, t, rng):
    """Tsallis-INF: distribution from :func:`tsallis_inf_probabilities` with ``eta_t = c/sqrt(t)``."""
    loss, p = state
    eta = hyper[0] / math.sqrt(t)
    tsallis_inf_probabilities(loss, eta, p)
    return sample_categorical(p, rng)


class TsallisINF(ArmedBanditPolicy):
    """Tsallis-INF with the 1/2-Tsallis entropy (Zimmert & Seldin, 2021).

    FTRL on importance-weighted losses ``1 - reward`` with regulariser ``-(4/eta_t) sum_i sqrt(p_i)``
    and ``eta_t = learning_rate_scale / sqrt(t)`` (2 in the paper): ``O(sqrt(KT))`` adversarial
    regret and ``O(sum_k ln T / Delta_k)`` stochastic regret. The normaliser is found by a
    bracketed Newton solve (see :func:`bandits.core.indices.tsallis_inf_probabilities`); the
    standard importance-weighted estimator is used.

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

    def kernel_hyper(self, view, horizon):
        return (self.learning_rate_scale,)
