"""The part of every report that every setting shares: regret figures and the final-regret table
of one environment.

- ``regret_env<i>``: mean cumulative regret against t with a 95% confidence band
  (mean ± 1.96 standard errors across replications);
- ``loglog_env<i>``: the same on log-log axes, with the least-squares slope of log(mean regret) on
  log t over the last decade of record points in the legend (≈ 0 for log T growth, 1/2 for
  sqrt(T), 2/3 for T^(2/3), 1 for linear) beside the policy's theoretical rate;
- ``final_env<i>``: box plot of the final regret per policy;
- a table of final regret: mean ± standard error, median, and kernel wall time per policy.
"""

from __future__ import annotations

import math

import numpy as np

from bandits.core.registry import policy_class, problem_class
from bandits.report.sections import (
    ReportSection,
    format_count,
    format_number,
    legend_below,
    loglog_slope,
    plot_regret_curves,
    policy_style,
    save_figure,
)

__all__ = ["regret_section"]


def _rate_text(exponent) -> str:
    """A policy's ``regret_exponent`` as a rate: 0 is log T, 1 linear, else T^exponent."""
    if exponent == 0:
        return "log T"
    if exponent == 1:
        return "linear in T"
    return f"T^{exponent:.2g}"


def final_regret_rows(result):
    """Per policy ``(label, mean, standard error, median, kernel seconds)`` of the final regret."""
    final = result.final_regret
    n = final.shape[1]
    rows = []
    for p, label in enumerate(result.policy_labels):
        se = final[p].std(ddof=1) / math.sqrt(n) if n > 1 else math.nan
        rows.append((label, final[p].mean(), se, float(np.median(final[p])), float(result.wall_time[p])))
    return rows


def _figures(result, title, stem, out, exponents, unit="time step", regret_label="cumulative pseudo-regret",
             time_scale="linear"):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result.record_points
    regret = result.cumulative_regret
    n = regret.shape[1]
    written = []
    # taller figures when the legend below has many rows, so that the axes keep their height
    legend_rows = len(result.policy_labels)
    size = (7, 4.5 + 0.22 * max(0, legend_rows - 6))

    fig, ax = plt.subplots(figsize=size, constrained_layout=True)
    plot_regret_curves(ax, result)
    if time_scale == "log":  # a problem class's regret_time_scale (streaming: regret accrues early)
        ax.set_xscale("log")
        ax.set_xlim(left=max(float(t[0]), 1.0))
    ax.set_xlabel(unit + (" (log scale)" if time_scale == "log" else ""))
    ax.set_ylabel(regret_label)
    ax.set_title(f"{title}\nmean regret, 95% confidence band ({n} replications)", fontsize=11)
    legend_below(fig, ax)
    ax.grid(alpha=0.3)
    written.append(save_figure(fig, out, f"regret_{stem}"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5 + 0.22 * max(0, legend_rows - 3)), constrained_layout=True)
    for p, label in enumerate(result.policy_labels):
        mean = regret[p].mean(axis=0)
        slope = loglog_slope(t, mean)
        positive = mean > 0
        exponent = round(slope, 2) + 0.0  # no "-0.00"
        ax.loglog(t[positive], mean[positive], label=f"{label} (exponent over the last decade {exponent:.2f})",
                  **policy_style(p, result.policy_labels))
    ax.set_xlabel(f"{unit} (log)")
    ax.set_ylabel("mean regret (log)")  # short: the section states which regret
    ax.set_title(f"{title}\nlog-log; exponent = slope of log regret against log t over the last decade",
                 fontsize=10)
    legend_below(fig, ax)
    ax.grid(alpha=0.3, which="both")
    written.append(save_figure(fig, out, f"loglog_{stem}"))
    plt.close(fig)

    labels = result.policy_labels
    # many or long labels: horizontal boxes, labels on the y axis, read left to right
    horizontal = len(labels) > 6 or max(len(label) for label in labels) > 18
    height = max(4.5, 0.32 * len(labels) + 1.6) if horizontal else 4.5
    fig, ax = plt.subplots(figsize=(7, height), constrained_layout=True)
    box = ax.boxplot([result.final_regret[p] for p in range(len(labels))], patch_artist=True,
                     orientation="horizontal" if horizontal else "vertical",
                     medianprops={"color": "black", "linewidth": 2.0})  # visible on every box colour
    for p, patch in enumerate(box["boxes"]):
        patch.set_facecolor(policy_style(p, labels)["color"])
        patch.set_alpha(0.45)
    axis_label = f"regret at T = {format_count(t[-1])}"
    if horizontal:
        ax.set_yticks(range(1, len(labels) + 1), labels, fontsize=8)
        ax.invert_yaxis()  # the first policy on top, as in the legends
        ax.set_xlabel(axis_label)
        ax.grid(alpha=0.3, axis="x")
    else:
        ax.set_xticks(range(1, len(labels) + 1), labels, rotation=20, ha="right")
        ax.set_ylabel(axis_label)
        ax.grid(alpha=0.3, axis="y")
    # on the figure, not the axes: long policy labels push the axes right and an axes title
    # centred over them would run past the figure's edge
    fig.suptitle(f"{title}\nfinal regret across replications", fontsize=11)
    written.append(save_figure(fig, out, f"final_{stem}"))
    plt.close(fig)
    return written


def regret_section(env, out, config) -> ReportSection:
    """The common part of every environment: regret figures and the final-regret table."""
    exponents = [getattr(policy_class(p["name"]), "regret_exponent", None) for p in config["policies"]]
    unit = getattr(problem_class(env.name), "time_unit", "time step")
    regret_label = getattr(problem_class(env.name), "regret_label", "cumulative pseudo-regret")
    scalars = [f"{k}={v}" for k, v in env.params.items() if isinstance(v, (int, float, str))]
    shown = []
    for text in scalars:  # whole parameters only, as many as fit in a title line
        if len(env.name) + len(", ".join([*shown, text])) + 3 > 70:
            break
        shown.append(text)
    more = ", ..." if len(shown) < len(scalars) else ""
    title = f"{env.name} ({', '.join(shown)}{more})" if shown else env.name
    time_scale = getattr(problem_class(env.name), "regret_time_scale", "linear")
    names = _figures(env.result, title, f"env{env.index}", out, exponents, unit, regret_label, time_scale)
    notes = []
    rates = [f"{label} {_rate_text(exponent)}" for label, exponent in zip(env.result.policy_labels, exponents)
             if exponent is not None]
    # not beside curves that are no regret (the heat equation's total iterations)
    if rates and getattr(problem_class(env.name), "curves_are_regret", True):
        notes.append("Theoretical rates of regret at horizon T as T grows, on a fixed stochastic instance: "
                     + "; ".join(rates) + ". They compare horizons; the exponent in the log-log legend is measured "
                     "within one run (its last decade) and need not match: explore-then-commit, tuned to T, stops "
                     "growing once it commits.")
    rows = [
        [label, f"{format_number(mean)} ± {format_number(se)}", format_number(median), f"{wall:.3f}"]
        for label, mean, se, median, wall in final_regret_rows(env.result)
    ]
    # the column says what the number is: the setting's regret (total solver iterations for the
    # heat equation, whose comparator is not computed, is not called a regret)
    quantity = regret_label.split(" sum_t")[0]
    header = ["policy", f"final {quantity} (mean ± s.e.)", "median", "kernel time (s)"]
    return ReportSection(figures=names, tables=[(f"Final {quantity}", header, rows)], notes=notes)


