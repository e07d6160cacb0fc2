"""The heat-equation tuning problem of Khodak, Chow, Balcan & Talwalkar (*Learning to Relax*, ICLR
2024, arXiv:2310.02246, Appendix G.2; the official script ``h2d.m``): SSOR-PCG
along a Crank-Nicolson simulation of the 2-D heat equation, one warm-started linear system per
time step, the omega picked after seeing the diffusion coefficient kappa of the step.

The state (and so the cost) depends on the omegas played, so each policy runs its own trajectory
and the regret curve is the cumulative iteration count; comparators (fixed omegas, vanilla CG, the
golden-section instance-optimal omega) are runs of their own. The compiled systems and solves are
in :mod:`environments.solver_tuning.heat_dynamics`, the fused loop in
:mod:`environments.solver_tuning.loop`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from bandits.core.validation import check_choice, check_integer, check_real
from environments.solver_tuning.heat_dynamics import HEAT_PRESETS
from environments.solver_tuning.loop import HeatLoop
from environments.solver_tuning.protocol import OmegaGridView, check_flag, check_policy_fits, check_problem_omega_grid
from environments.solver_tuning.shell import HeatEquationTuningShell

__all__ = ["HeatEquationTuning", "PAPER_HEAT_HORIZON"]

#: The paper's number of time steps (t in [0, 5] with dt = 1e-3): the horizon of
#: :attr:`HeatEquationTuning.learner_view`.
PAPER_HEAT_HORIZON = 5000


@dataclass(frozen=True, eq=False)
class HeatEquationTuning:
    """SSOR-PCG parameter tuning along a Crank-Nicolson simulation of the 2-D heat equation
    ``u_t = kappa(t) Laplace(u) + f(t, x)`` on [0, 1]^2 (Khodak et al., arXiv:2310.02246,
    Appendix G.2): one linear system per time step, warm-started from the previous solution, so
    the state (and the cost) depends on the omegas played. The horizon is the number of time
    steps (5000 for t in [0, 5] with dt = 1e-3). The sequence is deterministic (no environment
    randomness).

    Parameters
    ----------
    nx : int >= 3, default 50
        Grid cells per side, dx = 1/nx, n = (nx - 1)^2 unknowns (paper: 25, 50, 100, 200, 400).
    preset : {"code", "paper"}, default "code"
        "code": kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t) and bumps with peak 1, as the
        official code that produced the plots; "paper": the text's 0.01 and peak 1/e. The
        forcing centre is (1/2 + cos(16 pi t)/4, 1/2 + sin(16 pi t)/4) in both (the paper's
        cos-cos is a typo).
    context_time : {"start", "midpoint"}, default "start"
        The context is kappa at the start of the step (code) or at its midpoint (paper).
    solver : {"ssor_pcg", "cg"}, default "ssor_pcg"
        "cg": vanilla conjugate gradient, for comparison; omega is then ignored (run it with
        one ``fixed_omega`` policy).
    dt : float, default 1e-3
    tolerance : float, default 1e-8
        Stop at ``||b - A x|| <= tolerance ||b||`` (MATLAB pcg semantics: 0 iterations when the
        warm start already passes).
    max_iterations : int, default 10000
    omega_grid : sequence of float in (0, 2), default ``linspace(1, 1.95, 20)``
    record_actions : bool, default True

    Raises
    ------
    bandits.core.validation.ParameterError
        For a bad argument (a ``ValueError`` naming the parameter, the rule and the value).
    """

    nx: int = 50
    preset: str = "code"
    context_time: str = "start"
    solver: str = "ssor_pcg"
    dt: float = 1e-3
    tolerance: float = 1e-8
    max_iterations: int = 10_000
    omega_grid: tuple | None = None
    record_actions: bool = True

    name: ClassVar[str] = "HeatEquationTuning"
    time_unit: ClassVar[str] = "time step"
    reward_range: ClassVar[tuple] = (-math.inf, 0.0)
    regret_label: ClassVar[str] = "cumulative solver iterations"
    #: The curves are total iterations, not a regret (omega*(c_t) is not computed for the heat
    #: equation): a report states no theoretical regret rates beside them.
    curves_are_regret: ClassVar[bool] = False
    #: Per-replication metrics a sweep report plots against the swept parameters.
    sweep_metrics: ClassVar[tuple] = (("total_iterations", "total solver iterations", "mean"),)

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        set_("nx", check_integer("nx", self.nx, low=3, high=4096))
        check_choice("preset", self.preset, tuple(HEAT_PRESETS))
        check_choice("context_time", self.context_time, ("start", "midpoint"))
        check_choice("solver", self.solver, ("ssor_pcg", "cg"))
        set_("dt", check_real("dt", self.dt, low=0.0, low_open=True))
        set_("tolerance", check_real("tolerance", self.tolerance, low=0.0, high=1.0, low_open=True, high_open=True))
        set_("max_iterations", check_integer("max_iterations", self.max_iterations, low=1, high=2**31 - 1))
        set_("omega_grid", check_problem_omega_grid(self.omega_grid))
        set_("record_actions", check_flag("record_actions", self.record_actions))
        coefficient, peak = HEAT_PRESETS[self.preset]
        set_("_kernel_params", (np.int64(self.nx), float(self.dt), float(coefficient), float(peak),
                                np.int64(self.context_time == "midpoint"), float(self.tolerance),
                                np.int64(self.max_iterations), self.solver == "ssor_pcg"))
        grid_array = np.array(self.omega_grid, np.float64)
        grid_array.setflags(write=False)
        set_("_grid", grid_array)

    @property
    def kernel_params(self) -> tuple:
        """``(nx, dt, kappa coefficient, bump peak, context at midpoint, tolerance, cap,
        preconditioned)``."""
        return self._kernel_params

    @property
    def grid(self) -> np.ndarray:
        """The omega grid as a read-only array."""
        return self._grid

    @property
    def n_unknowns(self) -> int:
        """``(nx - 1)^2``, the size of each linear system."""
        return (self.nx - 1) ** 2

    def context_bounds(self, horizon: int) -> tuple[float, float]:
        """``[cmin, cmax]``: min and max of kappa over ``linspace(0, horizon dt, horizon)`` (at least
        2 points), the official code's context interval for the contextual learners
        (``linspace(0, 5, 5000)`` at the paper's horizon)."""
        coefficient = HEAT_PRESETS[self.preset][0]
        times = np.linspace(0.0, horizon * self.dt, max(horizon, 2))  # 2 points: never an empty interval
        values = np.maximum(coefficient * np.sin(2 * np.pi * times), -10.0 * np.sin(2 * np.pi * times))
        return float(values.min()), float(values.max())

    def learner_view_for(self, horizon: int) -> OmegaGridView:
        """The learner view of a run of ``horizon`` time steps: the omega grid and
        :meth:`context_bounds` over that horizon (what the fused loop and
        ``make_env(horizon)`` give the policies)."""
        horizon = check_integer("horizon", horizon, low=1)
        low, high = self.context_bounds(horizon)
        return OmegaGridView(self.omega_grid, low, high)

    @property
    def learner_view(self) -> OmegaGridView:
        """The learner view of a run of the paper's :data:`PAPER_HEAT_HORIZON` = 5000 steps; a run
        of another horizon has its own context interval (:meth:`learner_view_for`; the shell of
        ``make_env(horizon)`` carries it)."""
        return self.learner_view_for(PAPER_HEAT_HORIZON)

    def to_dict(self) -> dict:
        return {"nx": self.nx, "preset": self.preset, "context_time": self.context_time, "solver": self.solver,
                "dt": self.dt, "tolerance": self.tolerance, "max_iterations": self.max_iterations,
                "omega_grid": list(self.omega_grid), "record_actions": self.record_actions}

    def check_policy_compatible(self, policy, path: str = "policy") -> None:
        """:class:`~bandits.core.validation.ParameterError` unless ``policy`` is a solver-tuning
        policy whose grid fits."""
        check_policy_fits(policy, self.learner_view, path)

    def fused_loop(self, policies, horizon, record_points):
        """The compiled loop of this problem (:class:`~environments.solver_tuning.loop.HeatLoop`)."""
        return HeatLoop(self, policies, horizon, record_points)

    def make_env(self, horizon: int) -> HeatEquationTuningShell:
        """The Gymnasium shell over this problem for a run of ``horizon`` time steps (truncated
        after the last one; its learner view has the context interval of that horizon)."""
        return HeatEquationTuningShell(self, horizon=horizon)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "omega_grid")
        return f"HeatEquationTuning({args})"
