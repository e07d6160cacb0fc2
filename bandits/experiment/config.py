"""Experiments as data: a TOML file (or the same structure as a dict) describing environments,
policies, horizon, replications, root seed and record points, validated all at once.

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
    horizon = 5000              # optional: this environment's own horizon

    [[policies]]
    name = "ucb1"               # a registered policy name (`regretlab list`)
    alpha = 2.0                 # hyper-parameters; omitted ones take their defaults

    [[policies]]
    name = "kl_ucb"
    sweep = { c = [0.5, 1.0, 2.0] }   # one policy per value (see bandits.experiment.sweeps)

Every problem is reported at once, each with its path, e.g.
``policies[2].alpha: must be > 0, got -1``, before any work starts and before anything is written.
"""

from __future__ import annotations

import inspect
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bandits.core.registry import (
    did_you_mean,
    environment_ids,
    policy_class,
    policy_names,
    problem_class,
    problem_names,
)
from bandits.core.validation import ParameterError, check_integer
from bandits.experiment.sweeps import cell_path, expand_entries
from bandits.runner import (
    DEFAULT_RECORD_DENSITY,
    MAX_HORIZON,
    check_problem_and_policies,
    default_record_points,
    record_density_of,
)

__all__ = ["DEFAULT_CHUNK_SIZE", "TOP_LEVEL_KEYS", "ConfigError", "ExperimentConfig", "load_config", "memory_estimate",
           "physical_memory"]

TOP_LEVEL_KEYS = {
    "name", "description", "horizon", "n_replications", "seed", "n_jobs", "chunk_size",
    "record_points", "environments", "policies",
}
DEFAULT_CHUNK_SIZE = 10
#: Keys of an environment entry that are not the problem's parameters.
ENVIRONMENT_KEYS = {"name", "horizon"}


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
    horizons: tuple = ()  # per environment (its own horizon, or the experiment's)
    environment_record_points: tuple = ()  # per environment
    environment_cells: tuple = ()  # per environment: its sweeps.Cell (origin entry, swept values)
    policy_cells: tuple = ()  # per policy: its sweeps.Cell

    def make_policies(self):
        """Fresh policy objects (the config's own are never run)."""
        return [policy_class(name)(**params) for name, params, _ in self.policies]

    def horizon_of(self, environment: int) -> int:
        """The horizon of environment ``environment`` (its own when its entry sets or sweeps
        one, else the experiment's)."""
        return self.horizons[environment] if self.horizons else self.horizon

    def record_points_of(self, environment: int) -> np.ndarray:
        """The record points of environment ``environment`` (for its horizon)."""
        return self.environment_record_points[environment] if self.environment_record_points else self.record_points

    @property
    def swept(self) -> bool:
        """True when an entry of the experiment carries a sweep."""
        return any(cell.values for cell in (*self.environment_cells, *self.policy_cells))


def _read_source(source):
    if isinstance(source, dict):
        return dict(source), "experiment"
    path = Path(source)
    if path.is_dir():
        raise ConfigError([f"config: {path} is a directory, not an experiment TOML file"])
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle), path.stem
    except FileNotFoundError:
        raise ConfigError([f"config: file not found: {str(path)!r}"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"config: {path} is not UTF-8 text (TOML files are UTF-8); save it as UTF-8"]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"config: {path} is not valid TOML: {error}"]) from None
    except OSError as error:
        raise ConfigError([f"config: cannot read {path}: {error.strerror or error}"]) from None


def _message(path, error):
    """Prefix a validation message with its config path: ``policies[0].alpha: must be > 0, got
    -1`` for a :class:`ParameterError` about ``alpha``, ``policies[0]: ...`` for other errors."""
    if isinstance(error, ParameterError):
        return f"{path}.{error}"
    return f"{path}: {error}"


def _check_constructor(path, cls, params, problems, what):
    """Validate keyword arguments of ``cls``: unknown names first, then all of them together.
    Every bad value is reported: when construction fails, the error names one argument; that
    argument is set aside and the rest are tried again (in the context of each other, so that
    rules joining two arguments are judged with both present), until construction succeeds or
    an error names no remaining argument. Returns the object or None."""
    names = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    if not isinstance(params, dict):
        problems.append(f"{path}: must be a table of parameters, got {params!r}")
        return None
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
        except MemoryError:
            sizes = ", ".join(f"{k}={v!r}" for k, v in remaining.items() if isinstance(v, int) and v > 10**6)
            problems.append(f"{path}: {what} with {sizes or 'these parameters'} needs more memory than this machine "
                            "has; choose smaller sizes")
            return None
        except (ValueError, TypeError) as error:
            named = error.root_parameter if isinstance(error, ParameterError) else None
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


