"""The private best-arm identification part of a report (Chen, Karthik, Chee & Tan,
*Fixed-Budget Differentially Private Best Arm Identification*, ICLR 2024, arXiv:2401.09073):
:func:`private_bai_report_section`, named by the setting registry for the linear best-arm
identification problems. Also the figure of error probability against the budget used by the
study scripts (:func:`error_probability_figure`)."""

from __future__ import annotations

import math

import numpy as np

from bandits.core.intervals import wilson_interval
from bandits.core.registry import problem_class
from bandits.report.sections import (
    ReportSection,
    marker_face,
    mean_se,
    policy_style,
    save_figure,
)

__all__ = ["error_probability_figure", "error_probability_text", "private_bai_report_section"]


def error_probability_text(errors: int, runs: int) -> str:
    """``"k / n = p [low, high]"`` with the 95% Wilson interval: an estimate, never exact."""
    low, high = wilson_interval(errors, runs)
    return f"{errors:,} / {runs:,} = {errors / runs:.4f} [{low:.4f}, {high:.4f}]"


def private_bai_report_section(env, out, config):
    """Per policy: the error probability with its 95% Wilson interval, the simple regret, the
    pulls used, the pulls per phase and the largest Max-Det coefficient; the instance's
    complexities; a figure of error probabilities with their intervals."""
    import matplotlib  # matplotlib loads only when a report is written

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = env.result
    metrics = result.metrics
    problem = problem_class(env.name)(**env.params)
    horizon = result.horizon
    errors = metrics["error"]
    runs = errors.shape[1]
    rows = []
    intervals = []
    for p, label in enumerate(result.policy_labels):
        k = int(errors[p].sum())
        intervals.append((k / runs, *wilson_interval(k, runs)))
        phases = metrics["phase_sizes"][p].mean(axis=0)
        coefficient = float(metrics["max_abs_coefficient"][p].max())
        rows.append([
            label,
            error_probability_text(k, runs),
            mean_se(metrics["simple_regret"][p], 3),
            f"{metrics['samples_used'][p].mean():,.0f}",
            " / ".join(f"{x:,.0f}" for x in phases if x > 0) or "-",
            f"{coefficient:.6g}" if coefficient > 0 else "-",
        ])
    header = ["policy", "error probability (95% Wilson interval)", "simple regret (mean ± s.e.)",
              "pulls used (mean)", "pulls per phase (mean)", "largest |beta|"]
    gaps = problem.sorted_gaps
    epsilons = sorted({float(entry.get("epsilon", 1.0)) for entry in config["policies"]
                       if math.isfinite(float(entry.get("epsilon", 1.0)))})
    complexity = f"H_BAI = {problem.complexity_bai():.4g}"
    if epsilons:
        complexity += "; " + ", ".join(f"H_pri({e:g}) = {problem.complexity_private(e):.4g}" for e in epsilons)
    notes = [
        (f"Budget T = {horizon:,} pulls; K = {problem.n_arms} arms in dimension d = {problem.dimension} "
        f"(rank {problem.rank}); best arm {problem.best_arm} (mean {problem.means[problem.best_arm]:.4f}); "
        f"smallest gap {gaps[1] if gaps.size > 1 else 0.0:.4g}; {complexity} (index range 2..min(d^2, K), our "
        "reconstruction of the paper's complexities)."),
        (f"Error probabilities are estimated from {runs:,} independent runs each; the brackets are 95% Wilson "
        "intervals, never exact values. 'Pull regret' in the figures above is the cost of exploration "
        "sum_t (mu* - mu_(a_t)), not the criterion of best-arm identification."),
        ("A largest |beta| above 1 would mean a Max-Det phase used a local-search collection with slack; exact "
        "collections have |beta| <= 1."),
    ]
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(rows) + 2.0), constrained_layout=True)
    for p, (estimate, low, high) in enumerate(intervals):
        style = policy_style(p, result.policy_labels)
        y = len(intervals) - 1 - p
        ax.errorbar([max(estimate, low)], [y], xerr=[[max(estimate, low) - low], [high - max(estimate, low)]],
                    fmt="o", color=style["color"], capsize=4, markeredgewidth=1.5,
                    markerfacecolor=marker_face(style))  # the non-private variants open
    ax.set_yticks(range(len(rows)), [row[0] for row in reversed(rows)])
    ax.set_xlabel("error probability P(recommendation != best arm), 95% Wilson interval")
    ax.set_xlim(0.0, min(1.0, max(high for _, _, high in intervals) * 1.15 + 1e-3))
    ax.set_title(f"{env.name}\nerror probability at T = {horizon:,} ({runs:,} runs per policy)", fontsize=11)
    ax.grid(alpha=0.3, axis="x")
    figures = [save_figure(fig, out, f"error_env{env.index}")]
    plt.close(fig)
    return ReportSection(figures=figures, tables=[("Best-arm identification", header, rows)], notes=notes)


def error_probability_figure(out, name, title, budgets, series, *, runs_label=""):
    """Error probability against the budget T on log axes with 95% Wilson bands.

    Parameters
    ----------
    out : Path
        Directory to save ``name.png``/``name.svg`` in.
    budgets : sequence of int
        The budgets T (x axis, log).
    series : list of (label, errors, runs, colour, dashed)
        One line per policy: error counts per budget, the number of runs per budget, the
        policy's colour index (:func:`~bandits.report.sections.policy_style`) and whether to dash
        the line (non-private references). Points with no error are drawn at their Wilson upper
        bound with a downward marker (the estimate 0 has no logarithm).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.8), constrained_layout=True)
    floor = math.inf
    for label, errors, runs, colour, dashed in series:
        style = {"color": policy_style(colour)["color"], "linestyle": "--" if dashed else "-"}
        errors = np.asarray(errors)
        bounds = np.array([wilson_interval(int(k), int(runs)) for k in errors])
        estimate = errors / runs
        positive = estimate > 0
        floor = min(floor, float(bounds[:, 1].min()))
        ax.plot(np.asarray(budgets)[positive], estimate[positive], marker="o", markersize=4, label=label, **style)
        ax.fill_between(budgets, np.maximum(bounds[:, 0], 1e-9), bounds[:, 1], color=style["color"], alpha=0.15,
                        linewidth=0)
        if np.any(~positive):
            ax.plot(np.asarray(budgets)[~positive], bounds[~positive, 1], linestyle="none", marker="v",
                    color=style["color"])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(bottom=max(1e-5, floor / 3))
    ax.set_xlabel("budget T (pulls, log)")
    ax.set_ylabel("error probability (log)")
    ax.set_title(title + (f"\n{runs_label}" if runs_label else ""), fontsize=11)
    ax.grid(alpha=0.3, which="both")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", fontsize=8, frameon=False)
    saved = save_figure(fig, out, name)
    plt.close(fig)
    return saved
