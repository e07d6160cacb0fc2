"""``regretlab bench``: throughput of the fused runner (or the Gymnasium driver) for one policy.

The problem comes from a *bench preset* of the policy's setting (the setting registry's
``bench_presets``; ``--env`` picks one, default the first the policy can run on), built from
``--arms`` (the number of arms, items, stream length or grid side, as the preset says).

Figures reported:

- ``compile_s``: the first call for the (environment, policy) combination, which compiles the
  fused loop or loads it from numba's disk cache (``cache_hit`` says which);
- ``run_s``: median wall time of ``repeats`` warm runs of ``horizon x reps`` time units;
- ``steps_per_s``: ``horizon * reps / run_s`` (time units per second: steps, episodes, pulls or
  linear systems, ``time_unit``);
- ``replications_per_s``: ``reps / run_s`` (the figure that matters when a replication's cost
  does not grow with the horizon, as for streaming policies' batch operations);
- ``mean_regret`` and ``se_regret``: mean final regret over the replications and its standard
  error (sample standard deviation / sqrt(reps));
- ``metrics`` (fused driver): the mean over replications of every per-replication metric the
  setting's loop records (e.g. ``total_iterations`` for solver tuning).
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np

from bandits.core.registry import get_setting, policy_class, policy_names, problem_class
from bandits.core.validation import ParameterError, check_choice, check_integer
from bandits.gym_driver import rollout
from bandits.runner import check_problem_and_policies, run

__all__ = ["benchmark", "bench_presets_of"]


def bench_presets_of(policy: str) -> dict:
    """The bench presets of ``policy``'s setting, by name."""
    return dict(get_setting(policy_names()[policy]).bench_presets)


def _build(preset_name, preset, arms):
    name, params = preset.build(arms)
    try:
        return problem_class(name)(**params)
    except ValueError as error:
        raise ParameterError(
            "arms", arms, f"must fit the preset {preset_name!r} ({preset.description})", got=f"{arms} ({error})"
        ) from None


def _problem_for(policy_name, make_policy, env, arms):
    """The preset's problem (the first compatible preset when ``env`` is None)."""
    presets = bench_presets_of(policy_name)
    if not presets:
        raise ParameterError("policy", policy_name, "must belong to a setting with bench presets")
    if env is not None:
        env = check_choice("env", env, sorted(presets))
        return env, _build(env, presets[env], arms)
    errors = []
    for name, preset in presets.items():
        problem = _build(name, preset, arms)
        try:
            check_problem_and_policies(problem, [make_policy()])
        except ValueError as error:
            errors.append(str(error))
            continue
        return name, problem
    raise ParameterError("policy", policy_name, f"can run on none of the presets {sorted(presets)}: {'; '.join(errors)}")


def _gym_finals(problem, make_policy, horizon, reps, seed):
    """Final regrets of ``reps`` replications driven through the Gymnasium shell."""
    return np.array(
        [rollout(problem.make_env(horizon), make_policy(), horizon=horizon, seed=seed, replication=r).final_regret
         for r in range(reps)]
    )


def benchmark(
    policy: str,
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

    Parameters
    ----------
    policy : str
        A registered policy name (``regretlab list``).
    arms : int
        The size the preset builds its problem from.
    horizon, reps, jobs, seed, repeats : int
        Time units per replication, replications, threads (fused driver only), root seed, and
        warm runs timed (the median is reported).
    env : str, optional
        A bench preset of the policy's setting; default the first one the policy can run on.
    gym_shell : bool
        Drive the Gymnasium shell with :func:`bandits.gym_driver.rollout` instead of the fused runner.

    Returns
    -------
    dict
        The figures of the module docstring and the settings used.
    """
    policy = check_choice("policy", policy, sorted(policy_names()))
    arms = check_integer("arms", arms, low=1)
    horizon = check_integer("horizon", horizon, low=1)
    reps = check_integer("reps", reps, low=1)
    jobs = check_integer("jobs", jobs, low=1)
    seed = check_integer("seed", seed, low=0)
    repeats = check_integer("repeats", repeats, low=1)
    if gym_shell and jobs != 1:
        raise ParameterError("jobs", jobs, "must be 1 with the Gymnasium driver (it runs on one thread)")
    params = dict(get_setting(policy_names()[policy]).bench_policy_params.get(policy, {}))

    def make_policy():
        return policy_class(policy)(**params)

    env, problem = _problem_for(policy, make_policy, env, arms)
    check_problem_and_policies(problem, [make_policy()])  # e.g. reward ranges, before any work

    # the warm-up run is as short as the policy allows (fixed-budget policies need a minimum budget)
    minimum = getattr(make_policy(), "minimum_budget", None)
    warm = min(horizon, 1 if minimum is None else int(minimum(problem.learner_view)))
    loop = problem.fused_loop([make_policy()], warm, np.array([warm])).loop
    hits_before = sum(loop.stats.cache_hits.values())
    start = time.perf_counter()
    if gym_shell:
        _gym_finals(problem, make_policy, max(warm, min(2, horizon)), 1, seed)
        cache_hit = None
    else:
        run(problem, [make_policy()], horizon=warm, n_replications=1, seed=seed, record_points=[warm])
        cache_hit = sum(loop.stats.cache_hits.values()) > hits_before
    compile_seconds = time.perf_counter() - start

    timings = []
    metrics = {}
    for _ in range(repeats):
        start = time.perf_counter()
        if gym_shell:
            finals = _gym_finals(problem, make_policy, horizon, reps, seed)
        else:
            result = run(
                problem, [make_policy()], horizon=horizon, n_replications=reps, seed=seed, record_points=[horizon],
                n_jobs=jobs,
            )
            finals = result.final_regret[0]
            metrics = {name: float(np.mean(values[0])) for name, values in result.metrics.items() if values.ndim == 2}
        timings.append(time.perf_counter() - start)
    run_seconds = statistics.median(timings)
    se = float(finals.std(ddof=1) / math.sqrt(reps)) if reps > 1 else float("nan")
    return {
        "policy": policy,
        "env": env,
        "problem": type(problem).name,
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
        "metrics": metrics,
    }
