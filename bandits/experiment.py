"""Experiments as data: a TOML file (or the same structure as a dict) describing environments,
policies, horizon, replications, root seed and record points; running it into a result directory.

Configuration
-------------
::

    name = "default"            # optional; default: the file's stem, or "experiment"
    horizon = 10000             # steps per replication, >= 1
    n_replications = 100        # >= 1
    seed = 2026                 # root seed, >= 0 (default 0)
    n_jobs = 2                  # threads, >= 1 (default 1); results do not depend on it
    record_points = { dense_until = 10000, per_decade = 200 }   # or an explicit list of steps

    [[environments]]
    name = "BernoulliBandit"    # setting name or Gymnasium id "regretlab/BernoulliBandit-v0"
    means = [0.1, 0.2, 0.3]     # the environment's parameters

    [[policies]]
    name = "ucb1"               # a key of bandits.POLICIES (`regretlab list`)
    alpha = 2.0                 # hyper-parameters; omitted ones take their defaults

Every problem is reported at once, each with its path, e.g.
``policies[2].alpha: must be > 0, got -1``, before any work starts and before anything is written.

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
import inspect
import json
import os
import platform
import socket
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bandits.policies import POLICIES
from bandits.kernels import project_source_stamp
from bandits.runner import (
    DEFAULT_RECORD_DENSITY,
    RunResult,
    check_problem_and_policies,
    default_record_points,
    record_density_of,
    run,
)
from bandits.validation import check_integer

__all__ = ["ConfigError", "ExperimentConfig", "load_config", "run_experiment", "load_results", "write_text_atomically"]

MANIFEST = "manifest.json"
#: Shard keys of setting-specific arrays (``RunResult.metrics``) start with this prefix.
METRIC_PREFIX = "metric:"
_TOP_LEVEL_KEYS = {
    "name", "description", "horizon", "n_replications", "seed", "n_jobs", "chunk_size",
    "record_points", "environments", "policies",
}
DEFAULT_CHUNK_SIZE = 10


class ConfigError(ValueError):
    """An experiment configuration (or result directory) is invalid; ``problems`` lists every
    problem found, each prefixed with its path in the configuration."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("invalid experiment configuration:\n  " + "\n  ".join(self.problems))


@dataclass(frozen=True)
class ExperimentConfig:
    """A validated experiment. Build it with :func:`load_config`."""

    name: str
    horizon: int
    n_replications: int
    seed: int
    n_jobs: int
    chunk_size: int
    record_points: np.ndarray
    environments: tuple  # of (name, params dict, problem)
    policies: tuple  # of (name, params dict, Policy)
    raw: dict  # the normalised configuration, as written to the manifest

    def make_policies(self):
        """Fresh policy objects (the config's own are never run)."""
        return [POLICIES[name](**params) for name, params, _ in self.policies]


def _read_source(source):
    if isinstance(source, dict):
        return dict(source), "experiment"
    path = Path(source)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle), path.stem
    except FileNotFoundError:
        raise ConfigError([f"config: file not found: {str(path)!r}"]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"config: {path} is not valid TOML: {error}"]) from None


def _message(path, error):
    """Prefix a validation message ``'name: rule, got x'`` with its config path."""
    text = str(error)
    return f"{path}.{text}" if ":" in text.split(" ")[0] else f"{path}: {text}"


def _check_constructor(path, cls, params, problems, what):
    """Validate keyword arguments of ``cls``: unknown names first, then all of them together.
    Every bad value is reported: when construction fails, the error names one argument; that
    argument is set aside and the rest are tried again (in the context of each other, so that
    rules joining two arguments are judged with both present), until construction succeeds or
    an error names no remaining argument. Returns the object or None."""
    names = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    ok = True
    for key in params:
        if key not in names:
            problems.append(f"{path}.{key}: unknown parameter of {what} (known: {', '.join(names) or 'none'})")
            ok = False
    if not ok:
        return None
    remaining = dict(params)
    first = True
    while True:
        try:
            built = cls(**remaining)
        except (ValueError, TypeError) as error:
            named = str(error).split(":")[0].split("[")[0].strip()
            if first or named in remaining:
                problems.append(_message(path, error))
            if named not in remaining:
                return None
            del remaining[named]
            first = False
        else:
            return built if first else None


def _check_int(problems, path, value, low):
    try:
        return check_integer(path, value, low=low)
    except ValueError as error:
        problems.append(str(error))
        return None


def _record_points(raw, horizon, problems, density=DEFAULT_RECORD_DENSITY):
    if horizon is None:
        return None
    if raw is None:
        return default_record_points(horizon, dense_until=density[0], per_decade=density[1])
    if isinstance(raw, dict):
        unknown = sorted(set(raw) - {"dense_until", "per_decade"})
        for key in unknown:
            problems.append(f"record_points.{key}: unknown key (known: dense_until, per_decade)")
        dense = _check_int(problems, "record_points.dense_until", raw.get("dense_until", 10_000), 1)
        per_decade = _check_int(problems, "record_points.per_decade", raw.get("per_decade", 200), 2)
        if unknown or dense is None or per_decade is None:
            return None
        return default_record_points(horizon, dense_until=dense, per_decade=per_decade)
    if isinstance(raw, list):
        if not raw or not all(isinstance(x, int) and not isinstance(x, bool) for x in raw):
            problems.append(f"record_points: must be a non-empty list of integers, got {raw!r}")
            return None
        points = np.array(raw, dtype=np.int64)
        if points[0] < 1 or points[-1] > horizon or np.any(np.diff(points) <= 0):
            problems.append(f"record_points: must be strictly increasing steps in [1, horizon={horizon}], got {raw!r}")
            return None
        return points
    problems.append(f"record_points: must be a table {{dense_until, per_decade}} or a list of steps, got {raw!r}")
    return None


