"""Parameter sweeps as data (bandits.experiment.sweeps): expansion into cells (product and zip),
validation of every cell with errors naming it, per-environment horizons, and cells that are
ordinary (environment, policy) pairs of the result store: identical to the same pair run alone,
for any n_jobs, after an interruption, with their swept values in the tidy frame and a report
that plots the final metric against each swept parameter."""

from __future__ import annotations

import numpy as np
import pytest

from bandits.experiment import ConfigError, load_config, load_results, run_experiment
from bandits.experiment.sweeps import Cell, cell_path, expand_entries, is_geometric


def expand(entries, kind="environments"):
    problems = []
    cells = expand_entries(kind, entries, problems)
    return cells, problems


# =============================================================================================
# Expansion
# =============================================================================================
def test_product_in_written_order_the_last_list_varying_fastest():
    cells, problems = expand([{"name": "E", "low": 0.1, "sweep": {"n_arms": [2, 5], "horizon": [10, 20, 30]}}])
    assert problems == []
    assert [c.values for c in cells] == [{"n_arms": a, "horizon": h} for a in (2, 5) for h in (10, 20, 30)]
    assert all(c.origin == 0 and c.entry["low"] == 0.1 and c.entry["name"] == "E" for c in cells)
    assert cells[4].entry == {"name": "E", "low": 0.1, "n_arms": 5, "horizon": 20}


def test_zip_pairs_the_lists_and_entries_without_a_sweep_are_one_cell():
    cells, problems = expand([{"name": "A"}, {"name": "B", "sweep": {"c": [1, 2, 3], "d": [4, 4, 6], "mode": "zip"}}])
    assert problems == []  # a value may repeat in one list of a zip, as long as the pairs differ
    assert cells[0] == Cell(0, {}, {"name": "A"})
    assert [c.values for c in cells[1:]] == [{"c": 1, "d": 4}, {"c": 2, "d": 4}, {"c": 3, "d": 6}]
    assert cells[1].axes == (("c", "d"),)
    assert cell_path("policies", cells[2]) == "policies[1]{c=2, d=4}" and cell_path("policies", cells[0]) == "policies[0]"
    close, _ = expand([{"name": "A", "sweep": {"alpha": [1.0000001, 1.0000002]}}])
    assert [cell_path("policies", c) for c in close] == ["policies[0]{alpha=1.0000001}", "policies[0]{alpha=1.0000002}"]


@pytest.mark.parametrize("sweep, message", [
    ({"c": [1, 2], "d": [1], "mode": "zip"}, 'mode "zip" pairs lists of one length, got c: 2, d: 1'),
    ({"c": [1, 1], "d": [2, 2], "mode": "zip"}, 'mode "zip" pairs the same values twice'),
    ({"c": [1.0, float("nan")]}, "sweep.c: NaN cannot be a swept value"),
    ({"c": [1, 2], "mode": "grid"}, "sweep.mode: must be one of 'product', 'zip', got 'grid'"),
    ({"c": 3}, "sweep.c: must be a non-empty list of values, got 3"),
    ({"c": []}, "sweep.c: must be a non-empty list of values, got []"),
    ({"c": [1, 2, 1]}, "sweep.c: lists a value twice"),
    ({"alpha": [1, 2]}, "sweep.alpha: also given outside the sweep (alpha = 2.0)"),
    ({"name": ["ucb1", "kl_ucb"]}, "sweep.name: the name cannot be swept"),
    ({}, "sweep: names no parameter to sweep"),
    ({"mode": "zip"}, "sweep: names no parameter to sweep"),
    ([1, 2], "sweep: must be a table of parameter = [values, ...]"),
])
def test_malformed_sweeps_are_named_and_yield_no_cell(sweep, message):
    cells, problems = expand([{"name": "ucb1", "alpha": 2.0, "sweep": sweep}], kind="policies")
    assert cells == [] and len(problems) >= 1
    assert any(problem.startswith("policies[0].sweep") and message in problem for problem in problems), problems


def test_geometric_grids_get_log_axes():
    assert is_geometric([2, 5, 10, 20, 50, 100]) and is_geometric([1, 2, 4, 8]) and is_geometric([0.25, 0.5, 1, 2])
    assert is_geometric([1, 1000])  # two decades or more
    assert not is_geometric([0.5, 1.0, 1.5, 2.0]) and not is_geometric([1, 2]) and not is_geometric([0, 1, 2, 4])
    assert not is_geometric(["a", "b", "c"]) and not is_geometric([-1, 2, 4])


