"""Experiments as data, the result directory, reports and the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from bandits import UCB1, BernoulliThompsonSampling, run
from bandits.cli import main
from bandits.experiment import ConfigError, load_config, load_results, run_experiment
from bandits.report import loglog_slope, write_report
from environments import BernoulliBandit

MEANS = [0.2, 0.5, 0.7]


def small_config(**overrides):
    config = {
        "name": "small",
        "horizon": 300,
        "n_replications": 4,
        "seed": 7,
        "n_jobs": 2,
        "environments": [{"name": "BernoulliBandit", "means": MEANS}],
        "policies": [{"name": "ucb1"}, {"name": "thompson_beta"}],
    }
    config.update(overrides)
    return config


def test_config_lists_every_problem_with_its_path():
    bad = small_config(
        horizon=0,
        n_replications="many",
        colour="blue",
        environments=[{"name": "BernoulliBandit", "means": [0.2, 1.5]}, {"name": "NoSuchBandit"}],
        policies=[{"name": "ucb1", "alpha": -1}, {"name": "kl_ucb", "c": 0, "typo": 1}, {"name": "nope"}],
    )
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    problems = caught.value.problems
    expected = [
        "colour: unknown key",
        "horizon: must be >= 1, got 0",
        "n_replications: must be an integer, got 'many'",
        "environments[0].means[1]: must be in [0, 1], got 1.5",
        "environments[1].name: unknown name 'NoSuchBandit'",
        "policies[0].alpha: must be > 0, got -1",
        "policies[1].typo: unknown parameter of kl_ucb",
        "policies[2].name: must be one of",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)


def test_config_reports_each_bad_hyper_parameter():
    with pytest.raises(ConfigError) as caught:
        load_config(small_config(policies=[{"name": "kl_ucb", "c": -1, "c_loglog": -2}]))
    assert any(p.startswith("policies[0].c:") for p in caught.value.problems)
    assert any(p.startswith("policies[0].c_loglog:") for p in caught.value.problems)


def test_config_checks_cross_parameter_rules_jointly():
    # n_arms is only valid together with arms = "clear-cut": checked jointly, not rejected alone
    streaming = {"name": "StreamingBandit", "arms": "clear-cut", "n_arms": 50, "memory": 8}
    config = load_config(small_config(environments=[streaming], policies=[{"name": "uniform_exploration"}]))
    assert config.environments[0][2].n_arms == 50
    # a value that breaks its own rule is reported under its own name, and only that
    with pytest.raises(ConfigError) as caught:
        load_config(small_config(environments=[dict(streaming, memory=0)], policies=[{"name": "uniform_exploration"}]))
    assert [p.split(":")[0] for p in caught.value.problems] == ["environments[0].memory"]
    # a rule that joins two arguments is reported by the joint check
    with pytest.raises(ConfigError) as caught:
        load_config(small_config(environments=[{"name": "StreamingBandit", "arms": "explicit", "means": [0.2, 0.4], "n_arms": 3}],
                                 policies=[{"name": "uniform_exploration"}]))
    assert any("n_arms: must equal len(means) = 2, got 3" in p for p in caught.value.problems), caught.value.problems


def test_config_rejects_incompatible_reward_ranges():
    config = small_config(environments=[{"name": "regretlab/GaussianBandit-v0", "means": MEANS}])
    with pytest.raises(ConfigError, match=r"needs rewards in \[0, 1\], but GaussianBandit rewards range over \[-inf, inf\], got .BernoulliThompsonSampling."):
        load_config(config)


def test_config_from_toml_file(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(
        'horizon = 100\nn_replications = 2\nseed = 3\nrecord_points = [10, 50, 100]\n'
        '[[environments]]\nname = "BernoulliBandit"\nmeans = [0.3, 0.6]\n'
        '[[policies]]\nname = "ucb1"\nalpha = 1.5\n'
    )
    config = load_config(path)
    assert config.name == "exp"
    np.testing.assert_array_equal(config.record_points, [10, 50, 100])
    assert config.policies[0][2].alpha == 1.5


def test_invalid_config_writes_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ConfigError):
        run_experiment(small_config(horizon=-5), out)
    assert not out.exists()


def test_run_experiment_equals_direct_run_and_resumes(tmp_path):
    out = tmp_path / "out"
    loaded = run_experiment(small_config(), out)
    direct = run(
        BernoulliBandit(MEANS), [UCB1(), BernoulliThompsonSampling()], horizon=300, n_replications=4, seed=7
    )
    stored = loaded["environments"][0].result
    np.testing.assert_array_equal(stored.cumulative_regret, direct.cumulative_regret)
    np.testing.assert_array_equal(stored.pull_counts, direct.pull_counts)
    assert stored.policy_labels == ["ucb1", "thompson_beta"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["root_seed"] == 7 and manifest["finished"] and "numba" in manifest["versions"]

    # a corrupted shard is detected by its checksum and recomputed identically
    shard = out / "shards/env0/policy1/reps0000000-0000004.npz"
    shard.write_bytes(b"garbage")
    again = run_experiment(small_config(n_jobs=1), out)
    np.testing.assert_array_equal(again["environments"][0].result.cumulative_regret, direct.cumulative_regret)


def test_result_directory_of_another_config_is_refused(tmp_path):
    out = tmp_path / "out"
    run_experiment(small_config(), out)
    before = sorted(p.read_bytes() for p in out.rglob("*.npz"))
    with pytest.raises(ConfigError, match="different configuration"):
        run_experiment(small_config(seed=8), out)
    assert sorted(p.read_bytes() for p in out.rglob("*.npz")) == before
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="is not an empty directory"):
        run_experiment(small_config(), foreign)


def test_report_files(tmp_path):
    out = tmp_path / "out"
    run_experiment(small_config(), out)
    path = write_report(out)
    text = path.read_text()
    assert "| ucb1 |" in text and "| thompson_beta |" in text
    for name in ("regret_env0", "loglog_env0", "final_env0"):
        assert (out / f"{name}.png").stat().st_size > 1000
        assert (out / f"{name}.svg").exists()
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 3  # self-contained


def test_loglog_slope_recovers_powers():
    t = np.arange(1, 10_001)
    assert loglog_slope(t, 3 * t**0.5) == pytest.approx(0.5, abs=1e-9)
    assert loglog_slope(t, t ** (2 / 3)) == pytest.approx(2 / 3, abs=1e-9)
    assert np.isnan(loglog_slope(t, np.zeros(t.size)))


def test_cli_run_report_list(tmp_path, capsys):
    config = tmp_path / "exp.toml"
    config.write_text(
        'horizon = 200\nn_replications = 3\nseed = 1\n'
        '[[environments]]\nname = "BernoulliBandit"\nmeans = [0.3, 0.6]\n'
        '[[policies]]\nname = "ucb1"\n'
    )
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--no-progress"]) == 0
    assert (out / "report.md").exists() and (out / "report.html").exists()
    assert load_results(out)["environments"][0].result.final_regret.shape == (1, 3)
    assert main(["report", str(out)]) == 0
    assert main(["list"]) == 0
    listing = capsys.readouterr().out
    assert "kl_ucb(c=1.0, c_loglog=0.0)" in listing and "BernoulliBandit" in listing


def test_cli_invalid_input_exits_2_and_writes_nothing(tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text('horizon = 0\nn_replications = 1\n[[environments]]\nname = "BernoulliBandit"\nmeans = [0.5]\n[[policies]]\nname = "ucb1"\nalpha = -1\n')
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "horizon: must be >= 1, got 0" in err and "policies[0].alpha: must be > 0, got -1" in err
    assert not out.exists()
    assert main(["bench", "--policy", "nope"]) == 2
    assert "policy" in capsys.readouterr().err


def test_cli_bench_json(capsys):
    assert main(["bench", "--policy", "ucb1", "--arms", "3", "--horizon", "500", "--reps", "4", "--repeats", "1", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    for key in ("steps_per_s", "compile_s", "run_s", "mean_regret", "se_regret"):
        assert key in figures and figures[key] >= 0
    assert main(["bench", "--policy", "ucb1", "--arms", "3", "--horizon", "50", "--reps", "2", "--repeats", "1", "--gym", "--json"]) == 0
    gym_figures = json.loads(capsys.readouterr().out)
    assert gym_figures["driver"] == "gym"


def test_cli_bench_streaming(capsys):
    args = ["bench", "--policy", "uniform_exploration", "--arms", "50", "--horizon", str(10**12), "--reps", "3", "--repeats", "1"]
    assert main(args + ["--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["env"] == "streaming_clear_cut" and figures["time_unit"] == "pull"
    assert figures["replications_per_s"] == pytest.approx(3 / figures["run_s"])
    assert main(args + ["--json", "--gym"]) == 0  # the shell with batch pulls, through bandits.rollout
    gym_figures = json.loads(capsys.readouterr().out)
    assert gym_figures["driver"] == "gym" and gym_figures["mean_regret"] == figures["mean_regret"]


def test_default_record_points_of_a_streaming_problem_survive_the_manifest(tmp_path):
    """Without record_points, a streaming experiment records the problem's own sparse density
    (every pull to 10, then 20 per decade); the manifest says so, so the stored results reload
    with the same points and the report is written."""
    config = {
        "name": "streaming_default_points", "horizon": 200_000, "n_replications": 2, "seed": 3,
        "environments": [{"name": "StreamingBandit", "arms": "clear-cut", "n_arms": 20, "memory": 8}],
        "policies": [{"name": "uniform_exploration"}],
    }
    loaded = run_experiment(config, tmp_path / "out")
    stored = loaded["environments"][0].result
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["config"]["record_points"] == {"dense_until": 10, "per_decade": 20}
    assert stored.record_points.size == stored.cumulative_regret.shape[-1] < 200
    again = load_results(tmp_path / "out")["environments"][0].result
    np.testing.assert_array_equal(again.record_points, stored.record_points)
    assert write_report(tmp_path / "out").exists()


def test_tidy_frame_matches_arrays(tmp_path):
    pytest.importorskip("pandas")
    loaded = run_experiment(small_config(record_points=[1, 100, 300]), tmp_path / "out")
    assert loaded["frame"] is None  # built only on request
    loaded = load_results(tmp_path / "out", frame=True)
    frame = loaded["frame"]
    result = loaded["environments"][0].result
    assert list(frame.columns) == [
        "environment", "environment_name", "policy", "replication", "t", "cumulative_regret", "cumulative_reward",
    ]
    assert len(frame) == 2 * 4 * 3
    row = frame[(frame.policy == "thompson_beta") & (frame.replication == 3) & (frame.t == 100)]
    assert row.cumulative_regret.item() == result.cumulative_regret[1, 3, 1]


def pulls_of_best_arm(env, out, config):
    """A report section for the test below (named by its module path in a registry record)."""
    import matplotlib.pyplot as plt

    from bandits.report import ReportSection, save_figure

    fig, ax = plt.subplots()
    ax.hist(env.result.pull_counts[:, :, -1].ravel())
    name = save_figure(fig, out, f"best_arm_pulls_env{env.index}")
    plt.close(fig)
    rows = [[label, int(env.result.pull_counts[p, :, -1].sum())] for p, label in enumerate(env.result.policy_labels)]
    return ReportSection(figures=[name], tables=[("Pulls of arm 2", ["policy", "pulls"], rows)], notes=["A test note."])


def test_a_settings_report_section_comes_from_its_registry_record(tmp_path):
    from dataclasses import replace

    from bandits.core.registry import get_setting, register_setting

    out = tmp_path / "out"
    run_experiment(small_config(), out)
    classic = get_setting("classic")
    assert classic.report_section is None
    plain = write_report(out).read_text()
    assert "Pulls of arm 2" not in plain
    register_setting(replace(classic, report_section=f"{__name__}:pulls_of_best_arm"), replace=True)
    try:
        text = write_report(out).read_text()
    finally:
        register_setting(classic, replace=True)
    assert "![best_arm_pulls_env0](best_arm_pulls_env0.png)" in text
    assert "**Pulls of arm 2**" in text and "A test note." in text
    assert (out / "best_arm_pulls_env0.svg").exists()
    # the log-log legend states each policy's theoretical rate
    assert "loglog_env0" in text


EXPERIMENTS = sorted((Path(__file__).resolve().parents[2] / "experiments").rglob("*.toml"))


@pytest.mark.parametrize("path", EXPERIMENTS, ids=[f"{p.parent.name}/{p.stem}" for p in EXPERIMENTS])
def test_shipped_experiment_files_are_valid(path):
    config = load_config(path)
    assert config.name == path.stem


def test_example_script_runs_end_to_end(tmp_path, capsys):
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "experiments" / "example_script.py"
    spec = importlib.util.spec_from_file_location("example_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path / "out")
    printed = capsys.readouterr().out
    assert "reproduces the stored regret exactly" in printed
    assert (tmp_path / "out" / "report.html").exists()


def test_resume_refuses_to_mix_shards_of_two_source_versions(tmp_path):
    out = tmp_path / "out"
    run_experiment(small_config(chunk_size=2), out)
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert len(manifest["source_stamp"]) == 64
    # complete directories load whatever version made them; an incomplete one is not finished
    # by another version
    manifest["source_stamp"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))
    run_experiment(small_config(chunk_size=2), out)  # nothing to compute: fine
    shard = next((out / "shards").rglob("*.npz"))
    shard.unlink()
    before = manifest_path.read_bytes()
    with pytest.raises(ConfigError, match="another version of the regretlab source"):
        run_experiment(small_config(chunk_size=2), out)
    assert manifest_path.read_bytes() == before and not shard.exists()


def test_cli_bench_solver_tuning(capsys):
    args = ["bench", "--policy", "chebcb", "--arms", "5", "--horizon", "50", "--reps", "2", "--repeats", "1", "--json"]
    assert main(args) == 0
    figures = json.loads(capsys.readouterr().out)
    for key in ("steps_per_s", "replications_per_s", "compile_s", "run_s", "mean_regret", "se_regret"):
        assert key in figures
    assert figures["env"] == "sor_tuning_high" and figures["time_unit"] == "instance"
    assert figures["problem"] == "SORTuning"
    # the regret is in iterations against the instance-optimal omega, summed over the instances
    metrics = figures["metrics"]
    assert figures["mean_regret"] == pytest.approx(metrics["total_iterations"] - metrics["instance_optimal_iterations"])
    assert main(args + ["--gym"]) == 0  # the shell replays the fused runner's instances and policy draws
    gym_figures = json.loads(capsys.readouterr().out)
    assert gym_figures["driver"] == "gym" and gym_figures["mean_regret"] == figures["mean_regret"]
    assert main(["bench", "--policy", "chebcb", "--arms", "11"]) == 2  # A + c I indefinite for c = -0.15
    assert "arms: must fit the preset 'sor_tuning_high'" in capsys.readouterr().err


def test_cli_bench_sor_sweep_without_pyamg(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyamg", None)  # import pyamg raises ImportError
    assert main(["bench", "--sor-sweep", "--sizes", "20", "--repeats", "1", "--json"]) == 0
    captured = capsys.readouterr()
    assert "pip install -e '.[bench]'" in captured.err
    figures = json.loads(captured.out)
    (entry,) = figures["sizes"]
    assert entry["n_side"] == 20 and entry["n"] == 400
    assert set(entry["ns_per_unknown_iteration"]) == {"stencil", "stencil_sweep", "csr"}
    assert all(value > 0 for value in entry["ns_per_unknown_iteration"].values())
    assert entry["ratios"] == {}
    assert main(["bench", "--sor-sweep", "--sizes", "20,x"]) == 2


def test_sor_sweep_benchmark_against_pyamg():
    pytest.importorskip("pyamg")
    from bandits.bench.sor_sweep import sor_sweep_benchmark

    figures = sor_sweep_benchmark([20], repeats=1)
    assert figures["pyamg_missing"] is None
    (entry,) = figures["sizes"]
    assert {"pyamg_sor", "pyamg_core", "pyamg_sor_residual"} <= set(entry["ns_per_unknown_iteration"])
    assert all(value > 0 for value in entry["ns_per_unknown_iteration"].values())
    assert entry["ratios"]["stencil/pyamg_sor"] > 0
