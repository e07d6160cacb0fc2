"""Screenshots of each setting's report, as a reader sees it in a browser, for the documentation.

    python experiments/report_screenshots.py [--results DIR] [--images DIR]

For every setting, runs its shipped experiment into ``DIR/<name>`` (a directory that already
holds the finished experiment is reused: ``regretlab run`` resumes and computes nothing), opens
its ``report.html`` in headless Chromium (Debian's ``chromium`` and ``chromium-driver``, driven
by Selenium: ``pip install -e '.[test]'``), scrolls to the setting's headline figure with the
heading above it, and saves the window as ``report_<name>.png`` in the images directory
(default ``docs/images``). Running every experiment from scratch takes about 15 minutes on two
cores (most of it the cascading and recovering experiments).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: (name, experiment file, alt text of the figure to show: the setting's headline figure)
SCREENS = [
    ("classic", "experiments/default.toml", "regret_env0"),
    ("cascading", "experiments/cascading/kveton2015.toml", "lower_bound_env0"),
    ("streaming", "experiments/streaming/official.toml", "ratio_env1"),
    ("streaming_horizons", "experiments/streaming/regret_vs_horizon.toml", "sweep_horizon_2"),
    ("solver_tuning", "experiments/solver_tuning/heat.toml", "iterations_env0"),
    ("recovering", "experiments/recovering/online.toml", "policy_regret_env0"),
    ("tallying", "experiments/tallying/weighted.toml", "regret_env0"),
    ("private_bai", "experiments/private_bai/unit_arms.toml", "error_env0"),
]


def _browser(width: int, height: int):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        sys.exit("error: needs Debian's chromium and chromium-driver (apt install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     f"--window-size={width},{height}"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(driver), options=options)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=REPO / "results" / "screenshots",
                        help="where the experiments are run (default results/screenshots)")
    parser.add_argument("--images", type=Path, default=REPO / "docs" / "images",
                        help="where the screenshots are written (default docs/images)")
    parser.add_argument("--only", nargs="+", default=None, help="names of the screens to make (default: all)")
    args = parser.parse_args(argv)
    names = [name for name, _, _ in SCREENS]
    unknown = sorted(set(args.only or []) - set(names))
    if unknown:
        parser.error(f"--only: unknown screen(s) {unknown}; choose from {names}")
    if not args.images.is_dir():
        parser.error(f"--images: {args.images} is not a directory")
    chosen = [screen for screen in SCREENS if args.only is None or screen[0] in args.only]
    for name, experiment, _ in chosen:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bandits.cli", "run", str(REPO / experiment), "--out",
                        str(args.results / name), "--no-progress"], check=True)
        print(f"{name}: {experiment} in {time.perf_counter() - start:.0f} s")
    browser = _browser(1100, 1000)
    try:
        for name, _, figure in chosen:
            browser.get((args.results / name / "report.html").resolve().as_uri())
            found = browser.execute_script(
                "const img = document.querySelector(`img[alt='${arguments[0]}']`);"
                "if (!img) return false;"
                "window.scrollTo(0, img.getBoundingClientRect().top + window.scrollY - 80);"
                "return img.complete && img.naturalWidth > 0;", figure)
            if not found:
                sys.exit(f"error: {name}: no loaded figure {figure!r} in its report")
            target = args.images / f"report_{name}.png"
            browser.save_screenshot(str(target))
            print(f"written: {target}")
    finally:
        browser.quit()


if __name__ == "__main__":
    main()