# =============================================================================================
# Validation of every cell, before anything is written
# =============================================================================================
def experiment(environments, policies, horizon=200, n_replications=4, **extra):
    return {"name": "sweep", "horizon": horizon, "n_replications": n_replications, "seed": 3, "chunk_size": 2,
            "environments": environments, "policies": policies, **extra}


def test_every_bad_cell_is_reported_at_once_by_its_values(tmp_path):
    config = experiment(
        [{"name": "EvenlySpacedBernoulliBandit", "sweep": {"n_arms": [1, 3, 0]}}],
        [{"name": "kl_ucb", "sweep": {"c": [1.0, -1.0]}}])
    with pytest.raises(ConfigError) as error:
        run_experiment(config, tmp_path / "out")
    problems = error.value.problems
    assert "environments[0]{n_arms=1}.n_arms: must be >= 2, got 1" in problems
    assert "environments[0]{n_arms=0}.n_arms: must be >= 2, got 0" in problems
    assert any(p.startswith("policies[0]{c=-1.0}.c: must be > 0") for p in problems), problems
    assert not (tmp_path / "out").exists()


def test_a_swept_horizon_is_checked_per_cell_against_each_policy():
    config = experiment([{"name": "EvenlySpacedBernoulliBandit", "n_arms": 2, "sweep": {"horizon": [50, 500, 0]}}],
                        [{"name": "explore_then_commit", "explore_per_arm": 30}])
    with pytest.raises(ConfigError) as error:
        load_config(config)
    problems = error.value.problems
    assert "environments[0]{horizon=0}.horizon: must be >= 1, got 0" in problems
    assert any(p.startswith("environments[0]{horizon=50} (EvenlySpacedBernoulliBandit) with policies[0]: "
                            "explore_per_arm") for p in problems), problems
    assert not any("horizon=500" in p for p in problems)


def test_an_explicit_list_of_record_points_must_fit_every_cells_horizon():
    config = experiment([{"name": "EvenlySpacedBernoulliBandit", "sweep": {"horizon": [100, 50]}}],
                        [{"name": "ucb1"}], record_points=[10, 80])
    with pytest.raises(ConfigError, match=r"record_points: must be strictly increasing steps in \[1, horizon=50\] "
                                          r"\(environments\[0\]\{horizon=50\}.horizon = 50\)"):
        load_config(config)


def test_expanding_and_validating_many_cells_names_each_one():
    cells = load_config(experiment(
        [{"name": "EvenlySpacedBernoulliBandit", "sweep": {"n_arms": list(range(2, 52)), "low": [0.0, 0.1, 0.2]}}],
        [{"name": "ucb1"}]))
    assert len(cells.environments) == 150 and cells.swept
    assert [c.values for c in cells.environment_cells[:2]] == [{"n_arms": 2, "low": 0.0}, {"n_arms": 2, "low": 0.1}]


# =============================================================================================
# Cells are ordinary (environment, policy) pairs of the store
# =============================================================================================
SWEPT = experiment(
    [{"name": "EvenlySpacedBernoulliBandit", "sweep": {"n_arms": [2, 4], "horizon": [60, 200]}}],
    [{"name": "ucb1"}, {"name": "kl_ucb", "sweep": {"c": [0.5, 1.0]}}])


def test_each_cell_equals_the_same_pair_run_alone_for_any_n_jobs(tmp_path):
    swept = run_experiment(dict(SWEPT, n_jobs=2), tmp_path / "swept")
    assert [env.swept for env in swept["environments"]] == [
        {"n_arms": a, "horizon": h} for a in (2, 4) for h in (60, 200)]
    for env in swept["environments"]:
        alone = run_experiment(
            experiment([{"name": "EvenlySpacedBernoulliBandit", "n_arms": env.swept["n_arms"]}],
                       [{"name": "ucb1"}, {"name": "kl_ucb", "c": 0.5}, {"name": "kl_ucb"}],
                       horizon=env.swept["horizon"], n_jobs=1),
            tmp_path / f"alone{env.index}")["environments"][0]
        assert env.result.horizon == alone.result.horizon == env.swept["horizon"]
        assert env.result.policy_labels == alone.result.policy_labels == ["ucb1", "kl_ucb(c=0.5)", "kl_ucb"]
        np.testing.assert_array_equal(env.result.record_points, alone.result.record_points)
        np.testing.assert_array_equal(env.result.cumulative_regret, alone.result.cumulative_regret)
        np.testing.assert_array_equal(env.result.pull_counts, alone.result.pull_counts)


