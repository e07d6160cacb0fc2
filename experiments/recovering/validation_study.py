"""Validation study of the offline planner of the recovering-rewards setting (Simchi-Levi, Zheng &
Zhu, ICML 2021, arXiv:2106.14813) on tiny instances, where the exact optimum is computable.

Per instance: the fluid LP upper bound UB* on the long-run average reward per period; the exact
optimal average reward OPT by relative value iteration (lower and upper Odoni bounds, which
agree to about 1e-10) and the exact optimum OPT_T over the simulated horizon from full recovery
(backward induction); the purely periodic policy (randomised rounding, random offsets) with
collisions resolved uniformly at random and greedily, 30 runs of 4,000 periods each (average
expected reward per period, mean ± standard error); its exact stationary lower bound LB; and
myopic greedy with the true table, for comparison. Theory: UB* >= OPT >= LB, and over the finite
horizon OPT_T >= PPP >= LB (within Monte Carlo error; a finite run starts fully recovered, so it
is compared with OPT_T rather than with the long-run OPT).

Instances (our protocol; the paper's experimental instances are not known to us): recovery
families "random_monotone", "concave" and "step" with (N, K, d_max) in {(4, 1, 4), (4, 2, 4),
(5, 2, 4)} (step: the last two), instance seeds 0, 1, 2.

    python experiments/recovering/validation_study.py [--out DIR]

Writes DIR/validation.md and DIR/validation.json (default results/recovering_validation);
about 30 seconds on 2 cores, most of it compiling.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from bandits.core.atomic_files import write_text_atomically
from bandits.policies.recovering import MyopicGreedy, PurelyPeriodic
from bandits.runner import run
from environments.recovering import (
    RandomRecoveringBandit,
    optimal_average_reward,
    optimal_total_reward,
)

SEED = 2021
PERIODS = 4000
RUNS = 30
CONFIGURATIONS = [
    (family, shape, seed)
    for family, shapes in (("random_monotone", [(4, 1, 4), (4, 2, 4), (5, 2, 4)]),
                           ("concave", [(4, 1, 4), (4, 2, 4), (5, 2, 4)]),
                           ("step", [(4, 2, 4), (5, 2, 4)]))
    for shape in shapes
    for seed in (0, 1, 2)
]


def study_instance(family, shape, instance_seed):
    """Every quantity of the study for one instance, as a dict of plain numbers."""
    n_arms, max_pulls, d_max = shape
    problem = RandomRecoveringBandit(family, n_arms=n_arms, d_max=d_max, max_pulls=max_pulls,
                                     instance_seed=instance_seed)
    opt_low, opt_high = optimal_average_reward(problem.mean_rewards, max_pulls)
    opt_horizon = optimal_total_reward(problem.mean_rewards, max_pulls, PERIODS) / PERIODS
    policies = [PurelyPeriodic(collisions="random"), PurelyPeriodic(collisions="greedy"), MyopicGreedy()]
    result = run(problem, policies, horizon=PERIODS, n_replications=RUNS, seed=SEED)
    average = result.metrics["expected_reward"][:, :, -1] / PERIODS
    mean = average.mean(axis=1)
    se = average.std(axis=1, ddof=1) / np.sqrt(RUNS)
    return {
        "family": family, "n_arms": n_arms, "max_pulls": max_pulls, "d_max": d_max, "instance_seed": instance_seed,
        "upper_bound": problem.fluid_upper_bound, "opt_lower": opt_low, "opt_upper": opt_high,
        "opt_horizon": opt_horizon,
        "ppp_random": mean[0], "ppp_random_se": se[0], "ppp_greedy": mean[1], "ppp_greedy_se": se[1],
        "myopic_greedy": mean[2], "myopic_greedy_se": se[2],
        "lower_bound": problem.periodic_lower_bound("randomised"),
    }


def chain_holds(row, z=4.0) -> bool:
    """UB* >= OPT >= LB exactly, and OPT_T >= PPP (both rules) >= LB with the simulated values
    within ``z`` standard errors (OPT_T: the exact optimum over the simulated horizon from full
    recovery, which the finite runs are compared with)."""
    return bool(
        row["upper_bound"] >= row["opt_lower"] - 1e-9
        and row["opt_upper"] >= row["lower_bound"] - 1e-9
        and all(row[f"ppp_{rule}"] <= row["opt_horizon"] + z * row[f"ppp_{rule}_se"] + 1e-9 for rule in ("random", "greedy"))
        and all(row[f"ppp_{rule}"] >= row["lower_bound"] - z * row[f"ppp_{rule}_se"] for rule in ("random", "greedy"))
    )


def markdown(rows) -> str:
    lines = [
        "# Recovering rewards: validation of the offline planner (Simchi-Levi, Zheng & Zhu, arXiv:2106.14813)",
        "",
        (f"Average expected reward per period. PPP: purely periodic policy, randomised rounding, random offsets, "
        f"{RUNS} runs x {PERIODS} periods (mean ± s.e.); LB: its exact stationary lower bound; OPT: exact optimum "
        "(relative value iteration). Ratios are to UB*."),
        "",
        ("| family | N | K | d_max | seed | UB* | OPT | OPT/UB* | PPP random / UB* | PPP greedy / UB* | LB / UB* "
        "| myopic greedy / UB* | UB* >= OPT >= PPP >= LB |"),
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ub = row["upper_bound"]
        lines.append(
            f"| {row['family']} | {row['n_arms']} | {row['max_pulls']} | {row['d_max']} | {row['instance_seed']} "
            f"| {ub:.4f} | {row['opt_upper']:.4f} | {row['opt_upper'] / ub:.4f} "
            f"| {row['ppp_random'] / ub:.3f} ± {row['ppp_random_se'] / ub:.3f} "
            f"| {row['ppp_greedy'] / ub:.3f} ± {row['ppp_greedy_se'] / ub:.3f} | {row['lower_bound'] / ub:.3f} "
            f"| {row['myopic_greedy'] / ub:.3f} | {row['opt_horizon'] / ub:.4f} | {'yes' if chain_holds(row) else 'NO'} |"
        )
    ratios = np.array([[r["opt_upper"] / r["upper_bound"], r["ppp_random"] / r["upper_bound"],
                        r["ppp_greedy"] / r["upper_bound"], r["myopic_greedy"] / r["upper_bound"]] for r in rows])
    lines += ["", ("Mean ratio to UB* over the instances: "
              f"OPT {ratios[:, 0].mean():.3f}, PPP random {ratios[:, 1].mean():.3f}, "
              f"PPP greedy {ratios[:, 2].mean():.3f}, myopic greedy {ratios[:, 3].mean():.3f}."),
              (f"The chains UB* >= OPT >= LB and OPT_T >= PPP >= LB hold on {sum(chain_holds(r) for r in rows)} of "
               f"{len(rows)} instances (simulated values within 4 standard errors).")]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("results/recovering_validation"))
    args = parser.parse_args(argv)
    if (args.out / "validation.md").exists():
        parser.error(f"--out: {args.out} already holds a validation.md; choose a new directory")
    rows = [study_instance(family, shape, seed) for family, shape, seed in CONFIGURATIONS]
    rows = [{k: (float(v) if isinstance(v, np.floating) else v) for k, v in row.items()} for row in rows]
    text = markdown(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    write_text_atomically(args.out / "validation.json", json.dumps(rows, indent=1))
    target = write_text_atomically(args.out / "validation.md", text)
    print(text)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
