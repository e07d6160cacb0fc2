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
from bandits.core.kernels import (
    kernel_reference,
    kernel_source_stamp,
    project_source_stamp,
    resolve_kernel,
)
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


def test_kernel_source_stamp_ignores_the_layers_compiled_code_cannot_reach(tmp_path, monkeypatch):
    """Editing a report, the result store or the command line changes the project's stamp (the
    provenance) but not the one numba's cache carries; editing anything else changes both."""
    roots = (tmp_path / "bandits", tmp_path / "environments")
    for root in roots:
        root.mkdir()
        (root / "__init__.py").write_text("x = 1\n")
    for name in ("report", "experiment", "policies"):
        (roots[0] / name).mkdir()
        (roots[0] / name / "module.py").write_text("y = 1\n")
    (roots[0] / "cli.py").write_text("z = 1\n")
    (roots[0] / "reports_elsewhere.py").write_text("w = 1\n")  # a name that only starts like one
    monkeypatch.setattr(kernels, "_PROJECT_ROOTS", roots)
    for edited, compiled in [(roots[0] / "report" / "module.py", False), (roots[0] / "experiment" / "module.py", False),
                             (roots[0] / "cli.py", False), (roots[0] / "policies" / "module.py", True),
                             (roots[0] / "reports_elsewhere.py", True), (roots[1] / "__init__.py", True)]:
        project, kernel = project_source_stamp(), kernel_source_stamp()
        edited.write_text(edited.read_text() + "# edited\n")
        assert project_source_stamp() != project
        assert (kernel_source_stamp() != kernel) is compiled, edited


def test_no_module_outside_the_kernel_stamp_defines_compiled_code():
    """The parts of the project the cache stamp leaves out (kernels.NOT_COMPILED) define no
    numba function: no numba decorator or call of jit/njit/vectorize/jitclass in their source."""
    import ast

    top = Path(kernels.__file__).resolve().parents[2]
    files = [path for part in kernels.NOT_COMPILED for path in
             ([top / part] if part.endswith(".py") else sorted((top / part).rglob("*.py")))]
    assert len(files) > 10
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = None
            if isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, ast.Name):
                name = node.id
            assert name not in {"njit", "jit", "vectorize", "guvectorize", "jitclass", "cfunc"}, f"{path}: {name}"


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
    expected = str(tmp_path / "regretlab" / f"numba-{kernel_source_stamp()[:12]}")
    assert nb.config.CACHE_DIR == expected == kernels.fallback_cache_dir()
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setattr(nb.config, "CACHE_DIR", str(tmp_path / "mine"))
    with pytest.warns(RuntimeWarning):
        kernels._install_locator(changed)
    assert nb.config.CACHE_DIR == str(tmp_path / "mine")


def _save_entries(cache_dir, filename_base, worker, count, locked, start):
    """Save ``count`` entries (this worker's keys) into one numba cache index (a spawned process),
    after every worker has reached the ``start`` barrier."""
    from numba.core import caching

    import bandits.core.kernels  # noqa: F401 - installs the locked save

    cache_file = caching.IndexDataCacheFile(cache_path=cache_dir, filename_base=filename_base, source_stamp="stamp")
    save = caching.IndexDataCacheFile.save if locked else caching.IndexDataCacheFile.save.__wrapped__
    start.wait(timeout=120)
    for i in range(count):
        save(cache_file, ("signature", worker, i), {"machine code of": (worker, i)})


def _concurrent_saves(tmp_path, locked, workers=4, count=40):
    import multiprocessing

    tag = kernel_source_stamp()[:12]
    base = f"loop.run_replication-1-{tag}.py311"
    tmp_path.mkdir()  # numba creates the cache directory before it saves
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(workers)
    processes = [context.Process(target=_save_entries, args=(str(tmp_path), base, w, count, locked, start))
                 for w in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    from numba.core import caching

    cache_file = caching.IndexDataCacheFile(cache_path=str(tmp_path), filename_base=base, source_stamp="stamp")
    found = {(w, i): cache_file.load(("signature", w, i)) for w in range(workers) for i in range(count)}
    return {key: value == {"machine code of": key} for key, value in found.items()}


def test_concurrent_cache_saves_of_one_function_lose_nothing_and_never_cross_signatures(tmp_path):
    """Processes compiling different signatures of one function at once (the fused loops compiled
    ahead in parallel) save into one numba cache index. numba's own save can lose entries or point
    one signature at another's machine code; the locked save keeps every entry, each with its own
    data. The unlocked save is run too, as evidence that the workload does race."""
    locked = _concurrent_saves(tmp_path / "locked", locked=True)
    assert all(locked.values()), sorted(key for key, ok in locked.items() if not ok)[:5]
    unlocked = _concurrent_saves(tmp_path / "unlocked", locked=False)
    assert not all(unlocked.values())  # the race the lock prevents is real on this workload
