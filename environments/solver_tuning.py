"""Online tuning of the SOR relaxation parameter over a sequence of linear systems (Khodak, Chow,
Balcan, Talwalkar, *Learning to Relax*, ICLR 2024; ``shared/reference/solver_tuning.md``).

Model (§2, §4.1)
----------------
Instance t is the shifted 2-D Laplacian ``A_t = A + c_t I`` (``A`` the unscaled 5-point
stencil on an N x N interior grid, ``n = N^2``, natural ordering; N = 10, n = 100 in the paper)
with right-hand side ``b_t``. The shift ``c_t = shift_low + shift_width * Beta(a, b)`` is the
**context**, revealed before the learner picks ``omega_t = grid[i_t]``; the **cost** is the
iteration count of SOR from ``x = 0`` to ``||b - A x_k|| / ||b|| < tolerance`` (§3, capped at
``max_iterations``). Presets: ``shift_distribution="high"`` Beta(1/2, 3/2) and ``"low"``
Beta(2, 6) (both E[c] = 0, c in [-0.15, 0.45]). ``b_t ~ N(0, I_n)`` conditioned on
``||b_t|| <= rhs_norm_bound`` (default ``sqrt(n)``, the code and §3; the paper's G.1 says ``n``)
by rejection sampling.

Comparators and regret
----------------------
The cost is a deterministic function of ``(A_t, b_t, omega)`` (§8), so every policy of a
replication faces the same instances (common random numbers) and a cost computed once is valid
for all of them: the fused loop keeps, per thread, a table of the costs computed so far for the
current replication (grid index x instance, plus the cost at the closed-form instance-optimal
``omega*(c_t)``) and solves only what it has not seen. The regret curve is against the
**instance-optimal** ``omega*(c_t) = 2 / (1 + sqrt(1 - beta(c_t)^2))``,
``beta(c) = 4 cos(pi h) / (4 + c)`` (Young, §8): ``sum_t cost_t(omega_t) - cost_t(omega*(c_t))``.
(It can be negative: the asymptotically optimal omega is not always the one with the fewest
iterations.) With ``grid_costs=True`` every grid omega is solved on every instance, which gives
the best fixed grid omega **in hindsight** for each replication (metrics ``best_fixed_iterations``
and ``best_fixed_index``); reports also compare with the ``fixed_omega`` policies of the run.

Draw discipline
---------------
Per instance, from the environment stream: one Beta draw (the shift), then blocks of ``n``
standard normals until one has norm ``<= rhs_norm_bound``. Solvers draw nothing.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import ClassVar

import gymnasium as gym
import numba as nb
import numpy as np
from gymnasium import spaces

from bandits.kernels import kernel, kernel_reference
from bandits.policies.solver_tuning import DEFAULT_OMEGA_GRID, SolverTuningPolicy
from bandits.rng import as_generator, generator_of, make_random_stream
from bandits.runner import FusedLoop
from bandits.validation import check_choice, check_integer, check_real, check_real_vector
from environments.linear_solvers import golden_section_omega, pcg_stencil_kernel, sor_stencil_kernel, stencil_matvec_kernel

__all__ = [
    "SORTuning",
    "SORTuningEnv",
    "HeatEquationTuning",
    "HeatEquationTuningEnv",
    "run_heat_replication",
    "SolverTuningLoop",
    "SHIFT_DISTRIBUTIONS",
    "draw_instance",
    "omega_star_of_shift",
    "run_solver_tuning_replication",
    "solver_tuning_report_section",
    "ENVIRONMENT_IDS",
    "PROBLEMS",
]

#: Beta parameters of the paper's shift distributions (§4.1): c = -0.15 + 0.6 Beta(a, b).
SHIFT_DISTRIBUTIONS = {"high": (0.5, 1.5), "low": (2.0, 6.0)}

#: Bounds of the continuous action space: the open interval (0, 2) as closed floats.
OMEGA_LOW, OMEGA_HIGH = float(np.nextafter(0.0, 1.0)), float(np.nextafter(2.0, 0.0))

# error codes written to error_out[0] (the run stops)
ERR_INDEX = -1
ERROR_MESSAGES = {ERR_INDEX: "select returned an omega index outside [0, d)"}


# ---------------------------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def draw_instance(params, rng, rhs):
    """Draw the next instance into ``rhs`` (float64[n]) and return its shift ``c_t``; see the
    module's draw discipline. ``params`` is :attr:`SORTuning.kernel_params`."""
    n_side, beta_a, beta_b, shift_low, shift_width, rhs_norm_bound = params[0], params[1], params[2], params[3], params[4], params[5]
    g = generator_of(rng)
    shift = shift_low + shift_width * g.beta(beta_a, beta_b)
    n = n_side * n_side
    while True:
        total = 0.0
        for k in range(n):
            value = g.standard_normal()
            rhs[k] = value
            total += value * value
        if math.sqrt(total) <= rhs_norm_bound:
            return shift