def load_config(source) -> ExperimentConfig:
    """Read and validate an experiment from a TOML path or a dict.

    Raises
    ------
    ConfigError
        Listing every problem with its path in the configuration.
    """
    from environments import ENVIRONMENT_IDS, PROBLEMS, problem_class

    data, default_name = _read_source(source)
    problems = []
    for key in sorted(set(data) - _TOP_LEVEL_KEYS):
        problems.append(f"{key}: unknown key (known: {', '.join(sorted(_TOP_LEVEL_KEYS))})")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name:
        problems.append(f"name: must be a non-empty string, got {name!r}")
    horizon = _check_int(problems, "horizon", data.get("horizon"), 1) if "horizon" in data else None
    if "horizon" not in data:
        problems.append("horizon: required (steps per replication, an integer >= 1)")
    n_replications = None
    if "n_replications" not in data:
        problems.append("n_replications: required (an integer >= 1)")
    else:
        n_replications = _check_int(problems, "n_replications", data["n_replications"], 1)
    seed = _check_int(problems, "seed", data.get("seed", 0), 0)
    n_jobs = _check_int(problems, "n_jobs", data.get("n_jobs", 1), 1)
    chunk_size = _check_int(problems, "chunk_size", data.get("chunk_size", DEFAULT_CHUNK_SIZE), 1)
    environments = []
    raw_envs = data.get("environments")
    if not isinstance(raw_envs, list) or not raw_envs:
        problems.append("environments: required, a non-empty list of tables [[environments]] with a name")
        raw_envs = []
    for i, entry in enumerate(raw_envs):
        path = f"environments[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            problems.append(f"{path}.name: required, one of {', '.join(sorted(PROBLEMS) + sorted(ENVIRONMENT_IDS))}")
            continue
        params = {k: v for k, v in entry.items() if k != "name"}
        try:
            cls = problem_class(entry["name"])
        except ValueError as error:
            problems.append(f"{path}.name: {str(error).split(': ', 1)[1]}")
            continue
        problem = _check_constructor(path, cls, params, problems, entry["name"])
        if problem is not None:
            environments.append((entry["name"], params, problem))

    # default record points: the sparsest density any environment asks for (streaming: (10, 20))
    densities = [record_density_of(problem) for _, _, problem in environments if problem is not None]
    density = tuple(min(d[k] for d in densities) for k in range(2)) if densities else DEFAULT_RECORD_DENSITY
    points = _record_points(data.get("record_points"), horizon, problems, density)

    policies = []
    raw_policies = data.get("policies")
    if not isinstance(raw_policies, list) or not raw_policies:
        problems.append("policies: required, a non-empty list of tables [[policies]] with a name")
        raw_policies = []
    for i, entry in enumerate(raw_policies):
        path = f"policies[{i}]"
        if not isinstance(entry, dict) or entry.get("name") not in POLICIES:
            got = entry.get("name") if isinstance(entry, dict) else entry
            problems.append(f"{path}.name: must be one of {', '.join(sorted(POLICIES))}, got {got!r}")
            continue
        params = {k: v for k, v in entry.items() if k != "name"}
        policy = _check_constructor(path, POLICIES[entry["name"]], params, problems, entry["name"])
        if policy is not None:
            policies.append((entry["name"], params, policy))
            if horizon is not None:
                try:
                    policy.check_horizon(horizon)
                except ValueError as error:
                    problems.append(_message(path, error))

    if len(policies) == len(raw_policies) and len(environments) == len(raw_envs):
        for e, (env_name, _, problem) in enumerate(environments):
            try:
                check_problem_and_policies(problem, [p for _, _, p in policies])
            except ValueError as error:
                problems.append(f"environments[{e}] ({env_name}) with {error}")
    if problems:
        raise ConfigError(problems)
    raw = {
        "name": name,
        "horizon": horizon,
        "n_replications": n_replications,
        "seed": seed,
        "chunk_size": chunk_size,
        "record_points": data.get("record_points", {"dense_until": 10_000, "per_decade": 200}),
        "environments": [dict(name=n, **p) for n, p, _ in environments],
        "policies": [dict(name=n, **p) for n, p, _ in policies],
    }
    return ExperimentConfig(
        name=name,
        horizon=horizon,
        n_replications=n_replications,
        seed=seed,
        n_jobs=n_jobs,
        chunk_size=chunk_size,
        record_points=points,
        environments=tuple(environments),
        policies=tuple(policies),
        raw=raw,
    )


# ---------------------------------------------------------------------------------------------
# Result directory
# ---------------------------------------------------------------------------------------------
def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()  # read once at import (os.umask can only be read by setting it)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it over
    ``path``: readers see the old file or the new one, never a partial one. The file gets the
    permissions of an ordinary new file (0666 minus the umask; ``mkstemp`` alone gives 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, 0o666 & ~_UMASK)
        with os.fdopen(handle, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text_atomically(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and a rename (readers never see
    a partial file); for scripts that write their own tables. Returns the path."""
    path = Path(path)
    _atomic_write_bytes(path, text.encode("utf-8"))
    return path


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
    _atomic_write_bytes(out / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())


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
            _atomic_write_bytes(out / name, _shard_bytes(result, position))
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
