"""The fused runner: a setting's compiled loop (environment and policy kernels together), one
replication per call, replications on threads. Generic: it names no setting.

A problem supplies its setting's loop (``problem.fused_loop(policies, horizon, record_points)``,
a :class:`bandits.core.protocols.FusedLoop`); one call of the loop runs one policy for
``horizon`` time units on one environment stream. The loop is compiled once per (environment,
policy) kernel combination (``cache=True`` keeps it on disk) and releases the GIL, so :func:`run`
spreads the replications over ``n_jobs`` threads.

Seeds come from :func:`bandits.core.rng.replication_seeds`: replication ``r`` uses the same environment
seed for every policy (common random numbers) and its own policy seed. A task is one replication:
it sets a thread's two generators to the start states of those seeds
(:func:`bandits.core.rng.replication_generator_states`) before each policy, so results are
bit-identical for any ``n_jobs`` and equal to driving the Gymnasium shell step by step with
``env.reset(seed=environment_seed)`` and ``policy.reset(env, seed=policy_seed, horizon=horizon)``
(:func:`bandits.gym_driver.rollout`).
"""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from bandits.core.kernels import compiled_entry_point
from bandits.core.policy import Policy
from bandits.core.rng import make_random_stream, replication_generator_states
from bandits.core.validation import check_integer

__all__ = ["MAX_HORIZON", "RunResult", "check_problem_and_policies", "default_record_points", "run"]

#: The largest horizon: every loop counts time in 64-bit integers.
MAX_HORIZON = 2**63 - 1


def default_record_points(horizon: int, dense_until: int = 100, per_decade: int = 200) -> np.ndarray:
    """Every step up to ``dense_until``, then ``per_decade`` log-spaced steps per decade, and T.

    Returns a sorted int64 array of 1-based steps ending with ``horizon``.
    """
    horizon = check_integer("horizon", horizon, low=1, high=MAX_HORIZON)
    dense = np.arange(1, min(horizon, dense_until) + 1, dtype=np.int64)
    if horizon <= dense_until:
        return dense
    decades = math.log10(horizon / dense_until)
    n = max(2, int(math.ceil(decades * per_decade)) + 1)
    sparse = np.unique(np.round(np.logspace(math.log10(dense_until), math.log10(horizon), n)))
    sparse = sparse[sparse < float(horizon)].astype(np.int64)  # near 2^63 a float may not fit int64; T is added
    points = np.unique(np.concatenate([dense, sparse, np.array([horizon], dtype=np.int64)]))
    return points[(points >= 1) & (points <= horizon)]


#: ``(dense_until, per_decade)`` of :func:`default_record_points` for problems that do not set
#: their own ``record_density`` (a setting whose horizons reach 10^17 records fewer points):
#: every step up to 100, then 200 log-spaced steps per decade, and T itself. About 500 points at
#: T = 10^4: curves as smooth as a figure can show, at a twentieth of the bytes of every step.
DEFAULT_RECORD_DENSITY = (100, 200)


def record_density_of(problem) -> tuple[int, int]:
    """``(dense_until, per_decade)`` of the default record points for ``problem``."""
    return tuple(getattr(problem, "record_density", DEFAULT_RECORD_DENSITY))


def _check_record_points(record_points, horizon, problem=None) -> np.ndarray:
    if record_points is None:
        dense_until, per_decade = record_density_of(problem)
        return default_record_points(horizon, dense_until=dense_until, per_decade=per_decade)
    points = np.asarray(record_points)
    if points.ndim != 1 or points.size == 0 or not np.issubdtype(points.dtype, np.integer):
        raise ValueError(f"record_points: must be a non-empty 1-D array of integers, got {record_points!r}")
    if points[0] < 1 or points[-1] > horizon or np.any(np.diff(points) <= 0):
        raise ValueError(
            f"record_points: must be strictly increasing steps in [1, horizon={horizon}], "
            f"got values from {points.min()} to {points.max()}"
        )
    return points.astype(np.int64)


