"""The Dask executor (bandits.experiment.executors) on a LocalCluster of two worker processes:
results bit-identical to a run in this process, also when a run is resumed with the other
executor or a worker is killed mid-run; a lost scheduler ends the run with a ClusterError and
the directory resumable; workers of another source version and tasks too large for the workers'
memory are refused before any work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from bandits.experiment import ConfigError, load_results, run_experiment  # noqa: E402
from bandits.experiment.executors import ClusterError, DaskExecutor  # noqa: E402
from bandits.experiment.shards import ShardTask  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CONFIG = {"name": "dask", "horizon": 3000, "n_replications": 24, "seed": 17, "chunk_size": 2, "n_jobs": 2,
          "environments": [{"name": "EvenlySpacedBernoulliBandit", "sweep": {"n_arms": [3, 6]}}],
          "policies": [{"name": "ucb1"}, {"name": "thompson_beta"}]}


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    return run_experiment(CONFIG, tmp_path_factory.mktemp("local") / "out")


def assert_identical(a, b):
    assert [e.swept for e in a["environments"]] == [e.swept for e in b["environments"]]
    for x, y in zip(a["environments"], b["environments"]):
        for name in ("cumulative_regret", "cumulative_reward", "pull_counts"):
            np.testing.assert_array_equal(getattr(x.result, name), getattr(y.result, name))


def test_a_dask_run_equals_a_local_run(client, local, tmp_path):
    remote = run_experiment(CONFIG, tmp_path / "out", client=client)
    assert remote["computed_shards"] == 2 * 2 * 12
    assert_identical(local, remote)


def test_a_run_half_local_half_on_dask_equals_a_local_run(client, local, tmp_path):
    out = tmp_path / "out"
    run_experiment(CONFIG, out)
    for shard in sorted((out / "shards").rglob("*.npz"))[1::2]:  # half the shards lost
        shard.unlink()
    resumed = run_experiment(CONFIG, out, client=client)
    assert resumed["computed_shards"] == 24
    assert_identical(local, resumed)


def test_killing_a_worker_mid_run_loses_nothing(client, local, tmp_path):
    out = tmp_path / "out"
    config = dict(CONFIG, horizon=100_000)  # tasks of about 0.3 s: the kill lands mid-run
    expected = run_experiment(config, tmp_path / "expected")
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.setdefault("result", run_experiment(config, out, client=client)))
    runner.start()
    journal = out / "journal.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not journal.exists() or journal.read_text().count("\n") < 4):
        time.sleep(0.02)
    assert journal.exists(), "no shard was written"
    victim = next(iter(client.run(os.getpid).values()))
    os.kill(victim, signal.SIGKILL)  # the nanny restarts it; its tasks run again elsewhere
    assert runner.is_alive() and journal.read_text().count("\n") < 48  # mid-run
    runner.join(timeout=300)
    assert not runner.is_alive() and "result" in outcome
    assert outcome["result"]["incomplete"] == []
    assert_identical(expected, outcome["result"])
    assert victim not in client.run(os.getpid).values()


def test_workers_of_another_source_version_are_refused(client, tmp_path, monkeypatch):
    monkeypatch.setattr("bandits.experiment.executors.project_source_stamp", lambda: "0" * 64)
    with pytest.raises(ClusterError, match="runs another version of the regretlab source"):
        run_experiment(CONFIG, tmp_path / "out", client=client)
    assert load_results(tmp_path / "out")["incomplete"] == [0, 1]  # nothing computed, resumable


class _FakeClient:
    def __init__(self, workers):
        self.workers = workers

    def scheduler_info(self, n_workers=None):
        return {"workers": self.workers}


def test_tasks_too_large_for_the_workers_memory_and_empty_clusters_are_refused():
    from bandits.experiment import load_config

    config = load_config(dict(CONFIG, n_replications=200, chunk_size=200))
    tasks = [ShardTask(0, 0, 200, (0, 1))]
    with pytest.raises(ConfigError, match="chunk_size: one task's results would take about"):
        DaskExecutor(_FakeClient({"tcp://w": {"memory_limit": 100_000}})).check(config, tasks)
    DaskExecutor(_FakeClient({"tcp://w": {"memory_limit": 10**10}})).check(config, tasks)
    DaskExecutor(_FakeClient({"tcp://w": {"memory_limit": 0}})).check(config, tasks)  # no limit
    with pytest.raises(ClusterError, match="has no workers"):
        DaskExecutor(_FakeClient({})).check(config, tasks)


_SCHEDULER = """
import sys, time
from distributed import LocalCluster
if __name__ == "__main__":
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None)
    print(cluster.scheduler_address, flush=True)
    time.sleep(600)
