"""Validation configurations of the synthetic SOR sequence of Khodak et al. (ICLR 2024,
arXiv:2310.02246) on the n = 100 shifted Laplacian (SOR, tolerance 1e-8, cap 10,000):

1. the cost curve at c = 0: mean iterations over 20 truncated-normal right-hand sides at
   omega in {1.0, 1.2, 1.4, 1.5, omega* = 1.5604, 1.6, 1.7, 1.8, 1.9, 1.95};
2. per shift c in {-0.15, 0, 0.15, 0.45}: omega*(c) (closed form) and the iterations at omega*(c)
   and at omega = 1 (mean over the same 20 right-hand sides);
3. mean iterations per instance over 200 shifts of each distribution for fixed omega in
   {1.0, 1.2, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9} and for omega*(c), and one Tsallis-INF run of
   T = 5000 (with the mean omega over its last 1000 rounds).

    python experiments/solver_tuning/validation.py [--out DIR]

Writes DIR/validation.md (default results/solver_tuning_validation); about 20 seconds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bandits.core.atomic_files import write_text_atomically
from bandits.policies.solver_tuning import OmegaTsallisINF
from bandits.runner import run
from environments.solver_tuning import SORTuning

SEED = 7


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("results/solver_tuning_validation"))
    args = parser.parse_args(argv)
    if (args.out / "validation.md").exists():
        parser.error(f"--out: {args.out} already holds a validation.md; choose a new directory")
    lines = ["# SOR tuning: validation configurations (Khodak et al., arXiv:2310.02246)", ""]
    problem = SORTuning()
    _, rhs = problem.instances(seed=SEED, count=20)  # truncated-normal right-hand sides
    star0 = problem.omega_star(0.0)
    omegas = [1.0, 1.2, 1.4, 1.5, star0, 1.6, 1.7, 1.8, 1.9, 1.95]
    lines += ["## 1. Cost curve at c = 0 (mean over 20 right-hand sides)", "",
              "| omega | " + " | ".join(f"{w:.4f}" if w == star0 else f"{w:.2f}" for w in omegas) + " |",
              "|---|" + "---|" * len(omegas),
              "| iterations | " + " | ".join(f"{np.mean([problem.cost(0.0, b, w) for b in rhs]):.1f}" for w in omegas) + " |", ""]
    lines += ["## 2. Per shift", "", "| c | omega*(c) | iterations at omega*(c) | iterations at omega = 1 |", "|---|---|---|---|"]
    for c in (-0.15, 0.0, 0.15, 0.45):
        w = problem.omega_star(c)
        at_star = np.mean([problem.cost(c, b, w) for b in rhs])
        at_one = np.mean([problem.cost(c, b, 1.0) for b in rhs])
        lines.append(f"| {c} | {w:.4f} | {at_star:.1f} | {at_one:.1f} |")
    lines.append("")
    fixed = [1.0, 1.2, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9]
    lines += ["## 3. Mean iterations per instance (200 shifts; Tsallis-INF: one run of 5000 instances)", "",
              "| distribution | " + " | ".join(f"omega = {w}" for w in fixed)
              + " | omega*(c) | Tsallis-INF | Tsallis-INF mean omega, last 1000 |",
              "|---|" + "---|" * (len(fixed) + 3)]
    for distribution in ("high", "low"):
        sample = SORTuning(shift_distribution=distribution)
        shifts, rhs200 = sample.instances(seed=SEED, count=200)
        cells = [np.mean([sample.cost(c, b, w) for c, b in zip(shifts, rhs200)]) for w in fixed]
        star = np.mean([sample.cost(c, b, sample.omega_star(c)) for c, b in zip(shifts, rhs200)])
        result = run(sample, [OmegaTsallisINF()], horizon=5000, n_replications=1, seed=SEED)
        learner = result.metrics["total_iterations"][0, 0] / 5000
        last = sample.grid[result.metrics["omega_index"][0, 0, -1000:].astype(np.int64)].mean()
        lines.append(f"| {distribution} | " + " | ".join(f"{x:.1f}" for x in cells)
                     + f" | {star:.1f} | {learner:.1f} | {last:.3f} |")
    lines.append("")
    args.out.mkdir(parents=True, exist_ok=True)
    target = write_text_atomically(args.out / "validation.md", "\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"written: {target}")


if __name__ == "__main__":
    main()
