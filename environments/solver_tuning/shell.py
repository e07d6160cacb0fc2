"""Gymnasium shells of the solver-tuning problems (Khodak, Chow, Balcan & Talwalkar, *Learning to
Relax*, ICLR 2024, arXiv:2310.02246): one linear system per step, the same kernels as the fused
loops (:mod:`environments.solver_tuning.sor_dynamics`, :mod:`environments.solver_tuning.heat_dynamics`)
in the same order, so the same seed and the same actions give the same costs.

Both shells have the members of :class:`bandits.core.protocols.Shell`: ``learner_view`` (an
:class:`~environments.solver_tuning.protocol.OmegaGridView`), ``elapsed`` (instances or time steps
solved since the last ``reset``) and ``step_regret(info, policy)``, the step's term of the fused
loop's regret, so that :func:`bandits.gym_driver.rollout` reproduces the fused runner exactly.

A shell runs over a problem: ``problem.make_env(horizon)`` or ``SORTuningShell(problem,
horizon=...)``. The registered environments (``gymnasium.make("regretlab/SORTuning-v0",
grid_size=5, horizon=10)``), which build the problem from its parameters, are in
:mod:`environments.solver_tuning.gym_entry_points`.
"""

from __future__ import annotations

import math
from typing import ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from bandits.core.rng import make_random_stream
from bandits.core.validation import ParameterError, check_integer
from environments.solver_tuning.heat_dynamics import heat_bump_kernel, heat_solve, heat_step_system
from environments.solver_tuning.linear_solvers.golden_section import golden_section_omega
from environments.solver_tuning.protocol import OMEGA_HIGH, OMEGA_LOW, OmegaGridView, check_flag
from environments.solver_tuning.sor_dynamics import draw_instance, omega_star_of_shift, sor_cost

__all__ = ["SORTuningShell", "HeatEquationTuningShell"]


class _OmegaGridShell(gym.Env):
    """What the two shells share: the checked problem, horizon and flags, the action spaces
    (``Discrete(d)`` or the continuous omega box), the action check and the ``elapsed``
    counter."""

    metadata: ClassVar[dict] = {"render_modes": []}
    #: The ``name`` of the problems the shell runs over.
    problem_name: ClassVar[str] = ""

    def _set_arguments(self, problem, horizon, **flags) -> None:
        """Check and store the problem (one whose ``name`` is :attr:`problem_name`), the horizon
        (>= 1) and the boolean flags."""
        if isinstance(problem, type) or getattr(problem, "name", None) != self.problem_name:
            raise ParameterError("problem", problem, f"must be a {self.problem_name} problem")
        self.problem = problem
        self.horizon = check_integer("horizon", horizon, low=1)
        for name, flag in flags.items():
            setattr(self, name, check_flag(name, flag))

    def _action_space(self, continuous: bool):
        if continuous:
            return spaces.Box(OMEGA_LOW, OMEGA_HIGH, (1,), np.float64)
        return spaces.Discrete(len(self.problem.omega_grid))

    def _omega_of(self, action) -> float:
        if self.continuous:
            value = np.asarray(action, dtype=np.float64).reshape(-1)
            if value.size != 1 or not (0.0 < value[0] < 2.0):
                raise ParameterError("action", action, "must be one omega in (0, 2)")
            return float(value[0])
        if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)) or not self.action_space.contains(int(action)):
            raise ParameterError("action", action, f"must be an omega index in [0, {self.action_space.n - 1}]")
        return self.problem.omega_grid[int(action)]

    @property
    def elapsed(self) -> int:
        """Systems solved since the last ``reset``."""
        return self._t

    def _check_running(self, started: bool) -> None:
        if not started:
            raise RuntimeError("step: call reset() first")
        if self._t >= self.horizon:
            raise RuntimeError(f"step: the episode of horizon {self.horizon} is over; call reset()")


