"""The streaming report section (Chen Wang, ICML 2023, arXiv:2306.02208): ratios to the regret
baseline (uniform exploration, found by its class attribute wherever it sits in the policy
list), both accountings, and the oracle-information note for policies that read the true gap."""

from __future__ import annotations

import numpy as np

from bandits import load_results, run_experiment, write_report
from bandits.report.streaming import streaming_report_section

ENVIRONMENT = {"name": "StreamingBandit", "arms": "mix-in", "n_arms": 12, "memory": 4}


def _section(tmp_path, policies, name):
    config = {"name": name, "horizon": 20_000, "n_replications": 3, "seed": 5, "environments": [ENVIRONMENT],
              "policies": policies}
    out = tmp_path / name
    run_experiment(config, out)
    results = load_results(out)
    section = streaming_report_section(results["environments"][0], out, results["manifest"]["config"])
    return section, results["environments"][0].result, out


def test_report_section_finds_the_baseline_and_the_oracle_policies_by_attribute(tmp_path):
    policies = [
        {"name": "naive_epsilon_best"},
        {"name": "uniform_exploration"},
        {"name": "game_of_arms", "gap_hint": "oracle"},
        {"name": "game_of_arms", "gap_hint": 0.05},
        {"name": "log_star_memory", "paper_accounting": True},
    ]
    section, result, out = _section(tmp_path, policies, "with-baseline")
    (title, header, rows), = section.tables
    assert header[1:4] == ["regret / U (mean ± s.e.)", "median ratio", "ratio of means"]
    labels = result.policy_labels
    assert [row[0] for row in rows] == list(labels)
    # the baseline is the second policy: its own ratios are 1, the others' are final / final[1]
    assert rows[1][2] == "1" and rows[1][3] == "1"
    final = result.final_regret
    assert rows[0][3] == f"{final[0].mean() / final[1].mean():.3g}"
    notes = " ".join(section.notes)
    assert f"ORACLE INFORMATION: {labels[2]} use(s)" in notes and labels[3] not in notes.split("ORACLE")[1]
    assert f"Official accounting in the curves: {labels[4]}." in notes
    assert np.isfinite(final).all()
    assert "Streaming metrics" in write_report(out).read_text()


def test_report_section_without_the_baseline_or_oracle_policies(tmp_path):
    section, _, _ = _section(tmp_path, [{"name": "naive_epsilon_best"}, {"name": "game_of_arms"}], "without")
    (_, header, rows), = section.tables
    assert header[1] == "exact regret" and all(len(row) == len(header) for row in rows)
    notes = " ".join(section.notes)
    assert "ORACLE INFORMATION" not in notes and "Official accounting in the curves:" not in notes
