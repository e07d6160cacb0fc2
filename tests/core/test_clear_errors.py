"""Ordinary mistakes get one clear error, all at once, before any work: policy and environment
mismatches, sizes that cannot fit in memory, exploration longer than the horizon, stepping a
shell before reset, misspelt names; and the command line's small courtesies."""

from __future__ import annotations

import gymnasium as gym
import pytest

import environments  # noqa: F401  (registers the Gymnasium ids)
from bandits.cli import main
from bandits.core.registry import environment_ids
from bandits.experiment import ConfigError, load_config
from bandits.experiment.config import memory_estimate, physical_memory


def experiment(environment, *policies, **overrides):
    config = {"name": "errors", "horizon": 100, "n_replications": 2, "seed": 1, "environments": [environment],
              "policies": [dict(p) for p in policies]}
    config.update(overrides)
    return config


def test_every_policy_environment_mismatch_is_reported_at_once():
    with pytest.raises(ConfigError) as error:
        load_config(experiment({"name": "GaussianBandit", "means": [0.1, 0.5]},
                               {"name": "kl_ucb"}, {"name": "thompson_beta"}, {"name": "dp_bai"}, {"name": "ucb1"}))
    lines = error.value.problems
    assert [line.split(": ")[0] for line in lines] == ["environments[0] (GaussianBandit) with policies[0]",
                                                        "environments[0] (GaussianBandit) with policies[1]",
                                                        "environments[0] (GaussianBandit) with policies[2]"]


def test_results_that_cannot_fit_in_memory_are_refused_with_the_estimate():
    with pytest.raises(ConfigError, match=r"n_replications: the results would need about [\d,.]+ GiB"):
        load_config(experiment({"name": "BernoulliBandit", "means": [0.1, 0.5]}, {"name": "ucb1"},
                               n_replications=10**12))
    config = load_config(experiment({"name": "BernoulliBandit", "means": [0.1, 0.5]}, {"name": "ucb1"}))
    # 2 curves of 100 record points, 2 pull counts and the kernel time, twice, per replication
    assert memory_estimate(config.environments, 1, 2, config.record_points) == 2 * 2 * 8 * (2 * 100 + 2 + 1)
    assert physical_memory() > 0


@pytest.mark.parametrize("environment", [
    {"name": "RandomUnitArmsBAIProblem", "n_arms": 10**12},
    {"name": "BLBCascadingBandit", "n_items": 10**12, "list_length": 4, "p": 0.2, "gap": 0.15},
])
def test_a_problem_too_large_for_memory_is_a_clear_error(environment):
    with pytest.raises(ConfigError, match=r"environments\[0\]: .* needs more memory than this machine has"):
        load_config(experiment(environment, {"name": "ucb1"}))


def test_exploration_longer_than_the_horizon_is_refused():
    with pytest.raises(ConfigError, match=r"policies\[0\]: explore_per_arm: must leave steps to commit"):
        load_config(experiment({"name": "BernoulliBandit", "means": [0.1, 0.5]},
                               {"name": "explore_then_commit", "explore_per_arm": 60}))
    load_config(experiment({"name": "BernoulliBandit", "means": [0.1, 0.5]},
                           {"name": "explore_then_commit", "explore_per_arm": 50}))


@pytest.mark.parametrize("env_id", sorted(environment_ids()))
def test_every_shell_refuses_step_before_reset(env_id):
    env = gym.make(env_id).unwrapped
    with pytest.raises(RuntimeError, match="reset"):
        env.step(env.action_space.sample())


def test_misspelt_names_get_a_suggestion():
    with pytest.raises(ConfigError) as error:
        load_config(experiment({"name": "BernouliBandit", "means": [0.1, 0.5]}, {"name": "ucb"}))
    text = "\n".join(error.value.problems)
    assert "(did you mean 'BernoulliBandit'?)" in text and "(did you mean 'ucb1'?)" in text


def test_version_and_already_complete(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.startswith("regretlab 0.")
    path = tmp_path / "e.toml"
    path.write_text('name = "e"\nhorizon = 50\nn_replications = 2\n[[environments]]\nname = "BernoulliBandit"\n'
                    'means = [0.2, 0.4]\n[[policies]]\nname = "ucb1"\n')
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--no-progress"]) == 0
    assert "already complete" not in capsys.readouterr().out
    assert main(["run", str(path), "--out", str(out), "--no-progress"]) == 0
    assert "already complete: " in capsys.readouterr().out


def test_list_prints_whole_plain_text_descriptions(capsys):
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    assert "``" not in text and ":class:" not in text and ":func:" not in text and "shared/" not in text
    descriptions = [line for line in text.splitlines() if line.startswith("        ")]
    assert descriptions and not any(line.endswith("...") for line in descriptions)
    assert "EXP3 for losses 1 - reward in [0, 1] (Auer et al., 2002; the form of Bubeck & Cesa-Bianchi," in text
