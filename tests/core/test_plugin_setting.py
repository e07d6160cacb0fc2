"""A setting defined outside the toolkit (tests/plugins/toy_setting, registered through the
``regretlab.settings`` entry point of its dist-info folder) runs through everything generic with
no edit to the toolkit: the registry, ``check_policy``, the Gymnasium driver against the fused
runner, and ``regretlab list / run / report / bench``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
REPO = PLUGINS.parents[1]


@pytest.fixture
def toy_registered(monkeypatch):
    from gymnasium.envs.registration import registry as gym_registry

    import environments  # noqa: F401  (registers the built-in Gymnasium ids)
    from bandits.core import registry

    monkeypatch.syspath_prepend(str(PLUGINS))
    assert "toy" not in registry.settings()
    assert registry.load_plugins() == ["toy"]
    assert registry.load_plugins() == []  # idempotent
    yield registry.get_setting("toy")
    registry.unregister_setting("toy")
    gym_registry.pop("regretlab/TwoCoins-v0", None)


def test_entry_point_setting_is_found_and_runs_through_the_generic_code(toy_registered):
    import bandits
    from bandits import check_policy, rollout, run
    from bandits.core.registry import policy_class, problem_class, setting_of

    assert toy_registered.title.startswith("Two coins")
    policy_cls = policy_class("follow_the_leader")
    assert bandits.FollowTheLeader is policy_cls
    assert setting_of(policy_cls()) is toy_registered
    check_policy(policy_cls())
    problem = problem_class("regretlab/TwoCoins-v0")(means=[0.3, 0.7])
    fused = run(problem, [policy_cls()], horizon=60, n_replications=3, seed=5, n_jobs=2)
    for r in range(3):
        driven = rollout(problem.make_env(60), policy_cls(), horizon=60, seed=5, replication=r)
        assert driven.final_regret == fused.final_regret[0, r]
        np.testing.assert_array_equal(driven.cumulative_regret, fused.cumulative_regret[0, r])
    env = gym.make("regretlab/TwoCoins-v0", means=[0.5, 0.5])
    env.reset(seed=0)
    assert env.step(1)[1] in (0.0, 1.0)


def test_a_broken_entry_point_is_refused(monkeypatch, tmp_path):
    from bandits.core import registry

    dist = tmp_path / "broken-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[regretlab.settings]\nbroken = string:ascii_letters\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValueError, match="must name a Setting"):
        registry.load_plugins()


def _cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(PLUGINS), str(REPO)]))
    return subprocess.run([sys.executable, "-m", "bandits.cli", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=600)


def test_cli_list_run_report_and_bench_a_plugin_setting(tmp_path):
    config = tmp_path / "toy.toml"
    config.write_text(
        'name = "toy"\nhorizon = 200\nn_replications = 4\nseed = 1\n'
        '[[environments]]\nname = "TwoCoins"\nmeans = [0.4, 0.6]\n'
        '[[policies]]\nname = "follow_the_leader"\n[[policies]]\nname = "follow_the_leader"\nexplore = 10\n'
    )
    listed = _cli("list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "Two coins (a test plug-in) [toy]" in listed.stdout and "follow_the_leader(explore=3)" in listed.stdout
    ran = _cli("run", str(config), "--out", str(tmp_path / "out"), "--no-progress", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    report = (tmp_path / "out" / "report.md").read_text()
    assert "Share of tosses of the better coin" in report and "follow_the_leader(explore=10)" in report
    assert (tmp_path / "out" / "regret_env0.png").stat().st_size > 0
    again = _cli("report", str(tmp_path / "out"), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    bench = _cli("bench", "--policy", "follow_the_leader", "--horizon", "100", "--reps", "3", "--repeats", "1",
                 "--json", cwd=tmp_path)
    assert bench.returncode == 0, bench.stderr
    figures = json.loads(bench.stdout)
    assert figures["env"] == "two_coins" and figures["time_unit"] == "toss" and figures["steps_per_s"] > 0
    bad = _cli("bench", "--policy", "follow_the_leader", "--env", "no_such_preset", cwd=tmp_path)
    assert bad.returncode == 2 and "env: must be one of 'two_coins'" in bad.stderr


def test_a_broken_plugin_is_reported_by_every_use_and_by_the_cli(tmp_path):
    """A plug-in whose entry point cannot be loaded makes every use of the registry fail with a
    message naming it (never a registry silently without it), and the command line exits 2."""
    dist = tmp_path / "broken_import-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-import\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[regretlab.settings]\nmissing = no_such_module_anywhere:SETTING\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO)]))
    probe = (
        "import bandits\n"
        "for attempt in range(2):\n"
        "    try:\n"
        "        bandits.UCB1\n"
        "    except ValueError as error:\n"
        "        print('refused:', error)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path)
    lines = out.stdout.splitlines()
    assert len(lines) == 2 and all("entry point 'missing'" in line and "cannot be loaded" in line for line in lines)
    for args in (["list"], ["run", "x.toml", "--out", "o"], ["bench", "--policy", "ucb1"]):
        cli = subprocess.run([sys.executable, "-m", "bandits.cli", *args], capture_output=True, text=True, env=env,
                             cwd=tmp_path)
        assert cli.returncode == 2 and "entry point 'missing'" in cli.stderr and "Traceback" not in cli.stderr
    assert not (tmp_path / "o").exists()