def test_an_interrupted_sweep_resumes_to_the_same_arrays_and_its_frame_has_the_swept_columns(tmp_path):
    pytest.importorskip("pandas")
    whole = run_experiment(SWEPT, tmp_path / "whole")
    out = tmp_path / "resumed"
    run_experiment(SWEPT, out)
    for shard in sorted((out / "shards").rglob("*.npz"))[::3]:  # lose a third of the shards
        shard.unlink()
    assert load_results(out)["incomplete"]
    resumed = run_experiment(SWEPT, out)
    assert resumed["computed_shards"] > 0 and resumed["incomplete"] == []
    for a, b in zip(whole["environments"], resumed["environments"]):
        np.testing.assert_array_equal(a.result.cumulative_regret, b.result.cumulative_regret)
    frame = load_results(out, frame=True)["frame"]
    assert {"n_arms", "horizon", "c"} <= set(frame.columns)
    finals = frame[frame["t"] == frame["horizon"]]
    assert sorted(finals["horizon"].unique()) == [60, 200] and sorted(finals["n_arms"].unique()) == [2, 4]
    assert set(finals.loc[finals["policy"] == "kl_ucb(c=0.5)", "c"]) == {0.5}
    assert finals.loc[finals["policy"] == "ucb1", "c"].isna().all()
    kl = finals[(finals["policy"] == "kl_ucb(c=0.5)") & (finals["n_arms"] == 4) & (finals["horizon"] == 200)]
    env = next(e for e in resumed["environments"] if e.swept == {"n_arms": 4, "horizon": 200})
    np.testing.assert_array_equal(kl.sort_values("replication")["cumulative_regret"], env.result.final_regret[1])


def test_a_sweep_report_plots_each_swept_parameter(tmp_path):
    from bandits.report import write_report

    out = tmp_path / "out"
    run_experiment(SWEPT, out)
    report = write_report(out).read_text()
    for name in ("sweep_n_arms_0", "sweep_horizon_0", "sweep_policy1_c_0"):
        assert f"({name}.png)" in report and (out / f"{name}.svg").exists()
    assert "Final regret of every cell" in report and "## Sweep" in report
    assert "regret_env3.png" in report  # four cells: each has its own section too


def test_a_large_sweep_report_leaves_out_the_per_environment_sections(tmp_path):
    from bandits.report import write_report
    from bandits.report.page import PER_ENVIRONMENT_SECTIONS_UP_TO

    cells = PER_ENVIRONMENT_SECTIONS_UP_TO + 1
    out = tmp_path / "out"
    run_experiment(experiment([{"name": "EvenlySpacedBernoulliBandit", "sweep": {"n_arms": list(range(2, 2 + cells))}}],
                              [{"name": "ucb1"}], horizon=30, n_replications=2), out)
    report = write_report(out).read_text()
    assert "sweep_n_arms_0.png" in report and "regret_env0.png" not in report
    assert f"{cells} environments: their own sections" in report


def test_zipped_parameters_are_one_axis_of_the_report(tmp_path):
    from bandits.report import write_report

    out = tmp_path / "out"
    run_experiment(experiment([{"name": "EvenlySpacedBernoulliBandit",
                                "sweep": {"n_arms": [2, 4, 8], "horizon": [40, 80, 160], "mode": "zip"}}],
                              [{"name": "ucb1"}], n_replications=2), out)
    layout = load_results(out)["manifest"]["layout"]
    assert [item["axes"] for item in layout["environments"]] == [[["n_arms", "horizon"]]] * 3
    report = write_report(out).read_text()
    assert "sweep_n_arms_horizon_0.png" in report and "sweep_n_arms_0.png" not in report


