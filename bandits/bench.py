"""``regretlab bench``: throughput of the fused runner (or the Gymnasium shell) for one policy.

Figures reported:

- ``compile_s``: the first call for the (environment, policy) combination, which compiles the
  fused loop or loads it from numba's disk cache (``cache_hit`` says which);
- ``run_s``: median wall time of ``repeats`` warm runs of ``horizon x reps`` steps;
- ``steps_per_s``: ``horizon * reps / run_s``;
- ``replications_per_s``: ``reps / run_s`` (the figure that matters for streaming policies, whose
  cost is O(K) batch operations whatever the horizon, so that pulls per second only say how
  large T was);
- ``mean_regret`` and ``se_regret``: mean final pseudo-regret over the replications and its
  standard error (sample standard deviation / sqrt(reps)).

Solver-tuning policies (``omega_tsallis_inf``, ``omega_tsallis_inf_cb``, ``chebcb``,
``fixed_omega``) run on ``SORTuning(shift_distribution="high" or "low", grid_size=arms)``: ``arms``
is the grid side N (n = N^2 unknowns; default 10, the paper's n = 100), a step is one linear system
(``time_unit`` "instance"), and ``mean_regret`` is the number of SOR iterations above the
closed-form instance-optimal omega summed over the ``horizon`` instances (it can be negative). The
figures ``iterations_per_instance`` and ``optimal_iterations_per_instance`` (means over
replications) are added. Each instance costs the policy's solve plus the instance-optimal one.

:func:`sor_sweep_benchmark` (``regretlab bench --sor-sweep``) times the SOR kernels of
:mod:`environments.linear_solvers` per iteration against PyAMG's compiled SOR sweep.
"""

from __future__ import annotations

import functools
import math
import statistics
import time

import gymnasium as gym
import numba as nb
import numpy as np

import environments
from bandits.policies import POLICIES
from bandits.rng import make_random_stream, replication_seeds
from bandits.runner import check_problem_and_policies, run
from bandits.validation import check_choice, check_integer, check_real
from environments.linear_solvers import _WAVEFRONT, _sweep_block, laplacian_5point_csr, sor_csr_kernel, sor_stencil_kernel
from environments.solver_tuning import draw_instance

__all__ = ["benchmark", "BENCH_ENVIRONMENTS", "DEFAULT_ENVIRONMENTS", "sor_sweep_benchmark", "SOR_SWEEP_SIZES"]

#: environment name -> (problem builder from ``arms``, Gymnasium id)
BENCH_ENVIRONMENTS = {
    "bernoulli": (lambda k: environments.BernoulliBandit(_means(k)), "regretlab/BernoulliBandit-v0"),
    "gaussian": (lambda k: environments.GaussianBandit(_means(k)), "regretlab/GaussianBandit-v0"),
    # Kveton et al.'s B_LB(L, 4, 0.2, 0.15) with L = arms items
    "cascading_bandit": (lambda k: environments.BLBCascadingBandit(k, min(4, k), 0.2, 0.15), "regretlab/CascadingBandit-v0"),
    # Du et al.'s shape: S = 20, H = 3, m = 3, N = arms items (steps are episodes)
    "cascading_mdp": (
        lambda k: environments.RandomCascadingMDP(n_items=k, n_states=20, episode_length=3, list_length=min(3, k)),
        "regretlab/CascadingMDP-v0",
    ),
    # Chen Wang's arm settings with K = arms arms (steps are pulls; horizons up to 10^18)
    "streaming_clear_cut": (
        lambda k: environments.StreamingBandit(arms="clear-cut", n_arms=k, record_pull_counts=False),
        "regretlab/StreamingBandit-v0",
    ),
    "streaming_mix_in": (
        lambda k: environments.StreamingBandit(arms="mix-in", n_arms=k, record_pull_counts=False),
        "regretlab/StreamingBandit-v0",
    ),
    # Khodak et al.'s shifted Laplacians, c = -0.15 + 0.6 Beta: N = arms grid side, n = N^2 unknowns
    # (steps are instances, i.e. linear systems)
    "sor_tuning_high": (
        lambda k: environments.SORTuning(shift_distribution="high", grid_size=k), "regretlab/SORTuning-v0",
    ),
    "sor_tuning_low": (
        lambda k: environments.SORTuning(shift_distribution="low", grid_size=k), "regretlab/SORTuning-v0",
    ),
}

