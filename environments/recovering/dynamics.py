"""The reward and idle-time kernels of the recovering-rewards setting (Simchi-Levi, Zheng &
Zhu, arXiv:2106.14813), shared by the fused loop and the Gymnasium shell.

Draw discipline
---------------
Every period draws exactly N values from the environment's stream, one per arm in arm order,
whether the arm is pulled or not: N uniforms (Bernoulli rewards) or N standard normals
(Gaussian rewards, clipped or not). The reward arm ``i`` would pay in period ``t`` is therefore a
function of ``(seed, t, i)`` and its idle time only, so every policy run on the same
environment seed sees the same noise (common random numbers).

``params`` is the problem's ``kernel_params``: ``(recovery float64[N, d_max], max_pulls, noise
code, noise_std, initial_idle int64[N])`` with noise codes :data:`BERNOULLI`, :data:`GAUSSIAN`,
:data:`GAUSSIAN_CLIPPED`. ``mean_rewards`` is the table of expected rewards: the recovery table
itself, except for clipped Gaussian noise, whose mean is not ``R`` near 0 and 1.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from bandits.core.rng import generator_of

__all__ = ["BERNOULLI", "GAUSSIAN", "GAUSSIAN_CLIPPED", "NOISE_CODES", "recovering_env_init", "recovering_step"]

BERNOULLI = 0
GAUSSIAN = 1
GAUSSIAN_CLIPPED = 2
#: Noise names (as in experiment files) -> codes.
NOISE_CODES = {"bernoulli": BERNOULLI, "gaussian": GAUSSIAN, "gaussian_clipped": GAUSSIAN_CLIPPED}


@nb.njit(cache=True, nogil=True)
def recovering_env_init(params):
    """Fresh environment state ``(idle int64[N], noise float64[N])``: the initial capped idle
    times and a scratch row for the period's draws. Draws nothing."""
    initial_idle = params[4]
    return initial_idle.copy(), np.zeros(initial_idle.size)


@nb.njit(cache=True, nogil=True)
def recovering_step(params, mean_rewards, env_state, pulled, n_pulled, rng, rewards_out):
    """One period: pull the arms ``pulled[:n_pulled]`` (distinct, checked by the caller).

    Draws N values (see the module docstring); ``rewards_out[j]`` gets the realised reward of
    arm ``pulled[j]`` at its current idle time ``s``: ``1.0 if u < R[i, s-1] else 0.0``
    (Bernoulli), ``R[i, s-1] + noise_std z`` (Gaussian) or that clipped to ``[0, 1]``. Then every
    idle time grows by one (capped at ``d_max``) and the pulled arms' restart at 1.

    Returns the period's expected reward, ``sum_j mean_rewards[pulled[j], s_j - 1]``.
    """
    recovery = params[0]
    noise = params[2]
    noise_std = params[3]
    idle, draws = env_state
    n_arms, d_max = recovery.shape
    generator = generator_of(rng)
    if noise == 0:
        for i in range(n_arms):
            draws[i] = generator.random()
    else:
        for i in range(n_arms):
            draws[i] = generator.standard_normal()
    expected = 0.0
    for j in range(n_pulled):
        i = pulled[j]
        mean = recovery[i, idle[i] - 1]
        expected += mean_rewards[i, idle[i] - 1]
        if noise == 0:
            rewards_out[j] = 1.0 if draws[i] < mean else 0.0
        else:
            value = mean + noise_std * draws[i]
            if noise == 2:
                value = min(1.0, max(0.0, value))
            rewards_out[j] = value
    for i in range(n_arms):
        if idle[i] < d_max:
            idle[i] += 1
    for j in range(n_pulled):
        idle[pulled[j]] = 1
    return expected
