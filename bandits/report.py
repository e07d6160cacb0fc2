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
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bandits.experiment import _atomic_write_bytes, load_results

__all__ = [
    "write_report",
    "OKABE_ITO",
    "loglog_slope",
    "ReportSection",
    "register_report_extension",
    "REPORT_EXTENSIONS",
]

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


@dataclass
class ReportSection:
    """What a report extension adds for one environment.

    Attributes
    ----------
    figures : list of str
        Names of figures the extension saved with :func:`save_figure` (PNG and SVG in the
        result directory).
    tables : list of (title, header, rows)
        Markdown/HTML tables: ``header`` a list of column titles, ``rows`` lists of cells.
    notes : list of str
        Paragraphs (e.g. "Game-of-Arms uses the true gap: oracle information").
    """

    figures: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    notes: list = field(default_factory=list)


#: setting name (e.g. "BernoulliBandit", "StreamingBandit") -> report extensions. An extension is
#: ``f(environment_results, out_dir, config) -> ReportSection`` and is called for every
#: environment of that setting, after the common regret figures.
REPORT_EXTENSIONS: dict = {}


def register_report_extension(setting: str, extension) -> None:
    """Add ``extension`` to the report of every environment of ``setting`` (idempotent)."""
    extensions = REPORT_EXTENSIONS.setdefault(setting, [])
    if extension not in extensions:
        extensions.append(extension)


def _theory_text(exponent):
    if exponent is None:
        return ""
    if exponent == 0:
        return "; theory log T"
    return f"; theory T^{exponent:.2g}"


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


def _figures(result, title, stem, out, exponents, unit="time step", regret_label="cumulative pseudo-regret"):
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
    ax.set_xlabel(unit)
    ax.set_ylabel(regret_label)
    ax.set_title(f"{title}\nmean regret, 95% confidence band ({n} replications)", fontsize=11)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    written.append(save_figure(fig, out, f"regret_{stem}"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    for p, label in enumerate(result.policy_labels):
        mean = regret[p].mean(axis=0)
        slope = loglog_slope(t, mean)
        positive = mean > 0
        ax.loglog(
            t[positive], mean[positive], label=f"{label} (slope {slope:.2f}{_theory_text(exponents[p])})", **_style(p)
        )
    ax.set_xlabel(f"{unit} (log)")
    ax.set_ylabel(f"mean {regret_label} (log)")
    ax.set_title(f"{title}\nlog-log, slope fitted over the last decade", fontsize=11)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3, which="both")
    written.append(save_figure(fig, out, f"loglog_{stem}"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    box = ax.boxplot([result.final_regret[p] for p in range(len(result.policy_labels))], patch_artist=True)
    for p, patch in enumerate(box["boxes"]):
        patch.set_facecolor(_style(p)["color"])
        patch.set_alpha(0.6)
    ax.set_xticks(range(1, len(result.policy_labels) + 1), result.policy_labels, rotation=20, ha="right")
    ax.set_ylabel(f"regret at T = {int(t[-1])}")
    ax.set_title(f"{title}\nfinal regret across replications", fontsize=11)
    ax.grid(alpha=0.3, axis="y")
    written.append(save_figure(fig, out, f"final_{stem}"))
    plt.close(fig)
    return written


def save_figure(fig, out, name) -> str:
    """Save a matplotlib figure as ``name.png`` and ``name.svg`` in ``out`` (atomically); return
    ``name``."""
    for extension in ("png", "svg"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=extension, dpi=130)
        _atomic_write_bytes(out / f"{name}.{extension}", buffer.getvalue())
    return name


def _markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _html_table(header, rows):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _regret_section(env, out, config) -> ReportSection:
    """The common part of every environment: regret figures and the final-regret table."""
    from bandits.policies import POLICIES

    from environments import problem_class

    exponents = [getattr(POLICIES[p["name"]], "regret_exponent", None) for p in config["policies"]]
    unit = getattr(problem_class(env.name), "time_unit", "time step")
    regret_label = getattr(problem_class(env.name), "regret_label", "cumulative pseudo-regret")
    scalars = [f"{k}={v}" for k, v in env.params.items() if isinstance(v, (int, float, str))]
    title = f"{env.name} ({', '.join(scalars)})" if scalars else env.name
    if len(title) > 70:
        title = title[:67] + "..."
    names = _figures(env.result, title, f"env{env.index}", out, exponents, unit, regret_label)
    rows = [
        [label, f"{_number(mean)} ± {_number(se)}", _number(median), f"{wall:.3f}"]
        for label, mean, se, median, wall in _summary_rows(env.result)
    ]
    header = ["policy", "final regret (mean ± s.e.)", "median", "kernel time (s)"]
    return ReportSection(figures=names, tables=[("Final regret", header, rows)])


def _number(value: float) -> str:
    """Two decimals below 10^7, four significant digits in scientific notation above (streaming
    regrets reach 10^13)."""
    return f"{value:.2f}" if abs(value) < 1e7 else f"{value:.4e}"


def write_report(out) -> Path:
    """Write figures, ``report.md`` and ``report.html`` into result directory ``out``; return the
    path of ``report.md``. Settings add their own figures and tables through
    :func:`register_report_extension`."""
    from environments import problem_class

    out = Path(out)
    results = load_results(out)
    config = results["manifest"]["config"]
    title = f"{config['name']}: regret report"
    summary = (
        f"Horizon T = {config['horizon']}, {config['n_replications']} replications, root seed {config['seed']}. "
        "Regret is the exact cumulative pseudo-regret against each setting's comparator (for the classic "
        "bandit sum_t (mu* - mu_(a_t))); bands are 95% confidence "
        "intervals and ± one standard error across replications."
    )
    markdown = [f"# {title}", "", summary, ""]
    html_parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 8px;text-align:right}"
        "td:first-child{text-align:left}img{max-width:100%}</style></head><body>",
        f"<h1>{html.escape(title)}</h1><p>{html.escape(summary)}</p>",
    ]
    if results["incomplete"]:
        note = f"{len(results['incomplete'])} environment(s) not computed yet; run the experiment again to complete it."
        markdown += [f"**Incomplete:** {note}", ""]
        html_parts.append(f"<p><b>Incomplete:</b> {html.escape(note)}</p>")
    for env in results["environments"]:
        params = ", ".join(f"{k}={v}" for k, v in env.params.items())
        heading = f"{env.name} ({params})" if params else env.name
        setting = problem_class(env.name).name
        sections = [_regret_section(env, out, config)]
        sections += [extension(env, out, config) for extension in REPORT_EXTENSIONS.get(setting, [])]
        markdown += [f"## {heading}", ""]
        html_parts.append(f"<h2>{html.escape(heading)}</h2>")
        for section in sections:
            for note in section.notes:
                markdown += [note, ""]
                html_parts.append(f"<p>{html.escape(note)}</p>")
            for name in section.figures:
                markdown.append(f"![{name}]({name}.png)")
                encoded = base64.b64encode((out / f"{name}.png").read_bytes()).decode()
                html_parts.append(f"<p><img alt='{html.escape(name)}' src='data:image/png;base64,{encoded}'></p>")
            markdown.append("")
            for table_title, header, rows in section.tables:
                markdown += [f"**{table_title}**", ""] + _markdown_table(header, rows) + [""]
                html_parts.append(f"<h3>{html.escape(table_title)}</h3>{_html_table(header, rows)}")
    html_parts.append("</body></html>")
    _atomic_write_bytes(out / "report.md", "\n".join(markdown).encode())
    _atomic_write_bytes(out / "report.html", "\n".join(html_parts).encode())
    return out / "report.md"
