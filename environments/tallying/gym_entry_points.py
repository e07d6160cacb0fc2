"""The registered Gymnasium environment of weighted tallying bandits (Malik, Igoe, Li & Singh,
arXiv:2305.02955), built from parameters::

    gymnasium.make("regretlab/WeightedTallying-v0", n_arms=5, memory=5, weighting="geometric")
    gymnasium.make("regretlab/WeightedTallying-v0", weights=[1, 1], loss_knots=[0, 2],
                   loss_values=[[0.9, 0.2], [0.4, 0.4]])

It also takes a ready problem.
"""

from __future__ import annotations

from typing import ClassVar

from bandits.core.validation import ParameterError
from environments.tallying.problem import (
    SyntheticTallyingBandit,
    WeightedTallyingBandit,
)
from environments.tallying.shell import WeightedTallyingShell

__all__ = ["WeightedTallyingEnv"]


class WeightedTallyingEnv(WeightedTallyingShell):
    """Gymnasium environment ``regretlab/WeightedTallying-v0``:
    :class:`environments.tallying.shell.WeightedTallyingShell` over a problem given, or built from
    keyword parameters.

    Parameters
    ----------
    problem : WeightedTallyingBandit, optional
        Default ``SyntheticTallyingBandit()`` (5 actions, m = 5, geometric weights 0.9^(i-1)).
    horizon : int, optional
        Steps of the run (``truncated=True`` at the last); None: never truncate.
    **problem_params
        Instead of ``problem``: the parameters of a :class:`WeightedTallyingBandit` (when
        ``weights`` is given) or of a :class:`SyntheticTallyingBandit`.
    """

    #: The problem an experiment file's environment named by this id builds (its ``<Name>``,
    #: ``WeightedTallying``, is not a problem name).
    problem_name: ClassVar[str] = "WeightedTallyingBandit"

    def __init__(self, problem=None, *, horizon=None, **problem_params):
        if problem is None:
            if "weights" in problem_params:
                problem = WeightedTallyingBandit(**problem_params)
            else:
                problem = SyntheticTallyingBandit(**problem_params)
        elif problem_params:
            raise ParameterError("problem_params", sorted(problem_params), "pass either a problem or its parameters, not both")
        if not isinstance(problem, WeightedTallyingBandit):
            raise ParameterError("problem", problem, "must be a WeightedTallyingBandit")
        super().__init__(problem, horizon)
