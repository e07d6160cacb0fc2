"""Running an experiment into a result directory, and loading it back.

Result directory
----------------
``manifest.json`` (the normalised config, root seed, seeding rule and spawn keys, package
versions, git revision, host, start and end times, and the SHA-256 of every shard) and one shard
``shards/env<e>/policy<p>/reps<start>-<stop>.npz`` per (environment, policy, chunk of
``chunk_size`` replications) with arrays ``cumulative_regret`` and ``cumulative_reward``
(replication, record point), ``pull_counts`` (replication, arm), ``kernel_seconds`` and one
``metric:<name>`` array per setting-specific metric (``RunResult.metrics``). A shard
is written to a temporary name, flushed and renamed, then recorded in the manifest (itself
rewritten atomically), so an interrupted run loses at most the shards in progress. Running again
into the same directory computes only missing or corrupted shards (identical arrays: results
depend only on the root seed), and refuses a directory made from a different config, or one
whose finished shards were computed by a different version of the source (``source_stamp`` in
the manifest, a hash of every ``.py`` file of ``bandits`` and ``environments``): results of two
versions are never mixed.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bandits.core.atomic_files import atomic_write_bytes
from bandits.core.kernels import project_source_stamp
from bandits.experiment.config import ConfigError, ExperimentConfig, load_config
from bandits.runner import RunResult, run

__all__ = ["run_experiment", "load_results", "EnvironmentResults", "shard_name", "MANIFEST", "METRIC_PREFIX"]

MANIFEST = "manifest.json"
#: Shard keys of setting-specific arrays (``RunResult.metrics``) start with this prefix.
METRIC_PREFIX = "metric:"


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


def _now():
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _chunks(n_replications: int, chunk_size: int) -> list[tuple[int, int]]:
    """Replication ranges ``[start, stop)`` of the shards."""
    return [(start, min(start + chunk_size, n_replications)) for start in range(0, n_replications, chunk_size)]


def shard_name(environment: int, policy: int, start: int, stop: int) -> str:
    """Relative path of the shard of one (environment, policy, replications [start, stop))."""
    return f"shards/env{environment}/policy{policy}/reps{start:07d}-{stop:07d}.npz"


def _write_manifest(out: Path, manifest: dict) -> None:
    atomic_write_bytes(out / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())


def _prepare_directory(config: ExperimentConfig, out: Path) -> dict:
    """Return the manifest to continue from; refuse foreign or mismatched directories."""
    manifest_path = out / MANIFEST
    if manifest_path.exists():
        try:
            manifest = json.loads(manifest_path.read_text())
        except json.JSONDecodeError:
            raise ConfigError([f"out: {manifest_path} is not valid JSON; move the directory away"]) from None
        if manifest.get("config") != config.raw:
            raise ConfigError(
                [f"out: {out} holds results of a different configuration; choose another directory or delete it"]
            )
        for leftover in out.rglob(".*.tmp"):  # temporary files of an interrupted write
            leftover.unlink(missing_ok=True)
        return manifest
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError([f"out: {out} exists and is not an empty directory holding a {MANIFEST}; choose another directory"])
    return {
        "config": config.raw,
        "root_seed": config.seed,
        "seeding": (
            "replication r: environment stream default_rng(seed) with seed the 128-bit integer of "
            "SeedSequence(root_seed, spawn_key=(r, 0)).generate_state(2, uint64); policy stream the "
            "same with spawn_key=(r, 1); see bandits.replication_seeds"
        ),
        "spawn_keys": {"environment": "(r, 0)", "policy": "(r, 1)"},
        "versions": _versions(),
        "git_revision": _git_revision(),
        "host": {"name": socket.gethostname(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "started": _now(),
        "finished": None,
        "shards": {},
    }


def _intact(out: Path, manifest: dict, name: str) -> bool:
    """The shard exists and its SHA-256 is the one the manifest recorded after writing it."""
    expected = manifest.get("shards", {}).get(name)
    path = out / name
    return bool(expected) and path.exists() and _sha256(path) == expected


def _shard_bytes(result: RunResult, policy: int) -> bytes:
    import io

    buffer = io.BytesIO()
    np.savez(
        buffer,
        cumulative_regret=result.cumulative_regret[policy],
        cumulative_reward=result.cumulative_reward[policy],
        pull_counts=result.pull_counts[policy],
        kernel_seconds=result.kernel_seconds[policy],
        **{METRIC_PREFIX + name: values[policy] for name, values in result.metrics.items()},
    )
    return buffer.getvalue()


def run_experiment(config, out, *, progress: bool = False) -> dict:
    """Run ``config`` (path, dict or :class:`ExperimentConfig`) into directory ``out``.

    Validates everything first (:class:`ConfigError`; nothing is written). Work is split into
    shards of ``chunk_size`` replications per (environment, policy); each shard is written
    atomically and its checksum recorded in the manifest, so an interrupted run loses at most
    the shards in progress, and running again computes only the missing or corrupted shards.
    Results depend only on the configuration, never on interruptions or ``n_jobs``.

    Returns
    -------
    dict
        :func:`load_results` of the directory.
    """
    if not isinstance(config, ExperimentConfig):
        config = load_config(config)
    out = Path(out)
    manifest = _prepare_directory(config, out)
    chunks = _chunks(config.n_replications, config.chunk_size)
    work = []  # (environment, chunk, policies still missing)
    for e in range(len(config.environments)):
        for start, stop in chunks:
            missing = [p for p in range(len(config.policies)) if not _intact(out, manifest, shard_name(e, p, start, stop))]
            if missing:
                work.append((e, start, stop, missing))
    stamp = project_source_stamp()
    recorded = manifest.setdefault("source_stamp", stamp)
    if work and manifest["shards"] and recorded != stamp:
        raise ConfigError([
            f"out: {out} holds shards computed by another version of the regretlab source (stamp "
            f"{recorded[:12]}, now {stamp[:12]}); completing it would mix results of two versions. "
            "Choose another directory, or restore that version to finish it"
        ])
    out.mkdir(parents=True, exist_ok=True)
    manifest["finished"] = None
    _write_manifest(out, manifest)
    bar = None
    if progress and work:
        from tqdm import tqdm

        total = sum((stop - start) * len(missing) for _, start, stop, missing in work)
        bar = tqdm(total=total, unit="run", desc=f"{config.name} (replications x policies)", dynamic_ncols=True)
    policies = config.make_policies()
    for e, start, stop, missing in work:
        _, _, problem = config.environments[e]
        done_before = [0]

        def advance(done, done_before=done_before, width=len(missing)):
            if bar is not None:
                bar.update((done - done_before[0]) * width)
                done_before[0] = done

        result = run(
            problem,
            [policies[p] for p in missing],
            horizon=config.horizon,
            n_replications=config.n_replications,
            seed=config.seed,
            record_points=config.record_points,
            n_jobs=config.n_jobs,
            replications=range(start, stop),
            progress=advance,
        )
        for position, p in enumerate(missing):
            name = shard_name(e, p, start, stop)
            atomic_write_bytes(out / name, _shard_bytes(result, position))
            manifest["shards"][name] = _sha256(out / name)
            _write_manifest(out, manifest)
    if bar is not None:
        bar.close()
    manifest["finished"] = _now()
    _write_manifest(out, manifest)
    return load_results(out)


@dataclass
class EnvironmentResults:
    """Results of one environment of an experiment.

    Attributes
    ----------
    index : int
        Position in the configuration's ``environments``.
    name : str
    params : dict
    result : RunResult
        Arrays over every policy and replication (present only when every shard is intact).
    """

    index: int
    name: str
    params: dict
    result: RunResult


def load_results(out) -> dict:
    """Load a result directory.

    Returns
    -------
    dict
        ``"manifest"``: the manifest; ``"environments"``: a list of :class:`EnvironmentResults`
        for every environment whose shards are all present and intact; ``"incomplete"``: indices
        of the other environments; ``"frame"``: a tidy :class:`pandas.DataFrame` (one row per
        environment, policy, replication and record point) when pandas is installed, else None.
    """
    out = Path(out)
    manifest_path = out / MANIFEST
    if not manifest_path.exists():
        raise ValueError(f"out: {out} holds no {MANIFEST}; is it a regretlab result directory?")
    manifest = json.loads(manifest_path.read_text())
    raw = manifest["config"]
    config = load_config(raw)
    chunks = _chunks(config.n_replications, config.chunk_size)
    labels = [policy.label for policy in config.make_policies()]
    environments, incomplete = [], []
    for e, (env_name, params, _) in enumerate(config.environments):
        names = [[shard_name(e, p, a, b) for a, b in chunks] for p in range(len(labels))]
        if not all(_intact(out, manifest, n) for row in names for n in row):
            incomplete.append(e)
            continue
        parts = {}
        for row in names:
            loaded = {}
            for n in row:
                with np.load(out / n) as data:
                    for key in data.files:
                        loaded.setdefault(key, []).append(data[key])
            for key, values in loaded.items():
                parts.setdefault(key, []).append(np.concatenate(values, axis=0))
        arrays = {key: np.stack(values) for key, values in parts.items()}
        result = RunResult(
            policy_labels=labels,
            record_points=config.record_points,
            cumulative_regret=arrays["cumulative_regret"],
            cumulative_reward=arrays["cumulative_reward"],
            pull_counts=arrays["pull_counts"],
            horizon=config.horizon,
            root_seed=config.seed,
            wall_time=arrays["kernel_seconds"].sum(axis=1),
            kernel_seconds=arrays["kernel_seconds"],
            metrics={k[len(METRIC_PREFIX):]: v for k, v in arrays.items() if k.startswith(METRIC_PREFIX)},
        )
        environments.append(EnvironmentResults(e, env_name, params, result))
    return {"manifest": manifest, "environments": environments, "incomplete": incomplete, "frame": _tidy_frame(environments)}


def _tidy_frame(environments):
    try:
        import pandas as pd
    except ImportError:
        return None
    frames = []
    for env in environments:
        result = env.result
        n_policies, n_reps, n_points = result.cumulative_regret.shape
        policy, replication, point = np.meshgrid(np.arange(n_policies), np.arange(n_reps), np.arange(n_points), indexing="ij")
        frames.append(
            pd.DataFrame(
                {
                    "environment": env.index,
                    "environment_name": env.name,
                    "policy": np.array(result.policy_labels)[policy.ravel()],
                    "replication": replication.ravel(),
                    "t": result.record_points[point.ravel()],
                    "cumulative_regret": result.cumulative_regret.ravel(),
                    "cumulative_reward": result.cumulative_reward.ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
