"""The result store's cost per shard: ``python -m bandits.bench.store_benchmark``.

Runs a tiny classic experiment (two policies, T = 10, one replication per shard) into a fresh
directory for each shard count and prints the wall time, the time per shard and the size of the
manifest. With an append-only journal the time per shard stays flat as the shard count grows; a
store that rewrote its manifest after every shard grew quadratically.

    python -m bandits.bench.store_benchmark [--shards 1000 2000 4000] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

__all__ = ["main", "store_benchmark"]


def store_benchmark(shard_counts) -> list[dict]:
    """``[{shards, seconds, seconds_per_shard, manifest_bytes}]`` for each count (even counts:
    two policies)."""
    from bandits.experiment import run_experiment

    rows = []
    for shards in shard_counts:
        config = {
            "name": "store_benchmark", "horizon": 10, "n_replications": max(1, shards // 2), "seed": 0,
            "chunk_size": 1, "record_points": [10],
            "environments": [{"name": "BernoulliBandit", "means": [0.2, 0.5]}],
            "policies": [{"name": "ucb1"}, {"name": "thompson_beta"}],
        }
        with tempfile.TemporaryDirectory() as directory:
            out = Path(directory) / "out"
            run_experiment({**config, "n_replications": 1}, Path(directory) / "warm")  # compile outside the timing
            start = time.perf_counter()
            run_experiment(config, out)
            seconds = time.perf_counter() - start
            rows.append({"shards": 2 * config["n_replications"], "seconds": seconds,
                         "seconds_per_shard": seconds / (2 * config["n_replications"]),
                         "manifest_bytes": (out / "manifest.json").stat().st_size})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shards", type=int, nargs="+", default=[1000, 2000, 4000])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if any(n < 2 for n in args.shards):
        parser.error("--shards: every count must be >= 2")
    rows = store_benchmark(args.shards)
    if args.json:
        print(json.dumps(rows))
    else:
        for row in rows:
            print(f"{row['shards']:>7,} shards: {row['seconds']:8.2f} s, {1000 * row['seconds_per_shard']:6.2f} ms per "
                  f"shard, manifest {row['manifest_bytes']:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
