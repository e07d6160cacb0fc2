"""Regret reports from a result directory: figures (PNG and SVG), a Markdown summary and a
self-contained HTML page.

Per environment:

- ``regret_env<i>``: mean cumulative pseudo-regret against t with a 95% confidence band
  (mean ± 1.96 standard errors across replications);
- ``loglog_env<i>``: the same on log-log axes, with the least-squares slope of log(mean regret) on
  log t over the last decade of record points in the legend (≈ 0 for log T growth, 1/2 for
  sqrt(T), 2/3 for T^(2/3), 1 for linear);
- ``final_env<i>``: box plot of the final regret per policy;
- a table of final regret: mean ± standard error, median, and kernel wall time per policy.

Colours come from the Okabe–Ito colour-blind-safe palette; a policy has the same colour in every
figure (assigned by its position in the configuration).
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

import numpy as np

from bandits.experiment import _atomic_write_bytes, load_results

__all__ = ["write_report", "OKABE_ITO", "loglog_slope"]

#: Okabe & Ito (2008) colour-blind-safe palette (black last).
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
_LINESTYLES = ["-", "--", "-.", ":"]


def loglog_slope(record_points, mean_regret, *, decades: float = 1.0) -> float:
    """Least-squares slope of log(mean regret) on log t over the last ``decades`` of record points
    (points with zero regret are skipped); NaN when fewer than two usable points."""
    t = np.asarray(record_points, dtype=float)
    y = np.asarray(mean_regret, dtype=float)
    keep = (t >= t[-1] / 10**decades) & (y > 0)
    if keep.sum() < 2:
        return math.nan
    return float(np.polyfit(np.log(t[keep]), np.log(y[keep]), 1)[0])


def _style(index):
    return {"color": OKABE_ITO[index % len(OKABE_ITO)], "linestyle": _LINESTYLES[(index // len(OKABE_ITO)) % 4]}


def _summary_rows(result):
    final = result.final_regret
    n = final.shape[1]
    rows = []
    for p, label in enumerate(result.policy_labels):
        se = final[p].std(ddof=1) / math.sqrt(n) if n > 1 else math.nan
        rows.append((label, final[p].mean(), se, float(np.median(final[p])), float(result.wall_time[p])))
    return rows


def _figures(result, title, stem, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result.record_points
    regret = result.cumulative_regret
    n = regret.shape[1]
    written = []

    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    for p, label in enumerate(result.policy_labels):
        mean = regret[p].mean(axis=0)
        half = 1.96 * regret[p].std(axis=0, ddof=1) / math.sqrt(n) if n > 1 else np.zeros_like(mean)
        style = _style(p)
        ax.plot(t, mean, label=label, **style)
        ax.fill_between(t, mean - half, mean + half, color=style["color"], alpha=0.2, linewidth=0)
    ax.set_xlabel("time step t")
    ax.set_ylabel("cumulative pseudo-regret")
    ax.set_title(f"{title}: mean regret, 95% confidence band ({n} replications)")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    written.append(_save(fig, out, f"regret_{stem}"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    for p, label in enumerate(result.policy_labels):
        mean = regret[p].mean(axis=0)
        slope = loglog_slope(t, mean)
        positive = mean > 0
        ax.loglog(t[positive], mean[positive], label=f"{label} (slope {slope:.2f})", **_style(p))
    ax.set_xlabel("time step t (log)")
    ax.set_ylabel("mean cumulative regret (log)")
    ax.set_title(f"{title}: log-log, slope fitted over the last decade")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3, which="both")
    written.append(_save(fig, out, f"loglog_{stem}"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    box = ax.boxplot([result.final_regret[p] for p in range(len(result.policy_labels))], patch_artist=True)
    for p, patch in enumerate(box["boxes"]):
        patch.set_facecolor(_style(p)["color"])
        patch.set_alpha(0.6)
    ax.set_xticks(range(1, len(result.policy_labels) + 1), result.policy_labels, rotation=20, ha="right")
    ax.set_ylabel(f"regret at T = {int(t[-1])}")
    ax.set_title(f"{title}: final regret across replications")
    ax.grid(alpha=0.3, axis="y")
    written.append(_save(fig, out, f"final_{stem}"))
    plt.close(fig)
    return written


def _save(fig, out, name):
    import io

    for extension in ("png", "svg"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=extension, dpi=130)
        _atomic_write_bytes(out / f"{name}.{extension}", buffer.getvalue())
    return name


def write_report(out) -> Path:
    """Write figures, ``report.md`` and ``report.html`` into result directory ``out``; return the
    path of ``report.md``."""
    out = Path(out)
    results = load_results(out)
    config = results["manifest"]["config"]
    markdown = [f"# {config['name']}: regret report", ""]
    markdown.append(
        f"Horizon T = {config['horizon']}, {config['n_replications']} replications, root seed {config['seed']}. "
        "Regret is the exact cumulative pseudo-regret sum_t (mu* - mu_(a_t)); bands and ± are 95% / one "
        "standard error across replications."
    )
    markdown.append("")
    html_parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(config['name'])}: regret report</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 8px;text-align:right}"
        "td:first-child{text-align:left}img{max-width:100%}</style></head><body>",
        f"<h1>{html.escape(config['name'])}: regret report</h1><p>{html.escape(markdown[2])}</p>",
    ]
    missing = len(results["incomplete"])
    if missing:
        note = f"{missing} environment(s) not computed yet; run the experiment again to complete it."
        markdown += [f"**Incomplete:** {note}", ""]
        html_parts.append(f"<p><b>Incomplete:</b> {html.escape(note)}</p>")
    for env in results["environments"]:
        stem = f"env{env.index}"
        params = ", ".join(f"{k}={v}" for k, v in env.params.items())
        title = env.name
        heading = f"{title} ({params})" if params else title
        names = _figures(env.result, title, stem, out)
        rows = _summary_rows(env.result)
        markdown += [f"## {heading}", ""]
        markdown += [f"![{name}]({name}.png)" for name in names]
        markdown += ["", "| policy | final regret (mean ± s.e.) | median | kernel time (s) |", "|---|---|---|---|"]
        markdown += [f"| {label} | {mean:.2f} ± {se:.2f} | {median:.2f} | {wall:.3f} |" for label, mean, se, median, wall in rows]
        markdown.append("")
        html_parts.append(f"<h2>{html.escape(heading)}</h2>")
        for name in names:
            encoded = base64.b64encode((out / f"{name}.png").read_bytes()).decode()
            html_parts.append(f"<p><img alt='{name}' src='data:image/png;base64,{encoded}'></p>")
        html_parts.append("<table><tr><th>policy</th><th>final regret (mean ± s.e.)</th><th>median</th><th>kernel time (s)</th></tr>")
        html_parts += [
            f"<tr><td>{html.escape(label)}</td><td>{mean:.2f} ± {se:.2f}</td><td>{median:.2f}</td><td>{wall:.3f}</td></tr>"
            for label, mean, se, median, wall in rows
        ]
        html_parts.append("</table>")
    html_parts.append("</body></html>")
    _atomic_write_bytes(out / "report.md", "\n".join(markdown).encode())
    _atomic_write_bytes(out / "report.html", "\n".join(html_parts).encode())
    return out / "report.md"
