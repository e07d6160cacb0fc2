"""A first run says that it compiles, and how many loops: with an empty numba cache the command
line announces the fused loops it must compile, compiles them in parallel processes that fill the
disk cache, and computes the same numbers as a run in this process; with a warm cache it says
nothing. Compiling ahead survives workers that cannot start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numba as nb
import numpy as np
import pytest

from bandits.core.kernels import is_cached
from bandits.core.rng import replication_generator_states
from bandits.experiment import load_config, load_results
from bandits.experiment.compile_ahead import (
    available_cores,
    compile_ahead,
    missing_loops,
)
from bandits.runner import run

REPO = Path(__file__).resolve().parents[2]
CONFIG = """name = "cold"
horizon = 50
n_replications = 2
[[environments]]
name = "BernoulliBandit"
means = [0.2, 0.4]
[[policies]]
name = "ucb1"
[[policies]]
name = "kl_ucb"
"""


def test_is_cached_is_false_for_a_function_numba_cannot_cache_and_true_once_compiled():
    @nb.njit(cache=False)
    def twice(x):
        return 2 * x

    assert not is_cached(twice, (3,))
    twice(3)
    assert is_cached(twice, (3,))


def test_a_cold_run_announces_its_compilation_and_a_warm_one_does_not(tmp_path):
    config = tmp_path / "cold.toml"
    config.write_text(CONFIG)
    env = dict(os.environ, PYTHONPATH=str(REPO), NUMBA_CACHE_DIR=str(tmp_path / "numba-cache"))

    def regretlab_run(out):
        return subprocess.run([sys.executable, "-m", "bandits.cli", "run", str(config), "--out", str(tmp_path / out),
                               "--no-report"], check=False, env=env, capture_output=True, text=True, cwd=REPO,
                              timeout=600)

    cold = regretlab_run("first")
    assert cold.returncode == 0, cold.stderr
    # two loops and the replication seeding to compile: two processes on a machine with two cores
    where = " in 2 processes" if available_cores() >= 2 else ""
    assert f"compiling 2 of 2 fused loop(s) first{where} (once: numba caches them on disk" in cold.stderr
    warm = regretlab_run("second")
    assert warm.returncode == 0 and "compiling" not in warm.stderr
    # the loops compiled ahead (some by a worker process, loaded from disk) compute what this
    # process computes with its own compilation
    loaded = load_config(config)
    expected = run(loaded.environments[0][2], loaded.make_policies(), horizon=loaded.horizon,
                   n_replications=loaded.n_replications, seed=loaded.seed, record_points=loaded.record_points)
    for directory in ("first", "second"):
        result = load_results(tmp_path / directory)["environments"][0].result
        np.testing.assert_array_equal(result.cumulative_regret, expected.cumulative_regret)
        np.testing.assert_array_equal(result.pull_counts, expected.pull_counts)


def test_compiling_ahead_falls_back_to_this_process_when_workers_cannot_start(tmp_path, monkeypatch):
    """A worker that cannot start is not an error: this process compiles the loops itself."""
    config = tmp_path / "cold.toml"
    config.write_text(CONFIG)
    loaded = load_config(config)
    loops, distinct = missing_loops(loaded, [(0, 0), (0, 1), (0, 1)])
    assert distinct == 2 and len(loops) <= 2

    def cannot_start(*args, **kwargs):
        raise OSError("no processes left")

    monkeypatch.setattr("bandits.experiment.compile_ahead.subprocess.Popen", cannot_start)
    compile_ahead(loaded, [(0, 0), (0, 1)], processes=2)
    assert missing_loops(loaded, [(0, 0), (0, 1)]) == ([], 2)


@pytest.mark.parametrize("processes", [1, 2])
def test_compile_ahead_starts_a_worker_only_when_there_is_work_for_two(tmp_path, processes):
    config = tmp_path / "cold.toml"
    config.write_text(CONFIG)
    loaded = load_config(config)
    replication_generator_states(0, [0])  # the seeding compiled here: one queue item per loop
    assert compile_ahead(loaded, [], processes=processes) == 0
    assert compile_ahead(loaded, [(0, 0)], processes=processes) == 0  # one item (seeding compiled here)


def _children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (Linux /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


@pytest.mark.skipif(not Path("/proc/self/stat").exists() or available_cores() < 2,
                    reason="needs Linux /proc and two cores (a worker process)")
def test_ctrl_c_while_compiling_ahead_stops_the_workers_and_says_how_to_resume(tmp_path):
    import signal
    import time

    config = tmp_path / "cold.toml"
    config.write_text(CONFIG)
    env = dict(os.environ, PYTHONPATH=str(REPO), NUMBA_CACHE_DIR=str(tmp_path / "numba-cache"))
    # the child gets SIGINT's default disposition (so Python installs its handler), also when this
    # test runs with SIGINT ignored, as a background job does and its children inherit
    process = subprocess.Popen([sys.executable, "-m", "bandits.cli", "run", str(config), "--out", str(tmp_path / "out")],
                               env=env, cwd=REPO, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert "compiling" in process.stderr.readline()
    deadline = time.monotonic() + 60
    while not (workers := _children(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers, "no worker process was started"
    process.send_signal(signal.SIGINT)  # to the main process only, as a parent process would
    _, error = process.communicate(timeout=120)
    assert process.returncode == 130, error
    assert "run the same command again to resume" in error
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists(), f"worker {pid} outlived the run"


def test_ctrl_c_while_waiting_for_the_workers_interrupts_the_run(tmp_path, monkeypatch):
    """This process has compiled its last item and waits for a worker: a Ctrl-C then (deferred
    while compiling) must still end the run, not be forgotten (the run went on and exited 0)."""
    import signal
    import time

    import bandits.experiment.compile_ahead as compile_ahead_module

    class WaitingPool:
        started = 1

        def __init__(self, config, n_workers, take, timeout):
            self.take = take

        def start(self):
            pass

        def finish(self, wait, interrupted=None):
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the worker still compiles
            time.sleep(0.2)  # the deferred handler runs between bytecodes

    config = tmp_path / "cold.toml"
    config.write_text(CONFIG)
    loaded = load_config(config)
    monkeypatch.setattr(compile_ahead_module, "_WorkerPool", WaitingPool)
    monkeypatch.setattr(compile_ahead_module, "compile_item", lambda config, policies, item: None)
    # Python's own SIGINT handler, also when this test runs with SIGINT ignored (a background job)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            compile_ahead(loaded, [(0, 0), (0, 1)], processes=2)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Ctrl-C acts at once again
    finally:
        signal.signal(signal.SIGINT, previous)
