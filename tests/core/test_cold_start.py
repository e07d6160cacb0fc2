"""A first run says that it compiles, and how many loops: with an empty numba cache the command
line announces the fused loops it must compile; with a warm cache it says nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numba as nb

from bandits.core.kernels import is_cached

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
    assert "compiling 2 of 2 fused loop(s) first (once: numba caches them on disk" in cold.stderr
    warm = regretlab_run("second")
    assert warm.returncode == 0 and "compiling" not in warm.stderr
