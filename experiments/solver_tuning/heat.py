"""The heat-equation study of Khodak et al. (ICLR 2024, arXiv:2310.02246, Appendix G.2; official
script h2d.m): total PCG iterations over the 5,000 Crank-Nicolson steps of the 2-D
heat equation against the matrix size, for

- vanilla CG; SSOR-PCG with fixed omega in {1, 1.3, 1.5, 1.75, 1.95};
- "instance-optimal": per step, a golden-section search (5 grid points, then golden section, 12
  solves from the same warm start; the midpoint of the omegas reaching the fewest iterations),
  then a rerun with those omegas;
- "best fixed": the 12 evaluations of every step interpolated onto linspace(1, 1.95, 96),
  averaged over steps, the argmin, then a rerun with it;
- Tsallis-INF, Tsallis-INF-CB (6 bins on [cmin, cmax]) and ChebCB (6 features on [cmin, cmax]),
  3 trials each (seeded; the simulation itself is deterministic).

The golden-section pass advances the state with the omega = 1.5 SSOR-PCG solution (tolerance
1e-8) where h2d.m uses the exact solve A\\b: the trajectories differ by the solver tolerance.
Also the omega trace at nx = 100 (moving average of 25 steps, ± one standard deviation over
trials) and each method's wall time relative to vanilla CG.

    python experiments/solver_tuning/heat.py [--sizes 25,50,100,200] [--steps 5000] [--out DIR]

Writes DIR/heat_nx<nx>.json as each size finishes, then DIR/heat.md, DIR/heat_iterations.png/.svg, DIR/heat_omega_trace.png/.svg,
DIR/heat_walltime.png/.svg and DIR/heat.npz (every number); refuses a DIR that already holds
heat.md. About 14 minutes on 2 cores with the default sizes (nx = 200 alone: about 11.5 minutes).
"""

from __future__ import annotations

import argparse
import io
import json
import time
from pathlib import Path

import numpy as np

from bandits.core.atomic_files import write_text_atomically
from bandits.policies.solver_tuning import ChebCB, FixedOmega, OmegaTsallisINF, OmegaTsallisINFCB
from bandits.report.sections import save_figure
from bandits.runner import run
from environments.solver_tuning import HeatEquationTuning, HeatEquationTuningShell
from environments.solver_tuning.heat_dynamics import heat_bump_kernel, heat_solve, heat_step_system
from environments.solver_tuning.linear_solvers import HEAT_OMEGA_GRID, golden_section_omega

TRIALS = 3
SEED = 0
FINE_GRID = np.linspace(1.0, 1.95, 96)


def golden_pass(problem, steps):
    """Per step: the 12 (omega, iterations) evaluations from the current state and the
    instance-optimal omega; the state advances with the omega = 1.5 solution."""
    params = problem.kernel_params
    n = problem.n_unknowns
    u = np.empty(n)
    heat_bump_kernel(problem.nx, 0.5, 0.5, 0.25, params[3], u)
    rhs, forcing = np.empty(n), np.empty(n)
    star = np.empty(steps)
    curves = np.empty((steps, FINE_GRID.size))
    for t in range(steps):
        diag, off, _ = heat_step_system(params, u, t * problem.dt, rhs, forcing)
        search = golden_section_omega(lambda w: int(heat_solve(params, diag, off, rhs, u, w)[0]))
        star[t] = search.omega
        order = np.argsort(search.omegas, kind="stable")
        curves[t] = np.interp(FINE_GRID, search.omegas[order], search.costs[order])
        u = heat_solve(params, diag, off, rhs, u, 1.5)[1]
    return star, curves


def scheduled_run(problem, steps, omegas):
    """Total iterations and wall time of the simulation with omega_t = omegas[t] (the shell)."""
    env = HeatEquationTuningShell(problem, horizon=steps, continuous=True)
    env.reset(seed=0)
    total = 0
    start = time.perf_counter()
    for t in range(steps):
        _, reward, _, _, _ = env.step(np.array([omegas[t]]))
        total -= reward
    return int(total), time.perf_counter() - start


