"""The streaming part of a report, and the analyses of single-pass streaming bandits that run
experiments (Chen Wang, ICML 2023, arXiv:2306.02208).

- :func:`streaming_report_section` (named by the setting registry): regret relative to uniform
  exploration, both regret accountings, memory;
- :func:`relative_regret`: per-replication ratios to uniform exploration;
- :func:`normalised_regret`: final regret over ``K^(1/3) T^(2/3)`` for several horizons (one
  :func:`bandits.runner.run` per horizon);
- :func:`log_log_horizon_slope`: the slope of that ratio on ``ln ln T`` (1/3 for uniform
  exploration, 0 for an algorithm with the optimal rate).
"""

from __future__ import annotations

import math

import numpy as np

from bandits.core.registry import policy_class
from bandits.core.validation import ParameterError, check_integer
from bandits.report.sections import (
    OKABE_ITO,
    ReportSection,
    format_count,
    legend_below,
    mean_se,
    policy_style,
    save_figure,
)
from bandits.runner import run
from environments.streaming import MAX_COUNT, StreamingBandit

__all__ = ["streaming_report_section", "relative_regret", "normalised_regret", "log_log_horizon_slope"]

#: Markers of the memory figure: points of two policies at one memory stay apart.
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def _policies_of(config):
    """The policies of an experiment's manifest, rebuilt from their registry names and
    hyper-parameters, so that the report reads their attributes (``is_regret_baseline``,
    ``uses_oracle_gap``, ``paper_accounting``) rather than matching names."""
    return [
        policy_class(entry["name"])(**{k: v for k, v in entry.items() if k != "name"})
        for entry in config["policies"]
    ]