@nb.njit(cache=True, nogil=True)
def omega_star_of_shift(n_side, shift):
    """Young's optimal omega of ``A + shift I`` (closed form, §8)."""
    beta = 4.0 * math.cos(math.pi / (n_side + 1)) / (4.0 + shift)
    return 2.0 / (1.0 + math.sqrt(1.0 - beta * beta))


@nb.njit(cache=True, nogil=True)
def _cost(params, shift, rhs, omega):
    n_side, tol, max_iter = params[0], params[6], params[7]
    iterations, _ = sor_stencil_kernel(n_side, 4.0 + shift, -1.0, rhs, omega, tol, max_iter)
    return iterations


@nb.njit(cache=True, nogil=True)
def run_solver_tuning_replication(
    params,
    grid,
    horizon,
    context_low,
    context_high,
    policy_init,
    policy_select,
    policy_update,
    hyper,
    grid_costs,
    record_points,
    env_stream,
    policy_stream,
    memo,
    memo_star,
    regret_out,
    reward_out,
    counts_out,
    actions_out,
    int_out,
    error_out,
):
    """Run one policy on one replication of ``horizon`` instances.

    ``memo`` (int32[T, d]) and ``memo_star`` (int32[T]) hold costs already computed for this
    replication (-1: not yet); the loop fills what it solves. Per instance: draw it, ``i =
    select(state, hyper, c_t, rng)``, cost of ``grid[i]`` and of ``omega*(c_t)`` (looked up or
    solved), ``update(state, hyper, c_t, i, cost)``. Outputs at record points: cumulative regret
    against the instance-optimal omega and cumulative reward (minus iterations); ``counts_out``
    plays per grid index; ``actions_out`` the index per instance (if it has room);
    ``int_out = (total iterations, instance-optimal iterations, best fixed grid iterations in
    hindsight (-1 unless grid_costs), its index (-1), solves made)``. On an invalid index
    ``error_out = (code, instance)`` and the run stops.
    """
    n_side = params[0]
    d = grid.size
    rhs = np.empty(n_side * n_side)
    state = kernel(policy_init)(d, horizon, context_low, context_high, hyper)
    keep_actions = actions_out.size == horizon
    total = 0
    total_star = 0
    solves = 0
    regret = 0.0
    next_record = 0
    n_records = record_points.size
    for t in range(horizon):
        shift = draw_instance(params, env_stream, rhs)
        index = kernel(policy_select)(state, hyper, shift, policy_stream)
        if index < 0 or index >= d:
            error_out[0] = ERR_INDEX
            error_out[1] = t
            return
        if grid_costs:
            for j in range(d):
                if memo[t, j] < 0:
                    memo[t, j] = _cost(params, shift, rhs, grid[j])
                    solves += 1
        cost = memo[t, index]
        if cost < 0:
            cost = _cost(params, shift, rhs, grid[index])
            memo[t, index] = cost
            solves += 1
        star = memo_star[t]
        if star < 0:
            star = _cost(params, shift, rhs, omega_star_of_shift(n_side, shift))
            memo_star[t] = star
            solves += 1
        kernel(policy_update)(state, hyper, shift, index, float(cost))
        total += cost
        total_star += star
        regret += cost - star
        counts_out[index] += 1
        if keep_actions:
            actions_out[t] = index
        while next_record < n_records and record_points[next_record] == t + 1:
            regret_out[next_record] = regret
            reward_out[next_record] = -float(total)
            next_record += 1
    int_out[0] = total
    int_out[1] = total_star
    int_out[2] = -1
    int_out[3] = -1
    if grid_costs:
        best = -1
        for j in range(d):
            column = 0
            for t in range(horizon):
                column += memo[t, j]
            if best < 0 or column < best:
                best = column
                int_out[3] = j
        int_out[2] = best
    int_out[4] = solves


