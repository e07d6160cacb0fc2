"""Streaming bandits (Chen Wang, ICML 2023, arXiv:2306.02208): validation configurations beyond
the paper's official one, and the slopes of regret against the horizon.

Part 1 (validation configurations): K = 1000 with T in {10^6, 10^9}; K = 10^4 with T in
{10^8, 10^12}; both settings; each algorithm's mean regret divided by uniform exploration's mean
regret (the "ratio of means"), with the per-replication ratio's mean ± s.e. The official
configuration (K = 50,000, T = 1.25 x 10^17) is official.toml.

Part 2 (with --horizon-results DIR, the result directory of regret_vs_horizon.toml): per setting
and policy, regret / (K^(1/3) T^(2/3)) at every T (mean ± s.e.) and the weighted least-squares
slope of its logarithm on ln ln T (1/3 for uniform exploration, 0 for an algorithm with the
optimal rate). The figures of regret against T are in that directory's report.

    python experiments/streaming/validation.py [--out DIR] [--replications N] [--seed S] [--horizon-results DIR]

Writes DIR/validation.md and refuses a DIR that already holds it (use a new DIR). A few seconds
on 2 cores at the default 20 replications once the loops are compiled.
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
from bandits.report.streaming import log_log_horizon_slope
from bandits.runner import run
from environments.streaming import StreamingBandit

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


def horizon_cells(directory):
    """The environments of a regret_vs_horizon.toml result directory grouped by arm setting,
    each sorted by horizon; a ValueError naming the directory unless every environment is a
    StreamingBandit and every setting has at least 3 horizons (a slope needs them)."""
    from bandits.experiment import load_results

    environments = load_results(directory, frame=False)["environments"]
    names = sorted({env.name for env in environments} - {"StreamingBandit"})
    if names or not environments:
        raise ValueError(f"{directory} holds {names or 'no environments'}, not StreamingBandit environments")
    groups = {}
    for env in environments:
        groups.setdefault(env.params.get("arms", StreamingBandit.arms), []).append(env)
    for setting, cells in groups.items():
        horizons = sorted({env.result.horizon for env in cells})
        if len(horizons) < 3 or len(horizons) != len(cells):
            raise ValueError(f"{directory}: the {setting} environments need 3 or more distinct horizons (one "
                             f"environment each) for a slope, got horizons {horizons} in {len(cells)} environment(s)")
        cells.sort(key=lambda env: env.result.horizon)
    return groups


def horizon_slopes(groups, directory, lines):
    """The slope table of :func:`horizon_cells`' groups: regret / (K^(1/3) T^(2/3)) per horizon
    and its slope on ln ln T, per arm setting and policy. Every horizon of a setting shares the
    seeds (the same instances and arrival orders), so the points are correlated and the slope's
    standard error, which treats them as independent, is a rough guide only."""
    labels = next(iter(groups.values()))[0].result.policy_labels
    for setting, cells in groups.items():
        horizons = [env.result.horizon for env in cells]
        n = cells[0].result.final_regret.shape[1]
        lines += [f"### {setting}: regret / (K^(1/3) T^(2/3)), {n} replications ({directory})", "",
                  "| policy | " + " | ".join(f"T = {T:.3g}" for T in horizons) + " | slope on ln ln T (± s.e.) |",
                  "|---|" + "---|" * (len(horizons) + 1)]
        for p, label in enumerate(labels):
            ratios = [env.result.final_regret[p] / StreamingBandit.regret_rate(env.params, env.result.horizon)
                      for env in cells]
            mean = np.array([r.mean() for r in ratios])
            se = np.array([r.std(ddof=1) / math.sqrt(r.size) for r in ratios])
            slope, slope_se = log_log_horizon_slope(horizons, mean, se)
            cells_text = " | ".join(f"{m:.4g} ± {s:.2g}" for m, s in zip(mean, se))
            lines.append(f"| {label} | {cells_text} | {slope:.3f} ± {slope_se:.3f} |")
        lines += ["", "The horizons share their seeds: the slope's standard error treats correlated points as "
                  "independent and is a rough guide only.", ""]


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
    parser.add_argument("--out", type=Path, default=Path("results/streaming_validation"))
    parser.add_argument("--replications", type=int, default=20, help="replications per configuration (default 20)")
    parser.add_argument("--seed", type=int, default=2023, help="root seed (default 2023)")
    parser.add_argument("--horizon-results", type=Path, default=None,
                        help="result directory of experiments/streaming/regret_vs_horizon.toml: adds its slope table")
    args = parser.parse_args(argv)
    if args.replications < 2:
        parser.error(f"--replications: must be >= 2 (standard errors), got {args.replications}")
    if args.seed < 0:
        parser.error(f"--seed: must be >= 0, got {args.seed}")
    groups = None
    if args.horizon_results is not None:  # checked before any work
        if not (args.horizon_results / "manifest.json").is_file():
            parser.error(f"--horizon-results: {args.horizon_results} is not a result directory (no manifest.json); "
                         "run experiments/streaming/regret_vs_horizon.toml into it first")
        try:
            groups = horizon_cells(args.horizon_results)
        except ValueError as error:
            parser.error(f"--horizon-results: {error}")
    if (args.out / "validation.md").exists():
        parser.error(f"--out: {args.out} already holds a validation.md; choose a new directory")
    args.out.mkdir(parents=True, exist_ok=True)
    lines = ["# Streaming bandits: validation configurations", "",
             f"`python experiments/streaming/validation.py --replications {args.replications} --seed {args.seed}`; "
             "exact accounting unless the label says paper_accounting=True; Game-of-Arms reads the true gap "
             "(ORACLE INFORMATION).", ""]
    validation_table(args.replications, args.seed, lines)
    if groups is not None:
        horizon_slopes(groups, args.horizon_results, lines)
    target = write_text_atomically(args.out / "validation.md", "\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"written: {target}")


if __name__ == "__main__":
    main()
