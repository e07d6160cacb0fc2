"""The registered Gymnasium environments of the solver-tuning setting (Khodak, Chow, Balcan &
Talwalkar, *Learning to Relax*, ICLR 2024, arXiv:2310.02246), built from parameters:
``gymnasium.make("regretlab/SORTuning-v0", grid_size=5, horizon=10)`` and
``gymnasium.make("regretlab/HeatEquationTuning-v0", nx=25, horizon=100)``. Both also take a ready
problem; ``problem.make_env(horizon)`` gives the shell of :mod:`environments.solver_tuning.shell`
over a problem directly.
"""

from __future__ import annotations

from bandits.core.validation import ParameterError
from environments.solver_tuning.heat_problem import HeatEquationTuning
from environments.solver_tuning.shell import HeatEquationTuningShell, SORTuningShell
from environments.solver_tuning.sor_problem import SORTuning

__all__ = ["SORTuningEnv", "HeatEquationTuningEnv"]


def _problem_of(kind, problem, problem_params):
    """``problem`` (an instance of the problem class ``kind``), or ``kind(**problem_params)``;
    :class:`ParameterError` if both or a problem of another class are given."""
    if problem is None:
        return kind(**problem_params)
    if problem_params:
        raise ParameterError("problem_params", sorted(problem_params), "pass either a problem or its parameters, not both")
    if not isinstance(problem, kind):
        raise ParameterError("problem", problem, f"must be a {kind.__name__}")
    return problem


class SORTuningEnv(SORTuningShell):
    """Gymnasium environment ``regretlab/SORTuning-v0``:
    :class:`environments.solver_tuning.shell.SORTuningShell` over a :class:`SORTuning` built from
    keyword parameters.

    Parameters
    ----------
    problem : SORTuning, optional
        The problem; None (default): ``SORTuning(**problem_params)``.
    horizon : int, default 5000
        Instances of the run (``truncated=True`` at the last).
    continuous : bool, default False
        Omega itself as the action (``Box(0, 2)``) instead of an index into the grid.
    info_costs : bool, default False
        Add the costs at omega* and at every grid point to ``info``.
    **problem_params
        The parameters of :class:`SORTuning` (only without ``problem``).
    """

    def __init__(self, problem=None, *, horizon=5000, continuous=False, info_costs=False, **problem_params):
        super().__init__(_problem_of(SORTuning, problem, problem_params), horizon=horizon, continuous=continuous,
                         info_costs=info_costs)


class HeatEquationTuningEnv(HeatEquationTuningShell):
    """Gymnasium environment ``regretlab/HeatEquationTuning-v0``:
    :class:`environments.solver_tuning.shell.HeatEquationTuningShell` over a
    :class:`HeatEquationTuning` built from keyword parameters.

    Parameters
    ----------
    problem : HeatEquationTuning, optional
        The problem; None (default): ``HeatEquationTuning(**problem_params)``.
    horizon : int, default 5000
        Time steps of the run (``truncated=True`` at the last).
    continuous : bool, default False
        Omega itself as the action (``Box(0, 2)``) instead of an index into the grid.
    instance_optimal : bool, default False
        Add the golden-section instance-optimal omega of every step to ``info``.
    **problem_params
        The parameters of :class:`HeatEquationTuning` (only without ``problem``).
    """

    def __init__(self, problem=None, *, horizon=5000, continuous=False, instance_optimal=False, **problem_params):
        super().__init__(_problem_of(HeatEquationTuning, problem, problem_params), horizon=horizon,
                         continuous=continuous, instance_optimal=instance_optimal)