#: the environment used when ``env`` is not given, per policy setting
DEFAULT_ENVIRONMENTS = {
    "classic": "bernoulli",
    "cascading": "cascading_mdp",
    "streaming": "streaming_clear_cut",
    "solver_tuning": "sor_tuning_high",
}


def _means(arms):
    return np.linspace(0.1, 0.9, arms) if arms > 1 else np.array([0.5])


def _gym_cascading(problem, policy, horizon, reps, seed):
    """Drive a cascading shell and policy face episode by episode; return final regrets."""
    from environments.cascading import CascadingBanditEnv, CascadingMDPEnv, _CascadingBanditBase

    bandit = isinstance(problem, _CascadingBanditBase)
    finals = np.zeros(reps)
    for r in range(reps):
        environment_seed, policy_seed = replication_seeds(seed, r)
        env = CascadingBanditEnv(problem) if bandit else CascadingMDPEnv(problem)
        observation, _ = env.reset(seed=environment_seed)
        policy.reset(problem, seed=policy_seed, horizon=horizon)
        regret = 0.0
        for k in range(horizon):
            if k and not bandit:
                observation, _ = env.reset()
            for h in range(problem.horizon_per_episode):
                action = policy.select(observation)
                if h == 0:
                    regret += problem.optimal_value - problem.plan_value(*policy.plan)
                observation, reward, _, _, info = env.step(action)
                policy.update(action, reward, info)
        finals[r] = regret
    return finals


def _gym_replications(env_id, means, policy, horizon, reps, seed):
    """Drive the Gymnasium shell and the policy face step by step; return final regrets."""
    finals = np.zeros(reps)
    for r in range(reps):
        environment_seed, policy_seed = replication_seeds(seed, r)
        env = gym.make(env_id, means=means, max_episode_steps=horizon)
        env.reset(seed=environment_seed)
        policy.reset(env.action_space, seed=policy_seed, horizon=horizon)
        regret = 0.0
        for _ in range(horizon):
            arm = policy.select()
            _, reward, _, _, info = env.step(arm)
            policy.update(arm, reward)
            regret += info["optimal_expected_reward"] - info["expected_reward"]
        finals[r] = regret
    return finals


def _gym_solver_tuning(env_id, problem, policy, horizon, reps, seed):
    """Drive the SORTuning shell and a solver-tuning policy face instance by instance; return
    ``(final regrets, total iterations, instance-optimal iterations)`` per replication.

    The regret needs the cost of the instance-optimal omega, which the shell reports only with
    ``info_costs=True`` (d + 1 extra solves). The driver instead draws the same instances in lockstep
    from its own copy of the environment stream (the shell's draw discipline: ``reset`` draws
    instance 1, ``step`` t draws instance t + 1) and solves the instance-optimal omega once per
    instance, as the fused loop does."""
    low, high = problem.context_range
    params = problem.kernel_params
    rhs = np.empty(problem.grid_size**2)
    finals = np.zeros(reps)
    totals = np.zeros(reps)
    optimal = np.zeros(reps)
    for r in range(reps):
        environment_seed, policy_seed = replication_seeds(seed, r)
        env = gym.make(env_id, problem=problem, horizon=horizon)
        observation, _ = env.reset(seed=environment_seed)
        mirror = make_random_stream(np.random.default_rng(environment_seed))
        shift = draw_instance(params, mirror, rhs)
        policy.reset(
            env.action_space, horizon=horizon, context_low=low, context_high=high, omega_grid=problem.omega_grid,
            seed=policy_seed,
        )
        total = star_total = 0
        for t in range(horizon):
            action = policy.select(observation)
            observation, _, _, truncated, info = env.step(action)
            if info["context"] != shift:  # the mirror stream must follow the shell
                raise RuntimeError(f"gym: instance {t + 1} of the shell does not match the driver's copy")
            iterations = info["iterations"]
            policy.update(action, iterations)
            total += iterations
            star_total += problem.cost(shift, rhs, info["omega_star"])
            if not truncated:
                shift = draw_instance(params, mirror, rhs)
        finals[r] = total - star_total
        totals[r] = total
        optimal[r] = star_total
    return finals, totals, optimal


