"""The registered Gymnasium environment of single-pass streaming bandits (Chen Wang, ICML 2023,
arXiv:2306.02208), built from parameters: ``gymnasium.make("regretlab/StreamingBandit-v0",
arms="clear-cut", n_arms=40, memory=8, horizon=10**6, batch_pulls=True)``. It also takes a ready
problem."""

from __future__ import annotations

from bandits.core.validation import ParameterError
from environments.streaming.problem import StreamingBandit
from environments.streaming.shell import StreamingBanditShell

__all__ = ["StreamingBanditEnv"]

#: The problem parameters of ``regretlab/StreamingBandit-v0`` when none are given (``n_arms``
#: only for the settings that draw their means: explicit means give their own K).
DEFAULT_PROBLEM_PARAMS = {"arms": "mix-in", "n_arms": 10, "memory": 4}


class StreamingBanditEnv(StreamingBanditShell):
    """Gymnasium environment ``regretlab/StreamingBandit-v0``:
    :class:`environments.streaming.shell.StreamingBanditShell` over a problem given, or built
    from keyword parameters.

    Parameters
    ----------
    problem : StreamingBandit, optional
        Default ``StreamingBandit(arms="mix-in", n_arms=10, memory=4)``, or built from
        ``problem_params`` over these defaults (with ``arms="explicit"``, K is ``len(means)``).
    horizon : int, default 1000
        T, ``1 <= T <= 2^62``.
    batch_pulls : bool, default False
        Allow PULL counts above 1.
    **problem_params
        Parameters of a :class:`StreamingBandit` (over the defaults above), instead of
        ``problem``.
    """

    def __init__(self, problem=None, *, horizon=1000, batch_pulls=False, **problem_params):
        if problem is None:
            params = DEFAULT_PROBLEM_PARAMS | problem_params
            if params["arms"] == "explicit" and "n_arms" not in problem_params:
                del params["n_arms"]
            problem = StreamingBandit(**params)
        elif problem_params:
            raise ParameterError("problem_params", sorted(problem_params), "pass either a problem or its parameters, not both")
        if not isinstance(problem, StreamingBandit):
            raise ParameterError("problem", problem, "must be a StreamingBandit")
        super().__init__(problem, horizon=horizon, batch_pulls=batch_pulls)
