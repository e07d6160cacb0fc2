"""The fused replication loops of the solver-tuning setting (Khodak, Chow, Balcan & Talwalkar,
*Learning to Relax*, ICLR 2024, arXiv:2310.02246) and their :class:`~bandits.core.protocols.FusedLoop`
objects.

:func:`run_solver_tuning_replication` runs one policy on one replication of the synthetic SOR
sequence, with a per-replication table of the costs already computed (the cost is deterministic
in ``(A_t, b_t, omega)``, so every policy of a replication can share it); its regret is against
Young's instance-optimal omega. :func:`run_heat_replication` runs one policy along the heat
simulation, whose state depends on the omegas played; its "regret" curve is the cumulative
iteration count. Both call the policy kernels of :mod:`bandits.policies.solver_tuning` through
kernel references::

    state = init(d, T, context_low, context_high, hyper)
    index = select(state, hyper, context, policy_stream)
    update(state, hyper, context, index, float(iterations))
"""

from __future__ import annotations

import threading

import numba as nb
import numpy as np

from bandits.core.kernels import kernel
from bandits.core.protocols import FusedLoop
from bandits.core.validation import check_integer
from environments.solver_tuning.heat_dynamics import heat_bump_kernel, heat_solve, heat_step_system
from environments.solver_tuning.sor_dynamics import draw_instance, omega_star_of_shift, sor_cost

__all__ = [
    "run_solver_tuning_replication",
    "run_heat_replication",
    "SolverTuningLoop",
    "HeatLoop",
    "ERR_INDEX",
    "ERROR_MESSAGES",
]

# error codes written to error_out[0] (the run stops)
ERR_INDEX = -1
ERROR_MESSAGES = {ERR_INDEX: "select returned an omega index outside [0, d)"}


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
                    memo[t, j] = sor_cost(params, shift, rhs, grid[j])
                    solves += 1
        cost = memo[t, index]
        if cost < 0:
            cost = sor_cost(params, shift, rhs, grid[index])
            memo[t, index] = cost
            solves += 1
        star = memo_star[t]
        if star < 0:
            star = sor_cost(params, shift, rhs, omega_star_of_shift(n_side, shift))
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
        self.view = problem.learner_view_for(self.horizon)
        self.hypers = [p.kernel_hyper(self.view, self.horizon) for p in policies]
        self.references = self.policy_kernel_references(policies)

    def allocate(self, n_policies, n_replications):
        n_actions = self.horizon if self.problem.record_actions else 0
        return {
            **self.core_outputs(n_policies, n_replications, self.record_points.size, self.grid.size),
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
        view = self.view
        return (
            self.problem.kernel_params, self.grid, np.int64(self.horizon), float(view.context_low),
            float(view.context_high),
            *self.references[p], self.hypers[p], self.problem.grid_costs, self.record_points,
            env_stream, policy_stream, memo, memo_star, *self.outputs_of(p, i, outputs),
        )


class HeatLoop(_OmegaLoop):
    """:func:`run_heat_replication` for a :class:`HeatEquationTuning`. Outputs:
    ``cumulative_regret`` (P, R, J) the cumulative iterations, ``cumulative_reward`` its
    negative, ``pull_counts`` (P, R, d) plays per grid index; metrics ``total_iterations`` and
    ``capped_steps`` (P, R: steps whose solve returned the cap, i.e. did not converge within it,
    or broke down), ``omega_index`` (P, R, T) int16 if ``record_actions``."""

    loop = run_heat_replication
    counters = ("total_iterations", "capped_steps")
    step_name = "step"

    def arguments(self, p, i, outputs, env_stream, policy_stream):
        view = self.view
        return (
            self.problem.kernel_params, self.grid, np.int64(self.horizon), float(view.context_low),
            float(view.context_high),
            *self.references[p], self.hypers[p], self.record_points, env_stream, policy_stream,
            *self.outputs_of(p, i, outputs),
        )
