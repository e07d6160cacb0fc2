"""Markdown tables of the cascading studies from stored results (docs/cascading.md quotes them).

    python experiments/cascading/tables.py results/kveton2015 results/du2024 [results/du2024_oracle]

Each argument is a result directory of experiments/cascading/*.toml; environments whose shards
are incomplete are skipped.
"""

from __future__ import annotations

import sys

import numpy as np

from bandits import load_results
from bandits.core.registry import problem_class


def _mean_se(values, digits=1):
    values = np.asarray(values, dtype=np.float64)
    se = values.std(ddof=1) / np.sqrt(values.size) if values.size > 1 else float("nan")
    return f"{values.mean():.{digits}f} ± {se:.{digits}f}"


def table(directory):
    results = load_results(directory)
    rows = []
    for env in results["environments"]:
        result, problem = env.result, problem_class(env.name)(**env.params)
        params = ", ".join(f"{k}={v}" for k, v in env.params.items())
        for p, label in enumerate(result.policy_labels):
            used = np.maximum(result.metrics["episodes_used"][p], 1)
            row = [
                params,
                label,
                _mean_se(result.final_regret[p]),
                f"{result.final_regret[p].mean() / result.horizon:.3f}",
                f"{1e6 * np.mean(result.kernel_seconds[p] / used):.1f}",
                f"{np.mean(result.metrics['stopped'][p]):.2f}",
                _mean_se(result.metrics["final_gap"][p], 3),
            ]
            if hasattr(problem, "lower_bound_constant"):
                row.append(f"{problem.lower_bound_constant() * np.log(result.horizon):.1f}")
            rows.append(row)
    header = [
        "environment", "policy", f"regret at {results['manifest']['config']['horizon']} (mean ± s.e.)",
        "regret per step", "µs per step", "stopped", "final gap V* - V^pi",
    ]
    if rows and len(rows[0]) > len(header):
        header.append("lower bound c ln n")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for directory in sys.argv[1:]:
        print(f"## {directory}\n\n{table(directory)}\n")
