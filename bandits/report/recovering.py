"""The recovering-rewards part of a report (Simchi-Levi, Zheng & Zhu, *Offline Planning and Online
Learning under Recovering Rewards*, ICML 2021, arXiv:2106.14813):
:func:`recovering_report_section`, named by the setting registry.

The generic regret section already plots the approximation regret ``sum_t (gamma UB* - expected
reward of period t)``; this section adds average rewards next to ``UB*`` and the exact periodic
lower bounds, policy regret against the offline purely periodic policy of the same run (paired
by replication), and where each policy's pulls fall in idle time.
"""

from __future__ import annotations

import math

import numpy as np

from bandits.core.registry import policy_class, problem_class
from bandits.report.sections import (
    ReportSection,
    loglog_slope,
    mean_se,
    policy_style,
    save_figure,
)

__all__ = ["periodic_reference", "recovering_report_section"]

_REFERENCE = "purely_periodic"
_LEGEND_BELOW = {"loc": "outside lower center", "fontsize": 9, "frameon": False}


def periodic_reference(config):
    """Index of the offline purely periodic policy that policy regret is measured against.

    Parameters
    ----------
    config : dict
        An experiment configuration (its ``"policies"`` list of ``{"name": ..., **params}``).

    Returns
    -------
    int or None
        The first ``purely_periodic`` entry with default hyper-parameters, else the first
        ``purely_periodic`` entry; None when the run has none.
    """
    entries = [(k, entry) for k, entry in enumerate(config["policies"]) if entry["name"] == _REFERENCE]
    if not entries:
        return None
    cls = policy_class(_REFERENCE)
    defaults = cls().get_params()
    for k, entry in entries:
        if cls(**{key: v for key, v in entry.items() if key != "name"}).get_params() == defaults:
            return k
    return entries[0][0]


def _band(values):
    """Mean over the first axis and the half-width of its 95% confidence band (1.96 s.e.)."""
    mean = values.mean(axis=0)
    n = values.shape[0]
    half = 1.96 * values.std(axis=0, ddof=1) / math.sqrt(n) if n > 1 else np.zeros_like(mean)
    return mean, half


def _cell(values, digits):
    """``mean ± s.e.`` with ``digits`` decimals; ``"0"`` when every value is exactly 0."""
    values = np.asarray(values, dtype=np.float64)
    return "0" if np.all(values == 0.0) else mean_se(values, digits, "f")


def _policy_regret_figure(plt, env, out, difference, reference, labels):
    """Two panels: the paired difference curves (linear axes, 95% bands) and the positive part of
    their means on log-log axes with the local slope over the last decade and a T^0.5 guide."""
    t = np.asarray(env.result.record_points, dtype=float)
    n = difference.shape[1]
    others = [p for p in range(len(labels)) if p != reference]
    fig, (linear, loglog) = plt.subplots(1, 2, figsize=(9, 4.4), constrained_layout=True)
    finals = []
    for p in others:
        mean, half = _band(difference[p])
        style = policy_style(p, labels)
        linear.plot(t, mean, label=labels[p], **style)
        linear.fill_between(t, mean - half, mean + half, color=style["color"], alpha=0.2, linewidth=0)
        positive = mean > 0
        slope = loglog_slope(t, mean)
        if not positive.any():
            text = "never positive"
        elif not positive[-1]:
            text = "negative at T"
        else:
            exponent = round(slope, 2) + 0.0  # no "-0.00"
            text = f"exponent over the last decade {exponent:.2f}" if math.isfinite(slope) else "exponent n/a"
        loglog.loglog(t[positive], mean[positive], label=f"{labels[p]}: {text}", **style)
        if positive[-1]:
            finals.append(mean[-1])
    linear.axhline(0.0, color="0.4", linewidth=0.8)
    linear.locator_params(axis="x", nbins=6)
    linear.set_xlabel("period t")
    linear.set_ylabel("cumulative policy regret")
    linear.set_title(f"mean, 95% band ({n} replications, paired)", fontsize=10)
    linear.grid(alpha=0.3)
    if finals:
        scale = math.exp(np.mean(np.log(finals))) / math.sqrt(t[-1])
        guide = t[t >= max(1.0, t[-1] / 100)]
        loglog.loglog(guide, scale * np.sqrt(guide), color="0.3", linestyle="--", linewidth=1,
                      label="$T^{0.5}$ guide")
    loglog.set_xlabel("period t (log)")
    loglog.set_ylabel("mean policy regret, where positive (log)")
    loglog.set_title("log-log; exponent = slope of log regret\nagainst log t over the last decade", fontsize=10)
    loglog.grid(alpha=0.3, which="both")
    fig.suptitle(f"{env.name}: policy regret against the offline periodic policy ({labels[reference]})",
                 fontsize=11)
    handles, names = loglog.get_legend_handles_labels()
    fig.legend(handles, names, ncols=2 if len(names) > 1 else 1, **_LEGEND_BELOW)
    name = save_figure(fig, out, f"policy_regret_env{env.index}")
    plt.close(fig)
    return name


