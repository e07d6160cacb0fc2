"""The registered Gymnasium environment of the recovering-rewards setting (Simchi-Levi, Zheng &
Zhu, arXiv:2106.14813), built from parameters::

    gymnasium.make("regretlab/RecoveringBandit-v0", family="logistic", n_arms=8, d_max=6, max_pulls=2)
    gymnasium.make("regretlab/RecoveringBandit-v0", recovery=[[0.1, 0.5, 0.9], [0.3, 0.3, 0.4]], max_pulls=1)

It also takes a ready problem.
"""

from __future__ import annotations

from bandits.core.validation import ParameterError
from environments.recovering.problem import RandomRecoveringBandit, RecoveringBandit
from environments.recovering.shell import RecoveringBanditShell

__all__ = ["RecoveringBanditEnv"]


class RecoveringBanditEnv(RecoveringBanditShell):
    """Gymnasium environment ``regretlab/RecoveringBandit-v0``:
    :class:`environments.recovering.shell.RecoveringBanditShell` over a problem given, or built
    from keyword parameters.

    Parameters
    ----------
    problem : RecoveringBandit, optional
        Default ``RandomRecoveringBandit()`` (10 concave arms, d_max = 10, K = 3).
    horizon : int, optional
        Periods of the run (``truncated=True`` at the last); None: never truncate.
    **problem_params
        Instead of ``problem``: the parameters of a :class:`RecoveringBandit` (when ``recovery``
        is given) or of a :class:`RandomRecoveringBandit`.
    """

    def __init__(self, problem=None, *, horizon=None, **problem_params):
        if problem is None:
            if "recovery" in problem_params:
                problem = RecoveringBandit(**problem_params)
            else:
                problem = RandomRecoveringBandit(**problem_params)
        elif problem_params:
            raise ParameterError("problem_params", sorted(problem_params), "pass either a problem or its parameters, not both")
        if not isinstance(problem, RecoveringBandit):
            raise ParameterError("problem", problem, "must be a RecoveringBandit")
        super().__init__(problem, horizon)
