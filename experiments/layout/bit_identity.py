"""Prove that a change of code layout changed no number: record, then check, a SHA-256 of every
result array of a fixed set of experiments.

The experiments are ``experiments/default.toml`` and one small configuration per setting that
exercises every registered policy (``CONFIGS`` below). They run through the public experiment
API (``run_experiment`` + ``load_results``), which names environments and policies by their
registry names, so the same file runs before and after a move of modules. Timing arrays
(``kernel_seconds``, ``wall_time``) are left out; every other array (cumulative regret and reward,
pull counts, every setting metric, record points) is hashed with its dtype and shape.

Usage::

    python experiments/layout/bit_identity.py record experiments/layout/golden_arrays.json
    python experiments/layout/bit_identity.py check experiments/layout/golden_arrays.json

``check`` prints one line per array and exits with status 1 if any hash differs or is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import tomllib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

# One small configuration per setting; together they run every policy of every setting.
CONFIGS = {
    "classic_gaussian": {
        "horizon": 2000, "n_replications": 4, "seed": 7, "n_jobs": 2,
        "environments": [{"name": "GaussianBandit", "means": [0.0, 0.3, 0.5], "noise_std": 0.7}],
        "policies": [{"name": "ucb1"}, {"name": "thompson_gaussian"}, {"name": "epsilon_greedy"},
                     {"name": "decaying_epsilon_greedy"},
                     {"name": "explore_then_commit"}],
    },
    "classic_bernoulli": {
        "horizon": 2000, "n_replications": 4, "seed": 8, "n_jobs": 1,
        "environments": [{"name": "BernoulliBandit", "means": [0.2, 0.5, 0.55, 0.7]}],
        "policies": [{"name": "kl_ucb"}, {"name": "thompson_beta"}, {"name": "exp3"}, {"name": "tsallis_inf"},
                     {"name": "epsilon_greedy"}, {"name": "successive_elimination"}],
    },
    "cascading_bandit": {
        "horizon": 3000, "n_replications": 3, "seed": 11, "n_jobs": 2,
        "environments": [{"name": "BLBCascadingBandit", "n_items": 8, "list_length": 2, "p": 0.2, "gap": 0.15},
                         {"name": "CascadingBandit", "attraction": [0.1, 0.3, 0.2, 0.05, 0.4], "list_length": 2}],
        "policies": [{"name": "cascade_ucb1"}, {"name": "cascade_kl_ucb"}],
    },
    "cascading_mdp": {
        "horizon": 300, "n_replications": 2, "seed": 12, "n_jobs": 2,
        "environments": [{"name": "RandomCascadingMDP", "n_items": 5, "n_states": 3, "episode_length": 2,
                          "list_length": 2, "instance_seed": 3}],
        "policies": [{"name": "cascading_vi"}, {"name": "cascading_vi_oracle"}, {"name": "cascading_vi_bonus"},
                     {"name": "cascading_bpi", "epsilon": 0.5}, {"name": "adapt_vi"}],
    },
    "streaming": {
        "horizon": 10**9, "n_replications": 3, "seed": 13, "n_jobs": 2,
        "record_points": {"dense_until": 10, "per_decade": 5},
        "environments": [{"name": "StreamingBandit", "arms": "mix-in", "n_arms": 300, "memory": 12},
                         {"name": "StreamingBandit", "arms": "clear-cut", "n_arms": 200, "memory": 12}],
        "policies": [{"name": "uniform_exploration"}, {"name": "naive_epsilon_best"}, {"name": "log_memory"},
                     {"name": "log_log_memory"}, {"name": "log_star_memory"},
                     {"name": "log_star_memory", "paper_accounting": True}, {"name": "game_of_arms"}],
    },
    "sor_tuning": {
        "horizon": 200, "n_replications": 2, "seed": 14, "n_jobs": 2,
        "environments": [{"name": "SORTuning", "shift_distribution": "high"}],
        "policies": [{"name": "omega_tsallis_inf"}, {"name": "omega_tsallis_inf_cb"}, {"name": "chebcb"},
                     {"name": "fixed_omega", "omega": 1.5}],
    },
    "heat_tuning": {
        "horizon": 60, "n_replications": 2, "seed": 15, "n_jobs": 2,
        "environments": [{"name": "HeatEquationTuning", "nx": 12}],
        "policies": [{"name": "omega_tsallis_inf_cb"}, {"name": "chebcb"}, {"name": "fixed_omega", "omega": 1.3}],
    },
}

TIMING = {"kernel_seconds", "wall_time"}


def _digest(array) -> str:
    array = np.ascontiguousarray(array)
    h = hashlib.sha256()
    h.update(f"{array.dtype.str}{array.shape}".encode())
    h.update(array.tobytes())
    return h.hexdigest()


def hashes_of(config) -> dict:
    """``{"env<e>/<array>": sha256}`` for every result array of one experiment."""
    from bandits import load_results, run_experiment

    with tempfile.TemporaryDirectory() as tmp:
        run_experiment(config, Path(tmp) / "out")
        results = load_results(Path(tmp) / "out")
    out = {}
    for env in results["environments"]:
        r = env.result
        arrays = {"record_points": r.record_points, "cumulative_regret": r.cumulative_regret,
                  "cumulative_reward": r.cumulative_reward, "pull_counts": r.pull_counts}
        arrays.update({f"metric:{k}": v for k, v in r.metrics.items()})
        for name, array in sorted(arrays.items()):
            if name not in TIMING:
                out[f"env{env.index}/{name}"] = _digest(array)
    return out


def all_hashes() -> dict:
    configs = {"default": tomllib.loads((ROOT / "experiments" / "default.toml").read_text()), **CONFIGS}
    for config in configs.values():
        _pin_record_density(config)
    return {name: hashes_of(config) for name, config in configs.items()}


#: The default record density when the hashes were recorded (every step up to 10^4, then 200
#: per decade). The default is now sparser; the check keeps the recorded density so that it still
#: compares the same computation.
RECORDED_DENSITY = {"dense_until": 10_000, "per_decade": 200}


def _pin_record_density(config: dict) -> None:
    """Give a configuration that relied on the default record density the recorded one."""
    from bandits.core.registry import problem_class
    from bandits.runner import DEFAULT_RECORD_DENSITY

    if "record_points" in config:
        return
    densities = {tuple(getattr(problem_class(env["name"]), "record_density", DEFAULT_RECORD_DENSITY))
                 for env in config["environments"]}
    if densities <= {DEFAULT_RECORD_DENSITY}:
        config["record_points"] = dict(RECORDED_DENSITY)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("record", "check"))
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    current = all_hashes()
    if args.mode == "record":
        args.file.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
        print(f"recorded {sum(len(v) for v in current.values())} arrays of {len(current)} experiments in {args.file}")
        return 0
    golden = json.loads(args.file.read_text())
    bad = 0
    for experiment, arrays in sorted(golden.items()):
        for name, digest in sorted(arrays.items()):
            now = current.get(experiment, {}).get(name)
            status = "identical" if now == digest else ("MISSING" if now is None else "DIFFERENT")
            bad += status != "identical"
            print(f"{status:9s} {experiment}/{name}")
    extra = sorted(f"{e}/{n}" for e, arrays in current.items() for n in arrays if n not in golden.get(e, {}))
    for name in extra:
        print(f"NEW       {name}")
    total = sum(len(v) for v in golden.values())
    print(f"{total - bad} of {total} arrays bit-identical" + (f"; {len(extra)} new" if extra else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
