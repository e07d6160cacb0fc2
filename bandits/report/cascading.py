"""The cascading part of a report (cascading bandits, Kveton, Szepesvari, Wen & Ashkan, ICML 2015,
arXiv:1502.02763; cascading RL, Du, Srikant & Chen, ICLR 2024, arXiv:2401.08961):
:func:`cascading_report_section`, named by the setting registry."""

from __future__ import annotations

import numpy as np

from bandits.core.registry import policy_class, problem_class
from bandits.report.sections import (
    ReportSection,
    legend_below,
    mean_se,
    plot_regret_curves,
    save_figure,
)
from environments.cascading import BLBCascadingBandit

__all__ = ["cascading_report_section"]


def _lower_bound_figure(env, out, problem, constant) -> str:
    """The headline figure of cascading bandits on a ``B_LB`` instance: every policy's mean
    regret with its 95% confidence band against the number of steps n, on a logarithmic n axis,
    with Kveton et al.'s asymptotic lower bound ``c ln n`` (arXiv:1502.02763, Theorem 4), a
    straight line there; a consistent policy's regret ends up above it, parallel at best."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = env.result
    labels = result.policy_labels
    t = np.asarray(result.record_points, dtype=float)
    regret = result.cumulative_regret
    n = regret.shape[1]
    fig, ax = plt.subplots(figsize=(7, 4.5 + 0.22 * max(0, len(labels) - 5)), constrained_layout=True)
    plot_regret_curves(ax, result)
    ax.plot(t, constant * np.log(t), color="black", linestyle=(0, (5, 3)), linewidth=1.5,
            label=f"lower bound {constant:.2f} ln n (Kveton et al. 2015, asymptotic)")
    ax.set_xscale("log")
    ax.set_xlim(left=max(t[0], 1.0))
    ax.set_ylim(bottom=0.0)
    ax.set_xlabel(f"{problem.time_unit}s n (log scale)")
    ax.set_ylabel("cumulative regret R(n)")
    ax.set_title(f"{problem!r}\nregret against the lower bound (mean, 95% band, {n} replications)", fontsize=10)
    legend_below(fig, ax)  # outside the axes: never over a curve
    ax.grid(alpha=0.3, which="both")
    name = save_figure(fig, out, f"lower_bound_env{env.index}")
    plt.close(fig)
    return name


def cascading_report_section(env, out, config):
    """The cascading part of a regret report: per policy, clicks per time unit, time per
    episode and the exact gap ``V* - V^pi`` of the last plan; when a policy can stop
    (best-policy identification), the stopped fraction and the episodes used; for Kveton's
    ``B_LB`` instances, the asymptotic lower bound ``c ln T`` next to the regret and the headline
    figure of regret against that bound."""
    result = env.result
    horizon = result.horizon
    problem = problem_class(env.name)(**env.params)
    unit = problem.time_unit
    can_stop = [policy_class(entry["name"]).can_stop for entry in config["policies"]]
    show_stopping = any(can_stop) or bool(np.any(result.metrics["stopped"]))
    rows = []
    for p, label in enumerate(result.policy_labels):
        used = result.metrics["episodes_used"][p]
        played = np.maximum(used, 1)
        row = [
            label,
            mean_se(result.metrics["clicks"][p, :, -1] / played, 4, notation="f"),
            f"{1e6 * np.mean(result.kernel_seconds[p] / played):.1f}",
            mean_se(result.metrics["final_gap"][p], 4, notation="f"),
        ]
        if show_stopping:
            row += [f"{np.mean(result.metrics['stopped'][p]):.2f}", mean_se(used, 0, notation="f")]
        rows.append(row)
    header = [
        "policy", f"clicks per {unit}", f"µs per {unit}",
        "gap V* - V^pi of the last (or output) plan, mean ± s.e.",
    ]
    if show_stopping:
        header += ["stopped (fraction)", f"{unit}s used"]
    notes = [
        f"Optimal value per {problem.time_unit}: V* = {problem.optimal_value:.4f}. Regret is the exact "
        "pseudo-regret sum_k (V* - V^{pi_k}) from exact evaluation of each episode's plan. A policy that "
        "stops (best-policy identification) plays no more episodes, and its output is the plan of the stopping "
        "episode."
    ]
    figures = []
    if isinstance(problem, BLBCascadingBandit):
        constant = problem.lower_bound_constant()
        figures.append(_lower_bound_figure(env, out, problem, constant))
        final = result.cumulative_regret[:, :, -1]
        per_log = ", ".join(
            f"{label}: {final[p].mean() / np.log(horizon):.2f}" for p, label in enumerate(result.policy_labels)
        )
        notes.append(
            f"Kveton et al.'s asymptotic lower bound on this B_LB instance: liminf R(n)/ln n >= {constant:.3f}, "
            f"i.e. {constant * np.log(horizon):.1f} at n = {horizon}. Measured R(n)/ln n: {per_log}."
        )
    return ReportSection(figures=figures, tables=[("Cascading metrics", header, rows)], notes=notes)
