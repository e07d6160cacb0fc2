"""Policies that ignore the linear structure: sequential halving (Karnin, Koren & Somekh, *Almost
Optimal Exploration in Multi-Armed Bandits*, ICML 2013) and uniform allocation, each private
with Laplace-noised means (scale ``1 / (epsilon n)``) or non-private with ``epsilon = inf``.
"""

from __future__ import annotations

from typing import ClassVar

from bandits.policies.private_bai import phased_elimination as engine
from bandits.policies.private_bai.face import (
    FIXED_BY_CLASS,
    PrivateBAIPolicy,
    set_common_parameters,
)

__all__ = ["SequentialHalving", "UniformAllocation"]


class SequentialHalving(PrivateBAIPolicy):
    """Sequential halving: ``ceil(log2 K)`` phases of equal budget, each pulling every active
    arm equally and keeping the better half (by noisy means when private).

    Parameters
    ----------
    epsilon : float, default 1.0
        ``> 0``; ``inf`` for the non-private algorithm.
    schedule : str or list of int, default "halving"
    noise_scale, noise_multiplier, reserved_pulls, rank_tolerance
        As for :class:`~bandits.policies.private_bai.dp_bai.DPBAI`.
    """

    name: ClassVar[str] = "sequential_halving"
    method: ClassVar[int] = engine.METHOD_UNIFORM

    def __init__(self, epsilon=1.0, schedule="halving", noise_scale="per_phase", noise_multiplier=1.0,
                 reserved_pulls=0, rank_tolerance=1e-10):
        set_common_parameters(self, epsilon, schedule, noise_scale, noise_multiplier, reserved_pulls, rank_tolerance)


class UniformAllocation(PrivateBAIPolicy):
    """Uniform allocation: every arm ``floor(T / K)`` times, then the largest (noisy) mean; one
    phase.

    Parameters
    ----------
    epsilon : float, default 1.0
        ``> 0``; ``inf`` for the non-private algorithm.
    noise_multiplier, reserved_pulls, rank_tolerance
        As for :class:`~bandits.policies.private_bai.dp_bai.DPBAI` (one phase: the noise scale
        conventions coincide).
    """

    name: ClassVar[str] = "uniform_allocation"
    method: ClassVar[int] = engine.METHOD_UNIFORM

    def __init__(self, epsilon=1.0, noise_multiplier=1.0, reserved_pulls=0, rank_tolerance=1e-10):
        set_common_parameters(self, epsilon, FIXED_BY_CLASS, FIXED_BY_CLASS, noise_multiplier, reserved_pulls, rank_tolerance)

    schedule: ClassVar[str] = "single"
    noise_scale: ClassVar[str] = "per_phase"