@dataclass
class RunResult:
    """Arrays of one run, indexed ``[policy, replication, record point]``.

    Attributes
    ----------
    policy_labels : list of str
    record_points : int64 array (J,)
        1-based steps at which cumulative values were recorded.
    cumulative_regret : float64 array (P, R, J)
        Exact cumulative pseudo-regret against the setting's comparator, in its time unit (classic
        bandit: ``sum_{s<=t} (mu* - mu_{a_s})``; cascading RL: ``sum_k V* - V^{pi_k}``; solver
        tuning: iterations above the instance-optimal omega).
    cumulative_reward : float64 array (P, R, J)
        Cumulative realised reward.
    pull_counts : int64 array (P, R, K)
        Pulls of each arm over the whole horizon (for list-valued actions: how often each item
        was shown).
    wall_time : float64 array (P,)
        Seconds of kernel time per policy, summed over replications.
    kernel_seconds : float64 array (P, R)
        Seconds of kernel time per policy and replication.
    metrics : dict of str -> array
        Setting-specific arrays with leading axes ``(policy, replication)``, e.g. clicks per
        episode for cascading RL; empty for the classic bandit.
    """

    policy_labels: list
    record_points: np.ndarray
    cumulative_regret: np.ndarray
    cumulative_reward: np.ndarray
    pull_counts: np.ndarray
    horizon: int
    root_seed: int
    wall_time: np.ndarray = field(default_factory=lambda: np.zeros(0))
    kernel_seconds: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    metrics: dict = field(default_factory=dict)

    #: The arrays every setting records; anything else a loop records goes to ``metrics``.
    CORE_ARRAYS: ClassVar[tuple] = ("cumulative_regret", "cumulative_reward", "pull_counts")

    @property
    def final_regret(self) -> np.ndarray:
        """Cumulative regret at the horizon, shape (P, R)."""
        return self.cumulative_regret[:, :, -1]


def check_problem_and_policies(problem, policies) -> list:
    """Check that ``problem`` is a problem the fused runner knows (it has ``fused_loop``) and
    ``policies`` a non-empty list of policies of the problem's setting, with unique labels, that
    accept the problem's rewards; return the list.

    Raises
    ------
    ValueError
        Naming the offending argument, its value and the rule.
    """
    if not hasattr(problem, "fused_loop") or not hasattr(problem, "check_policy_compatible"):
        raise ValueError(
            f"problem: must be a regretlab problem (e.g. environments.BernoulliBandit), got {problem!r}"
        )
    if isinstance(policies, Policy) or not isinstance(policies, (list, tuple)):
        policies = [policies]
    policies = list(policies)
    if not policies:
        raise ValueError("policies: must name at least one policy, got an empty list")
    for i, policy in enumerate(policies):
        problem.check_policy_compatible(policy, f"policies[{i}]")
    labels = [p.label for p in policies]
    duplicates = sorted({x for x in labels if labels.count(x) > 1})
    if duplicates:
        raise ValueError(f"policies: labels must be unique, got duplicates {duplicates}")
    return policies


def _validate_run(problem, policies, horizon, n_replications, seed, n_jobs):
    policies = check_problem_and_policies(problem, policies)
    labels = [p.label for p in policies]
    horizon = check_integer("horizon", horizon, low=1, high=MAX_HORIZON)
    n_replications = check_integer("n_replications", n_replications, low=1)
    seed = check_integer("seed", seed, low=0)
    n_jobs = check_integer("n_jobs", n_jobs, low=1)
    for i, policy in enumerate(policies):
        policy.check_horizon(horizon)
    return policies, labels, horizon, n_replications, seed, n_jobs


