"""No legend covers plotted data and nothing is drawn past a figure's edges in the reports of
the shipped experiments: one experiment file per setting (and the sweeps), run with two
replications, every figure checked as it is saved (``legend_overlaps`` and ``clipped_artists``
of test_report_pages.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bandits.experiment import run_experiment
from test_report_pages import checking_legends

REPO = Path(__file__).resolve().parents[2]
SHIPPED = [
    "experiments/default.toml",
    "experiments/cascading/bpi.toml",
    "experiments/streaming/official.toml",
    "experiments/solver_tuning/synthetic.toml",
    "experiments/recovering/online.toml",
    "experiments/tallying/weighted.toml",
    "experiments/private_bai/unit_arms.toml",
    "experiments/sweeps/kl_ucb_threshold.toml",
    "experiments/sweeps/streaming_memory.toml",
    "experiments/cascading/kveton2015.toml",
    "experiments/streaming/regret_vs_horizon.toml",
]
#: Smaller versions of the slower files (their figures are the same kinds): fields replaced.
SMALLER = {
    "experiments/cascading/kveton2015.toml": lambda config: {"environments": config["environments"][:1],
                                                              "horizon": 5000},
}


@pytest.mark.parametrize("name", SHIPPED)
def test_no_legend_covers_data_in_a_shipped_report(name, tmp_path):
    from bandits.report import write_report

    config = tomllib.loads((REPO / name).read_text(encoding="utf-8"))
    config.update(n_replications=2, chunk_size=2)
    config.update(SMALLER.get(name, lambda config: {})(config))
    out = tmp_path / "out"
    run_experiment(config, out)
    with checking_legends() as overlaps:
        write_report(out)
    assert not overlaps, overlaps
