"""Shards of a result directory: their names and contents, and computing them.

A shard holds one (environment, policy, chunk of replications) of an experiment:
``shards/env<e>/policy<p>/reps<start>-<stop>.npz`` with arrays ``cumulative_regret`` and
``cumulative_reward`` (replication, record point), ``pull_counts`` (replication, arm),
``kernel_seconds`` and one ``metric:<name>`` array per setting-specific metric. A *task* is one
chunk of one environment for the policies whose shards are missing; :func:`compute_task` runs it
with the fused runner and returns the shards' bytes, wherever it runs (this process, or a Dask
worker), so the numbers never depend on where.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from bandits.runner import RunResult, run

__all__ = ["METRIC_PREFIX", "ShardTask", "compute_task", "shard_bytes", "shard_name"]

#: Shard keys of setting-specific arrays (``RunResult.metrics``) start with this prefix.
METRIC_PREFIX = "metric:"


def shard_name(environment: int, policy: int, start: int, stop: int) -> str:
    """Relative path of the shard of one (environment, policy, replications [start, stop))."""
    return f"shards/env{environment}/policy{policy}/reps{start:07d}-{stop:07d}.npz"


def shard_bytes(result: RunResult, policy: int) -> bytes:
    """The compressed ``.npz`` of policy ``policy`` of ``result`` (its position in the run)."""
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        cumulative_regret=result.cumulative_regret[policy],
        cumulative_reward=result.cumulative_reward[policy],
        pull_counts=result.pull_counts[policy],
        kernel_seconds=result.kernel_seconds[policy],
        **{METRIC_PREFIX + name: values[policy] for name, values in result.metrics.items()},
    )
    return buffer.getvalue()


@dataclass(frozen=True)
class ShardTask:
    """Replications ``[start, stop)`` of environment ``environment`` for ``policies`` (indices
    in the configuration): one task, ``len(policies)`` shards."""

    environment: int
    start: int
    stop: int
    policies: tuple

    @property
    def runs(self) -> int:
        """Replications times policies: the task's share of a progress bar."""
        return (self.stop - self.start) * len(self.policies)

    def shard_names(self) -> list[str]:
        return [shard_name(self.environment, p, self.start, self.stop) for p in self.policies]


def compute_task(config, task: ShardTask, *, n_jobs: int = 1, progress=None, policies=None) -> list[tuple[str, bytes]]:
    """Run ``task`` of ``config`` (an :class:`~bandits.experiment.config.ExperimentConfig`) and
    return ``[(shard name, shard bytes), ...]`` in the order of ``task.policies``.

    ``n_jobs`` threads; ``progress(n_done)`` as in :func:`bandits.runner.run`; ``policies``: the
    configuration's policy objects when the caller has them (fresh ones otherwise).
    """
    policies = config.make_policies() if policies is None else policies
    e = task.environment
    result = run(
        config.environments[e][2],
        [policies[p] for p in task.policies],
        horizon=config.horizon_of(e),
        n_replications=config.n_replications,
        seed=config.seed,
        record_points=config.record_points_of(e),
        n_jobs=n_jobs,
        replications=range(task.start, task.stop),
        progress=progress,
    )
    return [(name, shard_bytes(result, position)) for position, name in enumerate(task.shard_names())]
