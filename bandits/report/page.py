"""The report page of a result directory, written as ``report.md`` and a self-contained
``report.html`` (figures embedded), both atomically: a table of contents; the policies with
every hyper-parameter; a summary table of final regret across environments; the sweep section
(:mod:`bandits.report.sweeps`) when entries carry sweeps; every environment's section (the
definition of regret used there, its regret figures and final-regret table,
:mod:`bandits.report.regret`, then its setting's own section, the ``report_section`` of its
registry record); and the provenance (the command, seeds, git revision, source stamp, package
versions, host and times, from the manifest).

Colours come from the Okabe–Ito colour-blind-safe palette; a policy has the same colour in every
figure (assigned by its position in the configuration).
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from bandits.core.atomic_files import atomic_write_bytes
from bandits.core.registry import policy_class, problem_class, resolve, setting_of
from bandits.experiment import ResultDirectoryError, load_results
from bandits.experiment.result_directory import os_error_message
from bandits.report.regret import final_regret_rows, regret_section
from bandits.report.sections import ReportSection, format_number
from bandits.report.sweeps import sweep_section

#: A report draws each environment's own section (regret curves and the setting's figures) for
#: at most this many environments; a larger sweep shows its sweep figures and table only.
PER_ENVIRONMENT_SECTIONS_UP_TO = 12

__all__ = ["write_report"]


def _markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _numeric(cell) -> bool:
    """Whether a table cell reads as a number (right-aligned in HTML): 12.3, -4, 1.25e+17,
    "67.23 ± 1.26", "0.2500 [0.1, 0.4]"."""
    text = str(cell).strip().replace(",", "")
    head = text.split(" ")[0]
    try:
        float(head)
    except ValueError:
        return False
    return True


def _html_table(header, rows):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td class='num'>{html.escape(str(c))}</td>" if _numeric(c) else
                                    f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
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


def _anchor(index: int) -> str:
    return f"section-{index}"


def _policy_rows(config, labels) -> list:
    """One row per policy: its label, registry name and every hyper-parameter (defaults
    included), as the configuration built it."""
    import inspect

    rows = []
    for label, entry in zip(labels, config["policies"]):
        try:
            signature = inspect.signature(policy_class(entry["name"]).__init__)
            values = {name: parameter.default for name, parameter in signature.parameters.items()
                      if name != "self" and parameter.default is not inspect.Parameter.empty}
        except ValueError:  # a policy no longer registered: what the file gave
            values = {}
        values.update({k: v for k, v in entry.items() if k != "name"})
        rows.append([label, entry["name"], ", ".join(f"{k}={v!r}" for k, v in values.items()) or "-"])
    return rows


def _summary_table(environments, labels, headings):
    """``(header, rows)``: the final regret (mean ± s.e.) of every policy in every environment,
    with the shorter of the two lists across (environments as columns when there are no more
    of them than policies), so that the table stays narrow."""
    cells = [[f"{format_number(mean)} ± {format_number(se)}" for _, mean, se, _, _ in final_regret_rows(env.result)]
             for env in environments]
    if len(environments) <= len(labels):
        return ["policy", *headings], [[label, *(cells[e][p] for e in range(len(environments)))]
                                       for p, label in enumerate(labels)]
    return ["environment", *labels], [[heading, *row] for heading, row in zip(headings, cells)]


def _provenance_rows(manifest, out: Path) -> list:
    versions = manifest.get("versions") or {}
    host = manifest.get("host") or {}
    rows = [
        ["command", manifest.get("command") or "(not recorded)"],
        ["result directory", str(out)],
        ["root seed", str(manifest.get("root_seed"))],
        ["seeding", manifest.get("seeding", "")],
        ["git revision", (manifest.get("git_revision") or "(not a git checkout)")
         + (" (with uncommitted changes)" if manifest.get("git_dirty") else "")],
        ["source stamp", (manifest.get("source_stamp") or "")[:12]],
        ["versions", ", ".join(f"{k} {v}" for k, v in versions.items())],
        ["host", f"{host.get('name', '?')} ({host.get('platform', '?')}, {host.get('cpus', '?')} CPUs)"],
        ["started / finished", f"{manifest.get('started')} / {manifest.get('finished')}"],
    ]
    return rows


def _regret_definition(env) -> str:
    cls = problem_class(env.name)
    label = getattr(cls, "regret_label", "cumulative pseudo-regret sum_t (mu* - mu_(a_t))")
    unit = getattr(cls, "time_unit", "time step")
    return (f"Regret in this section: {label}, summed over {unit}s (setting: {setting_of(cls).title}; "
            f"problem: {env.name}); T = {env.result.horizon:,}.")


def _write_report(out: Path, results: dict) -> Path:
    if results["corrupt"]:
        names = ", ".join(results["corrupt"][:3]) + (" ..." if len(results["corrupt"]) > 3 else "")
        raise ResultDirectoryError(f"out: {len(results['corrupt'])} shard(s) of {out} are corrupt (their content does "
                                   f"not match the checksum recorded when they were written: {names}); run the "
                                   "experiment again into the same directory to recompute them")
    manifest = results["manifest"]
    config = manifest["config"]
    environments = results["environments"]
    title = f"{config['name']}: regret report"
    horizons = sorted({env.result.horizon for env in environments}) or [config["horizon"]]
    horizon_text = (f"Horizon T = {horizons[0]:,}" if len(horizons) == 1 else
                    f"Horizons T in {', '.join(f'{h:,}' for h in horizons)} (each environment's own)")
    summary = (
        f"{horizon_text}, {config['n_replications']:,} replications, root seed {config['seed']}. "
        "Regret is exact (computed from the arms' expected rewards, not sampled) against each setting's "
        "comparator; each section states its definition. Bands and ± are 95% confidence intervals and one "
        "standard error across replications."
    )
    labels = list(layout_labels) if (layout_labels := manifest["layout"].get("policy_labels")) else []

    # sections: (heading, [ReportSection])
    parts = []
    if results["incomplete"]:
        note = f"{len(results['incomplete'])} environment(s) not computed yet; run the experiment again to complete it."
        parts.append(("Incomplete", [ReportSection(notes=[note])]))
    policies = ReportSection(tables=[("Policies and their hyper-parameters", ["policy", "name", "hyper-parameters"],
                                      _policy_rows(config, labels))])
    parts.append(("Policies", [policies]))
    per_environment = len(environments) <= PER_ENVIRONMENT_SECTIONS_UP_TO
    headings = []
    for env in environments:
        params = ", ".join(f"{k}={v}" for k, v in env.params.items())
        if env.result.horizon != config["horizon"]:
            params += (", " if params else "") + f"horizon={env.result.horizon}"
        headings.append(f"{env.name} ({params})" if params else env.name)
    if 1 < len(environments) <= PER_ENVIRONMENT_SECTIONS_UP_TO:
        header, rows = _summary_table(environments, labels, headings)
        table = ("Final regret of every policy in every environment (mean ± s.e.)", header, rows)
        parts.append(("Summary", [ReportSection(tables=[table])]))
    sweep = sweep_section(results, out) if environments else None
    if sweep is not None:
        parts.append(("Sweep", [sweep]))
    if not per_environment:
        note = (f"{len(environments)} environments: their own sections (regret curves) are left out above "
                f"{PER_ENVIRONMENT_SECTIONS_UP_TO}; load_results() has every curve.")
        parts.append(("Environments", [ReportSection(notes=[note])]))
    for env, heading in zip(environments if per_environment else [], headings):
        sections = [ReportSection(notes=[_regret_definition(env)]), regret_section(env, out, config)]
        setting = setting_of(problem_class(env.name))
        if setting.report_section is not None:
            sections.append(resolve(setting.report_section)(env, out, config))
        parts.append((heading, sections))
    parts.append(("Provenance", [ReportSection(tables=[("How these results were made", ["", ""],
                                                        _provenance_rows(manifest, out))])]))

    markdown = [f"# {title}", "", summary, "", "**Contents**", ""]
    markdown += [f"{i + 1}. [{heading}](#{_anchor(i)})" for i, (heading, _) in enumerate(parts)] + [""]
    toc = "".join(f"<li><a href='#{_anchor(i)}'>{html.escape(heading)}</a></li>" for i, (heading, _) in enumerate(parts))
    html_parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:0 1em}"
        "table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #999;padding:2px 8px;text-align:left}"
        "td.num{text-align:right}img{max-width:100%}nav li{margin:2px 0}"
        ".wide{overflow-x:auto}</style></head><body>",
        f"<h1>{html.escape(title)}</h1><p>{html.escape(summary)}</p>",
        f"<nav><b>Contents</b><ol>{toc}</ol></nav>",
    ]
    for i, (heading, sections) in enumerate(parts):
        markdown += [f"<a id='{_anchor(i)}'></a>", "", f"## {heading}", ""]
        html_parts.append(f"<h2 id='{_anchor(i)}'>{html.escape(heading)}</h2>")
        for section in sections:
            for note in section.notes:
                markdown += [note, ""]
                html_parts.append(f"<p>{html.escape(note)}</p>")
            for name in section.figures:
                markdown.append(f"![{name}]({name}.png)")
                encoded = base64.b64encode((out / f"{name}.png").read_bytes()).decode()
                html_parts.append(f"<p><img alt='{html.escape(name)}' src='data:image/png;base64,{encoded}'></p>")
            if section.figures:
                markdown.append("")
            for table_title, header, rows in section.tables:
                markdown += [f"**{table_title}**", ""] + _markdown_table(header, rows) + [""]
                html_parts.append(f"<h3>{html.escape(table_title)}</h3><div class='wide'>{_html_table(header, rows)}"
                                  "</div>")
    html_parts.append("</body></html>")
    atomic_write_bytes(out / "report.md", "\n".join(markdown).encode())
    atomic_write_bytes(out / "report.html", "\n".join(html_parts).encode())
    return out / "report.md"