def test_sweep_metrics_of_a_problem_class_are_plotted_with_their_intervals():
    """The report's metrics: the final regret, then the problem class's ``sweep_metrics`` (the
    error probability of best-arm identification, with the Wilson interval)."""
    from bandits.core.intervals import wilson_interval
    from bandits.experiment.store import EnvironmentResults
    from bandits.report.sweeps import _metrics, final_metric_estimates
    from bandits.runner import RunResult

    errors = np.array([[1, 0, 0, 1, 0, 0, 0, 0]], dtype=np.int64)  # one policy, 8 runs, 2 errors
    result = RunResult(policy_labels=["dp_bai"], record_points=np.array([100]), cumulative_regret=np.ones((1, 8, 1)),
                       cumulative_reward=np.ones((1, 8, 1)), pull_counts=np.ones((1, 8, 3), np.int64), horizon=100,
                       root_seed=0, wall_time=np.zeros(1), kernel_seconds=np.zeros((1, 8)), metrics={"error": errors})
    env = EnvironmentResults(0, "RandomUnitArmsBAIProblem", {}, result, {"horizon": 100})
    metrics = _metrics([env], {"policies": [{"name": "dp_bai"}]})
    assert [label for label, _, _ in metrics] == ["final pull regret sum_t (mu* - mu_(a_t))", "error probability"]
    label, getter, kind = metrics[1]
    assert kind == "probability" and getter(env, 0).tolist() == [1, 0, 0, 1, 0, 0, 0, 0]
    estimate, low, high = final_metric_estimates(getter(env, 0), kind)
    assert estimate == 0.25 and (low, high) == wilson_interval(2, 8)
    mean, low, high = final_metric_estimates([1.0, 2.0, 3.0])
    assert mean == 2.0 and high - mean == pytest.approx(1.96 * 1.0 / np.sqrt(3))


def test_record_points_with_environments_of_their_own_horizons():
    """An explicit list that stops before a cell's horizon is refused (its final values would not
    be recorded); "final" records each environment's horizon only."""
    config = experiment([{"name": "EvenlySpacedBernoulliBandit", "sweep": {"horizon": [50, 200]}}],
                        [{"name": "ucb1"}], record_points=[10, 50])
    with pytest.raises(ConfigError, match=r"record_points: an explicit list ends at step 50, before the horizon of "
                                          r"environments\[0\]\{horizon=200\}"):
        load_config(config)
    final = load_config(dict(config, record_points="final"))
    assert [points.tolist() for points in final.environment_record_points] == [[50], [200]]


def test_the_same_policy_twice_is_named_once():
    with pytest.raises(ConfigError) as error:
        load_config(experiment([{"name": "EvenlySpacedBernoulliBandit", "sweep": {"n_arms": [2, 3]}}],
                               [{"name": "kl_ucb", "sweep": {"c": [0.5, 1.0]}}, {"name": "kl_ucb"}]))
    assert error.value.problems == [
        "policies[0]{c=1.0} and policies[1]: the same policy twice (label 'kl_ucb'); give them different "
        "hyper-parameters or drop one"]


def test_frame_columns_of_any_swept_value_and_clashing_names(tmp_path):
    pytest.importorskip("pandas")
    out = tmp_path / "out"
    run_experiment(experiment([{"name": "GaussianBandit", "sweep": {"means": [[0.1, 0.5], [0.2, 0.4]],
                                                                     "noise_std": [0.5, 1.0]}}],
                              [{"name": "thompson_gaussian", "sweep": {"noise_std": [0.5, 1.0]}}],
                              n_replications=2, horizon=20), out)
    frame = load_results(out, frame=True)["frame"]
    assert {"means", "noise_std", "policy.noise_std"} <= set(frame.columns)
    row = frame[(frame["environment"] == 1) & (frame["policy"] == "thompson_gaussian(noise_std=0.5)")].iloc[0]
    assert row["means"] == [0.1, 0.5] and row["noise_std"] == 1.0 and row["policy.noise_std"] == 0.5


def test_two_entries_sweeping_one_parameter_are_drawn_apart(tmp_path):
    from bandits.experiment.store import load_results as load
    from bandits.report.sweeps import sweep_section

    out = tmp_path / "out"
    run_experiment(experiment([{"name": "EvenlySpacedBernoulliBandit", "high": 0.9, "sweep": {"n_arms": [2, 4]}},
                               {"name": "EvenlySpacedBernoulliBandit", "high": 0.5, "sweep": {"n_arms": [2, 4]}}],
                              [{"name": "ucb1"}], n_replications=2, horizon=20), out)
    import matplotlib.pyplot as plt

    figures = []
    original = plt.subplots

    def recording(*args, **kwargs):
        fig, axes = original(*args, **kwargs)
        figures.append(axes)
        return fig, axes

    plt.subplots = recording
    try:
        sweep_section(load(out), out)
    finally:
        plt.subplots = original
    titles = [ax.get_title() for ax in figures[0].flat if ax.get_visible()]
    assert len(titles) == 2 and "high=0.9" in titles[0] and "high=0.5" in titles[1]