def _check_horizon(problems, path, value):
    horizon = _check_int(problems, path, value, 1)
    if horizon is not None and horizon > MAX_HORIZON:
        problems.append(f"{path}: must be at most 2^63 - 1 = {MAX_HORIZON} (time counters are 64-bit integers), "
                        f"got {horizon}")
        return None
    return horizon


def _record_points(raw, horizon, problems, density=DEFAULT_RECORD_DENSITY, where=""):
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
    if raw == "final":
        return np.array([horizon], dtype=np.int64)
    if isinstance(raw, list):
        if not raw or not all(isinstance(x, int) and not isinstance(x, bool) for x in raw):
            problems.append(f"record_points: must be a non-empty list of integers, got {raw!r}")
            return None
        points = np.array(raw, dtype=np.int64)
        if points[0] < 1 or points[-1] > horizon or np.any(np.diff(points) <= 0):
            problems.append(f"record_points: must be strictly increasing steps in [1, horizon={horizon}]{where}, "
                            f"got {raw!r}")
            return None
        return points
    problems.append(f"record_points: must be a table {{dense_until, per_decade}}, a list of steps or \"final\", "
                    f"got {raw!r}")
    return None


def physical_memory() -> int:
    """Bytes of physical memory of this machine (0 if unknown)."""
    import os

    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 0


def memory_estimate(environments, n_policies, n_replications, record_points) -> int:
    """Bytes the results of an experiment take in memory when loaded (as ``run_experiment``
    does at its end): per environment, policy and replication, two float64 curves of the record
    points, the pull counts (one int64 per arm or item) and the kernel time, counted twice (the
    shards are concatenated, then stacked). ``record_points``: one array for every environment,
    or a sequence of arrays, one per environment."""
    per_environment = (record_points if isinstance(record_points, (list, tuple))
                       else [record_points] * len(environments))
    total = 0
    for (_, _, problem), points in zip(environments, per_environment):
        counted = getattr(problem, "n_arms", None) or getattr(problem, "n_items", None) or 0
        per_replication = 8 * (2 * len(points) + int(counted) + 1)
        total += 2 * n_policies * n_replications * per_replication
    return total


def _check_memory(problems, environments, n_policies, n_replications, record_points):
    available = physical_memory()
    if not available or n_replications is None or any(points is None for points in record_points):
        return
    needed = memory_estimate(environments, n_policies, n_replications, list(record_points))
    if needed > 0.75 * available:
        largest = max(len(points) for points in record_points)
        problems.append(
            f"n_replications: the results would need about {needed / 2**30:,.1f} GiB of memory ({n_policies} "
            f"policies x {n_replications:,} replications x up to {largest:,} record points, for "
            f"{len(environments)} environment(s)), more than this machine's {available / 2**30:,.1f} GiB allows; "
            "use fewer replications or record points")