def benchmark(
    policy: str = "ucb1",
    *,
    arms: int = 10,
    horizon: int = 10_000,
    reps: int = 100,
    jobs: int = 1,
    env: str | None = None,
    gym_shell: bool = False,
    seed: int = 0,
    repeats: int = 3,
) -> dict:
    """Measure one policy; see the module docstring.

    Classic policies run on K arms with means ``linspace(0.1, 0.9, K)`` (``env`` "bernoulli" or
    "gaussian"); cascading policies on ``RandomCascadingMDP(n_items=arms, n_states=20,
    episode_length=3, list_length=3)`` ("cascading_mdp", the default; steps are episodes) or
    ``BLBCascadingBandit(arms, 4, 0.2, 0.15)`` ("cascading_bandit"); streaming policies on
    ``StreamingBandit(arms="clear-cut", n_arms=arms)`` ("streaming_clear_cut", the default) or
    the mix-in setting ("streaming_mix_in"), fused runner only; solver-tuning policies on
    ``SORTuning(shift_distribution="high", grid_size=arms)`` ("sor_tuning_high", the default) or
    ``"low"`` ("sor_tuning_low"): ``arms`` is the grid side N (n = N^2 unknowns, N <= 10 with the
    paper's shift range), steps are instances (linear systems), the regret is in SOR iterations
    against the instance-optimal omega. ``fixed_omega`` plays grid index 0 (omega = 1).

    Returns a dict with keys ``steps_per_s``, ``replications_per_s``, ``compile_s``, ``run_s``, ``mean_regret``,
    ``se_regret``, ``time_unit`` and the settings (and, for solver-tuning policies,
    ``iterations_per_instance`` and ``optimal_iterations_per_instance``).
    """
    policy = check_choice("policy", policy, sorted(POLICIES))
    make_policy = POLICIES[policy]
    if env is None:
        env = DEFAULT_ENVIRONMENTS.get(make_policy.setting, "bernoulli")
        if getattr(make_policy, "needs_unit_rewards", False):
            env = "cascading_bandit"
    env = check_choice("env", env, sorted(BENCH_ENVIRONMENTS))
    arms = check_integer("arms", arms, low=1)
    horizon = check_integer("horizon", horizon, low=1)
    reps = check_integer("reps", reps, low=1)
    jobs = check_integer("jobs", jobs, low=1)
    seed = check_integer("seed", seed, low=0)
    repeats = check_integer("repeats", repeats, low=1)
    if gym_shell and make_policy.setting == "streaming":
        raise ValueError(f"gym: the streaming shell moves one pull per step; benchmark {policy} with the fused runner")
    if gym_shell and jobs != 1:
        raise ValueError(f"jobs: the Gymnasium shell runs on one thread, got jobs={jobs}")
    setting = make_policy.setting
    if policy == "fixed_omega":  # its one parameter is required: play grid index 0 (omega = 1)
        make_policy = functools.partial(make_policy, omega_index=0)
    build_problem, env_id = BENCH_ENVIRONMENTS[env]
    try:
        problem = build_problem(arms)
    except ValueError as error:
        if not env.startswith("sor_tuning"):
            raise
        raise ValueError(f"arms: the grid side N of {env} (n = N^2 unknowns) does not fit: {error}") from None
    check_problem_and_policies(problem, [make_policy()])  # e.g. reward ranges, before any work
    cascading = setting == "cascading"
    solver_tuning = setting == "solver_tuning"
    means = None if cascading or solver_tuning else problem.means

    loop = problem.fused_loop([make_policy()], 1, np.array([1])).loop
    hits_before = sum(loop.stats.cache_hits.values())
    start = time.perf_counter()
    if gym_shell:
        if cascading:
            _gym_cascading(problem, make_policy(), 2, 1, seed)
        elif solver_tuning:
            _gym_solver_tuning(env_id, problem, make_policy(), 2, 1, seed)
        else:
            _gym_replications(env_id, means, make_policy(), 2, 1, seed)
        cache_hit = None
    else:
        run(problem, [make_policy()], horizon=1, n_replications=1, seed=seed, record_points=[1])
        cache_hit = sum(loop.stats.cache_hits.values()) > hits_before
    compile_seconds = time.perf_counter() - start

    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        if gym_shell and cascading:
            finals = _gym_cascading(problem, make_policy(), horizon, reps, seed)
        elif gym_shell and solver_tuning:
            finals, iterations, optimal_iterations = _gym_solver_tuning(env_id, problem, make_policy(), horizon, reps, seed)
        elif gym_shell:
            finals = _gym_replications(env_id, means, make_policy(), horizon, reps, seed)
        else:
            result = run(
                problem, [make_policy()], horizon=horizon, n_replications=reps, seed=seed, record_points=[horizon], n_jobs=jobs
            )
            finals = result.final_regret[0]
            if solver_tuning:
                iterations = result.metrics["total_iterations"][0]
                optimal_iterations = result.metrics["instance_optimal_iterations"][0]
        timings.append(time.perf_counter() - start)
    run_seconds = statistics.median(timings)
    se = float(finals.std(ddof=1) / math.sqrt(reps)) if reps > 1 else float("nan")
    extra = {}
    if solver_tuning:
        extra = {
            "n_unknowns": arms * arms,
            "iterations_per_instance": float(np.mean(iterations) / horizon),
            "optimal_iterations_per_instance": float(np.mean(optimal_iterations) / horizon),
        }
    return {
        "policy": policy,
        "env": env,
        "driver": "gym" if gym_shell else "fused",
        "arms": arms,
        "horizon": horizon,
        "reps": reps,
        "jobs": jobs,
        "repeats": repeats,
        "steps_per_s": horizon * reps / run_seconds,
        "replications_per_s": reps / run_seconds,
        "compile_s": compile_seconds,
        "cache_hit": cache_hit,
        "run_s": run_seconds,
        "mean_regret": float(finals.mean()),
        "se_regret": se,
        "time_unit": type(problem).time_unit,
        **extra,
    }


