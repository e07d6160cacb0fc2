"""Where the tasks of an experiment run: this process's threads, or a Dask cluster.

An executor takes the :class:`~bandits.experiment.shards.ShardTask` list of a run and yields
``(task, [(shard name, shard bytes), ...])`` as tasks finish; the result store writes every
shard (atomically, then a journal line) in the process that called ``run_experiment``, whichever
executor computed it. A shard's numbers depend only on the configuration and its replications
(their seeds), so they are bit-identical whatever the executor, the number of workers or
threads, and across a run resumed with another executor.

:class:`LocalExecutor` runs the tasks one after the other, each on ``n_jobs`` threads.

:class:`DaskExecutor` submits one Dask task per :class:`ShardTask` to a ``distributed.Client``
(an existing cluster, or a ``LocalCluster``), each running on one thread of a worker, under
keys unique to the run (Dask hands the stored result of an equal key to anyone who asks). Before
the first task, every worker compiles (or loads from its numba disk cache) the fused loops the
run needs, in one warm-up task per worker. Every warm-up and every task first checks the
worker's regretlab source stamp against the caller's: a worker running another version (also
one that joins later) ends the run with a :class:`ClusterError` before it computes anything. A
task whose worker dies is run again on another worker by Dask; a task that raises is reported
with the cell and replications it was computing (not retried: the same inputs raise again). A
task's shards are only written when it finishes, so nothing is half-written. Losing the
scheduler ends the run with a :class:`ClusterError` (shards finished before are kept; the same
command resumes).
"""

from __future__ import annotations

import math

from bandits.core.kernels import project_source_stamp
from bandits.experiment.config import ConfigError, memory_estimate
from bandits.experiment.shards import ShardTask, compute_task

__all__ = ["ClusterError", "DaskExecutor", "LocalExecutor", "task_memory_estimate"]


class ClusterError(RuntimeError):
    """The Dask cluster failed (scheduler lost, every worker gone): finished shards are kept and
    the same command resumes the run."""


class LocalExecutor:
    """Tasks one after the other in this process, each on the configuration's ``n_jobs``
    threads; ``progress(runs)`` is called as replications finish."""

    def map(self, config, tasks, progress=None):
        policies = config.make_policies()
        for task in tasks:
            done_before = [0]

            def advance(done, done_before=done_before, width=len(task.policies)):
                if progress is not None:
                    progress((done - done_before[0]) * width)
                    done_before[0] = done

            yield task, compute_task(config, task, n_jobs=config.n_jobs, progress=advance, policies=policies)


def task_memory_estimate(config, task: ShardTask) -> int:
    """Bytes one task's results take while they are built (the runner's arrays and their
    compressed copies), from :func:`bandits.experiment.config.memory_estimate` for one chunk."""
    environment = [config.environments[task.environment]]
    points = [config.record_points_of(task.environment)]
    return memory_estimate(environment, len(task.policies), task.stop - task.start, points)


class ForeignSourceError(RuntimeError):
    """Raised in a Dask task by a worker whose regretlab source differs from the caller's."""


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):  # not on a worker
        return "?"


def _check_stamp(expected: str) -> None:
    here = project_source_stamp()
    if here != expected:
        raise ForeignSourceError(f"Dask worker {_worker_address()} runs another version of the regretlab source "
                                 f"(stamp {here[:12]}, the caller's {expected[:12]}); install the caller's version "
                                 "on every worker")


def _warm_worker(config, pairs, rotation: int, stamp: str) -> str:
    """Warm-up task: check the worker's source stamp, then compile (or load) the fused loop of
    every ``(environment, policy)`` pair, starting at ``rotation`` so that workers sharing a disk
    cache compile different loops first; return the worker's address."""
    from bandits.experiment.compile_ahead import SEEDING, compile_item

    _check_stamp(stamp)
    policies = config.make_policies()
    order = pairs[rotation % len(pairs):] + pairs[:rotation % len(pairs)] if pairs else []
    for item in [SEEDING, *order]:
        compile_item(config, policies, item)
    return _worker_address()


def _dask_task(config, task: ShardTask, stamp: str):
    _check_stamp(stamp)  # also on workers that joined after the warm-up
    return compute_task(config, task, n_jobs=1)


#: Exceptions of a lost connection to the scheduler (Dask raises these from a client whose
#: scheduler went away).
def _lost_scheduler_errors():
    errors = [OSError, TimeoutError]
    try:
        from distributed.comm.core import CommClosedError

        errors.append(CommClosedError)
    except ImportError:  # pragma: no cover - distributed without that module
        pass
    from concurrent.futures import CancelledError

    errors.append(CancelledError)
    return tuple(errors)


