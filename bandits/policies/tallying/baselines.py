"""Baselines of the weighted-tallying setting (the paper's own baselines are not known to us;
these are our choice): :class:`BlockedEXP3`, the mini-batched EXP3 of Arora, Dekel & Tewari
(ICML 2012, arXiv:1206.6400) whose policy regret against adaptive adversaries with bounded memory
is ``O(T^(2/3))``, and :class:`FixedArm`, which always plays one action (the oracle comparator
when it is a*, the repeated-exposure-optimal action). The classic policies (UCB1, EXP3,
successive elimination without burn-in) run on tallying problems unchanged and serve as the
switching baselines.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.selection import sample_categorical
from bandits.core.validation import ParameterError, check_integer, check_real
from bandits.policies.tallying.face import TallyingPolicy

__all__ = ["BlockedEXP3", "FixedArm"]


@nb.njit(cache=True, nogil=True)
def blocked_exp3_init(n_arms, hyper):
    """State ``(estimated losses L_hat, probabilities p float64[K], block int64[3] = (arm of the
    block, steps into it, started), block reward sum float64[1])``."""
    return np.zeros(n_arms), np.full(n_arms, 1.0 / n_arms), np.zeros(3, np.int64), np.zeros(1)


@nb.njit(cache=True, nogil=True)
def blocked_exp3_select(state, hyper, t, rng):
    """At a block start, draw the block's action from ``p ∝ exp(-eta L_hat)`` (one uniform); play it
    for the whole block."""
    loss, p, block, total = state
    eta = hyper[0]
    if block[2] == 0:
        lowest = loss.min()
        norm = 0.0
        for k in range(loss.size):
            p[k] = math.exp(-eta * (loss[k] - lowest))
            norm += p[k]
        for k in range(loss.size):
            p[k] /= norm
        block[0] = sample_categorical(p, rng)
        block[1] = 0
        block[2] = 1
        total[0] = 0.0
    return block[0]


@nb.njit(cache=True, nogil=True)
def blocked_exp3_update(state, hyper, arm, reward, t):
    """Add the step's loss ``1 - reward`` to the block; at the block's end feed the block's mean
    loss, importance weighted, to the block's action."""
    loss, p, block, total = state
    length = hyper[1]
    if block[2] == 0:
        return
    total[0] += 1.0 - reward
    block[1] += 1
    if block[1] >= length:
        chosen = block[0]
        loss[chosen] += (total[0] / length) / p[chosen]
        block[2] = 0


class BlockedEXP3(TallyingPolicy):
    """EXP3 over blocks of ``block_length`` steps (Arora, Dekel & Tewari 2012): one action per
    block, drawn from exponential weights of the importance-weighted block-mean losses
    ``1 - reward`` (rewards in [0, 1]: use ``reward_form="one_minus_loss"``).

    Parameters
    ----------
    block_length : int, optional
        tau >= 1; default ``ceil(T^(1/3))`` (needs the horizon), the choice behind the
        ``O(T^(2/3))`` policy regret.
    learning_rate : float, optional
        eta > 0; default ``sqrt(2 ln K / (K T / tau))``, the EXP3 rate for ``T / tau`` rounds.
    """

    name = "blocked_exp3"
    reward_range = (0.0, 1.0)
    init_kernel = blocked_exp3_init
    select_kernel = blocked_exp3_select
    update_kernel = blocked_exp3_update

    def __init__(self, block_length=None, learning_rate=None):
        self.block_length = None if block_length is None else check_integer("block_length", block_length, low=1)
        self.learning_rate = None if learning_rate is None else check_real("learning_rate", learning_rate, low=0.0,
                                                                            low_open=True)

    @property
    def needs_horizon(self) -> bool:
        return self.block_length is None or self.learning_rate is None

    def kernel_hyper(self, view, horizon):
        length = self.block_length if self.block_length is not None else max(1, math.ceil(horizon ** (1.0 / 3.0)))
        if self.learning_rate is not None:
            eta = self.learning_rate
        else:
            rounds = max(1.0, horizon / length)
            eta = math.sqrt(2.0 * math.log(max(view.n_arms, 2)) / (view.n_arms * rounds))
        return (float(eta), np.int64(length))


@nb.njit(cache=True, nogil=True)
def fixed_arm_init(n_arms, hyper):
    """No state."""
    return (np.zeros(1, np.int64),)


@nb.njit(cache=True, nogil=True)
def fixed_arm_select(state, hyper, t, rng):
    """The fixed action (``min(arm, K - 1)``)."""
    return hyper[0]


@nb.njit(cache=True, nogil=True)
def fixed_arm_update(state, hyper, arm, reward, t):
    """Nothing to learn."""


class FixedArm(TallyingPolicy):
    """Always plays ``arm`` (the last action when ``arm >= K``). With ``arm`` = a* this is the
    oracle of the "always a*" comparator: its complete policy regret is 0 under that comparator.

    Parameters
    ----------
    arm : int, default 0
    """

    name = "fixed_arm"
    init_kernel = fixed_arm_init
    select_kernel = fixed_arm_select
    update_kernel = fixed_arm_update

    def __init__(self, arm=0):
        self.arm = check_integer("arm", arm, low=0)

    def check_arms(self, n_arms: int, path: str = "policy") -> None:
        """``ValueError`` naming ``{path}.arm`` unless ``arm < n_arms`` (problems call it before
        any work; the face itself plays ``min(arm, K - 1)``)."""
        if self.arm >= n_arms:
            raise ParameterError(f"{path}.arm", self.arm, f"must be an action of the problem, < K = {n_arms}")

    def kernel_hyper(self, view, horizon):
        return (np.int64(min(self.arm, view.n_arms - 1)),)