def load_config(source) -> ExperimentConfig:
    """Read and validate an experiment from a TOML path or a dict.

    Raises
    ------
    ConfigError
        Listing every problem with its path in the configuration.
    """
    data, default_name = _read_source(source)
    problems = []
    for key in sorted(set(data) - TOP_LEVEL_KEYS):
        problems.append(f"{key}: unknown key (known: {', '.join(sorted(TOP_LEVEL_KEYS))})")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name:
        problems.append(f"name: must be a non-empty string, got {name!r}")
    horizon = _check_horizon(problems, "horizon", data["horizon"]) if "horizon" in data else None
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
    environments, environment_cells, horizons = [], [], []
    raw_envs = data.get("environments")
    if not isinstance(raw_envs, list) or not raw_envs:
        problems.append("environments: required, a non-empty list of tables [[environments]] with a name")
        raw_envs = []
    env_cells = expand_entries("environments", raw_envs, problems)
    for cell in env_cells:
        path, entry = cell_path("environments", cell), cell.entry
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            problems.append(f"{path}.name: required, one of {', '.join(sorted(problem_names()) + sorted(environment_ids()))}")
            continue
        own_horizon = horizon
        if "horizon" in entry:  # an environment's own horizon (set or swept)
            own_horizon = _check_horizon(problems, f"{path}.horizon", entry["horizon"])
            if own_horizon is None:
                continue
        params = {k: v for k, v in entry.items() if k not in ENVIRONMENT_KEYS}
        try:
            cls = problem_class(entry["name"])
        except ValueError as error:
            problems.append(f"{path}.name: {str(error).split(': ', 1)[1]}")
            continue
        problem = _check_constructor(path, cls, params, problems, entry["name"])
        if problem is not None:
            environments.append((entry["name"], params, problem))
            environment_cells.append(cell)
            horizons.append(own_horizon)

    # default record points: the sparsest density any environment asks for (streaming: (10, 20))
    densities = [record_density_of(problem) for _, _, problem in environments if problem is not None]
    density = tuple(min(d[k] for d in densities) for k in range(2)) if densities else DEFAULT_RECORD_DENSITY
    points = _record_points(data.get("record_points"), horizon, problems, density)
    environment_points = []
    own_horizons = any(h != horizon for h in horizons if h is not None)
    for cell, own_horizon in zip(environment_cells, horizons):
        if not own_horizons or own_horizon is None:
            environment_points.append(points)
        else:
            where = f" ({cell_path('environments', cell)}.horizon = {own_horizon})" if own_horizon != horizon else ""
            own = (points if own_horizon == horizon else
                   _record_points(data.get("record_points"), own_horizon, problems, density, where=where))
            if own is not None and own[-1] != own_horizon:  # an explicit list that stops short
                problems.append(f"record_points: an explicit list ends at step {int(own[-1])}, before the horizon of "
                                f"{cell_path('environments', cell)} ({own_horizon}), whose final values it would not "
                                "record; use { dense_until, per_decade } or \"final\" with environments of their "
                                "own horizons")
                own = None
            environment_points.append(own)

    policies, policy_cells = [], []
    raw_policies = data.get("policies")
    if not isinstance(raw_policies, list) or not raw_policies:
        problems.append("policies: required, a non-empty list of tables [[policies]] with a name")
        raw_policies = []
    pol_cells = expand_entries("policies", raw_policies, problems)
    distinct_horizons = sorted({h for h in horizons if h is not None} | ({horizon} if horizon is not None else set()))
    for cell in pol_cells:
        path, entry = cell_path("policies", cell), cell.entry
        known_policies = policy_names()
        if not isinstance(entry, dict) or entry.get("name") not in known_policies:
            got = entry.get("name") if isinstance(entry, dict) else entry
            problems.append(f"{path}.name: must be one of {', '.join(sorted(known_policies))}, got {got!r}"
                            f"{did_you_mean(got, known_policies)}")
            continue
        params = {k: v for k, v in entry.items() if k != "name"}
        policy = _check_constructor(path, policy_class(entry["name"]), params, problems, entry["name"])
        if policy is not None:
            policies.append((entry["name"], params, policy))
            policy_cells.append(cell)
            for own_horizon in distinct_horizons:
                try:
                    policy.check_horizon(own_horizon)
                except ValueError as error:
                    problems.append(_message(path, error))
                    break

    policy_paths = [cell_path("policies", cell) for cell in policy_cells]
    by_label = {}
    for path, (_, _, policy) in zip(policy_paths, policies):
        by_label.setdefault(policy.label, []).append(path)
    for label, paths in by_label.items():
        if len(paths) > 1:
            problems.append(f"{' and '.join(paths)}: the same policy twice (label {label!r}); give them different "
                            "hyper-parameters or drop one")
    if policies and environments and all(len(paths) == 1 for paths in by_label.values()):
        # the entries that could be built, each with every other
        for e, (env_name, _, problem) in enumerate(environments):
            env_path = cell_path("environments", environment_cells[e])
            incompatible = False
            for i, (_, _, policy) in enumerate(policies):  # every mismatch at once
                try:
                    problem.check_policy_compatible(policy, policy_paths[i])
                except ValueError as error:
                    problems.append(f"{env_path} ({env_name}) with {error}")
                    incompatible = True
            if incompatible:
                continue
            try:
                check_problem_and_policies(problem, [p for _, _, p in policies])
            except ValueError as error:
                problems.append(f"{env_path} ({env_name}) with {error}")
                continue
            own_horizon = horizons[e]
            if own_horizon is None:
                continue
            # the kernels' hyper-parameters for this problem and horizon (e.g. a fixed-budget
            # policy's minimum budget), checked before anything is written
            view_for = getattr(problem, "learner_view_for", None)  # views that depend on T
            view = problem.learner_view if view_for is None else view_for(own_horizon)
            for i, (_, _, policy) in enumerate(policies):
                try:
                    policy.kernel_hyper(view, own_horizon)
                except ValueError as error:
                    problems.append(f"{env_path} ({env_name}) with {policy_paths[i]}: {error}")
    if not problems:
        _check_memory(problems, environments, len(policies), n_replications, environment_points)
    if problems:
        raise ConfigError(problems)
    raw = {
        "name": name,
        "horizon": horizon,
        "n_replications": n_replications,
        "seed": seed,
        "chunk_size": chunk_size,
        # the density actually used when the file gives none (a streaming problem's own), so that
        # the manifest rebuilds the same record points
        "record_points": data.get("record_points", {"dense_until": density[0], "per_decade": density[1]}),
        # the expanded entries: one per cell of a sweep, with the cell's values
        "environments": [dict(name=n, **p, **({"horizon": h} if h != horizon else {}))
                         for (n, p, _), h in zip(environments, horizons)],
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
        horizons=tuple(horizons),
        environment_record_points=tuple(environment_points),
        environment_cells=tuple(environment_cells),
        policy_cells=tuple(policy_cells),
    )
