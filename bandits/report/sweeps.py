"""The sweep part of a report: for an experiment whose entries carry sweeps
(:mod:`bandits.experiment.sweeps`), the final metric of every cell against each swept parameter.

Figures
-------
* For every parameter swept in an environment entry (``n_arms``, ``memory``, ``horizon``, ...):
  the final regret (mean over replications with its 95% confidence interval, 1.96 standard
  errors) against the parameter's values, one line per policy. When the entry sweeps other
  parameters too, one panel per combination of their values.
* For every parameter swept in a policy entry (KL-UCB's ``c``, ...): the same against the
  policy's parameter, one line per environment.
* The x axis is logarithmic when the grid is geometric (:func:`bandits.experiment.sweeps.
  is_geometric`), the y axis when the values span more than a factor of 10.

A problem class with a ``regret_rate(params, horizon)`` classmethod (and its
``regret_rate_label``) has its final regret divided by that rate plotted too: streaming's
``K^(1/3) T^(2/3)``, the rate of its lower bound, on which an algorithm with the optimal rate
draws a flat line across horizons.

When a policy of the experiment is its setting's regret baseline (a policy class with
``is_regret_baseline``, streaming uniform exploration), the ratio of every policy's final
regret to the baseline's in the same replication is plotted too (mean and 1.96 standard errors,
over the replications where the baseline's regret is positive).

A problem class may name more per-replication metrics to plot the same way in a ClassVar
``sweep_metrics``: ``(metric, label, kind)`` triples, ``kind`` ``"probability"`` for a 0/1
metric (its mean with the 95% Wilson interval, e.g. the error probability of best-arm
identification) or ``"mean"`` (mean and 1.96 standard errors).

Table: one row per (environment cell, policy) with its swept values and final regret.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np

from bandits.core.intervals import wilson_interval
from bandits.core.registry import policy_class, problem_class
from bandits.experiment.sweeps import is_geometric
from bandits.report.sections import (
    ReportSection,
    format_count,
    legend_below,
    marker_face,
    policy_style,
    save_figure,
)

__all__ = ["MAX_PANELS", "final_metric_estimates", "sweep_section"]

#: Panels per figure at most (a figure per swept parameter; one panel per combination of the
#: other swept values); further combinations are listed in the table only.
MAX_PANELS = 6


def _final_regret(env, policy):
    return env.result.final_regret[policy]


def final_metric_estimates(values, kind: str = "mean") -> tuple[float, float, float]:
    """``(estimate, low, high)`` of a per-replication metric: the mean with 1.96 standard errors
    (``kind="mean"``), or the proportion of ones with the 95% Wilson interval
    (``kind="probability"``)."""
    values = np.asarray(values, dtype=np.float64)
    n = values.size
    if n == 0:
        return math.nan, math.nan, math.nan
    if kind == "probability":
        successes = round(float(values.sum()))
        low, high = wilson_interval(successes, n)
        return successes / n, low, high
    mean = float(values.mean())
    half = 1.96 * float(values.std(ddof=1)) / math.sqrt(n) if n > 1 else 0.0
    return mean, mean - half, mean + half


def _baseline(config) -> int | None:
    """Position of the first policy whose class is the setting's regret baseline
    (``is_regret_baseline``, e.g. streaming uniform exploration), or None."""
    for p, entry in enumerate(config["policies"]):
        if getattr(policy_class(entry["name"]), "is_regret_baseline", False):
            return p
    return None


def _ratio_to(baseline):
    def ratio(env, p):
        final = env.result.final_regret
        keep = final[baseline] > 0
        return final[p][keep] / final[baseline][keep]

    return ratio


def _metrics(environments, config):
    """(label, getter, kind) of every metric to plot: the final regret, its ratio to the
    baseline policy's in the same replication (when a policy is the setting's regret baseline),
    then the problem classes' ``sweep_metrics``."""
    regret_label = getattr(problem_class(environments[0].name), "regret_label", "cumulative pseudo-regret")
    found = [(f"final {regret_label}", _final_regret, "mean")]
    baseline = _baseline(config)
    if baseline is not None:
        name = environments[0].result.policy_labels[baseline]
        found.append((f"regret relative to {name}", _ratio_to(baseline), "mean"))
    problem = problem_class(environments[0].name)
    # regret over the rate of the setting's lower bound, when every environment's class has one
    if all(hasattr(problem_class(env.name), "regret_rate") for env in environments):
        found.append((f"regret / {problem.regret_rate_label}",
                      lambda env, p: env.result.final_regret[p] / problem_class(env.name).regret_rate(
                          env.params, env.result.horizon), "mean"))
    seen = set()
    for env in environments:
        for metric, label, kind in getattr(problem_class(env.name), "sweep_metrics", ()):
            if metric in seen or metric not in env.result.metrics:
                continue
            seen.add(metric)
            found.append((label, lambda env, p, metric=metric: env.result.metrics[metric][p].reshape(
                env.result.metrics[metric].shape[1], -1)[:, -1], kind))
    return found


