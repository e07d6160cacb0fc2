"""The report page: a table of contents, the policies with every hyper-parameter, a summary
table across environments, the definition of regret in each environment's section and the
provenance (the command, seeds, git revision, versions)."""

from __future__ import annotations

import re

from bandits.experiment import run_experiment
from bandits.report import write_report

CONFIG = {"name": "page", "horizon": 60, "n_replications": 3, "seed": 8,
          "environments": [{"name": "BernoulliBandit", "means": [0.2, 0.6]},
                           {"name": "BernoulliBandit", "means": [0.4, 0.5], "horizon": 30}],
          "policies": [{"name": "ucb1", "alpha": 1.5}, {"name": "kl_ucb"}]}


def test_the_page_has_contents_policies_summary_definitions_and_provenance(tmp_path):
    out = tmp_path / "out"
    results = run_experiment(CONFIG, out)
    markdown = write_report(out).read_text()
    page = (out / "report.html").read_text()
    headings = re.findall(r"^## (.+)$", markdown, re.M)
    assert headings == ["Policies", "Summary", "BernoulliBandit (means=[0.2, 0.6])",
                        "BernoulliBandit (means=[0.4, 0.5], horizon=30)", "Provenance"]
    for i, heading in enumerate(headings):  # the contents link every section, in both files
        assert f"{i + 1}. [{heading}](#section-{i})" in markdown
        assert f"<a href='#section-{i}'>" in page and f"<h2 id='section-{i}'>" in page
    assert "| ucb1(alpha=1.5) | ucb1 | alpha=1.5 |" in markdown
    assert "| kl_ucb | kl_ucb | c=1.0, c_loglog=0.0 |" in markdown  # defaults spelled out
    first = results["environments"][0].result.final_regret[0]
    assert f"| ucb1(alpha=1.5) | {first.mean():.2f} ± " in markdown  # environments across, policies down
    assert markdown.count("Regret in this section: cumulative pseudo-regret") == 2
    assert "T = 30." in markdown and "T = 60." in markdown
    manifest = results["manifest"]
    assert "| root seed | 8 |" in markdown and f"| source stamp | {manifest['source_stamp'][:12]} |" in markdown
    assert re.search(r"\| command \| \S+", markdown) and "numpy " in markdown and "numba " in markdown
    assert "Horizons T in 30, 60 (each environment's own)" in markdown