class DaskExecutor:
    """Tasks on a Dask cluster through ``client`` (a ``distributed.Client``): one Dask task per
    shard task, one thread each. A task whose worker dies is run again elsewhere by Dask; a task
    that raises is not retried unless ``retries`` says so (the same inputs raise again), and the
    error names the cell and replications it was computing."""

    def __init__(self, client, *, retries: int = 0):
        self.client = client
        self.retries = retries

    def _workers(self) -> dict:
        return self.client.scheduler_info(n_workers=-1)["workers"] if _accepts_n_workers(self.client) else \
            self.client.scheduler_info()["workers"]

    def check(self, config, tasks) -> None:
        """Refuse a cluster without workers, or whose workers cannot hold one task's results
        (their memory limit), before anything is computed."""
        try:
            workers = self._workers()
        except _lost_scheduler_errors() as error:
            raise ClusterError(f"cannot reach the Dask scheduler ({error}); start it or check its address") from None
        if not workers:
            raise ClusterError("the Dask cluster has no workers; start some (dask worker ADDRESS) and run again")
        limits = [info.get("memory_limit") or 0 for info in workers.values()]
        smallest = min((limit for limit in limits if limit), default=0)
        largest_task = max((task_memory_estimate(config, task) for task in tasks), default=0)
        if smallest and largest_task > 0.5 * smallest:
            raise ConfigError([
                f"chunk_size: one task's results would take about {largest_task / 2**20:,.0f} MiB, more than half "
                f"the smallest Dask worker memory limit ({smallest / 2**20:,.0f} MiB); use a smaller chunk_size"])

    def map(self, config, tasks, progress=None):
        import uuid

        from distributed import as_completed

        client = self.client
        errors = _lost_scheduler_errors()
        run = uuid.uuid4().hex[:12]  # task keys unique to this run: Dask shares results of equal keys
        stamp = project_source_stamp()
        try:
            workers = list(self._workers())
            pairs = sorted({(t.environment, p) for t in tasks for p in t.policies})
            shared = client.scatter(config, broadcast=True, hash=False)
            # one warm-up per worker, placed there first but free to move if that worker dies
            warm = [client.submit(_warm_worker, shared, pairs, math.floor(i * len(pairs) / max(1, len(workers))),
                                  stamp, workers=[address], allow_other_workers=True, pure=False,
                                  key=f"regretlab-{run}-warm-up-{i}")
                    for i, address in enumerate(workers)]
            for future in as_completed(warm):
                _result_of(future, errors, "preparing the workers")
        except errors as error:
            raise ClusterError(f"lost the Dask scheduler while preparing the workers ({error}); finished shards are "
                               "kept: run the same command again to resume") from None
        submitted, task_of = [], {}
        try:
            for task in tasks:
                future = client.submit(_dask_task, shared, task, stamp, pure=False, retries=self.retries,
                                       key=f"regretlab-{run}-env{task.environment}-reps{task.start}-{task.stop}")
                submitted.append(future)
                task_of[future.key] = task
            for future in as_completed(submitted):
                task = task_of[future.key]
                shards = _result_of(future, errors, f"computing replications {task.start} to {task.stop - 1} of "
                                                    f"{_environment_path(config, task.environment)}")
                if progress is not None:
                    progress(task.runs)
                yield task, shards
        except errors as error:
            raise ClusterError(f"lost the Dask scheduler ({error}); finished shards are kept: run the same command "
                               "again to resume") from None
        finally:
            remaining = [future for future in submitted if not future.done()]
            if remaining:
                try:
                    client.cancel(remaining)
                except errors:  # the scheduler is gone already
                    pass


def _environment_path(config, environment: int) -> str:
    from bandits.experiment.sweeps import cell_path

    cells = getattr(config, "environment_cells", ())
    return cell_path("environments", cells[environment]) if environment < len(cells) else f"environments[{environment}]"


def _result_of(future, lost_errors, doing: str):
    """The result of a finished Dask future. A task that raised is reported as such (naming
    what it was ``doing``), never as a lost scheduler: a worker of another source version, or
    workers that kept dying, as a :class:`ClusterError`; any other exception re-raised as a
    ``RuntimeError`` from it."""
    try:
        return future.result()
    except ForeignSourceError as error:
        raise ClusterError(str(error)) from None
    except lost_errors:
        if future.status != "error":
            raise  # the connection, not the task
        error = future.exception()
        raise RuntimeError(f"a Dask task failed while {doing}: {type(error).__name__}: {error}") from error
    except Exception as error:  # noqa: BLE001 - the task's own error, with what it was doing
        if isinstance(error, ClusterError):
            raise
        if type(error).__name__ == "KilledWorker":  # workers died running it, again and again
            raise ClusterError(f"Dask workers kept dying while {doing} ({error}); finished shards are kept: check "
                               "the workers' memory and logs, then run the same command again") from None
        raise RuntimeError(f"a Dask task failed while {doing}: {type(error).__name__}: {error}") from error


def _accepts_n_workers(client) -> bool:
    import inspect

    return "n_workers" in inspect.signature(client.scheduler_info).parameters