# ---------------------------------------------------------------------------------------------
# Problem
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SORTuning:
    """SOR parameter tuning on a sequence of shifted 2-D Laplacian systems ``(A + c_t I) x = b_t`` solved by SOR, one
    per step; the learner picks omega from ``omega_grid`` after seeing ``c_t`` (§4.1). The
    horizon (number of instances, 5000 in the paper) is the runner's.

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
        The actions (the official code's grid, §5.1).
    rhs_norm_bound : float > 0 or "sqrt_n" or "n", default "sqrt_n"
        Truncation of ``||b_t||`` (code and §3: sqrt(n); paper G.1: n).
    tolerance : float in (0, 1), default 1e-8
    max_iterations : int >= 1, default 10000
        SOR stops at ``||r_k|| / ||b|| < tolerance`` or at the cap (which it returns, §3).
    grid_costs : bool, default False
        Solve every grid omega on every instance (d solves per instance instead of about one
        per distinct choice) to get the best fixed omega in hindsight.
    record_actions : bool, default True
        Keep the omega index of every instance (metric ``omega_index``, (P, R, T) int16).
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

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        check_choice("shift_distribution", self.shift_distribution, ("high", "low", "custom"))
        if self.shift_distribution == "custom":
            if self.beta_a is None or self.beta_b is None:
                raise ValueError("beta_a: beta_a and beta_b must be given with shift_distribution='custom', got None")
            set_("beta_a", check_real("beta_a", self.beta_a, low=0.0, low_open=True))
            set_("beta_b", check_real("beta_b", self.beta_b, low=0.0, low_open=True))
        else:
            if self.beta_a is not None or self.beta_b is not None:
                raise ValueError(
                    f"beta_a: only with shift_distribution='custom' ({self.shift_distribution!r} fixes them), "
                    f"got beta_a={self.beta_a!r}, beta_b={self.beta_b!r}"
                )
        set_("grid_size", check_integer("grid_size", self.grid_size, low=1, high=4096))
        lowest = -(4.0 - 4.0 * math.cos(math.pi / (self.grid_size + 1)))
        set_("shift_low", check_real("shift_low", self.shift_low, low=lowest, low_open=True))
        set_("shift_width", check_real("shift_width", self.shift_width, low=0.0, low_open=True))
        grid = DEFAULT_OMEGA_GRID if self.omega_grid is None else self.omega_grid
        values = check_real_vector("omega_grid", grid, low=0.0, high=2.0, low_open=True, high_open=True)
        if values.size > 32767:
            raise ValueError(f"omega_grid: at most 32767 values (the omega trace is int16), got {values.size}")
        set_("omega_grid", tuple(float(x) for x in values))
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
            raise ValueError(
                f"rhs_norm_bound: must be >= sqrt(n - 1/2) - 2.2 = {minimum:.3g} (below it rejection sampling accepts "
                f"fewer than 1 draw in 1000), got {bound!r}"
            )
        set_("tolerance", check_real("tolerance", self.tolerance, low=0.0, high=1.0, low_open=True, high_open=True))
        set_("max_iterations", check_integer("max_iterations", self.max_iterations, low=1, high=2**31 - 1))
        for flag in ("grid_costs", "record_actions"):
            if not isinstance(getattr(self, flag), (bool, np.bool_)):
                raise ValueError(f"{flag}: must be True or False, got {getattr(self, flag)!r}")
            set_(flag, bool(getattr(self, flag)))
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

    def _check_shift(self, shift) -> float:
        lowest = -(4.0 - 4.0 * math.cos(math.pi / (self.grid_size + 1)))
        return check_real("shift", shift, low=lowest, low_open=True)  # A + shift I must be SPD

    def omega_star(self, shift: float) -> float:
        """The instance-optimal omega of ``A + shift I`` (closed form, §8)."""
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
            raise ValueError(f"rhs: must have n = {self.grid_size**2} entries, got {rhs.size}")
        return int(_cost(self.kernel_params, self._check_shift(shift), np.ascontiguousarray(rhs), omega))

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
        """``ValueError`` unless ``policy`` is a solver-tuning policy whose grid fits."""
        if not isinstance(policy, SolverTuningPolicy):
            raise ValueError(f"{path}: must be a solver-tuning policy (bandits.policies.solver_tuning), got {policy!r}")
        try:
            policy.kernel_hyper(len(self.omega_grid), 1, self.omega_grid)
        except ValueError as error:
            raise ValueError(f"{path}: {policy.label} does not fit the problem's omega_grid: {error}") from None

    def fused_loop(self, policies, horizon, record_points):
        return SolverTuningLoop(self, policies, horizon, record_points)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "omega_grid")
        return f"SORTuning({args})"


class _OmegaLoop(FusedLoop):
    """What the two solver-tuning loops share: policy kernels and hyper-parameters per policy,
    the output arrays (regret, reward, plays per grid index, the omega trace, integer counters
    named by ``counters``) and the error check."""

    counters: tuple = ()
    step_name = "instance"

    def __init__(self, problem, policies, horizon, record_points):
        self.problem = problem
        self.horizon = check_integer("horizon", horizon, low=1)
        self.record_points = record_points
        self.grid = np.ascontiguousarray(problem.grid)
        self.hypers = [p.kernel_hyper(self.grid.size, horizon, problem.omega_grid) for p in policies]
        self.references = [
            tuple(kernel_reference(k) for k in (type(p).init_kernel, type(p).select_kernel, type(p).update_kernel))
            for p in policies
        ]

    def allocate(self, n_policies, n_replications):
        shape = (n_policies, n_replications, self.record_points.size)
        n_actions = self.horizon if self.problem.record_actions else 0
        return {
            "cumulative_regret": np.zeros(shape),
            "cumulative_reward": np.zeros(shape),
            "pull_counts": np.zeros((n_policies, n_replications, self.grid.size), np.int64),
            "omega_index": np.zeros((n_policies, n_replications, n_actions), np.int16),
            "_int": np.zeros((n_policies, n_replications, len(self.counters)), np.int64),
            "_error": np.zeros((n_policies, n_replications, 2), np.int64),
        }

    def outputs_of(self, p, i, outputs):
        """The loop's trailing output arguments for policy ``p``, replication slot ``i``."""
        return tuple(outputs[name][p, i] for name in
                     ("cumulative_regret", "cumulative_reward", "pull_counts", "omega_index", "_int", "_error"))

    def check_outputs(self, outputs, labels):
        error = outputs.pop("_error")
        bad = np.argwhere(error[:, :, 0] < 0)
        if bad.size:
            p, i = (int(x) for x in bad[0])
            code, t = (int(x) for x in error[p, i])
            raise ValueError(
                f"policies[{p}]: {labels[p]}: {ERROR_MESSAGES.get(code, code)} ({self.step_name} {t}, replication slot {i})"
            )
        counters = outputs.pop("_int")
        for k, name in enumerate(self.counters):
            outputs[name] = counters[:, :, k].copy()
        if outputs["omega_index"].shape[2] == 0:
            outputs.pop("omega_index")


