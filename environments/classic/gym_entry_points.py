"""The registered Gymnasium environments of the classic bandit, built from parameters:
``gymnasium.make("regretlab/BernoulliBandit-v0", means=[...])``."""

from __future__ import annotations

from environments.classic.problem import DEFAULT_MEANS, BernoulliBandit, GaussianBandit
from environments.classic.shell import ArmedBanditShell

__all__ = ["BernoulliBanditEnv", "GaussianBanditEnv"]


class BernoulliBanditEnv(ArmedBanditShell):
    """Gymnasium environment ``regretlab/BernoulliBandit-v0``: K Bernoulli arms.

    Parameters
    ----------
    means : sequence of float, default ``DEFAULT_MEANS`` (0.1, 0.19, ..., 0.9)
        Arm means in ``[0, 1]``.
    """

    def __init__(self, means=DEFAULT_MEANS):
        super().__init__(BernoulliBandit(means))


class GaussianBanditEnv(ArmedBanditShell):
    """Gymnasium environment ``regretlab/GaussianBandit-v0``: K Gaussian arms.

    Parameters
    ----------
    means : sequence of float, default ``DEFAULT_MEANS``
        Finite arm means.
    noise_std : float, default 1.0
        Noise standard deviation, ``>= 0``.
    """

    def __init__(self, means=DEFAULT_MEANS, noise_std=1.0):
        super().__init__(GaussianBandit(means, noise_std))