def _idle_figure(plt, env, out, problem, labels):
    """Fraction of each policy's pulls at each capped idle time, with the fractions of an optimal
    fluid LP solution as black segments: grouped bars when they fit, else one panel per policy."""
    counts = env.result.metrics["pulls_by_idle"].sum(axis=(1, 2)).astype(float)  # (P, d_max)
    n_policies, d_max = counts.shape
    fractions = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    rates = np.asarray(problem.fluid.rates).sum(axis=0)
    lp = rates / rates.sum() if rates.sum() > 0 else None
    d = np.arange(1, d_max + 1)
    lp_label = "fluid LP optimum (one optimal solution)"
    grouped = d_max * n_policies <= 40
    if grouped:
        fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
        axes, width = [ax], 0.8 / n_policies
        handles = [ax.bar(d - 0.4 + width * (p + 0.5), fractions[p], width, label=label, color=policy_style(p, labels)["color"])
                   for p, label in enumerate(labels)]
    else:
        columns = min(4, n_policies)
        rows = math.ceil(n_policies / columns)
        fig, grid = plt.subplots(rows, columns, figsize=(10, 1.2 + 2.1 * rows), sharex=True, sharey=True,
                                 constrained_layout=True, squeeze=False)
        axes, handles = list(grid.flat), []
        for p, label in enumerate(labels):
            axes[p].bar(d, fractions[p], 0.8, color=policy_style(p, labels)["color"])
            axes[p].set_title(label.replace("(", "\n(", 1) if len(label) > 30 else label, fontsize=9)
        for p in range(n_policies, rows * columns):
            axes[p].set_visible(False)
        for p in range(n_policies):  # the lowest panel of each column shows the idle-time axis
            if p + columns >= n_policies:
                axes[p].tick_params(labelbottom=True)
                axes[p].set_xlabel("idle time d")
            if p % columns == 0:
                axes[p].set_ylabel("fraction of pulls")
    segments = None
    for ax in axes[: n_policies if not grouped else 1]:
        if lp is not None:  # a segment across each group of bars
            shown = lp > 0
            segments = ax.hlines(lp[shown], d[shown] - 0.45, d[shown] + 0.45, colors="black", linewidths=2,
                               label=lp_label)
        ax.grid(alpha=0.3, axis="y")
        ax.set_ylim(0, 1.05 * max(1e-9, fractions.max(), lp.max() if lp is not None else 0.0))
    if segments is not None:
        handles.append(segments)
    step = 1 if d_max <= 12 else math.ceil(d_max / 8)
    ticks = [k for k in d[::step] if d_max - k >= (step + 1) // 2] + [d_max]  # d_max labelled, no crowding
    axes[0].set_xticks(ticks, [f"≥{k}" if k == d_max else str(k) for k in ticks])
    if grouped:
        axes[0].set_xlabel(f"idle time d at the pull (capped at d_max = {d_max})")
        axes[0].set_ylabel("fraction of the policy's pulls")
        fig.suptitle(f"{env.name}: where pulls happen (all arms and replications)", fontsize=11)
    else:
        fig.suptitle(f"{env.name}: where pulls happen (all arms and replications)\nfraction of each policy's "
                     f"pulls at each idle time d, capped at d_max = {d_max}", fontsize=11)
    fig.legend(handles, [h.get_label() for h in handles], ncols=min(len(handles), 2), **_LEGEND_BELOW)
    name = save_figure(fig, out, f"idle_pulls_env{env.index}")
    plt.close(fig)
    return name


def recovering_report_section(env, out, config) -> ReportSection:
    """The recovering-rewards part of a report.

    Parameters
    ----------
    env : bandits.experiment.EnvironmentResults
        One environment's results (metrics ``expected_reward``, ``pulls_by_idle``,
        ``fluid_upper_bound`` of :class:`environments.recovering.loop.RecoveringLoop`).
    out : pathlib.Path
        The result directory (figures are saved there).
    config : dict
        The experiment configuration of the manifest.

    Returns
    -------
    ReportSection
        A table of average reward per period, its ratio to UB*, approximation regret and policy
        regret against the offline purely periodic policy at T (when the run has one), with rows
        for UB* and the periodic lower bounds; figures of policy regret (when the run has a
        purely periodic policy) and of pulls by idle time; notes on definitions and oracles.
    """
    import matplotlib  # matplotlib loads only when a report is written

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = env.result
    labels = list(result.policy_labels)
    horizon = result.horizon
    metrics = result.metrics
    problem = problem_class(env.name)(**env.params)
    ub = float(metrics["fluid_upper_bound"].flat[0]) if "fluid_upper_bound" in metrics else problem.fluid_upper_bound
    gamma = float(env.params.get("approximation_factor", 1.0))
    expected = metrics["expected_reward"]  # (P, R, J), cumulative
    oracle = [policy_class(entry["name"]).uses_oracle for entry in config["policies"]]
    reference = periodic_reference(config)
    difference = None if reference is None else expected[reference][None] - expected  # (P, R, J)

    header = ["policy", "reward per period (mean ± s.e.)", "ratio to UB*",
              f"regret vs {'' if gamma == 1 else f'{gamma:g}·'}UB* at T (mean ± s.e.)"]
    if reference is not None:
        header.append(f"policy regret vs {labels[reference]} at T (mean ± s.e.)")
    header.append("oracle")
    rows = []
    for p, label in enumerate(labels):
        average = expected[p, :, -1] / horizon
        row = [label, mean_se(average, 4, "f"), f"{average.mean() / ub:.3f}",
               _cell(result.cumulative_regret[p, :, -1], 1)]
        if reference is not None:
            row.append(_cell(difference[p, :, -1], 1))
        rows.append(row + ["oracle" if oracle[p] else ""])
    blank = [""] * (len(header) - 3)
    rows.append(["UB* (fluid LP upper bound)", f"{ub:.4f}", "1.000", *blank])
    for rounding in ("randomised", "deterministic"):
        bound = problem.periodic_lower_bound(rounding)
        rows.append([f"periodic lower bound, {rounding} rounding", f"{bound:.4f}", f"{bound / ub:.3f}", *blank])
    tables = [(f"Recovering rewards: averages over T = {horizon} periods", header, rows)]

    figures = []
    if reference is not None and len(labels) > 1:
        figures.append(_policy_regret_figure(plt, env, out, difference, reference, labels))
    figures.append(_idle_figure(plt, env, out, problem, labels))

    notes = [
        (f"Approximation regret (the regret curves above): sum over periods t <= T of (gamma·UB* − expected reward "
         f"of period t), with UB* = {ub:.4f} the fluid LP upper bound on the long-run average expected reward per "
         f"period (arXiv:2106.14813) and gamma = {gamma:g}. It can be negative early on, because every arm starts "
         "fully recovered and the first periods pay more than the long-run average allows."),
        ("The periodic lower bounds are the exact stationary expected reward per period of the purely periodic "
         "policy with random offsets (collisions resolved at random): a lower bound on its long-run average, in "
         "expectation over the offsets and, for randomised rounding, over the random periods."),
    ]
    if reference is not None:
        own = expected[reference, :, -1] / horizon
        if own.size < 2:
            spread = ""
        elif own.std(ddof=1) * horizon < 1.0:
            spread = (" Here its total varies across replications by less than one unit of reward, so the benchmark "
                      "adds no visible spread.")
        else:
            spread = (f" Here its reward per period ranges from {own.min():.4f} to {own.max():.4f} across the "
                      f"{own.size} replications (standard deviation {own.std(ddof=1):.4f}), so the standard error of "
                      f"policy regret at T is of order {own.std(ddof=1) * horizon / math.sqrt(own.size):.0f}; the "
                      "periodic lower bounds hold on average, not replication by replication.")
        notes.append(
            f"Policy regret: cumulative expected reward of the offline purely periodic policy ({labels[reference]}) "
            "minus that of the policy, paired by replication (both run on the same environment streams), then "
            "averaged; it is negative for a policy that earns more than that benchmark. The offline periodic policy "
            "draws its periods and offsets at random in every replication, so its own reward per period varies "
            f"across replications and the paired difference has a spread that grows linearly in T.{spread} The "
            "log-log exponents are local least-squares slopes over the last decade of record points, measured "
            "within one run; they describe the curves only; the dashed T^0.5 line is a guide to the eye."
        )
    notes.append("Pulls by idle time: fraction of each policy's pulls made at each capped idle time d, summed over "
                 "arms and replications; a policy blind to idle times pulls its favourite arms at d = 1 again and "
                 "again. Black segments: the fractions of one optimal fluid LP solution (none where it is 0).")
    names = [labels[p] for p in range(len(labels)) if oracle[p]]
    if names:
        notes.append(f"ORACLE INFORMATION: {', '.join(names)} read(s) the true mean reward table; a learner does not "
                     "have it (offline baselines).")
    return ReportSection(figures=figures, tables=tables, notes=notes)
