"""The classic stochastic K-armed bandit: Bernoulli and Gaussian arms.

=========================  =========================================================
module                     holds
=========================  =========================================================
``problem``                :class:`BernoulliBandit`, :class:`GaussianBandit` (frozen parameters)
``instances``              :class:`EvenlySpacedBernoulliBandit` (K arms, means evenly spaced)
``view``                   :class:`ArmedBanditView`, what a learner may know
``dynamics``               the reward kernels ``bernoulli_pull``, ``gaussian_pull``
``loop``                   the fused loop :func:`run_classic_replication`
``shell``                  :class:`ArmedBanditShell`, the Gymnasium shell over a problem
``gym_entry_points``       ``regretlab/BernoulliBandit-v0`` and ``regretlab/GaussianBandit-v0``
=========================  =========================================================
"""

from environments.classic.dynamics import bernoulli_pull, gaussian_pull
from environments.classic.gym_entry_points import BernoulliBanditEnv, GaussianBanditEnv
from environments.classic.instances import EvenlySpacedBernoulliBandit
from environments.classic.loop import ClassicLoop, run_classic_replication
from environments.classic.problem import DEFAULT_MEANS, BernoulliBandit, GaussianBandit, check_rewards_compatible
from environments.classic.shell import ArmedBanditShell
from environments.classic.view import ArmedBanditView

__all__ = [
    "BernoulliBandit",
    "GaussianBandit",
    "EvenlySpacedBernoulliBandit",
    "DEFAULT_MEANS",
    "ArmedBanditView",
    "BernoulliBanditEnv",
    "GaussianBanditEnv",
    "ArmedBanditShell",
    "ClassicLoop",
    "run_classic_replication",
    "bernoulli_pull",
    "gaussian_pull",
    "check_rewards_compatible",
]
