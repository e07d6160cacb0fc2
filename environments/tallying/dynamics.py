"""The loss and tally kernels of weighted tallying bandits (Malik, Igoe, Li & Singh, ICML 2023,
arXiv:2305.02955), shared by the fused loop and the Gymnasium shell.

Tally
-----
Weights ``w_1..w_m`` (``w_1`` weighs the most recent play), ``W = sum w``. With
``include_current = 0`` (default) the tally of action ``a`` at step ``t`` is
``tau_t(a) = sum_{i=1..m} w_i 1{a_{t-i} = a}``, the previous m plays; with ``include_current = 1``
the current play counts with ``w_1``: ``tau_t(a) = sum_{i=1..m} w_i 1{a_{t-i+1} = a}``. The paper's
window convention could not be checked; both are offered. Plays before ``t = 1`` come from the
initial history (-1: no play). The last m actions are kept in a ring buffer and the played
action's tally is recomputed in ``O(m)`` per step.

Loss
----
Playing ``a`` at tally ``x`` has mean loss ``f_a(x)``, piecewise linear through ``(knots[p],
values[a, p])`` (exact for unweighted tallies with knots ``0..m``). The observed loss is
``f + noise_std z`` (Gaussian), that clipped to ``[0, 1]`` (whose mean is the clipped-Gaussian
mean of ``f``, not ``f``), or ``1{u < f}`` (Bernoulli). Draw discipline: exactly one draw per step
(one standard normal, or one uniform for Bernoulli), whatever the action, so every policy of a
replication sees the same noise sequence (common random numbers).

``params`` is the problem's ``kernel_params``: ``(weights float64[m], knots float64[P], values
float64[K, P], noise code, noise_std, include_current, initial_history int64[m], reward_form)``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.rng import generator_of

__all__ = [
    "BERNOULLI",
    "GAUSSIAN",
    "GAUSSIAN_CLIPPED",
    "NEGATIVE_LOSS",
    "NOISE_CODES",
    "ONE_MINUS_LOSS",
    "REWARD_FORMS",
    "expected_loss",
    "interpolate",
    "tally_env_init",
    "tally_of",
    "tally_step",
]

GAUSSIAN = 0
GAUSSIAN_CLIPPED = 1
BERNOULLI = 2
#: Noise names (as in experiment files) -> codes.
NOISE_CODES = {"gaussian": GAUSSIAN, "gaussian_clipped": GAUSSIAN_CLIPPED, "bernoulli": BERNOULLI}
NEGATIVE_LOSS = 0
ONE_MINUS_LOSS = 1
#: Reward forms -> codes: the Gymnasium reward is ``-loss`` or ``1 - loss``.
REWARD_FORMS = {"negative_loss": NEGATIVE_LOSS, "one_minus_loss": ONE_MINUS_LOSS}


@nb.njit(cache=True, nogil=True)
def interpolate(knots, row, x):
    """``f(x)`` for the piecewise-linear ``f`` through ``(knots[p], row[p])``, constant beyond the
    ends: ``numpy.interp(x, knots, row)`` for a scalar ``x`` (the same formula, so the same float
    in the environment, the comparators and numpy-based tests)."""
    return np.interp(x, knots, row)


@nb.njit(cache=True, nogil=True)
def expected_loss(mean, noise, noise_std):
    """The expected observed loss when the mean loss is ``mean``: ``mean`` itself, except for
    clipped Gaussian noise: ``E[min(1, max(0, mean + s Z))] = mean (Phi(b) - Phi(a)) + s (phi(a) -
    phi(b)) + 1 - Phi(b)`` with ``a = -mean / s``, ``b = (1 - mean) / s``."""
    if noise != GAUSSIAN_CLIPPED or noise_std == 0.0:
        if noise == GAUSSIAN_CLIPPED:
            return min(1.0, max(0.0, mean))
        return mean
    a = -mean / noise_std
    b = (1.0 - mean) / noise_std
    cdf_a = 0.5 * (1.0 + math.erf(a / math.sqrt(2.0)))
    cdf_b = 0.5 * (1.0 + math.erf(b / math.sqrt(2.0)))
    pdf_a = math.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)
    pdf_b = math.exp(-0.5 * b * b) / math.sqrt(2.0 * math.pi)
    value = mean * (cdf_b - cdf_a) + noise_std * (pdf_a - pdf_b) + 1.0 - cdf_b
    return min(1.0, max(0.0, value))


@nb.njit(cache=True, nogil=True)
def tally_env_init(params):
    """Fresh environment state ``(history int64[m], head int64[1], cache float64[K, 2])``: the ring
    buffer of the last m actions (slot ``head[0]`` holds the most recent) filled from the initial
    history, and per action the last mean loss with its expected observed loss (the clipped
    Gaussian mean costs two ``erf``; a saturated action repeats its mean). No draws."""
    initial_history = params[6]
    m = initial_history.size
    history = np.empty(m, np.int64)
    for i in range(m):  # slot (head - i) mod m holds the action i + 1 steps back
        history[(m - i) % m] = initial_history[i]
    head = np.zeros(1, np.int64)
    cache = np.full((params[2].shape[0], 2), np.nan)  # per action: last mean loss, its expected loss
    return history, head, cache


@nb.njit(cache=True, nogil=True)
def tally_of(params, env_state, arm):
    """The tally of ``arm`` if it is played now: ``sum_i w_i 1{a_{t-i} = arm}`` over the previous m
    plays, or, with ``include_current``, ``w_1`` for the current play plus ``w_{i+1}`` for the play
    ``i`` steps back (``i = 1..m-1``). ``O(m)``."""
    weights = params[0]
    include_current = params[5]
    history, head = env_state[0], env_state[1]
    m = weights.size
    total = 0.0
    first = 0
    if include_current != 0:
        total = weights[0]
        first = 1
    slot = head[0]  # the most recent play; walk back through the ring without a modulo per step
    for i in range(first, m):
        if history[slot] == arm:
            total += weights[i]
        slot -= 1
        if slot < 0:
            slot = m - 1
    return total


@nb.njit(cache=True, nogil=True)
def tally_step(params, env_state, arm, rng):
    """Play ``arm``: returns ``(reward, loss, mean_loss, tally)``, where ``tally`` is the arm's
    tally at this step, ``mean_loss`` the expected observed loss at it (see
    :func:`expected_loss`), ``loss`` the observed loss (one draw) and ``reward`` ``-loss`` or
    ``1 - loss``; then pushes ``arm`` into the history."""
    knots = params[1]
    values = params[2]
    noise = params[3]
    noise_std = params[4]
    reward_form = params[7]
    tally = tally_of(params, env_state, arm)
    mean = interpolate(knots, values[arm], tally)
    generator = generator_of(rng)
    if noise == BERNOULLI:
        loss = 1.0 if generator.random() < mean else 0.0
    else:
        loss = mean + noise_std * generator.standard_normal()
        if noise == GAUSSIAN_CLIPPED:
            loss = min(1.0, max(0.0, loss))
    history, head, cache = env_state
    head[0] += 1
    if head[0] == history.size:
        head[0] = 0
    history[head[0]] = arm
    reward = -loss if reward_form == NEGATIVE_LOSS else 1.0 - loss
    if cache[arm, 0] != mean:
        cache[arm, 0] = mean
        cache[arm, 1] = expected_loss(mean, noise, noise_std)
    return reward, loss, cache[arm, 1], tally
