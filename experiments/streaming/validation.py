"""Streaming bandits (Chen Wang, ICML 2023, arXiv:2306.02208): regret against the horizon T, and
validation configurations beyond the paper's official one.

Part 1 (regret against T): K = 50,000 (the official K), T in {10^13, 10^14, 10^15, 10^16,
1.25 x 10^17 = 1000 K^3}, both arm settings, all six algorithms under the exact accounting and
the three level algorithms also under the official accounting. For every T: mean ± s.e. of
regret / (K^(1/3) T^(2/3)) and of regret relative to uniform exploration (per replication), the
slope of ln(regret / (K^(1/3) T^(2/3))) on ln ln T (1/3 for uniform exploration, 0 for an
algorithm with the optimal rate), and a figure.

Part 2 (validation configurations): K = 1000 with T in {10^6, 10^9}; K = 10^4 with T in
{10^8, 10^12}; both settings; each algorithm's mean regret divided by uniform exploration's mean
regret (the "ratio of means"), with the per-replication ratio's mean ± s.e. The
default configuration (K = 50,000, T = 1.25 x 10^17) is official.toml.

    python experiments/streaming/regret_vs_horizon.py [--out DIR] [--replications N] [--seed S]

Writes DIR/regret_vs_horizon.md, DIR/regret_vs_horizon_{clear-cut,mix-in}.png/.svg and refuses
a DIR that already holds those files (use a new DIR). About 2 minutes on 2 cores at the default
20 replications.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from bandits.core.atomic_files import write_text_atomically
from bandits.policies.streaming import (
    GameOfArms,
    LogLogMemoryTournament,
    LogMemoryTournament,
    LogStarMemory,
    NaiveEpsilonBest,
    UniformExploration,
)
from bandits.report.sections import save_figure
from bandits.report.streaming import log_log_horizon_slope, normalised_regret
from bandits.runner import run
from environments.streaming import StreamingBandit

K_OFFICIAL = 50_000
HORIZONS = [10**13, 10**14, 10**15, 10**16, 1000 * K_OFFICIAL**3]
VALIDATION = [(1000, 10**6), (1000, 10**9), (10**4, 10**8), (10**4, 10**12)]
SETTINGS = ("clear-cut", "mix-in")


def policies():
    exact = [UniformExploration(), NaiveEpsilonBest(), LogMemoryTournament(), LogLogMemoryTournament(),
             LogStarMemory(), GameOfArms(gap_hint="oracle")]
    official = [LogMemoryTournament(paper_accounting=True), LogLogMemoryTournament(paper_accounting=True),
                LogStarMemory(paper_accounting=True)]
    return exact + official


def _mean_se(values):
    values = np.asarray(values, float)
    return f"{values.mean():.3g} ± {values.std(ddof=1) / math.sqrt(values.size):.2g}"


def regret_against_horizon(setting, n_replications, seed, out, lines):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    problem = StreamingBandit(arms=setting, n_arms=K_OFFICIAL, memory=16, record_pull_counts=False)
    chosen = policies()
    mean, se = normalised_regret(problem, chosen, HORIZONS, n_replications=n_replications, seed=seed, n_jobs=2)
    lines += [f"### {setting}: regret / (K^(1/3) T^(2/3)), K = {K_OFFICIAL}, {n_replications} replications", "",
              "| policy | " + " | ".join(f"T = {T:.3g}" for T in HORIZONS) + " | slope on ln ln T (± s.e.) |",
              "|---|" + "---|" * (len(HORIZONS) + 1)]
    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    for p, policy in enumerate(chosen):
        slope, slope_se = log_log_horizon_slope(HORIZONS, mean[p], se[p])
        cells = " | ".join(f"{m:.4g} ± {s:.2g}" for m, s in zip(mean[p], se[p]))
        lines.append(f"| {policy.label} | {cells} | {slope:.3f} ± {slope_se:.3f} |")
        ax.errorbar(HORIZONS, mean[p], yerr=1.96 * se[p], marker="o", capsize=3, label=policy.label,
                    linestyle="--" if policy.paper_accounting else "-")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("horizon T")
    ax.set_ylabel("regret / (K^(1/3) T^(2/3))  (mean, 95% CI)")
    ax.set_title(f"{setting}, K = {K_OFFICIAL}: regret against the horizon", fontsize=11)
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3, which="both")
    save_figure(fig, out, f"regret_vs_horizon_{setting}")
    plt.close(fig)
    lines.append("")


def validation_table(n_replications, seed, lines):
    chosen = policies()
    lines += ["### Validation configurations: regret relative to uniform exploration", "",
              "| setting | K | T | " + " | ".join(p.label for p in chosen[1:]) + " |",
              "|---|---|---|" + "---|" * (len(chosen) - 1)]
    for setting in SETTINGS:
        for n_arms, horizon in VALIDATION:
            problem = StreamingBandit(arms=setting, n_arms=n_arms, memory=16, record_pull_counts=False)
            final = run(problem, chosen, horizon=horizon, n_replications=n_replications, seed=seed, n_jobs=2).final_regret
            cells = []
            for p in range(1, len(chosen)):
                ratio_of_means = final[p].mean() / final[0].mean()
                cells.append(f"{ratio_of_means:.3g} ({_mean_se(final[p] / final[0])})")
            lines.append(f"| {setting} | {n_arms} | {horizon:.0e} | " + " | ".join(cells) + " |")
    lines += ["", "Cells: ratio of mean regrets (mean ± s.e. of the per-replication ratio).", ""]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("results/streaming_regret_vs_horizon"))
    parser.add_argument("--replications", type=int, default=20, help="replications per configuration (default 20)")
    parser.add_argument("--seed", type=int, default=2023, help="root seed (default 2023)")
    args = parser.parse_args(argv)
    if args.replications < 2:
        parser.error(f"--replications: must be >= 2 (standard errors), got {args.replications}")
    if args.seed < 0:
        parser.error(f"--seed: must be >= 0, got {args.seed}")
    if (args.out / "regret_vs_horizon.md").exists():
        parser.error(f"--out: {args.out} already holds a regret_vs_horizon.md; choose a new directory")
    args.out.mkdir(parents=True, exist_ok=True)
    lines = ["# Streaming bandits: regret against the horizon", "",
             f"`python experiments/streaming/regret_vs_horizon.py --replications {args.replications} --seed {args.seed}`; "
             "exact accounting unless the label says paper_accounting=True; Game-of-Arms reads the true gap "
             "(ORACLE INFORMATION).", ""]
    for setting in SETTINGS:
        regret_against_horizon(setting, args.replications, args.seed, args.out, lines)
    validation_table(args.replications, args.seed, lines)
    target = write_text_atomically(args.out / "regret_vs_horizon.md", "\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"written: {target}")


if __name__ == "__main__":
    main()
