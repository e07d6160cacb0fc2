"""The offline approximation ratio of the purely periodic policy against the number of pulls per
period K (Simchi-Levi, Zheng & Zhu, ICML 2021, arXiv:2106.14813: the ratio is of order
1 - O(1/sqrt(K)), asymptotically optimal as K grows).

For K in {1, 2, 5, 10, 20, 50}: N = 4K arms, d_max = 10, recovery families "concave" and
"logistic", instance seeds 0..4; the purely periodic policy (randomised rounding, random
offsets; collisions resolved uniformly at random and greedily) for T = 10,000 periods, 4 runs
per instance. Reported: the average expected reward per period over UB* (the fluid LP bound),
mean ± standard error over instances and runs; the exact stationary lower bound LB / UB*; and a
least-squares fit of 1 - c / sqrt(K) to each rule's ratios. The experimental configuration of the
paper is not known to us; this protocol is ours.

    python experiments/recovering/offline_ratio.py [--out DIR]

Writes DIR/offline_ratio.md, DIR/offline_ratio.json and DIR/offline_ratio.png/.svg (default
results/recovering_offline_ratio); about 30 seconds on 2 cores.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from bandits.core.atomic_files import write_text_atomically
from bandits.policies.recovering import PurelyPeriodic
from bandits.report.sections import policy_style, save_figure
from bandits.runner import run
from environments.recovering import RandomRecoveringBandit

SEED = 2106
PULLS = (1, 2, 5, 10, 20, 50)
FAMILIES = ("concave", "logistic")
INSTANCE_SEEDS = range(5)
PERIODS = 10_000
RUNS = 4
RULES = ("random", "greedy")


def measure():
    """Per K: the ratios to UB* of every (instance, run) for both collision rules, and LB / UB*."""
    rows = []
    for max_pulls in PULLS:
        ratios = {rule: [] for rule in RULES}
        bounds = []
        for family in FAMILIES:
            for instance_seed in INSTANCE_SEEDS:
                problem = RandomRecoveringBandit(family, n_arms=4 * max_pulls, d_max=10, max_pulls=max_pulls,
                                                 instance_seed=instance_seed)
                result = run(problem, [PurelyPeriodic(collisions=rule) for rule in RULES], horizon=PERIODS,
                             n_replications=RUNS, seed=SEED, n_jobs=2)
                average = result.metrics["expected_reward"][:, :, -1] / PERIODS / problem.fluid_upper_bound
                for p, rule in enumerate(RULES):
                    ratios[rule].extend(average[p].tolist())
                bounds.append(problem.periodic_lower_bound("randomised") / problem.fluid_upper_bound)
        rows.append({"max_pulls": max_pulls, "n_arms": 4 * max_pulls, "ratios": ratios, "lower_bound": bounds})
    return rows


def fit_constant(pulls, ratios) -> float:
    """Least-squares c of ``ratio = 1 - c / sqrt(K)``."""
    x = 1.0 / np.sqrt(np.asarray(pulls, dtype=float))
    y = 1.0 - np.asarray(ratios, dtype=float)
    return float(x @ y / (x @ x))


def figure(rows, constants, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pulls = np.array([row["max_pulls"] for row in rows], dtype=float)
    fig, ax = plt.subplots(figsize=(7, 4.6), constrained_layout=True)
    fine = np.geomspace(1, 50, 200)
    for p, rule in enumerate(RULES):
        mean = np.array([np.mean(row["ratios"][rule]) for row in rows])
        se = np.array([np.std(row["ratios"][rule], ddof=1) / np.sqrt(len(row["ratios"][rule])) for row in rows])
        style = policy_style(p)
        ax.errorbar(pulls, mean, yerr=1.96 * se, marker="o", capsize=3, color=style["color"],
                    label=f"PPP, {rule} collisions (95% CI)")
        ax.plot(fine, 1 - constants[rule] / np.sqrt(fine), color=style["color"], linestyle=":",
                label=f"fit 1 - {constants[rule]:.2f}/sqrt(K)")
    lower = np.array([np.mean(row["lower_bound"]) for row in rows])
    ax.plot(pulls, lower, marker="s", color=policy_style(2)["color"], linestyle="--", label="exact lower bound LB / UB*")
    ax.set_xscale("log")
    ax.set_xticks(pulls, [str(int(k)) for k in pulls])
    ax.set_xlabel("K, arms pulled per period (N = 4K, d_max = 10)")
    ax.set_ylabel("average expected reward / UB*")
    ax.set_title("Purely periodic policy: offline ratio to the fluid bound", fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    name = save_figure(fig, out, "offline_ratio")
    plt.close(fig)
    return name


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("results/recovering_offline_ratio"))
    args = parser.parse_args(argv)
    if (args.out / "offline_ratio.md").exists():
        parser.error(f"--out: {args.out} already holds an offline_ratio.md; choose a new directory")
    rows = measure()
    pulls = [row["max_pulls"] for row in rows]
    constants = {rule: fit_constant(pulls, [np.mean(row["ratios"][rule]) for row in rows]) for rule in RULES}
    args.out.mkdir(parents=True, exist_ok=True)
    figure(rows, constants, args.out)
    lines = [
        "# Recovering rewards: offline ratio of the purely periodic policy against K (arXiv:2106.14813)",
        "",
        (f"N = 4K arms, d_max = 10, families {', '.join(FAMILIES)}, {len(INSTANCE_SEEDS)} instances each, "
        f"{RUNS} runs of {PERIODS} periods; average expected reward per period / UB*, mean ± s.e."),
        "",
        "| K | N | PPP random / UB* | PPP greedy / UB* | LB / UB* (mean) |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        cells = []
        for rule in RULES:
            values = np.asarray(row["ratios"][rule])
            cells.append(f"{values.mean():.4f} ± {values.std(ddof=1) / np.sqrt(values.size):.4f}")
        lines.append(f"| {row['max_pulls']} | {row['n_arms']} | {cells[0]} | {cells[1]} | {np.mean(row['lower_bound']):.4f} |")
    lines += ["", "Least-squares fits of 1 - c / sqrt(K): "
              + ", ".join(f"{rule} collisions c = {constants[rule]:.3f}" for rule in RULES) + ".",
              "", "![offline ratio](offline_ratio.png)"]
    text = "\n".join(lines) + "\n"
    write_text_atomically(args.out / "offline_ratio.json",
                          json.dumps({"rows": rows, "fit_constants": constants}, indent=1))
    target = write_text_atomically(args.out / "offline_ratio.md", text)
    print(text)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
