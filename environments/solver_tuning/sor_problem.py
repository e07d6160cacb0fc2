"""The synthetic SOR-tuning problem of Khodak, Chow, Balcan & Talwalkar (*Learning to Relax*, ICLR
2024, arXiv:2310.02246, Appendix G.1): a sequence of shifted 2-D Laplacian systems
``(A + c_t I) x = b_t``, each solved by SOR with the omega the learner picks after seeing ``c_t``.

Model
-----
Instance t is the shifted 2-D Laplacian ``A_t = A + c_t I`` (``A`` the unscaled 5-point stencil
on an N x N interior grid, ``n = N^2``, natural ordering; N = 10, n = 100 in the paper: its
"100 x 100 Laplacian" is a 100 x 100 matrix) with right-hand side ``b_t``. The shift
``c_t = shift_low + shift_width * Beta(a, b)`` is the **context**, revealed before the learner
picks ``omega_t = grid[i_t]``; the **cost** is the iteration count of SOR from ``x = 0`` to
``||b - A x_k|| / ||b|| < tolerance`` (capped at ``max_iterations``, which is returned as is).
Presets: ``shift_distribution="high"`` Beta(1/2, 3/2) and ``"low"`` Beta(2, 6) (both E[c] = 0,
c in [-0.15, 0.45]). ``b_t ~ N(0, I_n)`` conditioned on ``||b_t|| <= rhs_norm_bound`` (default
``sqrt(n)``, as the official code; the paper's Appendix G.1 says ``n``) by rejection sampling
(draw discipline: :mod:`environments.solver_tuning.sor_dynamics`).

Comparators and regret
----------------------
The cost is a deterministic function of ``(A_t, b_t, omega)``, so every policy of a replication
faces the same instances (common random numbers) and a cost computed once is valid for all of
them: the fused loop (:class:`~environments.solver_tuning.loop.SolverTuningLoop`) keeps, per
thread, a table of the costs computed so far for the current replication and solves only what it
has not seen. The regret curve is against the **instance-optimal**
``omega*(c_t) = 2 / (1 + sqrt(1 - beta(c_t)^2))``, ``beta(c) = 4 cos(pi h) / (4 + c)`` (Young):
``sum_t cost_t(omega_t) - cost_t(omega*(c_t))``. (It can be negative: the asymptotically optimal
omega is not always the one with the fewest iterations.) With ``grid_costs=True`` every grid
omega is solved on every instance, which gives the best fixed grid omega **in hindsight** for
each replication (metrics ``best_fixed_iterations`` and ``best_fixed_index``); reports also
compare with the ``fixed_omega`` policies of the run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from bandits.core.rng import as_generator, make_random_stream
from bandits.core.validation import ParameterError, check_choice, check_integer, check_real, check_real_vector
from environments.solver_tuning.loop import SolverTuningLoop
from environments.solver_tuning.protocol import OmegaGridView, check_flag, check_policy_fits, check_problem_omega_grid
from environments.solver_tuning.shell import SORTuningShell
from environments.solver_tuning.sor_dynamics import SHIFT_DISTRIBUTIONS, draw_instance, omega_star_of_shift, sor_cost

__all__ = ["SORTuning"]


@dataclass(frozen=True, eq=False)
class SORTuning:
    """SOR parameter tuning on a sequence of shifted 2-D Laplacian systems ``(A + c_t I) x = b_t``
    solved by SOR, one per step; the learner picks omega from ``omega_grid`` after seeing ``c_t``
    (see the module docstring). The horizon (number of instances, 5000 in the paper) is the
    runner's.

    Parameters
    ----------
    shift_distribution : {"high", "low", "custom"}, default "high"
        Beta(1/2, 3/2) (high variance) or Beta(2, 6) (low variance), or ``beta_a, beta_b``.
    beta_a, beta_b : float > 0, optional
        Only with ``shift_distribution="custom"``.
    shift_low, shift_width : float, default -0.15, 0.6
        ``c_t = shift_low + shift_width * Beta``; ``A + c I`` must stay SPD on the whole
        support, i.e. ``shift_low > -(4 - 4 cos(pi / (N + 1)))`` (-0.162 for N = 10).
    grid_size : int, default 10
        N, the interior grid side (n = N^2 unknowns).
    omega_grid : sequence of float in (0, 2), default ``linspace(1, 1.95, 20)``
        The actions (the official code's grid).
    rhs_norm_bound : float > 0 or "sqrt_n" or "n", default "sqrt_n"
        Truncation of ``||b_t||`` (official code: sqrt(n); paper, Appendix G.1: n).
    tolerance : float in (0, 1), default 1e-8
    max_iterations : int >= 1, default 10000
        SOR stops at ``||r_k|| / ||b|| < tolerance`` or at the cap (which it returns, as the
        official code does).
    grid_costs : bool, default False
        Solve every grid omega on every instance (d solves per instance instead of about one
        per distinct choice) to get the best fixed omega in hindsight.
    record_actions : bool, default True
        Keep the omega index of every instance (metric ``omega_index``, (P, R, T) int16).

    Raises
    ------
    bandits.core.validation.ParameterError
        For a bad argument (a ``ValueError`` naming the parameter, the rule and the value).
    """

    shift_distribution: str = "high"
    beta_a: float | None = None
    beta_b: float | None = None
    shift_low: float = -0.15
    shift_width: float = 0.6
    grid_size: int = 10
    omega_grid: tuple | None = None
    rhs_norm_bound: object = "sqrt_n"
    tolerance: float = 1e-8
    max_iterations: int = 10_000
    grid_costs: bool = False
    record_actions: bool = True

    name: ClassVar[str] = "SORTuning"
    time_unit: ClassVar[str] = "instance"
    reward_range: ClassVar[tuple] = (-math.inf, 0.0)
    regret_label: ClassVar[str] = "cumulative iterations minus those at omega*(c_t)"
    #: Per-replication metrics a sweep report plots against the swept parameters.
    sweep_metrics: ClassVar[tuple] = (("total_iterations", "total solver iterations", "mean"),)

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        check_choice("shift_distribution", self.shift_distribution, ("high", "low", "custom"))
        if self.shift_distribution == "custom":
            if self.beta_a is None or self.beta_b is None:
                raise ParameterError("beta_a", None, "beta_a and beta_b must be given with shift_distribution='custom'")
            set_("beta_a", check_real("beta_a", self.beta_a, low=0.0, low_open=True))
            set_("beta_b", check_real("beta_b", self.beta_b, low=0.0, low_open=True))
        else:
            if self.beta_a is not None or self.beta_b is not None:
                raise ParameterError(
                    "beta_a", self.beta_a,
                    f"only with shift_distribution='custom' ({self.shift_distribution!r} fixes them)",
                    got=f"beta_a={self.beta_a!r}, beta_b={self.beta_b!r}",
                )
        set_("grid_size", check_integer("grid_size", self.grid_size, low=1, high=4096))
        lowest = -(4.0 - 4.0 * math.cos(math.pi / (self.grid_size + 1)))
        set_("shift_low", check_real("shift_low", self.shift_low, low=lowest, low_open=True))
        set_("shift_width", check_real("shift_width", self.shift_width, low=0.0, low_open=True))
        set_("omega_grid", check_problem_omega_grid(self.omega_grid))
        n = self.grid_size**2
        if isinstance(self.rhs_norm_bound, str):
            check_choice("rhs_norm_bound", self.rhs_norm_bound, ("sqrt_n", "n"))
            bound = math.sqrt(n) if self.rhs_norm_bound == "sqrt_n" else float(n)
        else:
            bound = check_real("rhs_norm_bound", self.rhs_norm_bound, low=0.0, low_open=True)
        # ||b|| of n standard normals is close to N(sqrt(n - 1/2), 1/2): below sqrt(n - 1/2) - 2.2
        # fewer than about 1 draw in 1000 is accepted, and the sampler (compiled code, which
        # Ctrl-C cannot stop) would run for ever.
        minimum = math.sqrt(n - 0.5) - 2.2
        if bound < minimum:
            raise ParameterError(
                "rhs_norm_bound", bound,
                f"must be >= sqrt(n - 1/2) - 2.2 = {minimum:.3g} (below it rejection sampling accepts fewer than 1 "
                "draw in 1000)",
            )
        set_("tolerance", check_real("tolerance", self.tolerance, low=0.0, high=1.0, low_open=True, high_open=True))
        set_("max_iterations", check_integer("max_iterations", self.max_iterations, low=1, high=2**31 - 1))
        for flag in ("grid_costs", "record_actions"):
            set_(flag, check_flag(flag, getattr(self, flag)))
        a, b = SHIFT_DISTRIBUTIONS.get(self.shift_distribution, (self.beta_a, self.beta_b))
        set_(
            "_kernel_params",
            (np.int64(self.grid_size), float(a), float(b), float(self.shift_low), float(self.shift_width), float(bound),
             float(self.tolerance), np.int64(self.max_iterations)),
        )
        grid_array = np.array(self.omega_grid, np.float64)
        grid_array.setflags(write=False)
        set_("_grid", grid_array)

    @property
    def kernel_params(self) -> tuple:
        """``(N, beta a, beta b, shift_low, shift_width, rhs norm bound, tolerance, cap)``."""
        return self._kernel_params

    @property
    def grid(self) -> np.ndarray:
        """The omega grid as a read-only array."""
        return self._grid

    @property
    def context_range(self) -> tuple[float, float]:
        """The support of the shift, ``[shift_low, shift_low + shift_width]``."""
        return (self.shift_low, self.shift_low + self.shift_width)

    @property
    def learner_view(self) -> OmegaGridView:
        """What a learner may know: the omega grid and the support of the shift."""
        low, high = self.context_range
        return OmegaGridView(self.omega_grid, low, high)

    def learner_view_for(self, horizon: int) -> OmegaGridView:
        """The learner view of a run of ``horizon`` instances: :attr:`learner_view` (it does not
        depend on the horizon; the heat problem's does)."""
        return self.learner_view

    def _check_shift(self, shift) -> float:
        lowest = -(4.0 - 4.0 * math.cos(math.pi / (self.grid_size + 1)))
        return check_real("shift", shift, low=lowest, low_open=True)  # A + shift I must be SPD

    def omega_star(self, shift: float) -> float:
        """The instance-optimal omega of ``A + shift I`` (Young's closed form)."""
        return float(omega_star_of_shift(self.grid_size, self._check_shift(shift)))

    def instances(self, seed, count: int):
        """``(shifts float64[count], rhs float64[count, n])``: the first ``count`` instances of
        the replication whose environment stream starts from ``seed`` (an int or Generator),
        exactly as the runner and the shell draw them."""
        stream = make_random_stream(as_generator(seed))
        count = check_integer("count", count, low=1)
        n = self.grid_size**2
        shifts = np.empty(count)
        rhs = np.empty((count, n))
        for t in range(count):
            shifts[t] = draw_instance(self.kernel_params, stream, rhs[t])
        return shifts, rhs

    def cost(self, shift: float, rhs, omega: float) -> int:
        """SOR iterations on ``(A + shift I) x = rhs`` with relaxation ``omega``."""
        omega = check_real("omega", omega, low=0.0, high=2.0, low_open=True, high_open=True)
        rhs = check_real_vector("rhs", rhs)
        if rhs.size != self.grid_size**2:
            raise ParameterError("rhs", rhs, f"must have n = {self.grid_size**2} entries", got=str(rhs.size))
        return int(sor_cost(self.kernel_params, self._check_shift(shift), np.ascontiguousarray(rhs), omega))

    def to_dict(self) -> dict:
        out = {"shift_distribution": self.shift_distribution}
        if self.shift_distribution == "custom":
            out.update(beta_a=self.beta_a, beta_b=self.beta_b)
        out.update(shift_low=self.shift_low, shift_width=self.shift_width, grid_size=self.grid_size,
                   omega_grid=list(self.omega_grid), rhs_norm_bound=self.rhs_norm_bound, tolerance=self.tolerance,
                   max_iterations=self.max_iterations, grid_costs=self.grid_costs, record_actions=self.record_actions)
        return out

    # -- runner hooks ----------------------------------------------------------------------------
    def check_policy_compatible(self, policy, path: str = "policy") -> None:
        """:class:`~bandits.core.validation.ParameterError` unless ``policy`` is a solver-tuning
        policy whose grid fits."""
        check_policy_fits(policy, self.learner_view, path)

    def fused_loop(self, policies, horizon, record_points):
        """The compiled loop of this problem (:class:`~environments.solver_tuning.loop.SolverTuningLoop`)."""
        return SolverTuningLoop(self, policies, horizon, record_points)

    def make_env(self, horizon: int) -> SORTuningShell:
        """The Gymnasium shell over this problem for a run of ``horizon`` instances (truncated
        after the last one)."""
        return SORTuningShell(self, horizon=horizon)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "omega_grid")
        return f"SORTuning({args})"
