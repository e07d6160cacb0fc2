"""The solver-tuning report section: its headline figure (iterations per instance against the
instance-optimal omega's, the regret being the excess) and its table, on a small SOR run."""

from __future__ import annotations

import numpy as np

from bandits.experiment import load_results, run_experiment
from bandits.report import write_report


def test_the_report_draws_iterations_against_the_instance_optimal_omega(tmp_path):
    out = tmp_path / "out"
    run_experiment({"name": "sor", "horizon": 40, "n_replications": 3, "seed": 2,
                    "environments": [{"name": "SORTuning"}],
                    "policies": [{"name": "chebcb"}, {"name": "fixed_omega", "omega": 1.0}]}, out)
    report = write_report(out).read_text()
    assert "![iterations_env0](iterations_env0.png)" in report and (out / "iterations_env0.svg").exists()
    svg = (out / "iterations_env0.svg").read_text()
    assert "instance-optimal omega*(c_t)" in svg and "regret = the excess over the dashed line" in svg
    result = load_results(out)["environments"][0].result
    total, star = result.metrics["total_iterations"], result.metrics["instance_optimal_iterations"]
    per_instance = total.mean(axis=1) / 40
    # the table's "minus instance-optimal" column is the figure's excess: fixed omega = 1 (Gauss-Seidel) pays most
    assert per_instance[1] > per_instance[0] > 0 and np.all(total >= 0)
    assert f"{(total[1] - star[1]).mean() / 40:.2f}" in report


def test_theoretical_regret_rates_are_stated_beside_regret_only(tmp_path):
    """SOR curves are regret (iterations above omega*(c_t)'s): the note on theoretical rates is
    there; the heat equation's curves are total solver iterations, no regret: no such note."""
    from bandits.experiment import load_results
    from bandits.report.regret import regret_section

    out = tmp_path / "out"
    run_experiment({"name": "rates", "horizon": 20, "n_replications": 2, "seed": 2,
                    "environments": [{"name": "SORTuning"}, {"name": "HeatEquationTuning", "nx": 6}],
                    "policies": [{"name": "chebcb"}, {"name": "fixed_omega", "omega": 1.0}]}, out)
    results = load_results(out)
    config = results["manifest"]["config"]
    sor, heat = (regret_section(env, out, config) for env in results["environments"])
    assert any(note.startswith("Theoretical rates of regret") for note in sor.notes)
    assert not any("Theoretical rates" in note for note in heat.notes)
