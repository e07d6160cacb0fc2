"""The report page of a result directory: every environment's regret section (figures and the
final-regret table, :mod:`bandits.report.regret`) followed by its setting's own section (the
``report_section`` of its registry record), written as ``report.md`` and a self-contained
``report.html`` (figures embedded), both atomically.

Colours come from the Okabe–Ito colour-blind-safe palette; a policy has the same colour in every
figure (assigned by its position in the configuration).
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from bandits.core.atomic_files import atomic_write_bytes
from bandits.core.registry import problem_class, resolve, setting_of
from bandits.experiment import ResultDirectoryError, load_results
from bandits.experiment.result_directory import os_error_message
from bandits.report.regret import regret_section
from bandits.report.sweeps import sweep_section

#: A report draws each environment's own section (regret curves and the setting's figures) for
#: at most this many environments; a larger sweep shows its sweep figures and table only.
PER_ENVIRONMENT_SECTIONS_UP_TO = 12

__all__ = ["write_report"]


def _markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _html_table(header, rows):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def write_report(out) -> Path:
    """Write figures, ``report.md`` and ``report.html`` into result directory ``out``; return the
    path of ``report.md``. A setting adds its own figures and tables through the
    ``report_section`` of its registry record. A directory the report cannot be written to (a
    read-only file system, a full disk) raises :class:`ResultDirectoryError` naming it."""
    out = Path(out)
    results = load_results(out)
    try:
        return _write_report(out, results)
    except OSError as error:
        raise ResultDirectoryError(os_error_message(out, error, "write the report into")) from None


def _write_report(out: Path, results: dict) -> Path:
    if results["corrupt"]:
        names = ", ".join(results["corrupt"][:3]) + (" ..." if len(results["corrupt"]) > 3 else "")
        raise ResultDirectoryError(f"out: {len(results['corrupt'])} shard(s) of {out} are corrupt (their content does "
                                   f"not match the checksum recorded when they were written: {names}); run the "
                                   "experiment again into the same directory to recompute them")
    config = results["manifest"]["config"]
    title = f"{config['name']}: regret report"
    horizons = sorted({env.result.horizon for env in results["environments"]}) or [config["horizon"]]
    horizon_text = (f"Horizon T = {horizons[0]}" if len(horizons) == 1 else
                    f"Horizons T in {', '.join(str(h) for h in horizons)} (each environment's own)")
    summary = (
        f"{horizon_text}, {config['n_replications']} replications, root seed {config['seed']}. "
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
    sweep = sweep_section(results, out) if results["environments"] else None
    parts = [] if sweep is None else [("Sweep", [sweep])]
    per_environment = len(results["environments"]) <= PER_ENVIRONMENT_SECTIONS_UP_TO
    if not per_environment:
        note = (f"{len(results['environments'])} environments: their own sections (regret curves) are left out above "
                f"{PER_ENVIRONMENT_SECTIONS_UP_TO}; load_results() has every curve.")
        markdown += [note, ""]
        html_parts.append(f"<p>{html.escape(note)}</p>")
    for env in results["environments"] if per_environment else []:
        params = ", ".join(f"{k}={v}" for k, v in env.params.items())
        if env.result.horizon != config["horizon"]:
            params += (", " if params else "") + f"horizon={env.result.horizon}"
        heading = f"{env.name} ({params})" if params else env.name
        sections = [regret_section(env, out, config)]
        setting = setting_of(problem_class(env.name))
        if setting.report_section is not None:
            sections.append(resolve(setting.report_section)(env, out, config))
        parts.append((heading, sections))
    for heading, sections in parts:
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
    atomic_write_bytes(out / "report.md", "\n".join(markdown).encode())
    atomic_write_bytes(out / "report.html", "\n".join(html_parts).encode())
    return out / "report.md"