# ---------------------------------------------------------------------------------------------
# SOR sweep against PyAMG (``regretlab bench --sor-sweep``)
# ---------------------------------------------------------------------------------------------
#: Default grid sides N of :func:`sor_sweep_benchmark`: n = N^2 = 10^4 and 10^6 unknowns.
SOR_SWEEP_SIZES = (100, 1000)

#: Timed variants: key -> description (``ns_per_unknown_iteration`` keys).
SOR_SWEEP_VARIANTS = {
    "stencil": "ours: sor_stencil_kernel, matrix-free stencil, forward sweep + true residual norm per iteration",
    "stencil_sweep": "ours: the forward sweep of sor_stencil_kernel alone (its _sweep_block, no residual)",
    "csr": "ours: sor_csr_kernel on laplacian_5point_csr, forward sweep + true residual norm per iteration",
    "pyamg_sor": "PyAMG: pyamg.relaxation.relaxation.sor(A, x, b, omega, iterations=k, sweep='forward'), sweep only",
    "pyamg_core": "PyAMG: its compiled kernel amg_core.sor_gauss_seidel called directly, one call per sweep",
    "pyamg_sor_residual": "PyAMG: sor(..., iterations=1) then np.linalg.norm(b - A @ x), per iteration",
}

#: ``ratios`` keys: (ours, theirs); ``stencil/pyamg_sor`` is the issue's figure (target <= 1.5).
SOR_SWEEP_RATIOS = (
    ("stencil", "pyamg_sor"),
    ("stencil", "pyamg_sor_residual"),
    ("stencil_sweep", "pyamg_sor"),
    ("stencil_sweep", "pyamg_core"),
    ("csr", "pyamg_sor"),
    ("csr", "pyamg_sor_residual"),
)

