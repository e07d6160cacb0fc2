"""The privacy audit table of the private fixed-budget best-arm setting (Chen, Karthik, Chee &
Tan, ICLR 2024, arXiv:2401.09073): each private policy, and deliberately broken variants of
DP-BAI, audited for epsilon-differential privacy with :func:`bandits.privacy_audit.audit_privacy`.

Each audit runs the policy ``--runs`` times (default 20,000) on a reward table and on a
neighbouring table chosen where one entry moves the decision most, and reports a one-sided 95%
Clopper-Pearson lower bound on the privacy loss of K + 1 events of the output (the final phase
and the recommendation). A lower bound above
epsilon proves a violation (at 95% confidence); no violation found proves nothing.

Instance: 50 random unit arms in R^4 with a constant coordinate (d = 5), budget T = 2,000.

    python experiments/private_bai/audit_table.py [--out DIR] [--runs N] [--jobs J]

Writes DIR/audit.md and DIR/audit.json (default results/private_bai_audit); about 30 seconds on
2 cores after compilation.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

from bandits.core.atomic_files import atomic_write_bytes
from bandits.policies.private_bai import (
    DPBAI,
    ODLinBAI,
    SequentialHalving,
    UniformAllocation,
)
from bandits.privacy_audit import audit_privacy
from environments.private_bai import random_unit_arms

HORIZON = 2000
SEED = 7
#: (policy, the epsilon it claims, what it is)
CASES = [
    (DPBAI(epsilon=0.5), 0.5, "DP-BAI"),
    (DPBAI(epsilon=1.0), 1.0, "DP-BAI"),
    (DPBAI(epsilon=1.0, schedule="od_linbai", switch_rule="always"), 1.0, "DP-BAI, OD-LinBAI schedule shape"),
    (ODLinBAI(epsilon=1.0), 1.0, "private OD-LinBAI"),
    (SequentialHalving(epsilon=1.0), 1.0, "private sequential halving"),
    (UniformAllocation(epsilon=1.0), 1.0, "private uniform allocation"),
    (DPBAI(epsilon=0.5, noise_multiplier=0.25), 0.5, "BROKEN: Laplace scale divided by 4"),
    (DPBAI(epsilon=1.0, noise_multiplier=0.25), 1.0, "BROKEN: Laplace scale divided by 4"),
    (DPBAI(epsilon=math.inf), 1.0, "BROKEN: no noise, claimed 1-DP"),
    (ODLinBAI(epsilon=1.0, noise_multiplier=0.25), 1.0, "BROKEN: Laplace scale divided by 4"),
    (UniformAllocation(epsilon=math.inf), 1.0, "BROKEN: no noise, claimed 1-DP"),
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("results/private_bai_audit"))
    parser.add_argument("--runs", type=int, default=20_000, help="runs per table (default 20,000)")
    parser.add_argument("--jobs", type=int, default=2, help="threads (default 2)")
    args = parser.parse_args(argv)
    if args.runs < 100 or args.jobs < 1:
        parser.error("--runs must be >= 100 and --jobs >= 1")
    problem = random_unit_arms(n_arms=50, dimension=4, instance_seed=0)
    args.out.mkdir(parents=True, exist_ok=True)
    lines = ["# Privacy audit (private fixed-budget BAI, arXiv:2401.09073)", "",
             (f"{problem!r}, T = {HORIZON:,}, {args.runs:,} runs per table, seed {SEED}. The lower bound is a one-sided "
             "95% Clopper-Pearson bound on max_o |log P(E_o | x) / P(E_o | x')| over the events E_o = 'the pilot's final "
              "phase, then recommendation o' and 'another final phase' (Bonferroni over the events); "
             "a violation means the lower bound exceeds the claimed epsilon."), "",
             "| policy | what | claimed epsilon | lower bound | estimate | verdict | entry (t, k) |",
             "|---|---|---|---|---|---|---|"]
    records = []
    start = time.perf_counter()
    for policy, epsilon, what in CASES:
        audit = audit_privacy(policy, problem, horizon=HORIZON, n_runs=args.runs, seed=SEED, epsilon=epsilon,
                              n_jobs=args.jobs)
        verdict = "VIOLATION" if audit.violated else "no violation detected"
        lines.append(f"| {policy.label} | {what} | {epsilon:g} | {audit.lower_bound:.3f} | {audit.log_ratio:.3f} | "
                     f"{verdict} | {audit.entry} |")
        records.append({"policy": policy.label, "what": what, "epsilon": epsilon, "lower_bound": audit.lower_bound,
                        "estimate": audit.log_ratio, "violated": audit.violated, "entry": list(audit.entry),
                        "counts": audit.counts.tolist()})
        print(f"{policy.label:<55} {audit.summary()}")
    lines += ["", f"{time.perf_counter() - start:.0f} s on {args.jobs} thread(s)."]
    atomic_write_bytes(args.out / "audit.md", "\n".join(lines).encode())
    atomic_write_bytes(args.out / "audit.json", json.dumps(records, indent=1).encode())
    print(f"wrote {args.out / 'audit.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
