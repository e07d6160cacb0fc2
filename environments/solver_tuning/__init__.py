"""Online tuning of the SOR / SSOR-PCG relaxation parameter omega over a sequence of linear systems
(Khodak, Chow, Balcan & Talwalkar, *Learning to Relax: Setting Solver Parameters Across a
Sequence of Linear System Instances*, ICLR 2024, arXiv:2310.02246).

Each round a linear system arrives, its scalar context is revealed, the learner picks omega from a
grid, the solver runs and the learner pays (and sees) its iteration count.

Problems
--------
:class:`SORTuning` (``regretlab/SORTuning-v0``)
    The synthetic sequence: shifted 2-D Laplacians ``(A + c_t I) x = b_t`` solved by SOR from
    ``x = 0``; the context is the shift; regret against Young's instance-optimal omega.
:class:`HeatEquationTuning` (``regretlab/HeatEquationTuning-v0``)
    Warm-started SSOR-PCG along a Crank-Nicolson simulation of the 2-D heat equation; the
    context is the diffusion coefficient; the curve is the cumulative iteration count.

Modules
-------
:mod:`.protocol`
    :class:`OmegaGridView` (the learner view), :data:`DEFAULT_OMEGA_GRID`, :data:`MAX_COST`.
:mod:`.sor_dynamics`, :mod:`.heat_dynamics`
    The compiled instance draws, systems and solves.
:mod:`.sor_problem`, :mod:`.heat_problem`
    The problems (frozen, validated parameters).
:mod:`.loop`
    The fused replication loops and their :class:`~bandits.core.protocols.FusedLoop` objects.
:mod:`.shell`
    The Gymnasium shells :class:`SORTuningShell` and :class:`HeatEquationTuningShell`, over a
    problem (what ``problem.make_env(horizon)`` returns).
:mod:`.gym_entry_points`
    The registered environments :class:`SORTuningEnv` (``regretlab/SORTuning-v0``) and
    :class:`HeatEquationTuningEnv` (``regretlab/HeatEquationTuning-v0``), which build the
    problem from keyword parameters.
:mod:`.linear_solvers`
    SOR, SSOR-PCG and CG (CSR and matrix-free stencil), closed forms, golden section, heat
    numerics.

The setting's policies live in :mod:`bandits.policies.solver_tuning`; its report section in
:mod:`bandits.report.solver_tuning`.
"""

from environments.solver_tuning.gym_entry_points import HeatEquationTuningEnv, SORTuningEnv
from environments.solver_tuning.heat_dynamics import HEAT_PRESETS
from environments.solver_tuning.heat_problem import PAPER_HEAT_HORIZON, HeatEquationTuning
from environments.solver_tuning.loop import HeatLoop, SolverTuningLoop, run_heat_replication, run_solver_tuning_replication
from environments.solver_tuning.protocol import DEFAULT_OMEGA_GRID, MAX_COST, OmegaGridView
from environments.solver_tuning.shell import HeatEquationTuningShell, SORTuningShell
from environments.solver_tuning.sor_dynamics import SHIFT_DISTRIBUTIONS, draw_instance, omega_star_of_shift
from environments.solver_tuning.sor_problem import SORTuning

__all__ = [
    "SORTuning",
    "SORTuningEnv",
    "SORTuningShell",
    "HeatEquationTuning",
    "HeatEquationTuningEnv",
    "HeatEquationTuningShell",
    "OmegaGridView",
    "DEFAULT_OMEGA_GRID",
    "MAX_COST",
    "SHIFT_DISTRIBUTIONS",
    "HEAT_PRESETS",
    "PAPER_HEAT_HORIZON",
    "draw_instance",
    "omega_star_of_shift",
    "run_solver_tuning_replication",
    "run_heat_replication",
    "SolverTuningLoop",
    "HeatLoop",
]