def run(
    problem,
    policies,
    *,
    horizon: int,
    n_replications: int,
    seed: int,
    record_points=None,
    n_jobs: int = 1,
    replications=None,
    progress=None,
) -> RunResult:
    """Run every policy on ``problem`` for ``n_replications`` replications of ``horizon`` steps.

    Parameters
    ----------
    problem : a problem of any setting
        The environment's parameters, e.g. ``environments.BernoulliBandit`` or
        ``environments.CascadingMDP``; it supplies the setting's fused loop.
    policies : policy or list of policies
        Policies of the problem's setting; their labels must be unique.
    horizon : int
        Time steps per replication (``>= 1``) in the setting's unit (``problem.time_unit``:
        steps, episodes, pulls or instances).
    n_replications : int
        ``>= 1``.
    seed : int
        Root seed, ``>= 0``; see :func:`bandits.core.rng.replication_seeds`.
    record_points : array of int, optional
        Times at which to record cumulative values; default :func:`default_record_points` with
        the problem's ``record_density`` (``(dense_until, per_decade)``, default (100, 200);
        streaming problems (10, 20)).
    n_jobs : int, default 1
        Threads. Results do not depend on it.
    replications : sequence of int, optional
        Replication indices to run (default ``range(n_replications)``); the result arrays follow
        this order. Lets a caller run chunks of an experiment independently.
    progress : callable, optional
        Called as ``progress(n_done)`` after each replication (all policies) is done.

    Returns
    -------
    RunResult
    """
    policies, labels, horizon, n_replications, seed, n_jobs = _validate_run(
        problem, policies, horizon, n_replications, seed, n_jobs
    )
    points = _check_record_points(record_points, horizon, problem)
    if replications is None:
        replications = list(range(n_replications))
    else:
        replications = [check_integer(f"replications[{i}]", r, low=0, high=n_replications - 1)
                        for i, r in enumerate(replications)]
    n_policies, n_reps = len(policies), len(replications)
    fused = problem.fused_loop(policies, horizon, points)
    outputs = fused.allocate(n_policies, n_reps)
    kernel_seconds = np.zeros((n_policies, n_reps))
    generator_states = replication_generator_states(seed, replications)

    # Compile (or load from the disk cache) each policy's specialisation once, up front; the
    # entry points then skip numba's per-call type dispatch (~60 us per call).
    probe = make_random_stream(np.random.default_rng(0))
    entry_points = [
        compiled_entry_point(fused.loop, fused.arguments(p, 0, outputs, probe, probe)) for p in range(n_policies)
    ]
    # One (environment, policy) pair of generators per thread, wrapped once in RandomStreams and
    # re-seeded per replication by assigning the precomputed PCG64 states: no per-replication
    # SeedSequence work and no Generator unboxing.
    local = threading.local()

    def replication_task(i):
        """All policies on replication i: the same environment stream for each (CRN)."""
        if not hasattr(local, "streams"):
            local.generators = (np.random.default_rng(0), np.random.default_rng(0))
            local.streams = tuple(make_random_stream(g) for g in local.generators)
        env_generator, policy_generator = local.generators
        env_state, policy_state = generator_states[i]
        for p in range(n_policies):
            env_generator.bit_generator.state = env_state
            policy_generator.bit_generator.state = policy_state
            start = time.perf_counter()
            entry_points[p](*fused.arguments(p, i, outputs, *local.streams))
            kernel_seconds[p, i] = time.perf_counter() - start
        return i

    done = 0
    if n_jobs == 1:
        for i in range(n_reps):
            replication_task(i)
            done += 1
            if progress is not None:
                progress(done)
    else:
        # Contiguous chunks of replications per task (about 8 per thread) keep the main thread
        # and the executor's bookkeeping out of the way of the workers.
        chunk = max(1, n_reps // (8 * n_jobs))

        def chunk_task(first):
            for i in range(first, min(first + chunk, n_reps)):
                replication_task(i)
            return min(first + chunk, n_reps) - first

        pool = ThreadPoolExecutor(max_workers=n_jobs)
        try:
            for future in as_completed([pool.submit(chunk_task, first) for first in range(0, n_reps, chunk)]):
                done += future.result()
                if progress is not None:
                    progress(done)
        except BaseException:  # e.g. Ctrl-C: drop queued chunks instead of running them
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    fused.check_outputs(outputs, labels)
    metrics = {k: v for k, v in outputs.items() if k not in RunResult.CORE_ARRAYS}
    return RunResult(
        policy_labels=labels,
        record_points=points,
        cumulative_regret=outputs["cumulative_regret"],
        cumulative_reward=outputs["cumulative_reward"],
        pull_counts=outputs["pull_counts"],
        horizon=horizon,
        root_seed=seed,
        wall_time=kernel_seconds.sum(axis=1),
        kernel_seconds=kernel_seconds,
        metrics=metrics,
    )