def study(nx, steps, records):
    problem = HeatEquationTuning(nx=nx)
    rows = {}
    cg = run(HeatEquationTuning(nx=nx, solver="cg", record_actions=False), [FixedOmega(omega=1.0)], horizon=steps,
             n_replications=1, seed=SEED)
    rows["vanilla CG"] = (cg.metrics["total_iterations"][0, 0], 0.0, cg.kernel_seconds[0, 0])
    fixed = [FixedOmega(omega=w) for w in HEAT_OMEGA_GRID]
    grid_problem = HeatEquationTuning(nx=nx, omega_grid=HEAT_OMEGA_GRID, record_actions=False)
    result = run(grid_problem, fixed, horizon=steps, n_replications=1, seed=SEED)
    for p, w in enumerate(HEAT_OMEGA_GRID):
        rows[f"SSOR-PCG, omega = {w}"] = (result.metrics["total_iterations"][p, 0], 0.0, result.kernel_seconds[p, 0])
    start = time.perf_counter()
    star, curves = golden_pass(problem, steps)
    search_seconds = time.perf_counter() - start
    best = float(FINE_GRID[np.argmin(curves.mean(axis=0))])
    best_run = run(HeatEquationTuning(nx=nx, omega_grid=[best], record_actions=False), [FixedOmega(omega_index=0)],
                   horizon=steps, n_replications=1, seed=SEED)
    rows["best fixed (golden-section average)"] = (best_run.metrics["total_iterations"][0, 0], 0.0,
                                                  best_run.kernel_seconds[0, 0])
    total, seconds = scheduled_run(problem, steps, star)
    rows["instance-optimal (golden section)"] = (total, 0.0, seconds)
    learners = [OmegaTsallisINF(), OmegaTsallisINFCB(n_bins=6, context_range=None), ChebCB(context_range=None)]
    result = run(problem, learners, horizon=steps, n_replications=TRIALS, seed=SEED, n_jobs=2)
    traces = {}
    for p, policy in enumerate(learners):
        totals = result.metrics["total_iterations"][p].astype(float)
        rows[policy.label] = (totals.mean(), totals.std(ddof=1) / np.sqrt(TRIALS), result.kernel_seconds[p].mean())
        traces[policy.label] = problem.grid[result.metrics["omega_index"][p].astype(np.int64)]
    records[nx] = {"rows": rows, "star": star, "best": best, "traces": traces, "search_seconds": search_seconds,
                   "n": problem.n_unknowns}
    return records[nx]


