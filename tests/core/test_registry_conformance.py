"""Registry-wide conformance, parametrised over every registered setting: every policy passes
``check_policy`` on every example problem of its setting it can run on; every Gymnasium id passes
Gymnasium's ``check_env``; and for every policy, the generic Gymnasium driver
(``bandits.gym_driver``) reproduces the fused runner bit for bit on the setting's example problem."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import environments  # noqa: F401  (registers the Gymnasium ids)
from bandits import check_policy, rollout, run
from bandits.core.conformance import PolicyCheckError
from bandits.core.registry import policy_class, problem_class, settings

SETTINGS = dict(settings())
ENV_IDS = [env_id for setting in SETTINGS.values() for env_id in setting.environments]


def _make_policy(setting, name):
    return policy_class(name)(**setting.bench_policy_params.get(name, {}))


def _compatible(problem, policy) -> bool:
    try:
        problem.check_policy_compatible(policy, "policy")
    except ValueError:
        return False
    return True


EXAMPLE_CASES = [
    (setting.name, policy_name, index)
    for setting in SETTINGS.values()
    for policy_name in setting.policies
    for index, (problem_name, params) in enumerate(setting.example_problems)
    if _compatible(problem_class(problem_name)(**params), _make_policy(setting, policy_name))
]


def test_every_setting_has_policies_problems_and_examples():
    assert {"classic", "cascading", "streaming", "solver_tuning"} <= set(SETTINGS)
    for setting in SETTINGS.values():
        assert setting.policies and setting.problems and setting.example_problems, setting.name
        for name in setting.problems:
            assert problem_class(name).name == name
        # every policy runs on at least one example, and every example hosts at least one policy
        assert {p for s, p, _ in EXAMPLE_CASES if s == setting.name} == set(setting.policies)
        assert {i for s, _, i in EXAMPLE_CASES if s == setting.name} == set(range(len(setting.example_problems)))


def _example_problem(setting, index):
    problem_name, params = setting.example_problems[index]
    return problem_class(problem_name)(**params)


EXAMPLE_IDS = [f"{p}-{SETTINGS[s].example_problems[i][0]}" for s, p, i in EXAMPLE_CASES]


@pytest.mark.parametrize("setting_name, policy_name, example", EXAMPLE_CASES, ids=EXAMPLE_IDS)
def test_every_registered_policy_passes_check_policy_on_every_example_problem(setting_name, policy_name, example):
    setting = SETTINGS[setting_name]
    policy = _make_policy(setting, policy_name)
    assert policy.name == policy_name and policy.setting == setting_name
    check_policy(policy, problem=_example_problem(setting, example))


@pytest.mark.parametrize("setting_name", sorted(SETTINGS))
def test_check_policy_without_a_problem_runs_the_default_problem(setting_name):
    setting = SETTINGS[setting_name]
    check_policy(_make_policy(setting, next(iter(setting.policies))))


def test_check_policy_on_an_example_problem_catches_an_invalid_action():
    """A registered policy whose actions are shifted one arm up fails on an example problem: the
    parametrised test above can fail."""
    setting = SETTINGS["classic"]
    base = policy_class("ucb1")

    class OffByOne(base):
        def select(self, observation=None):
            return super().select(observation) + 1

    problem = _example_problem(setting, 0)
    with pytest.raises(PolicyCheckError, match="valid actions"):
        check_policy(OffByOne(), problem=problem)


def test_check_policy_refuses_a_problem_the_policy_cannot_run_on():
    """Before any work: a problem of another setting, a problem whose rewards the policy does not
    accept, or no problem at all, raise ValueError naming ``problem``."""
    classic = SETTINGS["classic"]
    gaussian = _example_problem(classic, 1)
    cascading_problem = _example_problem(SETTINGS["cascading"], 0)
    for policy, problem in ((policy_class("kl_ucb")(), gaussian), (policy_class("ucb1")(), cascading_problem),
                            (policy_class("ucb1")(), 3)):
        with pytest.raises(ValueError, match="^problem: ") as error:
            check_policy(policy, problem=problem)
        assert error.value.parameter == "problem"


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_every_registered_environment_passes_check_env(env_id):
    env = gym.make(env_id)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the checker's warnings count as failures
        check_env(env.unwrapped, skip_render_check=True)


@pytest.mark.parametrize(
    "setting_name, policy_name, example", EXAMPLE_CASES,
    ids=[f"{p}-{SETTINGS[s].example_problems[i][0]}" for s, p, i in EXAMPLE_CASES],
)
def test_gymnasium_driver_equals_fused_runner(setting_name, policy_name, example):
    """Same seeds: the rollout's regret at every record point it reaches exactly, its final
    regret and its total reward equal the fused runner's bit for bit, replication by
    replication, for every policy on every example problem it can run on."""
    setting = SETTINGS[setting_name]
    problem_name, params = setting.example_problems[example]
    problem = problem_class(problem_name)(**params)
    horizon, root_seed, n_replications = setting.example_horizon, 2024, 2
    fused = run(problem, [_make_policy(setting, policy_name)], horizon=horizon, n_replications=n_replications,
                seed=root_seed)
    for r in range(n_replications):
        driven = rollout(problem.make_env(horizon), _make_policy(setting, policy_name),
                         horizon=horizon, seed=root_seed, replication=r)
        # a policy that stops early (fixed-budget identification leaves the rounding of its
        # phases unused) ends before the horizon; the fused loop then records its final values
        assert driven.elapsed[-1] == horizon or driven.stopped
        assert driven.final_regret == fused.final_regret[0, r]
        assert driven.total_reward == fused.cumulative_reward[0, r, -1]
        reached = driven.regret_at(fused.record_points)
        exact = np.isin(fused.record_points, driven.elapsed)
        assert exact[-1] or driven.stopped  # else the horizon itself is always reached exactly
        np.testing.assert_array_equal(reached[exact], fused.cumulative_regret[0, r][exact])
