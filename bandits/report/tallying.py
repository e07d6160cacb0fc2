"""The weighted-tallying part of a report (Malik, Igoe, Li & Singh, *Weighted Tallying Bandits*,
ICML 2023, arXiv:2305.02955): :func:`tallying_report_section`, named by the setting registry for
the tallying problems."""

from __future__ import annotations

import numpy as np

from bandits.core.registry import problem_class
from bandits.report.sections import ReportSection, mean_se, policy_style, save_figure

__all__ = ["tallying_report_section"]


def tallying_report_section(env, out, config):
    """Per policy: complete policy regret at T and per step, expected loss per step, switches
    per 1,000 steps (mean ± s.e. over replications); the comparator and what it guarantees; a
    figure of cumulative switches against t (switching learners pay the tally's warm-up again and
    again)."""
    import matplotlib  # matplotlib loads only when a report is written

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = env.result
    metrics = result.metrics
    problem = problem_class(env.name)(**env.params)
    horizon = result.horizon
    names = [entry["name"] for entry in config["policies"]]
    rows = []
    for p, label in enumerate(result.policy_labels):
        marker = ""
        if names[p] == "fixed_arm" and problem.best_action is not None and \
                config["policies"][p].get("arm", 0) == problem.best_action:
            marker = "always a* (oracle)"
        rows.append([
            label,
            mean_se(result.cumulative_regret[p, :, -1], 4),
            mean_se(result.cumulative_regret[p, :, -1] / horizon, 3),
            mean_se(metrics["expected_loss"][p, :, -1] / horizon, 4, "f"),
            mean_se(1000.0 * metrics["switches"][p, :, -1] / horizon, 3),
            marker,
        ])
    header = ["policy", "CPR at T (mean ± s.e.)", "CPR per step", "expected loss per step", "switches per 1,000 steps",
              ""]
    comparator = metrics["comparator_loss"][0, 0, -1]
    if problem.best_action is not None:
        f_star = float(problem.saturated_losses[problem.best_action])
        reo = (f"Repeated exposure optimality holds with a* = action {problem.best_action} (saturated expected loss "
               f"f* = {f_star:.4f}; m = {problem.memory}, W = {problem.saturated_tally:g}), so the optimum OPT_T over "
               f"all sequences satisfies T f* <= OPT_T <= Loss(always a*) <= T f* + m: here T f* = {horizon * f_star:.1f}.")
    else:
        reo = ("Repeated exposure optimality does NOT hold on this instance (the paper's intractable case): "
               f"{problem.reo_detail}; the best sequence can be non-constant.")
    which = ("the exact optimum OPT_t over all action sequences, for every t (dynamic programme over last-m histories)"
             if problem.comparator == "exact" else "playing a* at every step from the same initial history")
    notes = [
        f"Complete policy regret (CPR): the cumulative expected loss minus that of the comparator, {which}; "
        f"comparator loss at T = {comparator:.2f}. Never against an unsaturated average loss.",
        reo,
        "Classic policies (UCB1, EXP3, successive elimination without burn-in) switch actions and keep paying the "
        "unsaturated losses of the tally's warm-up; the baselines are our choice, the paper's are not known to us.",
    ]
    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    t = result.record_points
    for p, label in enumerate(result.policy_labels):
        ax.plot(t, np.maximum(metrics["switches"][p].mean(axis=0), 0.5), label=label, **policy_style(p, result.policy_labels))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("time step t (log)")
    ax.set_ylabel("cumulative switches (mean; log)")
    ax.set_title(f"{env.name}: action switches", fontsize=11)
    ax.grid(alpha=0.3, which="both")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=9, frameon=False)
    figures = [save_figure(fig, out, f"switches_env{env.index}")]
    plt.close(fig)
    return ReportSection(figures=figures, tables=[("Weighted tallying: complete policy regret", header, rows)],
                         notes=notes)