def _axis_values(values):
    """Numeric x positions for swept values (numbers as they are; other values by position) and
    tick labels for the non-numeric case (None when numeric)."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return [float(v) for v in values], None
    distinct = list(dict.fromkeys(map(repr, values)))
    return [float(distinct.index(repr(v))) for v in values], distinct


def _tick_text(value: float) -> str:
    """A tick label for people: 0.125, 2, 5,000 as they are; 10^12 and 2.5 x 10^12 as powers of
    ten (matplotlib's mathtext), never 1e+12."""
    if abs(value) < 1e5:
        return f"{value:g}" if abs(value) < 1000 else f"{value:,.0f}"
    mantissa, exponent = f"{value:.3e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    power = f"10^{{{int(exponent)}}}"
    return f"${power}$" if mantissa == "1" else f"${mantissa}\\times {power}$"


def _plot_panel(ax, lines, parameter, metric_label, x_log, references=()):
    """``lines``: (label, style, [(x value, estimate, low, high)]) -> errorbar lines;
    ``references``: (label, style, (estimate, low, high)) -> horizontal lines with their band."""
    for label, style, (estimate, low, high) in references:
        ax.axhline(estimate, label=label, color=style["color"], linestyle=":", linewidth=1.5)
        ax.axhspan(low, high, color=style["color"], alpha=0.12, linewidth=0)
    all_x = [x for _, _, points in lines for x, *_ in points]
    positions, ticks = _axis_values(all_x)
    lookup = dict(zip(map(repr, all_x), positions))
    estimates = [estimate for _, _, (estimate, _, _) in references]
    for i, (label, style, points) in enumerate(lines):
        points = sorted(points, key=lambda point: lookup[repr(point[0])])
        xs = [lookup[repr(x)] for x, *_ in points]
        if ticks is not None and len(lines) > 1:  # categories: lines side by side around each category
            xs = [x + 0.5 * (i / (len(lines) - 1) - 0.5) for x in xs]
        ys = np.array([estimate for _, estimate, _, _ in points])
        lows = np.array([low for _, _, low, _ in points])
        highs = np.array([high for _, _, _, high in points])
        estimates += list(ys)
        face = marker_face(style)  # variants open: told apart on categorical axes too
        if ticks is not None:  # categories: points, no line between them
            style = {**style, "linestyle": "none"}
        ax.errorbar(xs, ys, yerr=[ys - lows, highs - ys], label=label, marker="o", markersize=4, capsize=3,
                    markerfacecolor=face, **style)
    if ticks is not None:
        ax.set_xticks(range(len(ticks)), [tick.strip("'\"") for tick in ticks])
        ax.margins(x=0.15)
    elif x_log:  # the grid's own values as ticks, written plainly (0.125, 0.25, ...; 2, 5, 10, ...)
        from matplotlib.ticker import NullFormatter

        ax.set_xscale("log")
        grid = sorted(set(positions))
        ax.set_xticks(grid, [_tick_text(v) for v in grid])
        ax.xaxis.set_minor_formatter(NullFormatter())
    positive = [y for y in estimates if y > 0]
    if positive and len(positive) == len(estimates) and max(positive) / min(positive) > 10:
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        ax.set_yscale("log")
        # 0.2, 0.5, 1, 2 over a few decades, powers of ten over more; labels as _tick_text writes them
        subs = (1.0, 2.0, 5.0) if max(positive) / min(positive) < 1e3 else (1.0,)
        ax.yaxis.set_major_locator(LogLocator(subs=subs))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick_text(v)))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(parameter + (" (log)" if x_log and ticks is None else ""))
    ax.set_ylabel("\n".join(textwrap.wrap(metric_label, 34)))  # long labels in two lines: never past the axes
    ax.grid(alpha=0.3, which="both")


