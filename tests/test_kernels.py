"""Kernel references and the on-disk cache of compiled loops."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numba as nb
import pytest

from bandits.kernels import kernel_reference, project_source_stamp, resolve_kernel
from bandits.policies.classic import ucb1_select
from environments.classic import bernoulli_pull

REPO = Path(__file__).resolve().parent.parent


def test_reference_round_trip():
    assert kernel_reference(ucb1_select) == "bandits.policies.classic:ucb1_select"
    assert kernel_reference(bernoulli_pull) == "environments.classic:bernoulli_pull"
    assert resolve_kernel("bandits.policies.classic:ucb1_select") is ucb1_select


def test_reference_rejects_non_kernels():
    with pytest.raises(ValueError, match="kernel: must be a numba @njit function"):
        kernel_reference(len)

    @nb.njit
    def local_kernel(x):
        return x

    with pytest.raises(ValueError, match="kernel: must be a module-level @njit function"):
        kernel_reference(local_kernel)


def test_project_source_stamp_is_stable():
    assert project_source_stamp() == project_source_stamp()
    assert len(project_source_stamp()) == 64


_PROBE = textwrap.dedent(
    """
    import json, time
    start = time.perf_counter()
    from bandits import run, UCB1
    from bandits.runner import run_classic_replication
    from environments import BernoulliBandit
    result = run(BernoulliBandit([0.3, 0.6]), [UCB1()], horizon=1000, n_replications=2, seed=4)
    print(json.dumps({
        "hits": sum(run_classic_replication.stats.cache_hits.values()),
        "misses": sum(run_classic_replication.stats.cache_misses.values()),
        "regret": result.final_regret.tolist(),
        "seconds": time.perf_counter() - start,
    }))
    """
)


def _probe(cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir), PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_fused_loop_is_cached_across_processes(tmp_path):
    """The first process compiles the (environment, policy) loop; a second process loads it from
    disk (a cache hit, no compilation) and computes the same numbers."""
    first = _probe(tmp_path)
    second = _probe(tmp_path)
    assert (first["hits"], first["misses"]) == (0, 1)
    assert (second["hits"], second["misses"]) == (1, 0)
    assert first["regret"] == second["regret"]