class SolverTuningLoop(_OmegaLoop):
    """:func:`run_solver_tuning_replication` for a :class:`SORTuning`.

    Outputs: ``cumulative_regret`` (P, R, J) against the instance-optimal omega,
    ``cumulative_reward`` (P, R, J) minus the cumulative iterations, ``pull_counts`` (P, R, d)
    plays per grid index. Metrics (P, R): ``total_iterations``, ``instance_optimal_iterations``,
    ``best_fixed_iterations`` and ``best_fixed_index`` (-1 unless ``grid_costs``), ``solves``
    (solver runs this policy's loop made; the others were found in the replication's table);
    ``omega_index`` (P, R, T) int16 if ``record_actions``.

    The cost table of a replication lives in thread-local storage and is reset whenever a
    thread starts a different replication, so results never depend on which thread or in which
    order policies run. The ``solves`` counts and the per-policy kernel times do: the first
    policy of a replication pays for the solves the later ones find in the table (all d + 1
    per instance with ``grid_costs``).
    """

    loop = run_solver_tuning_replication
    counters = ("total_iterations", "instance_optimal_iterations", "best_fixed_iterations", "best_fixed_index", "solves")

    def __init__(self, problem, policies, horizon, record_points):
        super().__init__(problem, policies, horizon, record_points)
        self.local = threading.local()

    def _tables(self, i):
        local = self.local
        if getattr(local, "replication", None) != i:
            local.replication = i
            local.memo = np.full((self.horizon, self.grid.size), -1, np.int32)
            local.memo_star = np.full(self.horizon, -1, np.int32)
        return local.memo, local.memo_star

    def arguments(self, p, i, outputs, env_stream, policy_stream):
        memo, memo_star = self._tables(i)
        low, high = self.problem.context_range
        return (
            self.problem.kernel_params, self.grid, np.int64(self.horizon), float(low), float(high),
            *self.references[p], self.hypers[p], self.problem.grid_costs, self.record_points,
            env_stream, policy_stream, memo, memo_star, *self.outputs_of(p, i, outputs),
        )


# ---------------------------------------------------------------------------------------------
# Gymnasium shell
# ---------------------------------------------------------------------------------------------
def _shell_arguments(cls, problem, problem_params, horizon, **flags):
    """The checked ``(problem, horizon, *flags)`` of a solver-tuning shell: a ``cls`` problem
    given whole or by its parameters, a horizon >= 1, and boolean flags."""
    if problem is None:
        problem = cls(**problem_params)
    elif problem_params:
        raise ValueError(f"problem_params: pass either a problem or its parameters, got both ({sorted(problem_params)})")
    if not isinstance(problem, cls):
        raise ValueError(f"problem: must be a {cls.__name__}, got {problem!r}")
    for name, flag in flags.items():
        if not isinstance(flag, (bool, np.bool_)):
            raise ValueError(f"{name}: must be True or False, got {flag!r}")
    return (problem, check_integer("horizon", horizon, low=1), *(bool(f) for f in flags.values()))