class SORTuningShell(_OmegaGridShell):
    """Gymnasium shell of a :class:`~environments.solver_tuning.SORTuning`: one linear system per
    step.

    Observation: ``Box(shift_low, shift_low + shift_width, (1,), float64)``, the shift of the
    instance about to be solved. Action: ``Discrete(d)``, an index into ``omega_grid``, or with
    ``continuous=True`` ``Box(OMEGA_LOW, OMEGA_HIGH, (1,), float64)``, omega itself (the open
    interval (0, 2); 0 and 2 raise ``ValueError``). Reward: minus the SOR iteration count.
    ``reset`` draws instance 1; ``step`` solves instance t and draws instance t + 1 (the fused
    loop's draw order, so the same seed gives the same instances). Truncated after ``horizon``
    instances. ``info``: ``iterations``, ``omega``, ``context`` (the shift just solved),
    ``omega_star`` (closed form), ``instance`` (the number of the instance just solved, 1-based)
    and, with ``info_costs=True``, ``star_iterations`` and ``grid_iterations`` (d + 1 extra
    solves).

    Regret (:meth:`step_regret`): the iterations of the step minus those at ``omega_star`` on the
    same instance, as the fused loop counts them. The shell keeps the instance just solved (one
    spare right-hand side buffer: the next instance is drawn into the other one) and solves it
    at ``omega_star`` only when :meth:`step_regret` asks, once per step (one extra SOR solve, as
    the fused loop makes); with ``info_costs=True`` it reads ``star_iterations`` instead.
    """

    problem_name: ClassVar[str] = "SORTuning"

    def __init__(self, problem, *, horizon=5000, continuous=False, info_costs=False):
        self._set_arguments(problem, horizon, continuous=continuous, info_costs=info_costs)
        low, high = problem.context_range
        self.observation_space = spaces.Box(low, high, (1,), np.float64)
        self.action_space = self._action_space(self.continuous)
        self._stream = None
        n = problem.grid_size**2
        self._rhs = np.empty(n)
        self._shift = math.nan
        self._solved_rhs = np.empty(n)  # the instance just solved, for step_regret
        self._solved_shift = math.nan
        self._solved_star = None  # its iterations at omega_star, once computed
        self._t = 0

    @property
    def learner_view(self) -> OmegaGridView:
        """What a learner may know: the omega grid and the support of the shift."""
        return self.problem.learner_view

    def reset(self, *, seed=None, options=None):
        """Reseed (if ``seed`` is given) and draw instance 1; returns its shift as the observation
        and ``info`` with ``context`` and ``omega_star`` (``options`` is not used)."""
        super().reset(seed=seed)
        self._stream = make_random_stream(self.np_random)
        self._t = 0
        self._solved_star = None
        self._shift = draw_instance(self.problem.kernel_params, self._stream, self._rhs)
        return np.array([self._shift]), {"context": self._shift, "omega_star": self.problem.omega_star(self._shift)}

    def step(self, action):
        """Solve instance t at the omega of ``action`` and draw instance t + 1; see the class
        docstring for the returned tuple and ``info``."""
        self._check_running(self._stream is not None)
        omega = self._omega_of(action)
        params = self.problem.kernel_params
        iterations = int(sor_cost(params, self._shift, self._rhs, omega))
        info = {"iterations": iterations, "omega": omega, "context": self._shift,
                "omega_star": self.problem.omega_star(self._shift), "instance": self._t + 1}
        if self.info_costs:
            info["star_iterations"] = int(sor_cost(params, self._shift, self._rhs, info["omega_star"]))
            info["grid_iterations"] = np.array([sor_cost(params, self._shift, self._rhs, w) for w in self.problem.omega_grid])
        self._t += 1
        # keep the instance just solved; the next one is drawn into the other buffer
        self._rhs, self._solved_rhs = self._solved_rhs, self._rhs
        self._solved_shift = self._shift
        self._solved_star = info.get("star_iterations")
        truncated = self._t >= self.horizon
        if not truncated:
            self._shift = draw_instance(params, self._stream, self._rhs)
        return np.array([self._shift]), -float(iterations), False, truncated, info

    def step_regret(self, info: dict, policy=None) -> float:
        """The fused loop's regret term of the step just taken: ``info["iterations"]`` minus the
        iterations at the closed-form ``omega*(c_t)`` on the same instance (``policy`` is not
        used). :class:`~bandits.core.validation.ParameterError` unless ``info`` is the last
        step's."""
        if info.get("instance") != self._t or self._t == 0:
            raise ParameterError("info", info, f"must be the info of the last step (instance {self._t})",
                                 got=f"instance {info.get('instance')!r}")
        if self._solved_star is None:
            params = self.problem.kernel_params
            shift = self._solved_shift
            self._solved_star = int(sor_cost(params, shift, self._solved_rhs, omega_star_of_shift(params[0], shift)))
        return float(info["iterations"] - self._solved_star)


