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
from bandits.runner import check_problem_and_policies, run
from bandits.validation import check_choice, check_integer

__all__ = ["benchmark", "BENCH_ENVIRONMENTS"]

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
}

#: the environment used when ``env`` is not given, per policy setting
DEFAULT_ENVIRONMENTS = {"classic": "bernoulli", "cascading": "cascading_mdp", "streaming": "streaming_clear_cut"}


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
    the mix-in setting ("streaming_mix_in"), fused runner only.

    Returns a dict with keys ``steps_per_s``, ``replications_per_s``, ``compile_s``, ``run_s``, ``mean_regret``,
    ``se_regret``, ``time_unit`` and the settings.
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
    build_problem, env_id = BENCH_ENVIRONMENTS[env]
    problem = build_problem(arms)
    check_problem_and_policies(problem, [make_policy()])  # e.g. reward ranges, before any work
    cascading = make_policy.setting == "cascading"
    means = None if cascading else problem.means

    loop = problem.fused_loop([make_policy()], 1, np.array([1])).loop
    hits_before = sum(loop.stats.cache_hits.values())
    start = time.perf_counter()
    if gym_shell:
        if cascading:
            _gym_cascading(problem, make_policy(), 2, 1, seed)
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
        elif gym_shell:
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
        "replications_per_s": reps / run_seconds,
        "compile_s": compile_seconds,
        "cache_hit": cache_hit,
        "run_s": run_seconds,
        "mean_regret": float(finals.mean()),
        "se_regret": se,
        "time_unit": type(problem).time_unit,
    }