class SORTuningEnv(gym.Env):
    """Gymnasium shell of a :class:`SORTuning`: one linear system per step.

    Observation: ``Box(shift_low, shift_low + shift_width, (1,), float64)``, the shift of the
    instance about to be solved. Action: ``Discrete(d)``, an index into ``omega_grid``, or with
    ``continuous=True`` ``Box(OMEGA_LOW, OMEGA_HIGH, (1,), float64)``, omega itself (the open
    interval (0, 2); 0 and 2 raise ``ValueError``). Reward: minus the SOR iteration count. ``reset`` draws instance 1; ``step``
    solves instance t and draws instance t + 1 (the fused loop's draw order, so the same seed
    gives the same instances). Truncated after ``horizon`` instances. ``info``: ``iterations``,
    ``omega``, ``context`` (the shift just solved), ``omega_star`` (closed form) and, with
    ``info_costs=True``, ``star_iterations`` and ``grid_iterations`` (d + 1 extra solves).
    """

    metadata = {"render_modes": []}

    def __init__(self, problem=None, *, horizon=5000, continuous=False, info_costs=False, **problem_params):
        self.problem, self.horizon, self.continuous, self.info_costs = _shell_arguments(
            SORTuning, problem, problem_params, horizon, continuous=continuous, info_costs=info_costs)
        problem = self.problem
        low, high = problem.context_range
        self.observation_space = spaces.Box(low, high, (1,), np.float64)
        if self.continuous:
            self.action_space = spaces.Box(OMEGA_LOW, OMEGA_HIGH, (1,), np.float64)
        else:
            self.action_space = spaces.Discrete(len(problem.omega_grid))
        self._stream = None
        self._rhs = np.empty(problem.grid_size**2)
        self._shift = math.nan
        self._t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._stream = make_random_stream(self.np_random)
        self._t = 0
        self._shift = draw_instance(self.problem.kernel_params, self._stream, self._rhs)
        return np.array([self._shift]), {"context": self._shift, "omega_star": self.problem.omega_star(self._shift)}

    def _omega_of(self, action):
        if self.continuous:
            value = np.asarray(action, dtype=np.float64).reshape(-1)
            if value.size != 1 or not (0.0 < value[0] < 2.0):
                raise ValueError(f"action: must be one omega in (0, 2), got {action!r}")
            return float(value[0])
        if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)) or not self.action_space.contains(int(action)):
            raise ValueError(f"action: must be an omega index in [0, {self.action_space.n - 1}], got {action!r}")
        return self.problem.omega_grid[int(action)]

    def step(self, action):
        if self._stream is None:
            raise RuntimeError("step: call reset() first")
        if self._t >= self.horizon:
            raise RuntimeError(f"step: the episode of horizon {self.horizon} is over; call reset()")
        omega = self._omega_of(action)
        params = self.problem.kernel_params
        iterations = int(_cost(params, self._shift, self._rhs, omega))
        info = {"iterations": iterations, "omega": omega, "context": self._shift,
                "omega_star": self.problem.omega_star(self._shift)}
        if self.info_costs:
            info["star_iterations"] = int(_cost(params, self._shift, self._rhs, info["omega_star"]))
            info["grid_iterations"] = np.array([_cost(params, self._shift, self._rhs, w) for w in self.problem.omega_grid])
        self._t += 1
        truncated = self._t >= self.horizon
        if not truncated:
            self._shift = draw_instance(params, self._stream, self._rhs)
        return np.array([self._shift]), -float(iterations), False, truncated, info


# ---------------------------------------------------------------------------------------------
# The 2-D heat equation (reference §4.2): a deterministic sequence whose state depends on omega
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def heat_kappa_kernel(t, coefficient):
    """``kappa(t) = max(coefficient sin 2 pi t, -10 sin 2 pi t)`` (code: coefficient 0.1)."""
    s = math.sin(2.0 * math.pi * t)
    return max(coefficient * s, -10.0 * s)


@nb.njit(cache=True, nogil=True)
def heat_bump_kernel(nx, cx, cy, radius, peak, out):
    """``out[k] = peak * exp(1 - 1 / (1 - |x_k - c|^2 / r^2))`` inside the ball, 0 outside, on the
    interior points ``(i / nx, j / nx)``, i-outer, j-inner (peak 1: the code's bump)."""
    n_side = nx - 1
    for i in range(n_side):
        x = (i + 1) / nx
        for j in range(n_side):
            y = (j + 1) / nx
            q = ((x - cx) ** 2 + (y - cy) ** 2) / (radius * radius)
            out[i * n_side + j] = peak * math.exp(1.0 - 1.0 / (1.0 - q)) if q < 1.0 else 0.0


@nb.njit(cache=True, nogil=True)
def heat_step_system(params, u, t, rhs, forcing):
    """Build the Crank-Nicolson system of the step starting at time ``t``: write ``b_t`` into
    ``rhs`` (``forcing`` is scratch) and return ``(diag, off)`` of ``A_t`` and the context.
    ``A_t = I - kappa(h) dt / 2 L_h`` and ``b_t = (I + kappa(h) dt / 2 L_h) u + dt f(h, x)`` at
    ``h = t + dt / 2``; the context is kappa at ``t`` (code) or at ``h`` (paper)."""
    nx, dt, coefficient, peak, context_midpoint = params[0], params[1], params[2], params[3], params[4]
    h = t + 0.5 * dt
    kappa = heat_kappa_kernel(h, coefficient)
    a = 0.5 * kappa * dt * nx * nx  # kappa dt / (2 dx^2)
    stencil_matvec_kernel(nx - 1, 1.0 - 4.0 * a, a, u, rhs)
    heat_bump_kernel(nx, 0.5 + math.cos(16.0 * math.pi * h) / 4.0, 0.5 + math.sin(16.0 * math.pi * h) / 4.0,
                     0.125, 32.0 * peak, forcing)
    for k in range(rhs.size):
        rhs[k] += dt * forcing[k]
    context = heat_kappa_kernel(h if context_midpoint else t, coefficient)
    return 1.0 + 4.0 * a, -a, context


@nb.njit(cache=True, nogil=True)
def heat_solve(params, diag, off, rhs, u, omega):
    """SSOR-PCG (or CG) from the warm start ``u``; returns ``(iterations, x)``."""
    nx, tol, max_iter, precondition = params[0], params[5], params[6], params[7]
    return pcg_stencil_kernel(nx - 1, diag, off, rhs, u, omega, tol, max_iter, precondition)


