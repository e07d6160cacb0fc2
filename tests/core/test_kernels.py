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

from bandits.core import kernels
from bandits.core.kernels import kernel_reference, project_source_stamp, resolve_kernel
from bandits.policies.classic.index_policies import ucb1_select
from environments.classic import bernoulli_pull

REPO = Path(__file__).resolve().parents[2]


def test_reference_round_trip():
    assert kernel_reference(ucb1_select) == "bandits.policies.classic.index_policies:ucb1_select"
    assert kernel_reference(bernoulli_pull) == "environments.classic.dynamics:bernoulli_pull"
    assert resolve_kernel("bandits.policies.classic.index_policies:ucb1_select") is ucb1_select


def test_reference_rejects_non_kernels():
    with pytest.raises(ValueError, match="kernel: must be a numba @njit function"):
        kernel_reference(len)

    @nb.njit
    def local_kernel(x):
        return x

    with pytest.raises(ValueError, match="kernel: must be a module-level @njit function"):
        kernel_reference(local_kernel)


def test_project_source_stamp_is_stable_and_changes_with_any_edit(tmp_path, monkeypatch):
    """The stamp is the same until a file of the project changes; an edit of one byte, a new
    file and a renamed file each change it, and restoring the content restores it."""
    assert project_source_stamp() == project_source_stamp()
    assert len(project_source_stamp()) == 64
    roots = (tmp_path / "bandits", tmp_path / "environments")
    for root in roots:
        (root / "sub").mkdir(parents=True)
        (root / "__init__.py").write_text("x = 1\n")
        (root / "sub" / "kernels.py").write_text("def f():\n    return 1\n")
    monkeypatch.setattr(kernels, "_PROJECT_ROOTS", roots)
    original = project_source_stamp()
    assert project_source_stamp() == original
    target = roots[1] / "sub" / "kernels.py"
    target.write_text("def f():\n    return 2\n")
    edited = project_source_stamp()
    assert edited != original
    target.write_text("def f():\n    return 1\n")
    assert project_source_stamp() == original
    extra = roots[0] / "sub" / "new.py"
    extra.write_text("")
    assert project_source_stamp() != original
    extra.rename(roots[0] / "sub" / "renamed.py")
    renamed = project_source_stamp()
    assert renamed not in (original, edited)


_PROBE = textwrap.dedent(
    """
    import json, time
    start = time.perf_counter()
    from bandits import run, UCB1
    from environments.classic.loop import run_classic_replication
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


def test_fused_loop_is_cached_across_processes_and_stale_indices_are_never_opened(tmp_path):
    """The first process compiles the (environment, policy) loop; a second process loads it from
    disk (a cache hit, no compilation) and computes the same numbers. numba unpickles a cache
    index before comparing source stamps, and an index written by another version of the source
    may name modules that no longer exist: the source stamp is part of every cache file name, so
    such an index (and one written before stamps were in the name) is never opened, and it is
    removed."""
    first = _probe(tmp_path)
    assert (first["hits"], first["misses"]) == (0, 1)
    indices = sorted(tmp_path.rglob("loop.run_classic_replication-*.nbi"))
    assert len(indices) == 1
    tag = indices[0].name.split(".py")[0].rsplit("-", 1)[1]
    assert len(tag) == 12
    # an index of the same function by an older source, naming a module that does not exist
    stale = indices[0].with_name(indices[0].name.replace(tag, "0123456789ab"))
    stale.write_bytes(b"not a pickle of any module that exists")
    untagged = indices[0].with_name(indices[0].name.split("-")[0] + "-21.py311.nbi")
    untagged.write_bytes(b"written before stamps were part of the name")
    second = _probe(tmp_path)
    assert (second["hits"], second["misses"]) == (1, 0)
    assert second["regret"] == first["regret"]
    assert not stale.exists() and not untagged.exists()


def test_a_changed_numba_caching_api_falls_back_to_a_cache_per_source_version(monkeypatch, tmp_path):
    """If numba's private caching API is not the tested one, the locator is not installed: a
    RuntimeWarning says so and numba's cache moves to a directory of its own per source version
    (a stale loop can never be loaded), unless NUMBA_CACHE_DIR is set."""
    import types

    from numba.core import caching

    assert kernels.LOCATOR_INSTALLED
    assert kernels.caching_api_available(caching)
    changed = types.SimpleNamespace(CacheImpl=caching.CacheImpl)  # no _CacheLocator any more
    assert not kernels.caching_api_available(changed)
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(nb.config, "CACHE_DIR", "")
    with pytest.warns(RuntimeWarning, match="caching API is not the one tested"):
        assert kernels._install_locator(changed) is False
    expected = str(tmp_path / "regretlab" / f"numba-{project_source_stamp()[:12]}")
    assert nb.config.CACHE_DIR == expected == kernels.fallback_cache_dir()
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setattr(nb.config, "CACHE_DIR", str(tmp_path / "mine"))
    with pytest.warns(RuntimeWarning):
        kernels._install_locator(changed)
    assert nb.config.CACHE_DIR == str(tmp_path / "mine")
