"""``regretlab bench``: throughput of the fused runner (or the Gymnasium shell) for one policy.

Figures reported:

- ``compile_s``: the first call for the (environment, policy) combination, which compiles the
  fused loop or loads it from numba's disk cache (``cache_hit`` says which);
- ``run_s``: median wall time of ``repeats`` warm runs of ``horizon x reps`` steps;
- ``steps_per_s``: ``horizon * reps / run_s``;
- ``mean_regret`` and ``se_regret``: mean final pseudo-regret over the replications and its
  standard error (sample standard deviation / sqrt(reps)).
"""

from __future__ import annotations

import math
import statistics
import time

import gymnasium as gym
import numpy as np

import environments
from bandits.policies import POLICIES
from bandits.rng import replication_seeds
from bandits.runner import check_problem_and_policies, run, run_classic_replication
from bandits.validation import check_choice, check_integer

__all__ = ["benchmark", "BENCH_ENVIRONMENTS"]

#: environment name -> (problem class, Gymnasium id)
BENCH_ENVIRONMENTS = {
    "bernoulli": (environments.BernoulliBandit, "regretlab/BernoulliBandit-v0"),
    "gaussian": (environments.GaussianBandit, "regretlab/GaussianBandit-v0"),
}


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


def benchmark(
    policy: str = "ucb1",
    *,
    arms: int = 10,
    horizon: int = 10_000,
    reps: int = 100,
    jobs: int = 1,
    env: str = "bernoulli",
    gym_shell: bool = False,
    seed: int = 0,
    repeats: int = 3,
) -> dict:
    """Measure one policy on K arms with means ``linspace(0.1, 0.9, K)``; see the module docstring.

    Returns a dict with keys ``steps_per_s``, ``compile_s``, ``run_s``, ``mean_regret``,
    ``se_regret`` and the settings.
    """
    policy = check_choice("policy", policy, sorted(POLICIES))
    env = check_choice("env", env, sorted(BENCH_ENVIRONMENTS))
    arms = check_integer("arms", arms, low=1)
    horizon = check_integer("horizon", horizon, low=1)
    reps = check_integer("reps", reps, low=1)
    jobs = check_integer("jobs", jobs, low=1)
    seed = check_integer("seed", seed, low=0)
    repeats = check_integer("repeats", repeats, low=1)
    if gym_shell and jobs != 1:
        raise ValueError(f"jobs: the Gymnasium shell runs on one thread, got jobs={jobs}")
    means = np.linspace(0.1, 0.9, arms) if arms > 1 else np.array([0.5])
    problem_class, env_id = BENCH_ENVIRONMENTS[env]
    problem = problem_class(means)
    make_policy = POLICIES[policy]
    check_problem_and_policies(problem, [make_policy()])  # e.g. reward ranges, before any work

    hits_before = sum(run_classic_replication.stats.cache_hits.values())
    start = time.perf_counter()
    if gym_shell:
        _gym_replications(env_id, means, make_policy(), 2, 1, seed)
        cache_hit = None
    else:
        run(problem, [make_policy()], horizon=1, n_replications=1, seed=seed, record_points=[1])
        cache_hit = sum(run_classic_replication.stats.cache_hits.values()) > hits_before
    compile_seconds = time.perf_counter() - start

    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        if gym_shell:
            finals = _gym_replications(env_id, means, make_policy(), horizon, reps, seed)
        else:
            result = run(
                problem, [make_policy()], horizon=horizon, n_replications=reps, seed=seed, record_points=[horizon], n_jobs=jobs
            )
            finals = result.final_regret[0]
        timings.append(time.perf_counter() - start)
    run_seconds = statistics.median(timings)
    se = float(finals.std(ddof=1) / math.sqrt(reps)) if reps > 1 else float("nan")
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
        "compile_s": compile_seconds,
        "cache_hit": cache_hit,
        "run_s": run_seconds,
        "mean_regret": float(finals.mean()),
        "se_regret": se,
    }
