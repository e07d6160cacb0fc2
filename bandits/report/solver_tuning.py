"""The solver-tuning part of a report (Khodak, Chow, Balcan & Talwalkar, *Learning to Relax*, ICLR
2024, arXiv:2310.02246): :func:`solver_tuning_report_section`, named by the setting registry for
both ``SORTuning`` and ``HeatEquationTuning`` results.
"""

from __future__ import annotations

import numpy as np

from bandits.core.registry import policy_class
from bandits.report.sections import (
    ReportSection,
    legend_below,
    mean_se,
    policy_style,
    save_figure,
)
from environments.solver_tuning import DEFAULT_OMEGA_GRID

__all__ = ["solver_tuning_report_section"]


def solver_tuning_report_section(env, out, config):
    """Per policy: total SOR iterations per instance (mean ± s.e. over replications), relative
    to the instance-optimal omega and to the best fixed omega among the run's fixed-omega
    comparators (policies whose class sets ``is_fixed_comparator``, e.g. ``fixed_omega``; per
    replication, then averaged), the best fixed grid omega in hindsight (with
    ``grid_costs``); a figure of iterations per instance against the instance-optimal omega's (the
    regret is the excess), and one of the mean omega played against the instance index."""
    import matplotlib  # matplotlib loads only when a report is written

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = env.result
    metrics = result.metrics
    labels = result.policy_labels
    names = [entry["name"] for entry in config["policies"]]
    horizon = result.horizon
    total = metrics["total_iterations"].astype(float)
    star = metrics["instance_optimal_iterations"].astype(float) if "instance_optimal_iterations" in metrics else None
    fixed = [p for p, name in enumerate(names) if getattr(policy_class(name), "is_fixed_comparator", False)]
    best_fixed = total[fixed].min(axis=0) if fixed else None
    n = total.shape[1]

    def two_decimals(values):
        return mean_se(values, 2, "f")

    unit = "instance" if star is not None else "time step"
    header = ["policy", f"iterations per {unit}"]
    if star is not None:
        header.append("minus instance-optimal (per instance)")
    if best_fixed is not None:
        header.append(f"minus best fixed omega of the run (per {unit})")
    grid_costs = "best_fixed_iterations" in metrics and np.all(metrics["best_fixed_iterations"] >= 0)
    if grid_costs:
        header.append("minus best grid omega in hindsight (per instance)")
    rows = []
    for p, label in enumerate(labels):
        row = [label, two_decimals(total[p] / horizon)]
        if star is not None:
            row.append(two_decimals((total[p] - star[p]) / horizon))
        if best_fixed is not None:
            row.append(two_decimals((total[p] - best_fixed) / horizon))
        if grid_costs:
            row.append(two_decimals((total[p] - metrics["best_fixed_iterations"][p]) / horizon))
        rows.append(row)
    if star is not None:
        rows.append(["instance-optimal omega*(c_t)", two_decimals(star[0] / horizon), "0", *([""] * (len(header) - 3))])
        notes = [
            f"Iterations of SOR to relative residual {env.params.get('tolerance', 1e-8)} (cap "
            f"{env.params.get('max_iterations', 10000)}), averaged over the {horizon} instances and {n} replications. "
            "The regret curves are against the closed-form instance-optimal omega*(c_t) (Young), which need not "
            "minimise the integer iteration count: negative values are possible.",
            "Kernel times: the first policy of each replication also computes the costs that the later policies "
            "look up in the replication's cost table, so per-policy times are not each policy's own cost.",
        ]
    else:
        notes = [
            f"Iterations of {'vanilla CG' if env.params.get('solver') == 'cg' else 'SSOR-PCG'} per time step "
            f"(warm start, tolerance {env.params.get('tolerance', 1e-8)} relative to ||b||), {n} replications. "
            "The curves are cumulative iterations; comparators are the fixed-omega policies of the run.",
        ]
    tables = [("Solver iterations", header, rows)]
    if grid_costs:
        index = metrics["best_fixed_index"][0]
        grid = np.asarray(env.params.get("omega_grid") or DEFAULT_OMEGA_GRID)
        values, counts = np.unique(grid[index], return_counts=True)
        notes.append("Best grid omega in hindsight per replication: "
                     + ", ".join(f"{v:.2f} ({c} replications)" for v, c in zip(values, counts)) + ".")
    figures = [_iterations_figure(plt, env, out, labels, total / horizon, None if star is None else star / horizon,
                                  unit)]
    if "omega_index" in metrics:
        grid = np.asarray(env.params.get("omega_grid") or DEFAULT_OMEGA_GRID)
        omegas = grid[metrics["omega_index"].astype(np.int64)]  # (P, R, T)
        fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
        window = max(1, horizon // 100)
        for p, label in enumerate(labels):
            trace = omegas[p].mean(axis=0)
            smooth = np.convolve(trace, np.ones(window) / window, mode="valid")
            ax.plot(np.arange(smooth.size) + window, smooth, label=label, linewidth=1.2, **policy_style(p, labels))
        ax.set_xlabel(unit)
        ax.set_ylabel("omega played")
        ax.set_title(f"{env.name}: omega trace\nmean over replications, moving average of {window} {unit}s",
                     fontsize=10)
        legend_below(fig, ax)  # outside the axes: never over a trace
        ax.grid(alpha=0.3)
        figures.append(save_figure(fig, out, f"omega_trace_env{env.index}"))
        plt.close(fig)
    return ReportSection(figures=figures, tables=tables, notes=notes)


def _iterations_figure(plt, env, out, labels, per_instance, star, unit) -> str:
    """The headline figure: each policy's mean solver iterations per instance (95% interval over
    replications), beside the instance-optimal omega*(c_t)'s when the problem has it (a dashed
    line); the gap between a bar and that line is the policy's regret per instance."""
    n = per_instance.shape[1]
    means = per_instance.mean(axis=1)
    halves = 1.96 * per_instance.std(axis=1, ddof=1) / np.sqrt(n) if n > 1 else np.zeros_like(means)
    fig, ax = plt.subplots(figsize=(7, max(3.0, 0.45 * len(labels) + 1.8)), constrained_layout=True)
    positions = np.arange(len(labels))
    ax.barh(positions, means, xerr=halves, capsize=3, alpha=0.75,
            color=[policy_style(p, labels)["color"] for p in range(len(labels))])
    ax.set_yticks(positions, labels, fontsize=8)
    ax.invert_yaxis()  # the first policy on top
    low = means.min() - 2 * halves.max()
    if star is not None:
        optimum = float(star.mean())
        ax.axvline(optimum, color="black", linestyle="--", linewidth=1.5)
        ax.annotate("instance-optimal omega*(c_t)", (optimum, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -3), textcoords="offset points", va="top", fontsize=8)
        low = min(low, optimum)
    span = means.max() + halves.max() - low
    ax.set_xlim(max(0.0, low - 0.15 * span), means.max() + halves.max() + 0.05 * span)
    ax.set_xlabel(f"solver iterations per {unit}\n(mean, 95% interval)")  # two lines: long labels narrow the axes
    ax.grid(alpha=0.3, axis="x")
    fig.suptitle(f"{env.name}: iterations per {unit}"
                 + ("; regret = the excess over the dashed line" if star is not None else ""), fontsize=10)
    name = save_figure(fig, out, f"iterations_env{env.index}")
    plt.close(fig)
    return name