PYAMG_MISSING = "PyAMG is not installed: pip install -e '.[bench]' (or pip install 'pyamg>=5.0') to compare with it"


@nb.njit(cache=True, nogil=True)
def _stencil_sweeps(n_side, diag, off, b, omega, sweeps):
    """``sweeps`` forward SOR sweeps from ``x = 0``, exactly the sweep of ``sor_stencil_kernel``
    (wavefront blocks of ``_sweep_block`` on the padded iterate) without the residual."""
    xp = np.zeros((n_side + 2) * (n_side + 2))
    scale = omega / diag
    for _ in range(sweeps):
        for i0 in range(1, n_side + 1, _WAVEFRONT):
            rows = min(_WAVEFRONT, n_side + 1 - i0)
            _sweep_block(True, False, n_side, i0, rows, xp, b, False, diag, off, scale, 0.0)
    return xp


def _sweep_iterations(n):
    """The two iteration counts ``(k, 2k)`` timed for ``n`` unknowns: about 10^7 unknown-updates
    for ``k``, with ``10 <= k <= 1000`` (n = 10^4: 1000 and 2000; n = 10^6: 10 and 20)."""
    k = min(1000, max(10, math.ceil(1e7 / n)))
    return k, 2 * k


def sor_sweep_benchmark(sizes=SOR_SWEEP_SIZES, repeats: int = 3, *, omega: float = 1.5, seed: int = 0) -> dict:
    """Time one SOR iteration of our kernels and of PyAMG on the 5-point Laplacian.

    For each grid side N in ``sizes`` (n = N^2 unknowns; ``A = 4 I - (N, S, E, W neighbours)``,
    natural ordering, ``b ~ N(0, I)``, ``x_0 = 0``) every variant of :data:`SOR_SWEEP_VARIANTS`
    runs ``k`` and ``2k`` iterations (:func:`_sweep_iterations`); the time per iteration is
    ``(t(2k) - t(k)) / k``, which removes the fixed costs (allocations, ``||b||``, unpadding, the
    first call's dispatch). Our kernels run with ``tol = 1e-300``, so they perform exactly
    ``max_iter`` iterations (checked). PyAMG gets the same matrix as a scipy ``csr_array`` with
    int32 indices (what ``pyamg.gallery.poisson`` builds). One repeat times every variant once,
    interleaved; the figure is the median over ``repeats`` repeats, with the range.

    Without PyAMG the PyAMG variants and ratios are omitted and ``pyamg_missing`` holds the
    message to install it.

    Returns
    -------
    dict
        ``{"omega", "repeats", "versions", "pyamg_missing", "target_ratio", "sizes": [per N:
        {"n_side", "n", "iterations": [k, 2k], "ns_per_unknown_iteration": {variant: median},
        "range": {variant: [min, max]}, "ratios": {"ours/theirs": median ratio}}]}``; times are
        in nanoseconds per unknown per iteration.
    """
    if isinstance(sizes, (int, np.integer)):
        sizes = [sizes]
    sizes = [check_integer("sizes", n_side, low=2, high=4096) for n_side in sizes]
    if not sizes:
        raise ValueError("sizes: must name at least one grid side N, got none")
    repeats = check_integer("repeats", repeats, low=1)
    omega = check_real("omega", omega, low=0.0, high=2.0, low_open=True, high_open=True)
    seed = check_integer("seed", seed, low=0)
    versions = {"numpy": np.__version__, "numba": nb.__version__}
    try:
        import pyamg
        import scipy
        import scipy.sparse
        from pyamg import amg_core
        from pyamg.relaxation.relaxation import sor as pyamg_sor
    except ImportError:
        pyamg = None
    else:
        versions.update(pyamg=pyamg.__version__, scipy=scipy.__version__)
    diag, off, tol = 4.0, -1.0, 1e-300

    report_sizes = []
    for n_side in sizes:
        n = n_side * n_side
        b = np.random.default_rng(seed).standard_normal(n)
        indptr, indices, data = laplacian_5point_csr(n_side, diag, off)
        counts = _sweep_iterations(n)

        def check(iterations, k):
            if iterations != k:
                raise RuntimeError(f"SOR stopped after {iterations} of {k} iterations at N = {n_side}")

        def stencil(k):
            check(sor_stencil_kernel(n_side, diag, off, b, omega, tol, k)[0], k)

        def stencil_sweep(k):
            _stencil_sweeps(n_side, diag, off, b, omega, k)

        def csr(k):
            check(sor_csr_kernel(indptr, indices, data, b, omega, tol, k)[0], k)

        variants = {"stencil": stencil, "stencil_sweep": stencil_sweep, "csr": csr}
        if pyamg is not None:
            A = scipy.sparse.csr_array((data, indices.astype(np.int32), indptr.astype(np.int32)), shape=(n, n))

            def pyamg_plain(k, x):
                pyamg_sor(A, x, b, omega, iterations=k, sweep="forward")

            def pyamg_kernel(k, x):
                for _ in range(k):
                    amg_core.sor_gauss_seidel(A.indptr, A.indices, A.data, x, b, 0, n, 1, omega)

            def pyamg_residual(k, x):
                for _ in range(k):
                    pyamg_sor(A, x, b, omega, iterations=1, sweep="forward")
                    np.linalg.norm(b - A @ x)

            variants.update(pyamg_sor=pyamg_plain, pyamg_core=pyamg_kernel, pyamg_sor_residual=pyamg_residual)
        for name, variant in variants.items():  # compile / warm up
            variant(1, np.zeros(n)) if name.startswith("pyamg") else variant(1)
        samples = {name: [] for name in variants}
        for _ in range(repeats):
            for name, variant in variants.items():
                seconds = []
                for k in counts:
                    if name.startswith("pyamg"):
                        x = np.zeros(n)
                        start = time.perf_counter()
                        variant(k, x)
                    else:
                        start = time.perf_counter()
                        variant(k)
                    seconds.append(time.perf_counter() - start)
                per_iteration = (seconds[1] - seconds[0]) / (counts[1] - counts[0])
                samples[name].append(per_iteration / n * 1e9)
        figures = {name: statistics.median(values) for name, values in samples.items()}
        ratios = {}
        for ours, theirs in SOR_SWEEP_RATIOS:
            if ours in figures and theirs in figures:
                ratios[f"{ours}/{theirs}"] = figures[ours] / figures[theirs]
        report_sizes.append(
            {
                "n_side": n_side,
                "n": n,
                "iterations": list(counts),
                "ns_per_unknown_iteration": figures,
                "range": {name: [min(values), max(values)] for name, values in samples.items()},
                "ratios": ratios,
            }
        )
    return {
        "omega": omega,
        "repeats": repeats,
        "versions": versions,
        "pyamg_missing": PYAMG_MISSING if pyamg is None else None,
        "target_ratio": 1.5,
        "variants": dict(SOR_SWEEP_VARIANTS),
        "sizes": report_sizes,
    }
