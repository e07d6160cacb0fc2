"""Every setting's report, as a reader opens it: a small experiment of each registered setting
(its example problem, up to three of its policies) is run, its report written and opened in
headless Chromium (Debian's chromium and chromedriver, driven by Selenium). The page must load
every image, fit the window's width (no horizontal overflow of the page itself) and log no
console error. Separately, no figure of these reports may have a legend over plotted data
(lines, markers, bands) or draw anything past its edges (a clipped title, label or legend),
checked on the matplotlib figures as they are saved.

Without chromium and chromedriver the browser test is skipped, unless REGRETLAB_REQUIRE_BROWSER
is set (``.ci/run`` sets it after installing them), where it fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from bandits.core import registry
from bandits.experiment import ConfigError, load_config, run_experiment

SETTINGS = ["classic", "cascading", "streaming", "solver_tuning", "recovering", "tallying", "private_bai"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def small_experiment(setting_name: str) -> dict:
    """The setting's first example problem with up to three of its registered policies that
    can run on it, for the setting's example horizon and three replications."""
    setting = registry.get_setting(setting_name)
    for problem, params in setting.example_problems:
        policies = []
        for name in setting.policies:
            try:
                load_config({"horizon": setting.example_horizon, "n_replications": 1,
                             "environments": [{"name": problem, **params}], "policies": [{"name": name}]})
            except ConfigError:
                continue
            policies.append({"name": name})
            if len(policies) == 3:
                break
        if len(policies) >= 2:
            return {"name": f"browser_{setting_name}", "horizon": setting.example_horizon, "n_replications": 3,
                    "seed": 1, "environments": [{"name": problem, **params}], "policies": policies}
    raise AssertionError(f"no example problem of {setting_name} runs two policies")


def legend_overlaps(fig) -> list[str]:
    """Legends of ``fig`` whose box holds a plotted point (line vertices and points along each
    segment, markers, the vertices of bands) inside its axes; one text per offending legend."""
    from matplotlib.collections import LineCollection, PathCollection, PolyCollection

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    found = []
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            frame = ax.get_window_extent(renderer)
            point_sets = []
            for line in ax.get_lines():
                xy = np.asarray(line.get_xydata(), dtype=float)
                if line.get_visible() and len(xy):
                    shown = ax.transData.transform(xy)
                    if len(shown) > 1:  # points along each segment too
                        steps = np.linspace(0.0, 1.0, 12)[:, None, None]
                        shown = (shown[:-1] + steps * (shown[1:] - shown[:-1])).reshape(-1, 2)
                    point_sets.append(shown)
            for collection in ax.collections:
                if isinstance(collection, PathCollection) and len(collection.get_offsets()):
                    point_sets.append(collection.get_offset_transform().transform(collection.get_offsets()))
                elif isinstance(collection, (PolyCollection, LineCollection)):
                    point_sets += [collection.get_transform().transform(path.vertices) for path in collection.get_paths()]
            for points in point_sets:
                points = points[np.all(np.isfinite(points), axis=1)]
                x, y = points[:, 0], points[:, 1]
                inside = ((x > box.x0) & (x < box.x1) & (y > box.y0) & (y < box.y1)
                          & (x >= frame.x0) & (x <= frame.x1) & (y >= frame.y0) & (y <= frame.y1))
                if inside.any():
                    found.append(f"{ax.get_title() or fig.texts[0].get_text() if fig.texts else ''}: "
                                 f"{int(inside.sum())} point(s) under the legend")
                    break
    return found


def clipped_artists(fig) -> list[str]:
    """What ``fig`` draws past its own edges (a title, an axis label, tick labels, a legend): the
    figure's tight bounding box, which holds every drawn artist, must lie within the figure
    (to a hundredth of an inch)."""
    fig.canvas.draw()
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())  # inches
    width, height = fig.get_size_inches()
    tolerance = 0.01
    sides = {"left": -drawn.x0, "bottom": -drawn.y0, "right": drawn.x1 - width, "top": drawn.y1 - height}
    return [f"drawn {excess:.2f} in past the {side} edge" for side, excess in sides.items() if excess > tolerance]


@contextlib.contextmanager
def checking_legends():
    """Within the block, every figure a report saves is checked with :func:`legend_overlaps` and
    :func:`clipped_artists`; yields the dict of offending figures (``directory/name``:
    problems)."""
    import importlib
    import pkgutil

    import bandits.report as report_package
    import bandits.report.sections as sections

    overlaps = {}
    original = sections.save_figure

    def checked(fig, out, name):
        problems = legend_overlaps(fig) + clipped_artists(fig)
        if problems:
            overlaps[f"{Path(out).parent.name}/{name}"] = problems
        return original(fig, out, name)

    patched = []
    for info in pkgutil.iter_modules(report_package.__path__):
        module = importlib.import_module(f"bandits.report.{info.name}")
        if getattr(module, "save_figure", None) is original:
            module.save_figure = checked
            patched.append(module)
    try:
        yield overlaps
    finally:
        for module in patched:
            module.save_figure = original


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Every setting's small report, with the legend check run on each figure as it is saved."""
    from bandits.report import write_report

    pages = {}
    with checking_legends() as overlaps:
        for name in SETTINGS:
            out = tmp_path_factory.mktemp(name) / "out"
            run_experiment(small_experiment(name), out)
            write_report(out)
            pages[name] = out / "report.html"
    return pages, overlaps


def test_no_legend_covers_plotted_data(reports):
    _, overlaps = reports
    assert not overlaps, overlaps


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("REGRETLAB_REQUIRE_BROWSER"):
            pytest.fail("REGRETLAB_REQUIRE_BROWSER is set but chromium or chromedriver is missing")
        pytest.skip("needs Debian's chromium and chromium-driver (apt install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,900"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.mark.parametrize("setting", SETTINGS)
def test_each_settings_report_loads_fits_and_logs_no_error(reports, browser, setting):
    pages, _ = reports
    browser.get(pages[setting].as_uri())
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth]);")
    assert images, "the report has no figure"
    assert all(complete and width > 0 for _, complete, width in images), images
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
    assert overflow <= 0, f"the page is {overflow} px wider than the window"
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors
    headings = browser.execute_script("return Array.from(document.querySelectorAll('nav a')).length;")
    assert headings >= 3  # the contents link the sections


def test_the_figure_checks_catch_a_legend_over_data_and_a_clipped_label():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3), constrained_layout=True)
    ax.plot([0, 1], [0, 1], label="diagonal")
    ax.legend(loc="center")  # over the line
    assert legend_overlaps(fig) and not clipped_artists(fig)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(4, 3))  # no layout engine: a long label runs off the figure
    ax.plot([0, 1], [0, 1], label="diagonal")
    ax.set_ylabel("a label far too long for the height of this small figure, surely")
    ax.set_title("a title far too long for the width of this small figure, it runs off both sides")
    fig.legend(loc="outside lower center")
    problems = clipped_artists(fig)
    assert any("top" in problem for problem in problems) and any("left" in problem for problem in problems)
    assert not legend_overlaps(fig)
    plt.close(fig)
