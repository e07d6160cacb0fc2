"""A linear best-arm identification problem bound to a fixed table of potential rewards: what
differential privacy in this setting is defined on (Chen, Karthik, Chee & Tan, arXiv:2401.09073).

:class:`RewardTableBAIProblem` reads the reward of pulling arm ``k`` at time ``t`` from
``table[t - 1, k]`` in every driver (the fused runner and the Gymnasium shell); it can log the
arm of every pull (the ``pull_log`` metric) and its shell logs every entry read. With
:func:`environments.private_bai.problem.neighbour` it gives the pairs of neighbouring tables of
privacy tests and audits.
"""

from __future__ import annotations

import numpy as np

from bandits.core.validation import ParameterError
from environments.private_bai.problem import LinearBAIProblem

__all__ = ["RewardTableBAIProblem"]


class RewardTableBAIProblem(LinearBAIProblem):
    """``problem`` with its rewards read from ``table`` (``T x K``, entries 0 or 1).

    Parameters
    ----------
    problem : LinearBAIProblem
        Arms and means (the means still define the best arm, the error and the regret).
    table : array of shape (T, K)
        The potential rewards; a run's budget must be ``T``.
    log_pulls : bool, default False
        The fused loop also records the arm of every pull (metric ``pull_log``, ``(P, R, T)``).
    """

    def __init__(self, problem, table, log_pulls=False):
        if not isinstance(problem, LinearBAIProblem):
            raise ParameterError("problem", problem, "must be a LinearBAIProblem")
        array = np.array(table, dtype=np.float64)
        if array.ndim != 2 or array.shape[1] != problem.n_arms or array.shape[0] < 1:
            raise ParameterError("table", f"an array of shape {array.shape}",
                                 f"must have shape (T, K) with K = {problem.n_arms} and T >= 1")
        if not np.all((array == 0.0) | (array == 1.0)):
            raise ParameterError("table", "the table", "must hold only 0 and 1")
        array.setflags(write=False)
        self.base_problem = problem
        self.table = array
        self.log_pulls = bool(log_pulls)
        super().__init__(problem.features, problem.theta)

    @property
    def horizon(self) -> int:
        """T, the rows of the table."""
        return int(self.table.shape[0])

    def _check_horizon(self, horizon):
        if int(horizon) != self.horizon:
            raise ParameterError("horizon", horizon, f"must equal the reward table's T = {self.horizon} rows")

    def fused_loop(self, policies, horizon, record_points, table=None, pull_log=False):
        """The fused loop reading :attr:`table`."""
        self._check_horizon(horizon)
        return super().fused_loop(policies, horizon, record_points, table=self.table,
                                  pull_log=self.log_pulls or pull_log)

    def make_env(self, horizon: int):
        """The Gymnasium shell reading :attr:`table` and logging every entry it reads."""
        from environments.private_bai.shell import PrivateLinearBAIShell

        self._check_horizon(horizon)
        return PrivateLinearBAIShell(self, horizon, reward_table=self.table, record_reads=True)

    def to_dict(self) -> dict:
        return {**self.base_problem.to_dict(), "table_shape": list(self.table.shape)}
