"""The recovering-rewards report section (Simchi-Levi, Zheng & Zhu, ICML 2021, arXiv:2106.14813):
the table of average rewards against UB* and the periodic lower bounds, policy regret against
the offline purely periodic policy (paired by replication, only when the run has one), the
figures, and the page that holds them."""

from __future__ import annotations

import numpy as np
import pytest

from bandits import load_results, run_experiment, write_report
from bandits.core.registry import problem_class
from bandits.report.recovering import periodic_reference, recovering_report_section

ENVIRONMENT = {"name": "RandomRecoveringBandit", "family": "logistic", "n_arms": 6, "d_max": 4, "max_pulls": 2,
               "instance_seed": 3}
HORIZON = 2000


def _experiment(directory, policies):
    config = {"name": directory.name, "horizon": HORIZON, "n_replications": 4, "seed": 7,
              "environments": [ENVIRONMENT], "policies": [{"name": name} for name in policies]}
    run_experiment(config, directory)
    results = load_results(directory)
    env = results["environments"][0]
    return env, recovering_report_section(env, directory, results["manifest"]["config"])


@pytest.fixture(scope="module")
def with_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("with-reference")
    env, section = _experiment(out, ["periodic_ucb", "purely_periodic", "combinatorial_ucb"])
    return out, env, section


def test_table_pairs_policy_regret_with_the_offline_periodic_policy(with_reference):
    _, env, section = with_reference
    (_, header, rows), = section.tables
    result = env.result
    labels = list(result.policy_labels)
    column = header.index("policy regret vs purely_periodic at T (mean ± s.e.)")
    assert [row[0] for row in rows[:3]] == labels and all(len(row) == len(header) for row in rows)
    assert rows[1][column] == "0"  # the reference against itself, replication by replication
    assert rows[0][column] not in ("", "0") and rows[2][column] not in ("", "0")
    assert [row[-1] for row in rows[:3]] == ["", "oracle", ""]
    expected = result.metrics["expected_reward"]
    mean_difference = (expected[1, :, -1] - expected[0, :, -1]).mean()
    assert rows[0][column].startswith(f"{mean_difference:.1f} ± ")
    assert rows[0][1].startswith(f"{(expected[0, :, -1] / HORIZON).mean():.4f} ± ")
    # approximation regret is gamma UB* T minus the cumulative expected reward
    ub = result.metrics["fluid_upper_bound"][0, 0]
    np.testing.assert_allclose(result.cumulative_regret[:, :, -1], HORIZON * ub - expected[:, :, -1], rtol=1e-9)
    problem = problem_class(env.name)(**env.params)
    assert ub == problem.fluid_upper_bound
    assert [row[0] for row in rows[3:]] == ["UB* (fluid LP upper bound)", "periodic lower bound, randomised rounding",
                                           "periodic lower bound, deterministic rounding"]
    assert rows[3][1] == f"{ub:.4f}" and rows[4][1] == f"{problem.periodic_lower_bound('randomised'):.4f}"
    notes = " ".join(section.notes)
    assert f"UB* = {ub:.4f}" in notes and "gamma = 1" in notes and "grows linearly in T" in notes
    assert "ORACLE INFORMATION: purely_periodic" in notes


def test_figures_and_page(with_reference):
    out, env, section = with_reference
    assert section.figures == ["policy_regret_env0", "idle_pulls_env0"]
    for name in section.figures:
        assert (out / f"{name}.png").stat().st_size > 0 and (out / f"{name}.svg").stat().st_size > 0
    write_report(out)
    page = (out / "report.html").read_text()
    ub = env.result.metrics["fluid_upper_bound"][0, 0]
    assert f"{ub:.4f}" in page and "policy regret" in page and "Recovering rewards: averages" in page
    assert page.count("data:image/png;base64,") == 5  # three generic figures and this section's two


def test_no_policy_regret_without_the_offline_periodic_policy(tmp_path):
    out = tmp_path / "without-reference"
    env, section = _experiment(out, ["periodic_ucb", "combinatorial_ucb"])
    (_, header, rows), = section.tables
    assert not any("policy regret" in title for title in header)
    assert all(len(row) == len(header) for row in rows)
    assert section.figures == ["idle_pulls_env0"] and not (out / "policy_regret_env0.png").exists()
    assert "Policy regret" not in " ".join(section.notes) and "ORACLE INFORMATION" not in " ".join(section.notes)
    # an idle-blind policy pulls more often at idle time 1 than the periodic learner
    counts = env.result.metrics["pulls_by_idle"].sum(axis=(1, 2))
    assert counts[1, 0] / counts[1].sum() > counts[0, 0] / counts[0].sum()


def test_the_reference_is_the_first_default_purely_periodic_entry():
    def config(*entries):
        return {"policies": [dict(entry) for entry in entries]}

    default, greedy = {"name": "purely_periodic"}, {"name": "purely_periodic", "collisions": "greedy"}
    assert periodic_reference(config({"name": "periodic_ucb"})) is None
    assert periodic_reference(config({"name": "periodic_ucb"}, greedy, default)) == 2
    assert periodic_reference(config(greedy, {"name": "purely_periodic", "rounding": "deterministic"})) == 0
    assert periodic_reference(config({"name": "purely_periodic", "capacity_scale": 1.0}, default)) == 0