@nb.njit(cache=True, nogil=True)
def run_heat_replication(
    params,
    grid,
    horizon,
    context_low,
    context_high,
    policy_init,
    policy_select,
    policy_update,
    hyper,
    record_points,
    env_stream,
    policy_stream,
    regret_out,
    reward_out,
    counts_out,
    actions_out,
    int_out,
    error_out,
):
    """Run one policy on the heat simulation for ``horizon`` time steps: per step build the
    system from the current ``u``, ``i = select(state, hyper, kappa, rng)``, solve with
    ``omega = grid[i]`` from the warm start ``u``, ``u = x``, ``update``. The regret curve is the
    cumulative iteration count (no per-step comparator is computed: comparators are their own
    runs); ``reward_out`` its negative. ``int_out = (total iterations, steps at the cap)``."""
    nx = params[0]
    n = (nx - 1) * (nx - 1)
    u = np.empty(n)
    heat_bump_kernel(nx, 0.5, 0.5, 0.25, params[3], u)
    rhs = np.empty(n)
    forcing = np.empty(n)
    d = grid.size
    dt = params[1]
    state = kernel(policy_init)(d, horizon, context_low, context_high, hyper)
    keep_actions = actions_out.size == horizon
    total = 0
    capped = 0
    next_record = 0
    n_records = record_points.size
    for t in range(horizon):
        diag, off, context = heat_step_system(params, u, t * dt, rhs, forcing)
        index = kernel(policy_select)(state, hyper, context, policy_stream)
        if index < 0 or index >= d:
            error_out[0] = ERR_INDEX
            error_out[1] = t
            return
        iterations, x = heat_solve(params, diag, off, rhs, u, grid[index])
        u = x
        if iterations >= params[6]:
            capped += 1
        kernel(policy_update)(state, hyper, context, index, float(iterations))
        total += iterations
        counts_out[index] += 1
        if keep_actions:
            actions_out[t] = index
        while next_record < n_records and record_points[next_record] == t + 1:
            regret_out[next_record] = float(total)
            reward_out[next_record] = -float(total)
            next_record += 1
    int_out[0] = total
    int_out[1] = capped


HEAT_PRESETS = {"code": (0.1, 1.0), "paper": (0.01, math.exp(-1.0))}


@dataclass(frozen=True, eq=False)
class HeatEquationTuning:
    """SSOR-PCG parameter tuning along a Crank-Nicolson simulation of the 2-D heat equation
    ``u_t = kappa(t) Laplace(u) + f(t, x)`` on [0, 1]^2 (reference §4.2, Appendix G.2): one
    linear system per time step, warm-started from the previous solution, so the state (and the
    cost) depends on the omegas played. The horizon is the number of time steps (5000 for
    t in [0, 5] with dt = 1e-3). The sequence is deterministic (no environment randomness).

    Parameters
    ----------
    nx : int >= 3, default 50
        Grid cells per side, dx = 1/nx, n = (nx - 1)^2 unknowns (paper: 25, 50, 100, 200, 400).
    preset : {"code", "paper"}, default "code"
        "code": kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t) and bumps with peak 1, as the
        official code that produced the plots; "paper": the text's 0.01 and peak 1/e
        (pitfall 1). The forcing centre is (1/2 + cos(16 pi t)/4, 1/2 + sin(16 pi t)/4) in both
        (the paper's cos-cos is a typo).
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

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        set_("nx", check_integer("nx", self.nx, low=3, high=4096))
        check_choice("preset", self.preset, tuple(HEAT_PRESETS))
        check_choice("context_time", self.context_time, ("start", "midpoint"))
        check_choice("solver", self.solver, ("ssor_pcg", "cg"))
        set_("dt", check_real("dt", self.dt, low=0.0, low_open=True))
        set_("tolerance", check_real("tolerance", self.tolerance, low=0.0, high=1.0, low_open=True, high_open=True))
        set_("max_iterations", check_integer("max_iterations", self.max_iterations, low=1, high=2**31 - 1))
        grid = DEFAULT_OMEGA_GRID if self.omega_grid is None else self.omega_grid
        values = check_real_vector("omega_grid", grid, low=0.0, high=2.0, low_open=True, high_open=True)
        if values.size > 32767:
            raise ValueError(f"omega_grid: at most 32767 values (the omega trace is int16), got {values.size}")
        set_("omega_grid", tuple(float(x) for x in values))
        if not isinstance(self.record_actions, (bool, np.bool_)):
            raise ValueError(f"record_actions: must be True or False, got {self.record_actions!r}")
        set_("record_actions", bool(self.record_actions))
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
        return self._grid

    @property
    def n_unknowns(self) -> int:
        return (self.nx - 1) ** 2

    def context_bounds(self, horizon: int) -> tuple[float, float]:
        """``[cmin, cmax]``: min and max of kappa over ``linspace(0, horizon dt, horizon)`` (at least
        2 points), the official code's context interval for the contextual learners (§4.2:
        ``linspace(0, 5, 5000)`` at the paper's horizon)."""
        coefficient = HEAT_PRESETS[self.preset][0]
        times = np.linspace(0.0, horizon * self.dt, max(horizon, 2))  # 2 points: never an empty interval
        values = np.maximum(coefficient * np.sin(2 * np.pi * times), -10.0 * np.sin(2 * np.pi * times))
        return float(values.min()), float(values.max())

    def to_dict(self) -> dict:
        return {"nx": self.nx, "preset": self.preset, "context_time": self.context_time, "solver": self.solver,
                "dt": self.dt, "tolerance": self.tolerance, "max_iterations": self.max_iterations,
                "omega_grid": list(self.omega_grid), "record_actions": self.record_actions}

    def check_policy_compatible(self, policy, path: str = "policy") -> None:
        """``ValueError`` unless ``policy`` is a solver-tuning policy whose grid fits."""
        SORTuning.check_policy_compatible(self, policy, path)

    def fused_loop(self, policies, horizon, record_points):
        return HeatLoop(self, policies, horizon, record_points)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "omega_grid")
        return f"HeatEquationTuning({args})"


