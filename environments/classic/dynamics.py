"""Reward kernels of the classic stochastic K-armed bandit.

``pull(params, arm, rng) -> float`` draws a reward; ``params`` is the problem's
``kernel_params`` tuple and ``rng`` a :class:`numpy.random.Generator` (fused runner) or a
:class:`bandits.core.rng.RandomStream` (Gymnasium shell); see :func:`bandits.core.rng.generator_of`.
Each pull consumes exactly one draw from the environment's stream, whichever arm is pulled, so
two policies run on the same environment seed see the same noise at every step (common random
numbers).
"""

from __future__ import annotations

import numba as nb

from bandits.core.rng import generator_of

__all__ = ["bernoulli_pull", "gaussian_pull"]


@nb.njit(cache=True, nogil=True)
def bernoulli_pull(params, arm, rng):
    """Bernoulli reward of ``arm``: one uniform draw ``u``, reward ``1.0 if u < means[arm]``."""
    means = params[0]
    return 1.0 if generator_of(rng).random() < means[arm] else 0.0


@nb.njit(cache=True, nogil=True)
def gaussian_pull(params, arm, rng):
    """Gaussian reward of ``arm``: ``means[arm] + noise_std * z`` with one draw ``z ~ N(0, 1)``."""
    means = params[0]
    noise_std = params[1]
    return means[arm] + noise_std * generator_of(rng).standard_normal()


