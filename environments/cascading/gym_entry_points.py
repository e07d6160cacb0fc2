"""The registered Gymnasium environments of the cascading setting, built from parameters:
``gymnasium.make("regretlab/CascadingBandit-v0", attraction=[...], list_length=2)`` and
``gymnasium.make("regretlab/CascadingMDP-v0")``. Both also take a ready problem."""

from __future__ import annotations

from environments.cascading.problem import BLBCascadingBandit, CascadingBandit, RandomCascadingMDP
from environments.cascading.shell import CascadingBanditShell, CascadingMDPShell

__all__ = ["CascadingBanditEnv", "CascadingMDPEnv"]


class CascadingBanditEnv(CascadingBanditShell):
    """Gymnasium environment ``regretlab/CascadingBandit-v0`` (Kveton et al., 2015,
    arXiv:1502.02763): :class:`environments.cascading.shell.CascadingBanditShell` with default
    problems.

    Parameters
    ----------
    problem : CascadingBandit or BLBCascadingBandit, optional
        Default ``BLBCascadingBandit(16, 4, 0.2, 0.15)``.
    attraction, list_length : optional
        Alternatively the parameters of a :class:`CascadingBandit`.
    horizon : int, optional
        Time steps of the run (``truncated=True`` at the last); None: never truncate.
    """

    def __init__(self, problem=None, *, attraction=None, list_length=4, horizon=None):
        if problem is None:
            problem = BLBCascadingBandit() if attraction is None else CascadingBandit(attraction, list_length)
        super().__init__(problem, horizon)


class CascadingMDPEnv(CascadingMDPShell):
    """Gymnasium environment ``regretlab/CascadingMDP-v0`` (Du et al., 2024, arXiv:2401.08961):
    :class:`environments.cascading.shell.CascadingMDPShell` with a default problem.

    Parameters
    ----------
    problem : cascading problem, optional
        Default ``RandomCascadingMDP(n_items=10, instance_seed=0)``.
    horizon : int, optional
        Episodes of the run; None: never truncate.
    """

    def __init__(self, problem=None, *, horizon=None):
        if problem is None:
            problem = RandomCascadingMDP(n_items=10, instance_seed=0)
        super().__init__(problem, horizon)