class HeatLoop(_OmegaLoop):
    """:func:`run_heat_replication` for a :class:`HeatEquationTuning`. Outputs:
    ``cumulative_regret`` (P, R, J) the cumulative iterations, ``cumulative_reward`` its
    negative, ``pull_counts`` (P, R, d) plays per grid index; metrics ``total_iterations`` and
    ``capped_steps`` (P, R: steps whose solve returned the cap, i.e. did not converge within it,
    or broke down), ``omega_index`` (P, R, T) int16 if ``record_actions``."""

    loop = run_heat_replication
    counters = ("total_iterations", "capped_steps")
    step_name = "step"

    def __init__(self, problem, policies, horizon, record_points):
        super().__init__(problem, policies, horizon, record_points)
        self.bounds = problem.context_bounds(self.horizon)

    def arguments(self, p, i, outputs, env_stream, policy_stream):
        return (
            self.problem.kernel_params, self.grid, np.int64(self.horizon), float(self.bounds[0]), float(self.bounds[1]),
            *self.references[p], self.hypers[p], self.record_points, env_stream, policy_stream,
            *self.outputs_of(p, i, outputs),
        )


class HeatEquationTuningEnv(gym.Env):
    """Gymnasium shell of a :class:`HeatEquationTuning`: one time step per step.

    Observation ``Box(0, 10, (1,))``: kappa of the step about to be solved (kappa is in [0, 10]
    for both presets; the contextual policies get ``[cmin, cmax]`` of
    :meth:`HeatEquationTuning.context_bounds`, as in the official code). Action
    ``Discrete(d)`` (omega index) or, with ``continuous=True``, ``Box(0, 2, (1,))`` (omega).
    Reward: minus the PCG iterations. ``info``: ``iterations``, ``omega``, ``context``, and with
    ``instance_optimal=True`` the golden-section instance-optimal omega of the step
    (``omega_star``: 5 grid points (1, 1.3, 1.5, 1.75, 1.95) then golden section, 12 solves from
    the same warm start, the midpoint of the omegas that reach the fewest iterations, §4.2), its
    ``star_iterations`` and the fewest iterations seen in the search (``search_min_iterations``;
    the midpoint itself need not reach them: the count is not unimodal in omega). Truncated after ``horizon`` steps; the same trajectory as the fused
    loop for the same actions.
    """

    metadata = {"render_modes": []}

    def __init__(self, problem=None, *, horizon=5000, continuous=False, instance_optimal=False, **problem_params):
        self.problem, self.horizon, self.continuous, self.instance_optimal = _shell_arguments(
            HeatEquationTuning, problem, problem_params, horizon, continuous=continuous, instance_optimal=instance_optimal)
        problem = self.problem
        self.observation_space = spaces.Box(0.0, 10.0, (1,), np.float64)
        self.action_space = (spaces.Box(OMEGA_LOW, OMEGA_HIGH, (1,), np.float64) if self.continuous
                             else spaces.Discrete(len(problem.omega_grid)))
        n = problem.n_unknowns
        self._rhs = np.empty(n)
        self._forcing = np.empty(n)
        self._u = None
        self._t = 0

    def _prepare(self):
        self._diag, self._off, self._context = heat_step_system(self.problem.kernel_params, self._u,
                                                                self._t * self.problem.dt, self._rhs, self._forcing)
        return np.array([self._context])

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._u = np.empty(self.problem.n_unknowns)
        heat_bump_kernel(self.problem.nx, 0.5, 0.5, 0.25, self.problem.kernel_params[3], self._u)
        self._t = 0
        observation = self._prepare()
        return observation, {"context": self._context}

    _omega_of = SORTuningEnv._omega_of

    def step(self, action):
        if self._u is None:
            raise RuntimeError("step: call reset() first")
        if self._t >= self.horizon:
            raise RuntimeError(f"step: the episode of horizon {self.horizon} is over; call reset()")
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