def _figure(out, name, title, panels, parameter, metric_label, x_log):
    """One figure of up to MAX_PANELS panels: ``panels`` is [(panel title, lines)]."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = panels[:MAX_PANELS]
    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns + 1.0, 3.4 * rows + 1.2), squeeze=False,
                             constrained_layout=True)
    for ax, (panel_title, lines, *references) in zip(axes.flat, panels):
        _plot_panel(ax, lines, parameter, metric_label, x_log, references[0] if references else ())
        if panel_title:
            ax.set_title(panel_title, fontsize=10)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.suptitle("\n".join(textwrap.wrap(title, width=int(11 * fig.get_figwidth()))), fontsize=11)
    legend_below(fig, axes.flat[0])
    save_figure(fig, out, name)
    plt.close(fig)
    return name


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _environment_text(env, width: int = 48) -> str:
    """A panel title for an environment: its name and parameters, shortened to ``width``."""
    params = ", ".join(f"{k}={v}" for k, v in {**env.params, **env.swept}.items())
    return _short(f"{env.name} ({params})" if params else env.name, width)


def _format_swept(value) -> str:
    """A swept value for people: floats in short form (0.125, 1e-05), large integers as powers
    of ten (10^12, 1.25 × 10^17, :func:`~bandits.report.sections.format_count`)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**6:
        return format_count(value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _values_text(values: dict) -> str:
    return ", ".join(f"{k}={_format_swept(v)}" for k, v in values.items())


def _axis_text(axis) -> str:
    """The x label of a sweep axis: its first key, and the keys zipped with it."""
    return axis[0] + (f", paired with {', '.join(axis[1:])}" if len(axis) > 1 else "")


def sweep_section(results: dict, out) -> ReportSection | None:
    """Figures and the table of a swept experiment (None when nothing is swept)."""
    environments = results["environments"]
    layout = results["manifest"]["layout"]
    policy_cells = [(int(item["entry"]), dict(item["swept"])) for item in layout.get("policies", [])]
    environment_keys = list(dict.fromkeys(k for env in environments for k in env.swept))
    stored = layout.get("environments") or []
    axes_of = {env.index: [tuple(axis) for axis in stored[env.index].get("axes", [[k] for k in env.swept])]
               if env.index < len(stored) else [(k,) for k in env.swept] for env in environments}
    environment_axes = list(dict.fromkeys(axis for env in environments for axis in axes_of[env.index]))
    origin_of = {env.index: int(stored[env.index].get("entry", 0)) if env.index < len(stored) else 0
                 for env in environments}
    if not environments or (not environment_keys and not any(swept for _, swept in policy_cells)):
        return None
    labels = environments[0].result.policy_labels
    section = ReportSection()
    n = environments[0].result.final_regret.shape[1]
    section.notes.append(
        f"Sweep: each point is a cell of the sweep, the mean over {n} replications with its 95% confidence "
        "interval (1.96 standard errors; Wilson intervals for probabilities); axes are logarithmic where the "
        "grid is geometric.")
    metrics = _metrics(environments, results["manifest"]["config"])
    for m, (metric_label, getter, kind) in enumerate(metrics):
        # environment parameters: one figure per axis of a sweep (a key, or keys zipped
        # together), one line per policy, one panel per combination of the other axes' values
        for axis in environment_axes:
            key = axis[0]
            cells = [env for env in environments if axis in axes_of[env.index]]
            origins = {origin_of[env.index] for env in cells}
            groups = {}  # one panel per entry of the file and combination of the other axes' values
            for env in cells:
                others = {k: v for k, v in env.swept.items() if k not in axis}
                title = _values_text(others)
                if len(origins) > 1:  # name the entry: its name and fixed parameters
                    fixed = {k: v for k, v in env.params.items() if k not in env.swept}
                    title = ", ".join(filter(None, [_short(f"{env.name} ({_values_text(fixed)})" if fixed
                                                            else env.name), title]))
                groups.setdefault((origin_of[env.index], repr(others)), (title, []))[1].append(env)
            panels = []
            for title, members in groups.values():
                lines = [(label, policy_style(p, labels),
                          [(env.swept[key], *final_metric_estimates(getter(env, p), kind)) for env in members])
                         for p, label in enumerate(labels)]
                panels.append((title, lines))
            x_log = is_geometric([env.swept[key] for env in cells])
            section.figures.append(_figure(out, f"sweep_{'_'.join(axis)}_{m}", f"{metric_label} against "
                                           f"{_axis_text(axis)}", panels, _axis_text(axis), metric_label, x_log))
        # policy parameters: one panel per environment with the swept policy's line and the
        # other policies as reference lines; one figure per policy entry and parameter
        for origin in dict.fromkeys(o for o, swept in policy_cells if swept):
            members = [(p, swept) for p, (o, swept) in enumerate(policy_cells) if o == origin]
            others = [p for p, (o, _) in enumerate(policy_cells) if o != origin]
            name = labels[members[0][0]].split("(")[0]
            policy_axes = layout.get("policies") or []
            axes = list(dict.fromkeys(tuple(axis) for p, _ in members
                                      for axis in (policy_axes[p].get("axes") if p < len(policy_axes) else None)
                                      or [[k] for k in policy_cells[p][1]]))
            for axis in axes:
                key = axis[0]
                panels = []
                for env in environments:
                    line = (name, policy_style(members[0][0], labels),  # the algorithm's colour
                            [(swept[key], *final_metric_estimates(getter(env, p), kind)) for p, swept in members
                             if key in swept])
                    references = [(labels[p], policy_style(p, labels),
                                   final_metric_estimates(getter(env, p), kind)) for p in others]
                    panels.append((_environment_text(env), [line], references))
                x_log = is_geometric([swept[key] for _, swept in members if key in swept])
                section.figures.append(_figure(out, f"sweep_policy{origin}_{'_'.join(axis)}_{m}",
                                               f"{metric_label} of {name} against {_axis_text(axis)}",
                                               panels, _axis_text(axis), metric_label, x_log))
    swept_columns = environment_keys + list(dict.fromkeys(k for _, swept in policy_cells for k in swept))
    rows = []
    for env in environments:
        for p, label in enumerate(labels):
            values = {**env.swept, **policy_cells[p][1]} if policy_cells else dict(env.swept)
            estimate, low, high = final_metric_estimates(env.result.final_regret[p])
            rows.append([env.name, *[_format_swept(values[k]) if k in values else "" for k in swept_columns], label,
                         f"{estimate:,.2f} [{low:,.2f}, {high:,.2f}]"])
    section.tables.append(("Final regret of every cell (mean, 95% confidence interval)",
                           ["environment", *swept_columns, "policy", "final regret"], rows))
    return section
