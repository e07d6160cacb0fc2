"""Running an experiment into a result directory, and loading it back.

Result directory
----------------
``manifest.json`` (the normalised config, the result layout -- record points, policy labels,
time units and replication chunks, with its digest --, root seed, seeding rule and spawn keys,
package versions, git revision, host, start and end times, and the SHA-256 of every shard), the
journal of the shards finished so far (``journal.jsonl``, folded into the manifest at the end),
a lock file, and one shard
``shards/env<e>/policy<p>/reps<start>-<stop>.npz`` per (environment, policy, chunk of
``chunk_size`` replications) with arrays ``cumulative_regret`` and ``cumulative_reward``
(replication, record point), ``pull_counts`` (replication, arm), ``kernel_seconds`` and one
``metric:<name>`` array per setting-specific metric (``RunResult.metrics``). A shard
is written to a temporary name, flushed and renamed, then recorded by one appended journal line
(:mod:`bandits.experiment.result_directory`), so an interrupted run loses at most the shards in
progress, and recording a shard costs the same however many there are. Results are
self-describing: :func:`load_results` reads the record points and labels from the manifest and
checks every shard's shapes against them, never re-deriving them from today's code. Running again
into the same directory computes only missing or corrupted shards (identical arrays: results
depend only on the root seed), and refuses a directory made from a different config, or one
whose finished shards were computed by a different version of the source (``source_stamp`` in
the manifest, a hash of every ``.py`` file of ``bandits`` and ``environments``): results of two
versions are never mixed.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import platform
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bandits.core.atomic_files import atomic_write_bytes
from bandits.core.kernels import project_source_stamp
from bandits.experiment.config import ConfigError, ExperimentConfig, load_config
from bandits.experiment.interrupts import defer_interrupt
from bandits.experiment.result_directory import (
    FORMAT,
    JOURNAL,
    LOCK,
    MANIFEST,
    DirectoryLock,
    ResultDirectoryError,
    append_journal,
    fold_journal,
    layout_digest,
    os_error_message,
    read_manifest,
    recorded_shards,
    write_manifest,
)
from bandits.experiment.shards import METRIC_PREFIX, ShardTask, shard_name
from bandits.runner import RunResult

__all__ = ["MANIFEST", "METRIC_PREFIX", "EnvironmentResults", "ResultDirectoryError", "load_results", "run_experiment",
           "shard_name"]



# ---------------------------------------------------------------------------------------------
# Result directory
# ---------------------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _git_revision():
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _git_dirty():
    """True when the checkout holding this package has uncommitted changes (None outside git)."""
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(out.stdout.strip()) if out.returncode == 0 else None


def _versions():
    import gymnasium
    import matplotlib
    import numba

    import bandits

    return {
        "regretlab": bandits.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "gymnasium": gymnasium.__version__,
        "matplotlib": matplotlib.__version__,
    }


def _command() -> str:
    """The command line of this process (the program's name and its arguments, shell-quoted)."""
    import shlex
    import sys

    argv = list(sys.argv) or ["python"]
    program = Path(argv[0]).name or "python"
    return " ".join(shlex.quote(part) for part in [program, *argv[1:]])


def _now():
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _chunks(n_replications: int, chunk_size: int) -> list[tuple[int, int]]:
    """Replication ranges ``[start, stop)`` of the shards."""
    return [(start, min(start + chunk_size, n_replications)) for start in range(0, n_replications, chunk_size)]


def _layout(config: ExperimentConfig) -> dict:
    """What the arrays of the result directory are: record points, policy labels, time units
    and replication chunks, and for every environment its horizon and record points and the
    swept values of its cell (and of every policy's), stored in the manifest so that loading
    never re-derives them."""
    point_sets, set_of = [], {}  # each distinct array of record points once
    environments = []
    for e, cell in enumerate(config.environment_cells):
        points = tuple(int(t) for t in config.record_points_of(e))
        if points not in set_of:
            set_of[points] = len(point_sets)
            point_sets.append(list(points))
        environments.append({"horizon": config.horizon_of(e), "record_point_set": set_of[points],
                             "entry": cell.origin, "swept": cell.values, "axes": [list(a) for a in cell.axes]})
    return {
        "horizon": config.horizon,
        "record_points": [int(t) for t in config.record_points],
        "policy_labels": [policy.label for policy in config.make_policies()],
        "time_units": [type(problem).time_unit for _, _, problem in config.environments],
        "chunks": [list(chunk) for chunk in _chunks(config.n_replications, config.chunk_size)],
        "record_point_sets": point_sets,
        "environments": environments,
        "policies": [{"entry": cell.origin, "swept": cell.values, "axes": [list(a) for a in cell.axes]}
                     for cell in config.policy_cells],
    }


def _new_manifest(config: ExperimentConfig) -> dict:
    layout = _layout(config)
    return {
        "format": FORMAT,
        "config": config.raw,
        "layout": layout,
        "layout_sha256": layout_digest(layout),
        "root_seed": config.seed,
        "seeding": (
            "replication r: environment stream default_rng(seed) with seed the 128-bit integer of "
            "SeedSequence(root_seed, spawn_key=(r, 0)).generate_state(2, uint64); policy stream the "
            "same with spawn_key=(r, 1); see bandits.replication_seeds"
        ),
        "spawn_keys": {"environment": "(r, 0)", "policy": "(r, 1)"},
        "versions": _versions(),
        "git_revision": _git_revision(),
        "git_dirty": _git_dirty(),
        "command": _command(),
        "host": {"name": socket.gethostname(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "started": _now(),
        "finished": None,
        "shards": {},
    }


def _check_target(out: Path) -> None:
    """Refuse, before anything is written, an ``out`` that cannot hold a result directory."""
    if out.exists() and not out.is_dir():
        raise ResultDirectoryError(f"out: {out} is a file, not a directory; choose another path")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ResultDirectoryError(f"out: {parent} is a file, so {out} cannot be created; choose another path")
            if not (out.exists() or os.access(parent, os.W_OK | os.X_OK)):
                if _read_only_file_system(parent):
                    raise ResultDirectoryError(f"out: cannot create {out}: {parent} is on a read-only file system; "
                                               "choose a directory on a writable one")
                raise ResultDirectoryError(f"out: cannot create {out}: {parent} is not writable; "
                                           "choose a directory you can write to")
            break
    if out.exists() and not os.access(out, os.W_OK | os.X_OK):
        if _read_only_file_system(out):
            raise ResultDirectoryError(f"out: cannot write to {out}: it is on a read-only file system; "
                                       "choose a directory on a writable one")
        raise ResultDirectoryError(f"out: cannot write to {out}: permission denied; choose a directory you can write to")


def _read_only_file_system(path: Path) -> bool:
    """True when ``path`` lies on a file system mounted read-only (where the system says so)."""
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):  # not POSIX, or the path vanished
        return False


def _existing_manifest(config: ExperimentConfig, out: Path):
    """The manifest to continue from (None for a new directory); refuse foreign or mismatched
    directories."""
    if (out / MANIFEST).exists():
        manifest = read_manifest(out)
        if manifest["config"] != config.raw:
            raise ConfigError(
                [f"out: {out} holds results of a different configuration; choose another directory or delete it"]
            )
        stored, expected = manifest["layout"], _layout(config)
        # keys added to the layout by later versions are absent from older directories
        if not isinstance(stored, dict) or any(stored.get(key) != value for key, value in expected.items()
                                               if key in stored):
            raise ResultDirectoryError(f"out: {out} holds results of another layout (record points, labels or sweep "
                                       "cells) of this configuration; choose another directory or delete it")
        return manifest
    if out.exists() and any(p.name not in (LOCK,) for p in out.iterdir()):
        raise ConfigError([f"out: {out} exists and is not an empty directory holding a {MANIFEST}; choose another directory"])
    return None


def _intact(out: Path, shards: dict, name: str) -> bool:
    """The shard exists and its SHA-256 is the one recorded after writing it."""
    expected = shards.get(name)
    path = out / name
    return bool(expected) and path.exists() and _sha256(path) == expected


def _compile_first(config: ExperimentConfig, tasks, progress: bool) -> int:
    """Compile the fused loops the run needs that numba's disk cache lacks, in parallel worker
    processes when there are two or more (:mod:`bandits.experiment.compile_ahead`); with
    ``progress``, say so on standard error first, with a count, so that a first run does not sit
    at 0% without a word. Returns the number of loops that were missing."""
    import sys

    from bandits.core.rng import replication_seeding_compiled
    from bandits.experiment.compile_ahead import (
        available_cores,
        compile_ahead,
        missing_loops,
    )

    loops, distinct = missing_loops(config, [(task.environment, p) for task in tasks for p in task.policies])
    if not loops:
        return 0
    processes = min(len(loops) + (not replication_seeding_compiled()), available_cores())
    if progress:
        where = f" in {processes} processes" if processes >= 2 else ""
        print(f"compiling {len(loops)} of {distinct} fused loop(s) first{where} (once: numba caches them on disk "
              "for later runs)...", file=sys.stderr, flush=True)
    compile_ahead(config, loops, processes=processes)
    return len(loops)


def run_experiment(config, out, *, progress: bool = False, client=None) -> dict:
    """Run ``config`` (path, dict or :class:`ExperimentConfig`) into directory ``out``.

    With ``client`` (a ``distributed.Client``), the tasks (one per chunk of replications of an
    environment) run on its Dask cluster (:class:`bandits.experiment.executors.DaskExecutor`);
    the shards are written here, and the numbers are the same as a run in this process.

    Validates everything first (:class:`ConfigError`, or :class:`ResultDirectoryError` for an
    ``out`` that cannot be used; nothing is written). Work is split into shards of
    ``chunk_size`` replications per (environment, policy); each shard is written atomically and
    its checksum appended to the journal, so an interrupted run loses at most the shards in
    progress, and running again computes only the missing or corrupted shards. Results depend
    only on the configuration, never on interruptions or ``n_jobs``. A second run into the same
    directory while one is running is refused.

    Returns
    -------
    dict
        :func:`load_results` of the directory, with ``"computed_shards"``: the shards this call
        computed (0 when the directory was already complete).
    """
    if not isinstance(config, ExperimentConfig):
        config = load_config(config)
    out = Path(out)
    _check_target(out)
    _existing_manifest(config, out)  # refuse a foreign directory before creating anything
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ResultDirectoryError(os_error_message(out, error, "create")) from None
    with DirectoryLock(out):
        try:
            return _run_locked(config, out, progress, client)
        except OSError as error:
            raise ResultDirectoryError(os_error_message(out, error, "write to")) from None


def _run_locked(config: ExperimentConfig, out: Path, progress: bool, client=None) -> dict:
    from bandits.experiment.executors import DaskExecutor, LocalExecutor

    manifest = _existing_manifest(config, out)  # again, now that no other run can write
    fresh = manifest is None
    if fresh:
        manifest = _new_manifest(config)
    elif (out / JOURNAL).exists():
        fold_journal(out, manifest)  # a clean journal for this run (a kill may have torn its last line)
    for leftover in out.rglob(".*.tmp"):  # temporary files of an interrupted write
        leftover.unlink(missing_ok=True)
    shards = recorded_shards(out, manifest)
    chunks = _chunks(config.n_replications, config.chunk_size)
    tasks = []  # one per (environment, chunk) with the policies whose shards are missing
    for e in range(len(config.environments)):
        for start, stop in chunks:
            missing = [p for p in range(len(config.policies)) if not _intact(out, shards, shard_name(e, p, start, stop))]
            if missing:
                tasks.append(ShardTask(e, start, stop, tuple(missing)))
    executor = LocalExecutor() if client is None else DaskExecutor(client)
    if client is not None and tasks:
        executor.check(config, tasks)
    stamp = project_source_stamp()
    recorded = manifest.setdefault("source_stamp", stamp)
    if tasks and shards and recorded != stamp:
        raise ConfigError([
            f"out: {out} holds shards computed by another version of the regretlab source (stamp "
            f"{recorded[:12]}, now {stamp[:12]}); completing it would mix results of two versions. "
            "Choose another directory, or restore that version to finish it"
        ])
    if fresh or tasks:
        manifest["finished"] = None
        write_manifest(out, manifest)
    if tasks and client is None:
        _compile_first(config, tasks, progress)
    elif tasks and progress:
        import sys

        print(f"Dask: {len(tasks)} task(s); each worker first compiles or loads the fused loops...", file=sys.stderr,
              flush=True)
    bar = None
    if progress and tasks:
        from tqdm import tqdm

        bar = tqdm(total=sum(task.runs for task in tasks), unit="run",
                   desc=f"{config.name} (replications x policies)", dynamic_ncols=True)
    # Ctrl-C stops the run after the shard in progress (never inside numba: see
    # bandits.experiment.interrupts); a second Ctrl-C stops it at once
    stopping = ("\nCtrl-C: stopping after the shard in progress (its results are kept); press Ctrl-C again to "
                "stop at once")
    try:
        with defer_interrupt(stopping if progress else None, second_at_once=True) as interrupted:
            for _, computed in executor.map(config, tasks, None if bar is None else bar.update):
                for name, data in computed:
                    atomic_write_bytes(out / name, data)
                    append_journal(out, name, hashlib.sha256(data).hexdigest())
                if interrupted.is_set():
                    raise KeyboardInterrupt
    finally:
        if bar is not None:
            bar.close()
    if fresh or tasks or (out / JOURNAL).exists() or not manifest.get("finished"):
        manifest["finished"] = _now()
        fold_journal(out, manifest)
    results = load_results(out)
    results["computed_shards"] = sum(len(task.policies) for task in tasks)
    return results


@dataclass
class EnvironmentResults:
    """Results of one environment of an experiment.

    Attributes
    ----------
    index : int
        Position in the expanded configuration's ``environments`` (one per cell of a sweep).
    name : str
    params : dict
        The problem's parameters (the environment's own horizon is ``result.horizon``).
    result : RunResult
        Arrays over every policy and replication (present only when every shard is intact).
    swept : dict
        The swept parameters of this environment's cell and their values (``horizon``
        included when it is swept); empty when its entry has no sweep.
    """

    index: int
    name: str
    params: dict
    result: RunResult
    swept: dict = field(default_factory=dict)


def _shard_error(out, name, why):
    return ResultDirectoryError(f"out: shard {out / name} {why}; delete it and run the same command again to "
                                "recompute it")


def _load_shard(out: Path, name: str, rows: int, n_points: int) -> dict:
    """The arrays of one shard, checked against the manifest's layout."""
    try:
        with np.load(out / name, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError) as error:
        raise _shard_error(out, name, f"cannot be read ({error})") from None
    for key in ("cumulative_regret", "cumulative_reward", "pull_counts", "kernel_seconds"):
        if key not in arrays:
            raise _shard_error(out, name, f"has no array {key!r}")
    for key, expected in (("cumulative_regret", (rows, n_points)), ("cumulative_reward", (rows, n_points)),
                          ("kernel_seconds", (rows,))):
        if arrays[key].shape != expected:
            raise _shard_error(out, name, f"does not match the manifest's layout: {key} has shape "
                                          f"{arrays[key].shape}, expected {expected}")
    for key, values in arrays.items():
        if values.ndim == 0 or values.shape[0] != rows:
            raise _shard_error(out, name, f"does not match the manifest's layout: {key} has shape {values.shape}, "
                                          f"expected {rows} replications first")
    return arrays


def load_results(out, *, frame: bool = False) -> dict:
    """Load a result directory, from what it stores (the manifest's layout and the shards),
    never re-deriving record points or labels from today's code.

    Parameters
    ----------
    out : path
    frame : bool, default False
        Also build the tidy :class:`pandas.DataFrame` (one row per environment, policy,
        replication and record point; about 15 times the arrays' memory, so only on request).

    Returns
    -------
    dict
        ``"manifest"``: the manifest (with the journal's shards); ``"environments"``: a list of
        :class:`EnvironmentResults` for every environment whose shards are all present and
        intact; ``"incomplete"``: indices of the environments with shards not computed yet;
        ``"corrupt"``: names of shards whose content does not match their recorded checksum;
        ``"frame"``: the tidy frame when ``frame`` is true (and pandas is installed), else None.

    Raises
    ------
    ResultDirectoryError
        A directory that is not a result directory of this version, a manifest edited by hand,
        or a shard whose arrays do not match the layout.
    """
    out = Path(out)
    manifest = read_manifest(out)
    manifest["shards"] = recorded_shards(out, manifest)
    raw, layout = manifest["config"], manifest["layout"]
    try:
        environments_raw = [dict(entry) for entry in raw["environments"]]
        chunks = [(int(a), int(b)) for a, b in layout["chunks"]]
        labels = [str(label) for label in layout["policy_labels"]]
        seed = int(raw["seed"])
        # per environment (a directory written before environments had their own layout: the
        # experiment's horizon and record points for every one)
        shared = {"horizon": layout["horizon"], "record_point_set": 0, "swept": {}}
        environment_layouts = layout.get("environments") or [shared] * len(environments_raw)
        stored_sets = [np.array(points, dtype=np.int64) for points in
                       layout.get("record_point_sets") or [layout["record_points"]]]
        horizons = [int(item["horizon"]) for item in environment_layouts]
        point_sets = [stored_sets[int(item["record_point_set"])] for item in environment_layouts]
        if len(environment_layouts) != len(environments_raw):
            raise ValueError(f"{len(environment_layouts)} environment layouts for {len(environments_raw)} environments")
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise ResultDirectoryError(f"out: {out / MANIFEST}: incomplete layout or configuration ({error})") from None
    environments, incomplete, corrupt = [], [], []
    for e, entry in enumerate(environments_raw):
        horizon, record_points = horizons[e], point_sets[e]
        names = [[shard_name(e, p, a, b) for a, b in chunks] for p in range(len(labels))]
        flat = [n for row in names for n in row]
        damaged = [n for n in flat if manifest["shards"].get(n) and (out / n).exists()
                   and not _intact(out, manifest["shards"], n)]
        corrupt += damaged
        if damaged or not all(_intact(out, manifest["shards"], n) for n in flat):
            incomplete.append(e)
            continue
        parts = {}
        for row in names:
            loaded = {}
            for n, (a, b) in zip(row, chunks):
                for key, values in _load_shard(out, n, b - a, record_points.size).items():
                    loaded.setdefault(key, []).append(values)
            for key, values in loaded.items():
                parts.setdefault(key, []).append(np.concatenate(values, axis=0))
        try:
            arrays = {key: np.stack(values) for key, values in parts.items()}
        except ValueError as error:
            raise ResultDirectoryError(f"out: the shards of environment {e} in {out} disagree in shape ({error}); "
                                       "delete them and run the same command again") from None
        result = RunResult(
            policy_labels=labels,
            record_points=record_points,
            cumulative_regret=arrays["cumulative_regret"],
            cumulative_reward=arrays["cumulative_reward"],
            pull_counts=arrays["pull_counts"],
            horizon=horizon,
            root_seed=seed,
            wall_time=arrays["kernel_seconds"].sum(axis=1),
            kernel_seconds=arrays["kernel_seconds"],
            metrics={k[len(METRIC_PREFIX):]: v for k, v in arrays.items() if k.startswith(METRIC_PREFIX)},
        )
        name = entry.pop("name", f"environment{e}")
        entry.pop("horizon", None)  # the environment's own horizon: result.horizon
        environments.append(EnvironmentResults(e, name, entry, result, dict(environment_layouts[e].get("swept", {}))))
    policy_swept = [dict(item.get("swept", {})) for item in layout.get("policies", [])] or [{} for _ in labels]
    return {"manifest": manifest, "environments": environments, "incomplete": incomplete, "corrupt": corrupt,
            "frame": _tidy_frame(environments, policy_swept) if frame else None}


def _tidy_frame(environments, policy_swept):
    """One row per (environment, policy, replication, record point), with one column per swept
    parameter (an environment's or a policy's; missing where a row's cell does not sweep it).
    A swept name that clashes with a standard column (``t``, ``policy``, ...) is prefixed
    ``environment.`` or ``policy.``; so is a policy's swept name that an environment sweeps
    too."""
    try:
        import pandas as pd
    except ImportError:
        return None
    frames = []
    policy_keys = list(dict.fromkeys(k for swept in policy_swept for k in swept))
    all_environment_keys = {k for env in environments for k in env.swept}
    for env in environments:
        result = env.result
        n_policies, n_reps, n_points = result.cumulative_regret.shape
        policy, replication, point = np.meshgrid(np.arange(n_policies), np.arange(n_reps), np.arange(n_points), indexing="ij")
        columns = {
            "environment": env.index,
            "environment_name": env.name,
            "policy": np.array(result.policy_labels)[policy.ravel()],
            "replication": replication.ravel(),
            "t": result.record_points[point.ravel()],
            "cumulative_regret": result.cumulative_regret.ravel(),
            "cumulative_reward": result.cumulative_reward.ravel(),
        }
        standard = set(columns)
        environment_keys = set()
        for key, value in env.swept.items():  # any value (lists and tables too), one per row
            name = f"environment.{key}" if key in standard else key
            column = np.empty(policy.size, dtype=object)
            column[:] = [value] * policy.size
            columns[name] = column
            environment_keys.add(name)
        for key in policy_keys:
            name = f"policy.{key}" if key in standard or key in all_environment_keys else key
            per_policy = np.empty(len(policy_swept), dtype=object)
            per_policy[:] = [swept.get(key) for swept in policy_swept]
            columns[name] = per_policy[policy.ravel()]
        frames.append(pd.DataFrame(columns))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
