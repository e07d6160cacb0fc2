"""The registered Gymnasium environment of fixed-budget linear best-arm identification (Chen,
Karthik, Chee & Tan, arXiv:2401.09073), built from parameters::

    gymnasium.make("regretlab/PrivateLinearBAI-v0", features=[[1, 0], [0, 1]], theta=[0.8, 0.3],
                   horizon=1000)
    gymnasium.make("regretlab/PrivateLinearBAI-v0", instance="soare", dimension=4)
    gymnasium.make("regretlab/PrivateLinearBAI-v0", instance="random_unit_arms", n_arms=50)

It also takes a ready problem.
"""

from __future__ import annotations

from typing import ClassVar

from bandits.core.validation import ParameterError, check_choice
from environments.private_bai.instances import random_unit_arms, soare_instance
from environments.private_bai.problem import LinearBAIProblem
from environments.private_bai.shell import PrivateLinearBAIShell

__all__ = ["PrivateLinearBAIEnv"]

_INSTANCES = {"soare": soare_instance, "random_unit_arms": random_unit_arms}


class PrivateLinearBAIEnv(PrivateLinearBAIShell):
    """Gymnasium environment ``regretlab/PrivateLinearBAI-v0``:
    :class:`environments.private_bai.shell.PrivateLinearBAIShell` over a problem given, or built
    from keyword parameters.

    Parameters
    ----------
    problem : LinearBAIProblem, optional
        Default: the Soare et al. instance in dimension 2 (:func:`soare_instance`).
    horizon : int, default 1000
        The budget T.
    instance : {"soare", "random_unit_arms"}, optional
        Build the problem with :func:`soare_instance` or :func:`random_unit_arms` from the other
        keyword parameters.
    **problem_params
        ``features`` and ``theta`` of a :class:`LinearBAIProblem`, or the instance's parameters.
    reward_table, record_reads
        As for the shell.
    """

    #: The problem an experiment file's environment named by this id builds.
    problem_name: ClassVar[str] = "LinearBAIProblem"

    def __init__(self, problem=None, *, horizon=1000, instance=None, reward_table=None, record_reads=False,
                 **problem_params):
        if problem is None:
            if instance is not None:
                instance = check_choice("instance", instance, tuple(_INSTANCES))
                problem = _INSTANCES[instance](**problem_params)
            elif problem_params:
                problem = LinearBAIProblem(**problem_params)
            else:
                problem = soare_instance()
        elif problem_params or instance is not None:
            raise ParameterError("problem_params", sorted(problem_params), "pass either a problem or its parameters, not both")
        if not isinstance(problem, LinearBAIProblem):
            raise ParameterError("problem", problem, "must be a LinearBAIProblem")
        super().__init__(problem, horizon, reward_table=reward_table, record_reads=record_reads)
