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


def _saved_figures(monkeypatch):
    """Capture the figures the streaming section saves: name -> matplotlib figure."""
    import bandits.report.streaming as streaming

    saved = {}
    original = streaming.save_figure

    def capture(fig, out, name):
        saved[name] = fig
        return original(fig, out, name)

    monkeypatch.setattr(streaming, "save_figure", capture)
    return saved


def test_headline_ratio_figure_plots_each_policys_mean_ratio_with_its_interval(tmp_path, monkeypatch):
    saved = _saved_figures(monkeypatch)
    policies = [{"name": "uniform_exploration"}, {"name": "naive_epsilon_best"}, {"name": "log_star_memory"},
                {"name": "log_star_memory", "paper_accounting": True}]
    section, result, _ = _section(tmp_path, policies, "ratio")
    assert section.figures[0] == "ratio_env0" and "memory_env0" in section.figures
    ax = saved["ratio_env0"].axes[0]
    final = result.final_regret
    # one row per policy but the baseline, the first policy on top
    assert [tick.get_text() for tick in ax.get_yticklabels()] == list(result.policy_labels[1:])
    points = [line for line in ax.lines if len(line.get_xdata()) == 1 and line.get_marker() not in ("|", "_")]
    for row, p in enumerate(range(1, 4)):
        ratios = final[p] / final[0]
        x, y = points[row].get_xdata()[0], points[row].get_ydata()[0]
        assert y == row and np.isclose(x, ratios.mean(), rtol=1e-12)
    # the two accountings of one algorithm: one colour, filled and open markers
    assert points[1].get_color() == points[2].get_color() != points[0].get_color()
    assert points[1].get_markerfacecolor() != points[2].get_markerfacecolor()
    # the interval is 1.96 standard errors of the per-replication ratios
    ratios = final[1] / final[0]
    half = 1.96 * ratios.std(ddof=1) / np.sqrt(ratios.size)
    (segments,) = [c.get_segments() for c in ax.collections][:1]
    (start, end), = [segment for segment in segments if np.isclose(segment[0][1], 0.0)]
    assert np.allclose([start[0], end[0]], [ratios.mean() - half, ratios.mean() + half], rtol=1e-12)


def test_no_ratio_figure_without_the_baseline(tmp_path):
    section, _, _ = _section(tmp_path, [{"name": "naive_epsilon_best"}, {"name": "log_star_memory"}], "no-ratio")
    assert section.figures == ["memory_env0"]


def test_the_regret_rate_divides_the_final_regret_in_a_sweep(tmp_path):
    from bandits.report.sweeps import _metrics
    from environments.streaming import StreamingBandit

    config = {"name": "rate", "horizon": 20_000, "n_replications": 3, "seed": 5,
              "environments": [{**ENVIRONMENT, "sweep": {"horizon": [10_000, 100_000]}}],
              "policies": [{"name": "uniform_exploration"}, {"name": "log_star_memory"}]}
    run_experiment(config, tmp_path / "rate")
    results = load_results(tmp_path / "rate")
    metrics = {label: getter for label, getter, _ in _metrics(results["environments"], results["manifest"]["config"])}
    getter = metrics["regret / K^(1/3) T^(2/3)"]
    for env in results["environments"]:
        T = env.result.horizon
        expected = env.result.final_regret[1] / (12 ** (1 / 3) * T ** (2 / 3))
        assert np.allclose(getter(env, 1), expected, rtol=1e-12)
    assert np.isclose(StreamingBandit.regret_rate({"means": [0.1] * 8}, 1000), 2.0 * 100.0, rtol=1e-12)