class HeatEquationTuningShell(_OmegaGridShell):
    """Gymnasium shell of a :class:`~environments.solver_tuning.HeatEquationTuning`: one time step
    per step.

    Observation ``Box(0, 10, (1,))``: kappa of the step about to be solved (kappa is in [0, 10]
    for both presets; the contextual policies get ``[cmin, cmax]`` of
    :meth:`HeatEquationTuning.context_bounds` over this shell's horizon through
    :attr:`learner_view`, as in the official code). Action ``Discrete(d)`` (omega index) or, with
    ``continuous=True``, ``Box(0, 2, (1,))`` (omega). Reward: minus the PCG iterations. ``info``:
    ``iterations``, ``omega``, ``context``, and with ``instance_optimal=True`` the golden-section
    instance-optimal omega of the step (``omega_star``: 5 grid points (1, 1.3, 1.5, 1.75, 1.95)
    then golden section, 12 solves from the same warm start, the midpoint of the omegas that
    reach the fewest iterations, as the official ``h2d.m``), its ``star_iterations`` and the
    fewest iterations seen in the search (``search_min_iterations``; the midpoint itself need not
    reach them: the count is not unimodal in omega). Truncated after ``horizon`` steps; the same
    trajectory as the fused loop for the same actions. :meth:`step_regret` is the step's
    iteration count (the fused loop's curve is the cumulative iteration count).
    """

    problem_name: ClassVar[str] = "HeatEquationTuning"

    def __init__(self, problem, *, horizon=5000, continuous=False, instance_optimal=False):
        self._set_arguments(problem, horizon, continuous=continuous, instance_optimal=instance_optimal)
        self.observation_space = spaces.Box(0.0, 10.0, (1,), np.float64)
        self.action_space = self._action_space(self.continuous)
        self._view = problem.learner_view_for(self.horizon)
        n = problem.n_unknowns
        self._rhs = np.empty(n)
        self._forcing = np.empty(n)
        self._u = None
        self._t = 0

    @property
    def learner_view(self) -> OmegaGridView:
        """What a learner may know: the omega grid and ``[cmin, cmax]`` over this shell's horizon."""
        return self._view

    def _prepare(self):
        self._diag, self._off, self._context = heat_step_system(self.problem.kernel_params, self._u,
                                                                self._t * self.problem.dt, self._rhs, self._forcing)
        return np.array([self._context])

    def reset(self, *, seed=None, options=None):
        """Reseed (if ``seed`` is given) and start from the initial temperature bump; returns the
        first step's kappa as the observation and ``info`` with ``context`` (``options`` is not
        used)."""
        super().reset(seed=seed)
        self._u = np.empty(self.problem.n_unknowns)
        heat_bump_kernel(self.problem.nx, 0.5, 0.5, 0.25, self.problem.kernel_params[3], self._u)
        self._t = 0
        observation = self._prepare()
        return observation, {"context": self._context}

    def step(self, action):
        """Solve the time step's system at the omega of ``action`` (warm-started at the current
        temperature) and advance; see the class docstring for the returned tuple and ``info``."""
        self._check_running(self._u is not None)
        omega = self._omega_of(action)
        params = self.problem.kernel_params
        info = {"omega": omega, "context": self._context}
        if self.instance_optimal:
            search = golden_section_omega(
                lambda w: int(heat_solve(params, self._diag, self._off, self._rhs, self._u, w)[0]))
            info["omega_star"] = search.omega
            info["search_min_iterations"] = int(search.costs.min())
            info["star_iterations"] = int(heat_solve(params, self._diag, self._off, self._rhs, self._u, search.omega)[0])
        iterations, x = heat_solve(params, self._diag, self._off, self._rhs, self._u, omega)
        info["iterations"] = int(iterations)
        self._u = x
        self._t += 1
        truncated = self._t >= self.horizon
        observation = self._prepare() if not truncated else np.array([self._context])
        return observation, -float(iterations), False, truncated, info

    def step_regret(self, info: dict, policy=None) -> float:
        """The fused loop's regret term of the step just taken: its iteration count (``policy``
        is not used)."""
        return float(info["iterations"])