"""


def test_losing_the_scheduler_ends_the_run_clearly_and_the_directory_resumes(local, tmp_path):
    script = tmp_path / "scheduler.py"
    script.write_text(_SCHEDULER)
    cluster = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=REPO,
                               env=dict(os.environ, PYTHONPATH=str(REPO)), start_new_session=True)
    try:
        address = cluster.stdout.readline().strip()
        assert address.startswith("tcp://")
        out = tmp_path / "out"
        outcome = {}

        def run_there():
            with distributed.Client(address, timeout="20s") as remote:
                try:
                    run_experiment(dict(CONFIG, horizon=20000), out, client=remote)
                except ClusterError as error:
                    outcome["error"] = error

        runner = threading.Thread(target=run_there)
        runner.start()
        journal = out / "journal.jsonl"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (journal.exists() and journal.read_text().count("\n") >= 2):
            time.sleep(0.02)
        os.killpg(cluster.pid, signal.SIGKILL)  # the scheduler and its worker, at once
        runner.join(timeout=120)
        assert not runner.is_alive()
    finally:
        if cluster.poll() is None:
            os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait()
    assert "error" in outcome and "run the same command again to resume" in str(outcome["error"])
    kept = load_results(out)
    assert kept["incomplete"] and kept["corrupt"] == []
    resumed = run_experiment(dict(CONFIG, horizon=20000), out)  # finished here, in this process
    expected = run_experiment(dict(CONFIG, horizon=20000), tmp_path / "expected")
    assert_identical(expected, resumed)


def test_two_runs_sharing_a_cluster_at_once_get_their_own_results(client, tmp_path):
    """Task keys are unique to a run: Dask would hand one run the stored results of another's
    equal keys (here two seeds, same tasks)."""
    configs = [dict(CONFIG, seed=seed) for seed in (1, 2)]
    outcome = {}
    threads = [threading.Thread(target=lambda i=i: outcome.setdefault(i, run_experiment(
        configs[i], tmp_path / f"dask{i}", client=client))) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    for i in range(2):
        assert_identical(run_experiment(configs[i], tmp_path / f"local{i}"), outcome[i])
    assert not np.array_equal(outcome[0]["environments"][0].result.cumulative_regret,
                              outcome[1]["environments"][0].result.cumulative_regret)


class _FinishedFuture:
    def __init__(self, status, error):
        self.status, self.error = status, error

    def result(self):
        raise self.error

    def exception(self):
        return self.error


def test_a_failing_task_is_reported_with_its_cell_not_as_a_lost_scheduler():
    from concurrent.futures import CancelledError

    from bandits.experiment.executors import (
        ForeignSourceError,
        _lost_scheduler_errors,
        _result_of,
    )

    lost = _lost_scheduler_errors()
    doing = "computing replications 0 to 1 of environments[0]{n_arms=3}"
    with pytest.raises(RuntimeError, match=r"a Dask task failed while computing replications 0 to 1 of "
                                           r"environments\[0\]\{n_arms=3\}: FileNotFoundError") as error:
        _result_of(_FinishedFuture("error", FileNotFoundError("no numba cache")), lost, doing)
    assert not isinstance(error.value, ClusterError)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        _result_of(_FinishedFuture("error", ZeroDivisionError("x")), lost, doing)
    with pytest.raises(CancelledError):  # the connection: left to the caller's lost-scheduler handling
        _result_of(_FinishedFuture("cancelled", CancelledError()), lost, doing)
    with pytest.raises(ClusterError, match="runs another version"):
        _result_of(_FinishedFuture("error", ForeignSourceError("worker x runs another version")), lost, doing)

    class KilledWorker(Exception):
        pass

    with pytest.raises(ClusterError, match="Dask workers kept dying while computing"):
        _result_of(_FinishedFuture("error", KilledWorker("task")), lost, doing)


def test_the_command_line_runs_on_a_local_dask_cluster(local, tmp_path, capsys):
    """regretlab run --dask-workers 2: a LocalCluster started and stopped by the command, the
    same numbers as a local run."""
    import json

    from bandits.cli import main

    config = tmp_path / "dask.toml"
    lines = [f"{key} = {json.dumps(value)}" for key, value in CONFIG.items() if key not in ("environments", "policies")]
    lines += ["[[environments]]", 'name = "EvenlySpacedBernoulliBandit"', "sweep = { n_arms = [3, 6] }"]
    for policy in CONFIG["policies"]:
        lines += ["[[policies]]", f'name = "{policy["name"]}"']
    config.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--dask-workers", "2", "--no-progress", "--no-report"]) == 0
    assert_identical(local, load_results(out))
    assert main(["run", str(config), "--out", str(tmp_path / "x"), "--dask-workers", "0", "--no-progress"]) == 2
    assert "--dask-workers: must be >= 1, got 0" in capsys.readouterr().err