ENVIRONMENT_IDS = {
    "regretlab/SORTuning-v0": "environments.solver_tuning:SORTuningEnv",
    "regretlab/HeatEquationTuning-v0": "environments.solver_tuning:HeatEquationTuningEnv",
}
PROBLEMS = {"SORTuning": SORTuning, "HeatEquationTuning": HeatEquationTuning}


# ---------------------------------------------------------------------------------------------
# Report section
# ---------------------------------------------------------------------------------------------
def solver_tuning_report_section(env, out, config):
    """Per policy: total SOR iterations per instance (mean ± s.e. over replications), relative
    to the instance-optimal omega and to the best fixed omega among the run's ``fixed_omega``
    policies (per replication, then averaged), the best fixed grid omega in hindsight (with
    ``grid_costs``); a figure of the mean omega played against the instance index."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bandits.report import ReportSection, save_figure

    result = env.result
    metrics = result.metrics
    labels = result.policy_labels
    names = [entry["name"] for entry in config["policies"]]
    horizon = result.horizon
    total = metrics["total_iterations"].astype(float)
    star = metrics["instance_optimal_iterations"].astype(float) if "instance_optimal_iterations" in metrics else None
    fixed = [p for p, name in enumerate(names) if name == "fixed_omega"]
    best_fixed = total[fixed].min(axis=0) if fixed else None
    n = total.shape[1]

    def mean_se(values):
        se = values.std(ddof=1) / math.sqrt(values.size) if values.size > 1 else math.nan
        return f"{values.mean():.2f} ± {se:.2f}"

    unit = "instance" if star is not None else "time step"
    header = ["policy", f"iterations per {unit}"]
    if star is not None:
        header.append("minus instance-optimal (per instance)")
    if best_fixed is not None:
        header.append(f"minus best fixed omega of the run (per {unit})")
    grid_costs = "best_fixed_iterations" in metrics and np.all(metrics["best_fixed_iterations"] >= 0)
    if grid_costs:
        header.append("minus best grid omega in hindsight (per instance)")
    rows = []
    for p, label in enumerate(labels):
        row = [label, mean_se(total[p] / horizon)]
        if star is not None:
            row.append(mean_se((total[p] - star[p]) / horizon))
        if best_fixed is not None:
            row.append(mean_se((total[p] - best_fixed) / horizon))
        if grid_costs:
            row.append(mean_se((total[p] - metrics["best_fixed_iterations"][p]) / horizon))
        rows.append(row)
    if star is not None:
        rows.append(["instance-optimal omega*(c_t)", mean_se(star[0] / horizon), "0", *([""] * (len(header) - 3))])
        notes = [
            f"Iterations of SOR to relative residual {env.params.get('tolerance', 1e-8)} (cap "
            f"{env.params.get('max_iterations', 10000)}), averaged over the {horizon} instances and {n} replications. "
            "The regret curves are against the closed-form instance-optimal omega*(c_t) (Young), which need not "
            "minimise the integer iteration count: negative values are possible.",
            "Kernel times: the first policy of each replication also computes the costs that the later policies "
            "look up in the replication's cost table, so per-policy times are not each policy's own cost.",
        ]
    else:
        notes = [
            f"Iterations of {'vanilla CG' if env.params.get('solver') == 'cg' else 'SSOR-PCG'} per time step "
            f"(warm start, tolerance {env.params.get('tolerance', 1e-8)} relative to ||b||), {n} replications. "
            "The curves are cumulative iterations; comparators are the fixed-omega policies of the run.",
        ]
    tables = [("Solver iterations", header, rows)]
    if grid_costs:
        index = metrics["best_fixed_index"][0]
        grid = np.asarray(env.params.get("omega_grid") or DEFAULT_OMEGA_GRID)
        values, counts = np.unique(grid[index], return_counts=True)
        notes.append("Best grid omega in hindsight per replication: "
                     + ", ".join(f"{v:.2f} ({c} replications)" for v, c in zip(values, counts)) + ".")
    figures = []
    if "omega_index" in metrics:
        grid = np.asarray(env.params.get("omega_grid") or DEFAULT_OMEGA_GRID)
        omegas = grid[metrics["omega_index"].astype(np.int64)]  # (P, R, T)
        fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
        window = max(1, horizon // 100)
        for p, label in enumerate(labels):
            trace = omegas[p].mean(axis=0)
            smooth = np.convolve(trace, np.ones(window) / window, mode="valid")
            ax.plot(np.arange(smooth.size) + window, smooth, label=label, linewidth=1.2)
        ax.set_xlabel(unit)
        ax.set_ylabel(f"omega played (mean over replications, moving average of {window})")
        ax.set_title(f"{env.name}: omega trace", fontsize=11)
        ax.legend(fontsize=7, loc="best")
        ax.grid(alpha=0.3)
        figures.append(save_figure(fig, out, f"omega_trace_env{env.index}"))
        plt.close(fig)
    return ReportSection(figures=figures, tables=tables, notes=notes)


def _register_report_extension():
    from bandits.report import register_report_extension

    register_report_extension("SORTuning", solver_tuning_report_section)
    register_report_extension("HeatEquationTuning", solver_tuning_report_section)


_register_report_extension()
