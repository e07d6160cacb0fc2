"""Dynamics of single-pass streaming bandits (Chen Wang, ICML 2023, arXiv:2306.02208): the numba
kernels that draw a replication's instance and apply one operation.

Batch pulls
-----------
A PULL of ``n`` pulls draws its number of successes as one exact ``Binomial(n, mu)`` (numba's
generator uses NumPy's algorithms: inversion for small ``n min(p, 1 - p)``, BTPE above, O(1)
expected time at any n), so that horizons up to 10^18 simulate in O(K) operations. With
``gaussian_threshold > 0`` a batch of more than that many pulls instead draws its mean from
``N(mu, (2 / sqrt(n))^2)`` (the official code's shortcut, threshold 100000 there; its standard
deviation is 4 times the worst-case Bernoulli one): the success count is ``round(n * mean)``
clipped to ``[0, n]``.

Arm settings
------------
``arms="mix-in"``: K means i.i.d. Uniform[0, 1]. ``arms="clear-cut"``: K - 1 means from a normal
``N(0.5, 0.1^2)`` truncated to ``[0, 0.8]`` (rejection sampling) plus one arm at 0.82 (the
official experiment's two settings). ``arms="explicit"``: the given ``means``. Generated means
are drawn **per replication** from the environment stream at reset, as the official script draws
new arms for every seed; then the stream order is a uniform permutation (``shuffle=True``; the
official shuffle is unseeded, so its runs cannot be reproduced; here it comes from the
environment stream). Every policy of a replication sees the same means and order (common random
numbers); batch outcomes are not paired across policies (a binomial draw consumes a variable
number of uniforms).

Draw discipline
---------------
At reset: the means (generated settings: K uniforms, or K - 1 truncated normals by rejection),
then the permutation (``shuffle``). Then one binomial (or one normal) per PULL or COMMIT.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.rng import generator_of
from environments.streaming.protocol import (
    DISCARD,
    ERR_COUNT,
    ERR_EMPTY_SLOT,
    ERR_FINISHED,
    ERR_OPERATION,
    ERR_SLOT_OCCUPIED,
    ERR_SLOT_RANGE,
    ERR_STREAM_EXHAUSTED,
    PULL,
    READ,
)

__all__ = [
    "ARM_SETTINGS",
    "ARMS_CODE",
    "ENV_NEXT_ARM",
    "ENV_PULLS_USED",
    "ENV_COMMITTED_POSITION",
    "ENV_PEAK_MEMORY",
    "ENV_MEMORY_IN_USE",
    "ENV_HORIZON",
    "stream_env_init",
    "stream_apply",
    "batch_successes",
]

#: The arm settings, and their codes in the kernel parameters.
ARM_SETTINGS = ("mix-in", "clear-cut", "explicit")
ARMS_CODE = {"mix-in": 0, "clear-cut": 1, "explicit": 2}

#: Indices of the environment state's counters (``env_state[2]``; the policies' registers are
#: ``bandits.policies.streaming.state.POLICY_*``): the next arm of the stream, pulls used, the
#: stream position of the committed arm (-1 before a COMMIT), peak memory, memory in use, T.
ENV_NEXT_ARM = 0
ENV_PULLS_USED = 1
ENV_COMMITTED_POSITION = 2
ENV_PEAK_MEMORY = 3
ENV_MEMORY_IN_USE = 4
ENV_HORIZON = 5


@nb.njit(cache=True, nogil=True)
def _truncated_normal(g, mean, std, high):
    """``N(mean, std^2)`` conditioned on ``[0, high]``, by rejection."""
    while True:
        z = mean + std * g.standard_normal()
        if 0.0 <= z <= high:
            return z


@nb.njit(cache=True, nogil=True)
def stream_env_init(params, horizon, rng):
    """Environment state of one replication: ``(means in stream order float64[K], slots int64[M]
    (stream position or -1), counters int64[6] = (next arm, pulls used, committed position or
    -1, peak memory, memory in use, T), instance float64[2] = (mu*, best minus second-best
    mean))``.

    ``params = (base means, arms code, K, M, shuffle, gaussian_threshold, (clear-cut mean, std,
    high, best))`` (:attr:`environments.streaming.StreamingBandit.kernel_params`). Draws the
    means of a generated setting (mix-in: K uniforms; clear-cut: K - 1 truncated normals, the
    arm at ``best`` last), then, if ``shuffle``, a uniform permutation.
    """
    base, arms_code, n_arms, memory, shuffle, gaussian_threshold, shape = params
    g = generator_of(rng)
    means = np.empty(n_arms, np.float64)
    if arms_code == 0:
        for i in range(n_arms):
            means[i] = g.random()
    elif arms_code == 1:
        for i in range(n_arms - 1):
            means[i] = _truncated_normal(g, shape[0], shape[1], shape[2])
        means[n_arms - 1] = shape[3]
    else:
        for i in range(n_arms):
            means[i] = base[i]
    if shuffle != 0:
        order = g.permutation(n_arms)
        means = means[order]
    best = -1.0
    second = -1.0
    for i in range(n_arms):
        m = means[i]
        if m > best:
            second = best
            best = m
        elif m > second:
            second = m
    gap = best - second if n_arms > 1 else 0.0
    slots = np.full(memory, -1, np.int64)
    counters = np.zeros(6, np.int64)
    counters[ENV_COMMITTED_POSITION] = -1
    counters[ENV_HORIZON] = horizon
    instance = np.array([best, gap])
    return means, slots, counters, instance


@nb.njit(cache=True, nogil=True)
def batch_successes(n, p, gaussian_threshold, g):
    """Successes of ``n`` Bernoulli(``p``) pulls: one exact ``Binomial(n, p)`` draw, or, when
    ``0 < gaussian_threshold < n``, ``round(n * mean)`` clipped to ``[0, n]`` with ``mean ~
    N(p, (2 / sqrt(n))^2)`` (the official code's shortcut)."""
    if gaussian_threshold > 0 and n > gaussian_threshold:
        mean = p + g.standard_normal() * 2.0 / math.sqrt(n)
        s = math.floor(n * mean + 0.5)
        if s < 0.0:
            return 0
        if s >= n:
            return n
        return np.int64(s)
    return g.binomial(n, p)


@nb.njit(cache=True, nogil=True)
def stream_apply(params, env_state, op, slot, count, rng):
    """Apply one operation; return ``(status, pulls_done, successes, gap)``.

    * READ: the next arm of the stream into the free ``slot``; status = its stream position.
    * PULL: ``n = min(count, T - pulls used)`` pulls of the arm in ``slot`` (the last batch is
      cut short so that a run has exactly T pulls); successes from :func:`batch_successes`;
      gap = ``mu* - mu``; status = the arm's stream position.
    * DISCARD: frees ``slot``; the arm is gone for ever.
    * COMMIT: PULL with ``n = T - pulls used``; nothing is accepted afterwards.

    A negative status (:data:`environments.streaming.STATUS_MESSAGES`) means the operation was
    refused and the state is unchanged. Memory in use and its peak are tracked (a committed arm
    stays stored).
    """
    gaussian_threshold = params[5]
    means, slots, counters, instance = env_state
    memory = slots.size
    if counters[ENV_COMMITTED_POSITION] >= 0 or counters[ENV_PULLS_USED] >= counters[ENV_HORIZON]:
        return ERR_FINISHED, 0, 0, 0.0
    if op < 0 or op > 3:
        return ERR_OPERATION, 0, 0, 0.0
    if slot < 0 or slot >= memory:
        return ERR_SLOT_RANGE, 0, 0, 0.0
    if op == READ:
        if slots[slot] >= 0:
            return ERR_SLOT_OCCUPIED, 0, 0, 0.0
        position = counters[ENV_NEXT_ARM]
        if position >= means.size:
            return ERR_STREAM_EXHAUSTED, 0, 0, 0.0
        slots[slot] = position
        counters[ENV_NEXT_ARM] = position + 1
        counters[ENV_MEMORY_IN_USE] += 1
        if counters[ENV_MEMORY_IN_USE] > counters[ENV_PEAK_MEMORY]:
            counters[ENV_PEAK_MEMORY] = counters[ENV_MEMORY_IN_USE]
        return position, 0, 0, 0.0
    position = slots[slot]
    if position < 0:
        return ERR_EMPTY_SLOT, 0, 0, 0.0
    if op == DISCARD:
        slots[slot] = -1
        counters[ENV_MEMORY_IN_USE] -= 1
        return position, 0, 0, 0.0
    remaining = counters[ENV_HORIZON] - counters[ENV_PULLS_USED]
    if op == PULL:
        if count < 1:
            return ERR_COUNT, 0, 0, 0.0
        n = count if count < remaining else remaining
    else:
        n = remaining
        counters[ENV_COMMITTED_POSITION] = position
    p = means[position]
    s = batch_successes(n, p, gaussian_threshold, generator_of(rng))
    counters[ENV_PULLS_USED] += n
    return position, n, s, instance[0] - p
