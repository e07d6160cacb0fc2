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


def test_more_algorithms_than_colours_fall_back_to_positions():
    many = [f"algorithm{i}" for i in range(len(OKABE_ITO) + 1)]
    assert policy_styles(many) == [policy_style(p) for p in range(len(many))]


def test_variants_beyond_the_line_styles_repeat_them_in_a_lighter_shade():
    labels = ["thompson_sampling"] + [f"kl_ucb(c={c})" for c in range(6)]
    styles = policy_styles(labels)
    assert styles[0]["color"] == OKABE_ITO[0]  # the reference keeps its colour
    kl_ucb = styles[1:]
    assert [s["color"] for s in kl_ucb[:4]] == [OKABE_ITO[1]] * 4
    assert kl_ucb[4]["linestyle"] == kl_ucb[0]["linestyle"] and kl_ucb[4]["color"] != OKABE_ITO[1]
    assert len({(s["color"], s["linestyle"]) for s in kl_ucb}) == 6  # every variant drawn its own way
    # the shade is the algorithm's colour blended toward white: #E69F00 30% of the way
    assert kl_ucb[4]["color"] == "#EEBC4C"  # (230, 159, 0) + 0.3 (255 - .) rounded half to even


def test_tick_labels_are_written_for_people():
    assert [_tick_text(v) for v in (0.125, 2.0, 5000.0, 50000.0)] == ["0.125", "2", "5,000", "50,000"]
    assert _tick_text(1e12) == "$10^{12}$"
    assert _tick_text(1.25e17) == "$1.25\\times 10^{17}$"


def test_plot_regret_curves_draws_each_mean_with_its_95_percent_band():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from bandits.report import plot_regret_curves
    from bandits.runner import RunResult

    rng = np.random.default_rng(0)
    curves = np.cumsum(rng.random((2, 5, 4)), axis=2)
    result = RunResult.__new__(RunResult)  # only the fields the function reads
    object.__setattr__(result, "record_points", np.array([1, 2, 3, 4]))
    object.__setattr__(result, "cumulative_regret", curves)
    object.__setattr__(result, "policy_labels", ["kl_ucb", "kl_ucb(c=0.5)"])
    fig, ax = plt.subplots()
    plot_regret_curves(ax, result, labels=["KL-UCB", "KL-UCB, c = 1/2"])
    assert [line.get_label() for line in ax.lines] == ["KL-UCB", "KL-UCB, c = 1/2"]
    assert ax.lines[0].get_color() == ax.lines[1].get_color() and ax.lines[1].get_linestyle() == "--"
    for p, line in enumerate(ax.lines):
        assert np.allclose(line.get_ydata(), curves[p].mean(axis=0), rtol=1e-12)
        band = ax.collections[p].get_paths()[0].vertices[:, 1]
        half = 1.96 * curves[p].std(axis=0, ddof=1) / np.sqrt(5)
        assert np.isclose(band.max(), (curves[p].mean(axis=0) + half).max(), rtol=1e-12)
        assert np.isclose(band.min(), (curves[p].mean(axis=0) - half).min(), rtol=1e-12)
    plt.close(fig)


def test_figures_are_saved_as_palette_pngs_of_the_rendered_size(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    from bandits.report.sections import _palette_png, save_figure

    fig, ax = plt.subplots(figsize=(7, 4.5 + 0.22 * 3), constrained_layout=True)
    ax.plot([0, 1], [0, 1], color=OKABE_ITO[0])
    assert save_figure(fig, tmp_path, "figure") == "figure"
    image = Image.open(tmp_path / "figure.png")
    assert image.mode == "P" and image.size == (int(7 * 130), int((4.5 + 0.22 * 3) * 130))
    assert (tmp_path / "figure.svg").read_text().lstrip().startswith("<?xml")
    assert image.convert("RGB").getpixel((1, 1)) == (255, 255, 255)  # the background stays white
    # the blue of the line survives the palette (the octree may move a channel by a unit or two)
    colours = {colour for _, colour in image.convert("RGB").getcolors(1 << 16)}
    assert any(max(abs(a - b) for a, b in zip(colour, (0x00, 0x72, 0xB2))) <= 2 for colour in colours)
    # a size the raw buffer does not match falls back to decoding matplotlib's PNG
    monkeypatch.setattr(fig, "get_figwidth", lambda: 6.0)
    import io

    assert Image.open(io.BytesIO(_palette_png(fig, dpi=130))).size == image.size
    plt.close(fig)


def test_variants_have_open_markers():
    from bandits.report.sections import marker_face

    solid, dashed = policy_styles(["dp_bai", "dp_bai(epsilon=inf)"])
    assert marker_face(solid) == solid["color"] and marker_face(dashed) == "white"
