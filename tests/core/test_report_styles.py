"""Policy colours and line styles of a report (bandits.report.sections.policy_styles) and the
sweep section's tick labels."""

from __future__ import annotations

from bandits.report.sections import OKABE_ITO, policy_style, policy_styles
from bandits.report.sweeps import _tick_text


def test_one_colour_per_algorithm_and_one_line_style_per_variant():
    labels = ["uniform_exploration", "log_memory", "log_memory(paper_accounting=True)", "kl_ucb(c=0.5)",
              "kl_ucb(c=1.0)", "kl_ucb(c=2.0)"]
    styles = policy_styles(labels)
    colours = [style["color"] for style in styles]
    assert colours == [OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[1], OKABE_ITO[2], OKABE_ITO[2], OKABE_ITO[2]]
    assert [style["linestyle"] for style in styles] == ["-", "-", "--", "-", "--", "-."]
    assert policy_style(2, labels) == styles[2]


def test_distinct_algorithms_keep_the_positional_palette():
    labels = ["ucb1", "kl_ucb", "thompson_sampling", "exp3", "tsallis_inf", "explore_then_commit"]
    assert policy_styles(labels) == [policy_style(p) for p in range(len(labels))]


def test_more_algorithms_than_colours_or_variants_than_line_styles_fall_back_to_positions():
    many = [f"algorithm{i}" for i in range(len(OKABE_ITO) + 1)]
    assert policy_styles(many) == [policy_style(p) for p in range(len(many))]
    variants = [f"kl_ucb(c={c})" for c in range(5)]
    styles = policy_styles(variants)
    assert styles == [policy_style(p) for p in range(5)] and len({s["color"] for s in styles}) == 5


def test_tick_labels_are_written_for_people():
    assert [_tick_text(v) for v in (0.125, 2.0, 5000.0, 50000.0)] == ["0.125", "2", "5,000", "50,000"]
    assert _tick_text(1e12) == "$10^{12}$"
    assert _tick_text(1.25e17) == "$1.25\\times 10^{17}$"