def figures(records, out, steps):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(records)
    dims = [records[nx]["n"] for nx in sizes]
    labels = list(records[sizes[0]]["rows"])
    fig, ax = plt.subplots(figsize=(7.5, 5), constrained_layout=True)
    for label in labels:
        ax.loglog(dims, [records[nx]["rows"][label][0] for nx in sizes], marker="o", label=label)
    ax.set_xlabel("matrix dimension n = (nx - 1)^2")
    ax.set_ylabel(f"total iterations over {steps} steps")
    ax.set_title("Heat equation: iterations against matrix size", fontsize=11)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, which="both")
    save_figure(fig, out, "heat_iterations")
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7.5, 5), constrained_layout=True)
    for label in labels:
        ratio = [records[nx]["rows"][label][2] / records[nx]["rows"]["vanilla CG"][2] for nx in sizes]
        ax.semilogx(dims, ratio, marker="o", label=label)
    ax.set_xlabel("matrix dimension n")
    ax.set_ylabel("wall time / vanilla CG's")
    ax.set_title("Heat equation: wall time relative to vanilla CG", fontsize=11)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, which="both")
    save_figure(fig, out, "heat_walltime")
    plt.close(fig)

    trace_nx = 100 if 100 in records else sizes[-1]
    record = records[trace_nx]
    window = 25
    kernel = np.ones(window) / window
    fig, ax = plt.subplots(figsize=(7.5, 5), constrained_layout=True)
    smooth = np.convolve(record["star"], kernel, mode="valid")
    ax.plot(np.arange(smooth.size) + window, smooth, color="black", linewidth=1, label="instance-optimal (golden section)")
    ax.axhline(record["best"], color="grey", linestyle="--", label=f"best fixed ({record['best']:.3f})")
    for label, omegas in record["traces"].items():
        means = np.array([np.convolve(trial, kernel, mode="valid") for trial in omegas])
        mean, sd = means.mean(axis=0), means.std(axis=0)
        x = np.arange(mean.size) + window
        ax.plot(x, mean, label=label, linewidth=1)
        ax.fill_between(x, mean - sd, mean + sd, alpha=0.2, linewidth=0)
    ax.set_xlabel("time step")
    ax.set_ylabel(f"omega (moving average of {window})")
    ax.set_title(f"Heat equation, nx = {trace_nx}: omega played", fontsize=11)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    save_figure(fig, out, "heat_omega_trace")
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="25,50,100,200", help="comma-separated nx values (default 25,50,100,200)")
    parser.add_argument("--steps", type=int, default=5000, help="time steps (default 5000: t in [0, 5])")
    parser.add_argument("--out", type=Path, default=Path("results/solver_tuning_heat"))
    args = parser.parse_args(argv)
    try:
        sizes = sorted({int(x) for x in args.sizes.split(",")})
    except ValueError:
        parser.error(f"--sizes: must be comma-separated integers, got {args.sizes!r}")
    if not sizes or min(sizes) < 3:
        parser.error(f"--sizes: every nx must be >= 3, got {args.sizes!r}")
    if args.steps < 2:
        parser.error(f"--steps: must be >= 2, got {args.steps}")
    if (args.out / "heat.md").exists():
        parser.error(f"--out: {args.out} already holds a heat.md; choose a new directory")
    args.out.mkdir(parents=True, exist_ok=True)
    records = {}
    for nx in sizes:
        start = time.perf_counter()
        record = study(nx, args.steps, records)
        print(f"nx = {nx}: done in {time.perf_counter() - start:.0f} s", flush=True)
        summary = {label: [float(v) for v in values] for label, values in record["rows"].items()}
        write_text_atomically(args.out / f"heat_nx{nx}.json", json.dumps({"best": record["best"], "rows": summary}, indent=1))
    lines = ["# Heat equation: SSOR-PCG iterations (Khodak et al., Appendix G.2)", "",
             f"`python experiments/solver_tuning/heat.py --sizes {','.join(map(str, sizes))} --steps {args.steps}`; "
             f"kappa coefficient 0.1 (code preset), tolerance 1e-8 relative to ||b||, warm start; learners: mean ± s.e. over "
             f"{TRIALS} trials.", "",
             "| method | " + " | ".join(f"nx = {nx} (n = {records[nx]['n']})" for nx in sizes) + " |",
             "|---|" + "---|" * len(sizes)]
    for label in records[sizes[0]]["rows"]:
        cells = []
        for nx in sizes:
            total, se, seconds = records[nx]["rows"][label]
            ratio = seconds / records[nx]["rows"]["vanilla CG"][2]
            omega = f", omega = {records[nx]['best']:.3f}" if label.startswith("best fixed") else ""
            cells.append(f"{total:,.0f}" + (f" ± {se:,.0f}" if se else "") + f" ({ratio:.2f}x CG time{omega})")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "Golden-section pass (12 solves per step, state advanced at omega = 1.5): "
              + ", ".join(f"nx = {nx}: {records[nx]['search_seconds']:.0f} s" for nx in sizes) + ".", ""]
    figures(records, args.out, args.steps)
    buffer = io.BytesIO()
    np.savez(buffer, sizes=np.array(sizes),
             **{f"nx{nx}_star": records[nx]["star"] for nx in sizes},
             **{f"nx{nx}_{label}": trace for nx in sizes for label, trace in records[nx]["traces"].items()})
    (args.out / "heat.npz").write_bytes(buffer.getvalue())
    target = write_text_atomically(args.out / "heat.md", "\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"written: {target}")


if __name__ == "__main__":
    main()
