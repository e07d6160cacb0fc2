"""Sweeps locally and on Dask: ``python -m bandits.bench.sweep_benchmark``.

Three figures for the sweep machinery (needs the ``dask`` extra for the last two):

* **expansion**: expanding and validating a sweep of ``--expand-cells`` environment cells
  (``load_config``; nothing runs);
* **local**: a sweep of ``--cells`` classic cells (``EvenlySpacedBernoulliBandit``, K and the
  lowest mean swept) x ``--reps`` replications of T = ``--horizon`` with UCB1 and Thompson
  sampling, run in this process on ``--workers`` threads, end to end into a fresh result
  directory (the loops compiled beforehand, outside the timing);
* **dask**: the same on a ``LocalCluster`` of ``--workers`` worker processes of one thread,
  with the per-task overhead: ``(workers x wall - kernel seconds of every run) / tasks``, the
  time a task costs beyond its simulation (scheduling, transfer, writing its shards).

    python -m bandits.bench.sweep_benchmark [--cells 200] [--reps 20] [--horizon 10000] [--workers 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

__all__ = ["main", "sweep_config", "sweep_benchmark"]


def sweep_config(cells: int, reps: int, horizon: int, n_jobs: int) -> dict:
    """``cells`` classic cells: K in 2..11 crossed with ``ceil(cells / 10)`` lowest means in
    [0, 0.5)."""
    count = -(-cells // 10)
    lows = [0.5 * i / count for i in range(count)]
    return {
        "name": "sweep_benchmark", "horizon": horizon, "n_replications": reps, "seed": 0, "n_jobs": n_jobs,
        "environments": [{"name": "EvenlySpacedBernoulliBandit", "high": 0.9,
                          "sweep": {"low": lows, "n_arms": list(range(2, 12))}}],
        "policies": [{"name": "ucb1"}, {"name": "thompson_beta"}],
    }


def _kernel_seconds(results) -> float:
    return float(sum(env.result.kernel_seconds.sum() for env in results["environments"]))


def sweep_benchmark(cells=200, reps=20, horizon=10_000, workers=2, expand_cells=10_000, dask=True) -> dict:
    """The three figures of the module docstring, as a dict."""
    from bandits.experiment import load_config, run_experiment

    report = {"cells": cells, "replications": reps, "horizon": horizon, "workers": workers}
    big = sweep_config(expand_cells, 1, horizon, 1)
    start = time.perf_counter()
    expanded = load_config(big)
    report["expansion_cells"] = len(expanded.environments)
    report["expansion_seconds"] = time.perf_counter() - start

    config = sweep_config(cells, reps, horizon, workers)
    with tempfile.TemporaryDirectory() as directory:
        run_experiment({**config, "n_replications": 1, "environments": [{"name": "EvenlySpacedBernoulliBandit"}]},
                       Path(directory) / "warm")  # compile outside the timing
        start = time.perf_counter()
        local = run_experiment(config, Path(directory) / "local")
        report["local_seconds"] = time.perf_counter() - start
        report["tasks"] = len(local["environments"]) * -(-reps // load_config(config).chunk_size)
        report["local_kernel_seconds"] = _kernel_seconds(local)
        if dask:
            from distributed import Client, LocalCluster

            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                warm = run_experiment({**config, "n_replications": 1,
                                       "environments": [{"name": "EvenlySpacedBernoulliBandit"}]},
                                      Path(directory) / "dask_warm", client=client)
                del warm
                start = time.perf_counter()
                remote = run_experiment(config, Path(directory) / "dask", client=client)
                report["dask_seconds"] = time.perf_counter() - start
            report["dask_kernel_seconds"] = _kernel_seconds(remote)
            report["dask_over_local"] = report["dask_seconds"] / report["local_seconds"]
            report["dask_overhead_per_task_ms"] = 1e3 * (
                workers * report["dask_seconds"] - report["dask_kernel_seconds"]) / report["tasks"]
            report["identical"] = all(
                np.array_equal(a.result.cumulative_regret, b.result.cumulative_regret)
                for a, b in zip(local["environments"], remote["environments"]))
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bandits.bench.sweep_benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("--cells", type=int, default=200)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--horizon", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--expand-cells", type=int, default=10_000)
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask figure")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = sweep_benchmark(args.cells, args.reps, args.horizon, args.workers, args.expand_cells, not args.no_dask)
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"expansion and validation of {report['expansion_cells']:,} cells: {report['expansion_seconds']:.2f} s")
    print(f"{report['cells']} cells x {report['replications']} replications of T = {report['horizon']:,}, "
          f"{report['tasks']} tasks:")
    print(f"  local, {report['workers']} threads: {report['local_seconds']:.2f} s "
          f"(simulation {report['local_kernel_seconds']:.2f} s of thread time)")
    if "dask_seconds" in report:
        print(f"  Dask, {report['workers']} worker processes: {report['dask_seconds']:.2f} s "
              f"({report['dask_over_local']:.2f}x local; overhead {report['dask_overhead_per_task_ms']:.1f} ms "
              f"per task; results identical: {report['identical']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