def relative_regret(final, baseline):
    """Per-replication ratios ``final / baseline`` (NaN where the baseline is 0): the regret of
    a policy relative to uniform exploration on the same instance and stream order."""
    final = np.asarray(final, dtype=np.float64)
    baseline = np.asarray(baseline, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(baseline > 0, final / np.where(baseline > 0, baseline, 1.0), np.nan)


def normalised_regret(problem, policies, horizons, *, n_replications, seed, n_jobs=1):
    """Final regret divided by ``K^(1/3) T^(2/3)`` (the rate of the lower bound
    ``Omega(K^(1/3) T^(2/3))`` for o(K)-memory algorithms, arXiv:2306.02208) for each horizon
    ``T`` in ``horizons``: one :func:`bandits.runner.run` per horizon (the algorithms'
    epsilon = (K / T)^(1/3) depends on T), same ``seed`` for every horizon, so instances and
    arrival orders are shared. Returns ``(mean, se)``, arrays of shape (policies, horizons), over
    replications (per-replication ratios; the exact accounting, or the official one for policies
    with ``paper_accounting=True``, as in the regret curves)."""
    horizons = [check_integer(f"horizons[{j}]", T, low=2, high=MAX_COUNT) for j, T in enumerate(horizons)]
    if len(horizons) < 1:
        raise ParameterError("horizons", [], "must hold at least one horizon")
    mean = np.empty((len(policies), len(horizons)))
    se = np.empty_like(mean)
    for j, T in enumerate(horizons):
        result = run(problem, policies, horizon=T, n_replications=n_replications, seed=seed, n_jobs=n_jobs)
        ratio = result.final_regret / problem.regret_rate({"n_arms": problem.n_arms}, T)
        mean[:, j] = ratio.mean(axis=1)
        se[:, j] = ratio.std(axis=1, ddof=1) / math.sqrt(n_replications) if n_replications > 1 else math.nan
    return mean, se


def log_log_horizon_slope(horizons, mean, se):
    """Weighted least-squares slope of ``ln mean`` against ``ln ln T`` and its standard error
    (weights ``mean / se``, the delta-method standard errors of ``ln mean``). Regret growing like
    ``K^(1/3) T^(2/3) (ln T)^a`` gives slope ``a``: 1/3 for uniform exploration (its bound
    ``O(K^(1/3) T^(2/3) log^(1/3) T)``), 0 for the optimal algorithms."""
    x = np.log(np.log(np.asarray(horizons, dtype=float)))
    mean = np.asarray(mean, dtype=float)
    se = np.asarray(se, dtype=float)
    if x.size < 3 or np.any(mean <= 0) or np.any(~(se > 0)):
        raise ValueError(f"mean, se: need >= 3 horizons with positive means and standard errors, got {mean}, {se}")
    coefficients, covariance = np.polyfit(x, np.log(mean), 1, w=mean / se, cov="unscaled")
    return float(coefficients[0]), float(math.sqrt(covariance[0, 0]))


def _marker_style(p, labels, policies) -> dict:
    """The policy's colour (:func:`~bandits.report.sections.policy_styles`: one per algorithm),
    a marker per algorithm, filled under the exact accounting and open under the official one
    (``paper_accounting=True``), so that points of two policies at one place stay apart."""
    colour = policy_style(p, labels)["color"]
    marker = _MARKERS[OKABE_ITO.index(colour) % len(_MARKERS)] if colour in OKABE_ITO else "o"
    return {"fmt": marker, "color": colour, "markeredgewidth": 1.5,
            "markerfacecolor": "white" if policies[p].paper_accounting else colour}


def _cell_text(env) -> str:
    """The environment in a figure title: its arm setting, K and T (the cells of a sweep differ
    there)."""
    arms = env.params.get("arms", StreamingBandit.arms)
    n_arms = env.params.get("n_arms") or len(env.params.get("means") or ())
    return f"{arms}, K = {n_arms:,}, T = {format_count(env.result.horizon)}"


def _ratio_figure(plt, env, out, final, labels, baseline, policies):
    """The setting's headline figure: every policy's regret relative to uniform exploration,
    the mean of per-replication ratios with its 95% confidence interval (1.96 standard errors),
    one row per policy; a logarithmic axis when the ratios span more than a factor of 10."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    rows = [p for p in range(len(labels)) if p != baseline]
    fig, ax = plt.subplots(figsize=(7.5, max(3.0, 0.36 * len(rows) + 1.8)), constrained_layout=True)
    estimates = []
    for y, p in enumerate(rows):
        ratios = relative_regret(final[p], final[baseline])
        ratios = ratios[np.isfinite(ratios)]
        if ratios.size == 0:
            continue
        mean = float(ratios.mean())
        half = 1.96 * float(ratios.std(ddof=1)) / math.sqrt(ratios.size) if ratios.size > 1 else 0.0
        estimates.append(mean)
        ax.errorbar([mean], [y], xerr=[[half], [half]], capsize=4, markersize=6, **_marker_style(p, labels, policies))
    ax.axvline(1.0, color="black", linestyle=":", linewidth=1.2)
    ax.margins(x=0.08)
    ax.set_yticks(range(len(rows)), [labels[p] for p in rows], fontsize=8)
    ax.invert_yaxis()  # the first policy on top, as in the legends
    positive = [e for e in estimates if e > 0]
    if positive and max(positive + [1.0]) / min(positive + [1.0]) > 10:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))  # 0.2, 0.5, 1, 2, 5
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(f"regret / regret of {labels[baseline]}\n(in the same replication; mean and 95% CI)")
    ax.grid(alpha=0.3, axis="x", which="both")
    n = final.shape[1]
    fig.suptitle(f"{_cell_text(env)}: regret relative to uniform exploration\n(dotted line: equal regret; "
                 f"{n} replications)",
                 fontsize=10)
    name = save_figure(fig, out, f"ratio_env{env.index}")
    plt.close(fig)
    return name


def streaming_report_section(env, out, config):
    """The streaming part of a report: per policy, final regret relative to uniform exploration
    (mean ± standard error and median of per-replication ratios, and the ratio of means), the
    regret under both accountings, peak memory, exploration pulls and how often the committed
    arm was the best; the headline figure of regret relative to uniform exploration with 95%
    intervals, and a figure of regret against peak memory; notes on oracle information."""
    import matplotlib  # matplotlib loads only when a report is written

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = env.result
    metrics = result.metrics
    labels = result.policy_labels
    policies = _policies_of(config)
    final = result.final_regret
    baseline = next((p for p, policy in enumerate(policies) if policy.is_regret_baseline), None)
    rows = []
    for p, label in enumerate(labels):
        row = [label]
        if baseline is not None:
            ratios = relative_regret(final[p], final[baseline])
            ratios = ratios[np.isfinite(ratios)]
            ratio_of_means = final[p].mean() / final[baseline].mean() if final[baseline].mean() > 0 else math.nan
            row += [mean_se(ratios) if ratios.size else "n/a", f"{np.median(ratios):.3g}" if ratios.size else "n/a",
                    f"{ratio_of_means:.3g}"]
        row += [
            mean_se(metrics["exact_regret"][p], 4),
            mean_se(metrics["official_regret"][p], 4),
            f"{int(metrics['peak_memory'][p].max())}",
            f"{metrics['exploration_pulls'][p].mean():.3g}",
            f"{np.mean(metrics['committed_gap'][p] == 0.0):.2f}",
        ]
        rows.append(row)
    header = ["policy"]
    if baseline is not None:
        header += ["regret / U (mean ± s.e.)", "median ratio", "ratio of means"]
    header += ["exact regret", "official-accounting regret", "peak memory", "exploration pulls",
               "committed the best arm (fraction)"]

    figures = []
    if baseline is not None:
        figures.append(_ratio_figure(plt, env, out, final, labels, baseline, policies))
    # taller with a long legend below, so that the axes keep their height
    fig, ax = plt.subplots(figsize=(7, 4.5 + 0.22 * max(0, len(labels) - 6)), constrained_layout=True)
    n = final.shape[1]
    means = final.mean(axis=1)
    if np.all(means > 0) and means.max() / means.min() > 10:
        ax.set_yscale("log")  # regrets an order of magnitude apart
    ax.xaxis.get_major_locator().set_params(integer=True)  # memory counts slots
    for p, label in enumerate(labels):
        memory = metrics["peak_memory"][p].max()
        half = 1.96 * final[p].std(ddof=1) / math.sqrt(n) if n > 1 else 0.0
        ax.errorbar([memory], [final[p].mean()], yerr=[half], capsize=4, label=label, **_marker_style(p, labels, policies))
    ax.set_xlabel("peak arm memory (slots, arriving arm included)")
    ax.set_ylabel("final regret (mean, 95% CI)" + (" (log)" if ax.get_yscale() == "log" else ""))
    ax.set_title(f"{_cell_text(env)}: regret against memory", fontsize=11)
    legend_below(fig, ax)  # outside the axes: never over a point
    ax.grid(alpha=0.3, which="both")
    figures.append(save_figure(fig, out, f"memory_env{env.index}"))
    plt.close(fig)

    paper = [labels[p] for p, policy in enumerate(policies) if policy.paper_accounting]
    notes = [
        "Regret curves: exact pseudo-regret (every pull charged at the pulled arm's mean), except for policies "
        "with paper_accounting=True, whose curves follow the official code's charging (challengers of the level "
        "algorithms charged at their champion's mean). Both final values are tabulated for every policy, on the same "
        "trajectories." + (f" Official accounting in the curves: {', '.join(paper)}." if paper else ""),
        "Ratios to uniform exploration (U) are per replication (same instance and arrival order), then averaged.",
    ]
    oracle = [labels[p] for p, policy in enumerate(policies) if policy.uses_oracle_gap]
    if oracle:
        notes.append(
            f"ORACLE INFORMATION: {', '.join(oracle)} use(s) the true best/second-best gap of each instance "
            "(as the official Game-of-Arms code does); a learner does not have it."
        )
    return ReportSection(figures=figures, tables=[("Streaming metrics", header, rows)], notes=notes)
