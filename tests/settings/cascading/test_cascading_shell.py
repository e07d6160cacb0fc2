"""The cascading Gymnasium shells (``regretlab/CascadingBandit-v0``, ``regretlab/CascadingMDP-v0``):
Gymnasium's checker, item-list validation, the feedback and exact values they report, episode and
run accounting, and the generic driver :func:`bandits.gym_driver.rollout` against the fused loop,
bit for bit."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import environments  # noqa: F401  (registers the regretlab/... Gymnasium ids)
from bandits.core.validation import ParameterError
from bandits.gym_driver import rollout
from bandits.policies.cascading import AdaptVI, CascadeKLUCB, CascadingBPI, CascadingVI
from bandits.runner import run
from environments.cascading import (
    BLBCascadingBandit,
    CascadeFeedback,
    CascadingBandit,
    CascadingBanditEnv,
    CascadingBanditShell,
    CascadingMDPEnv,
    CascadingMDPShell,
    RandomCascadingMDP,
)


@pytest.mark.parametrize("env_id", ["regretlab/CascadingBandit-v0", "regretlab/CascadingMDP-v0"])
def test_registered_shells_pass_check_env(env_id):
    env = gym.make(env_id)
    check_env(env.unwrapped)
    action = env.action_space.sample()
    assert env.action_space.contains(action)


@pytest.mark.parametrize(
    "action, rule",
    [
        ([3, 3, 16, 16], "distinct"),
        ([3, 16, 5, 16], "only at the end"),
        ([16, 16, 16, 16], "at least one item"),
        ([3, 17, 16, 16], r"in \[0, 16\]"),
        ([3, 4], "must be 4 integers"),
    ],
)
def test_invalid_lists_raise_value_error_naming_the_rule(action, rule):
    env = CascadingBanditEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match=rule):
        env.step(np.array(action))
    if len(action) == 4:
        assert not env.action_space.contains(np.array(action))


def test_bandit_shell_reports_feedback_and_exact_expected_reward():
    problem = CascadingBandit([0.0, 1.0, 0.5, 0.0], list_length=3)
    env = CascadingBanditEnv(problem)
    env.reset(seed=1)
    _, reward, terminated, truncated, info = env.step(np.array([0, 1, 2]))
    # item 0 never attractive, item 1 always: the click is at position 1, item 2 unobserved
    assert (reward, terminated, truncated) == (1.0, False, False)
    assert info["click_position"] == 1 and info["clicked_item"] == 1
    np.testing.assert_array_equal(info["examined_items"], [0, 1])
    np.testing.assert_array_equal(info["attraction_outcomes"], [0, 1])
    assert info["expected_reward"] == pytest.approx(1.0)
    _, reward, _, _, info = env.step(np.array([0, 3, 4]))  # 4 = empty slot
    assert reward == 0.0 and info["click_position"] == -1 and info["expected_reward"] == 0.0
    assert info["optimal_expected_reward"] == pytest.approx(1.0)
    feedback = env.learner_view.feedback(reward, info)
    assert feedback == CascadeFeedback(step=0, state=0, click_position=-1, next_state=0, reward=0.0)


def test_mdp_shell_is_episodic():
    env = CascadingMDPEnv(RandomCascadingMDP(n_items=4, n_states=3, episode_length=2, list_length=2))
    obs, info = env.reset(seed=0)
    assert obs[0] == 0 and "optimal_value" in info
    _, _, terminated, _, _ = env.step(np.array([0, 1]))
    assert not terminated
    obs, _, terminated, _, _ = env.step(np.array([2, 4]))
    assert terminated and obs[0] == 2
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.array([0, 1]))


def test_shells_count_episodes_and_truncate_at_the_horizon():
    problem = RandomCascadingMDP(n_items=4, n_states=3, episode_length=2, list_length=2, instance_seed=1)
    env = problem.make_env(3)
    assert isinstance(env, CascadingMDPShell) and env.learner_view.episode_length == 2
    env.reset(seed=0)
    flags = []
    for _ in range(3):
        for _ in range(2):
            _, _, terminated, truncated, _ = env.step(np.array([0, 1]))
            flags.append((env.elapsed, terminated, truncated))
        env.reset()  # a new episode, not a new run
    assert flags == [(0, False, False), (1, True, False), (1, False, False), (2, True, False),
                     (2, False, False), (3, True, True)]
    env.reset(seed=0)
    assert env.elapsed == 0

    bandit = BLBCascadingBandit(6, 2).make_env(3)
    assert isinstance(bandit, CascadingBanditShell)
    bandit.reset(seed=0)
    steps = [bandit.step(np.array([0, 1]))[2:4] for _ in range(3)]
    assert steps == [(False, False), (False, False), (False, True)] and bandit.elapsed == 3
    assert CascadingBanditEnv(horizon=2).horizon == 2


def test_shells_reject_problems_of_another_kind():
    with pytest.raises(ParameterError, match="problem: must be a cascading problem"):
        CascadingMDPShell(object())
    with pytest.raises(ParameterError, match="problem: must be a cascading bandit"):
        CascadingBanditShell(RandomCascadingMDP(n_items=4))
    with pytest.raises(ParameterError, match="horizon: must be >= 1"):
        CascadingMDPEnv(horizon=0)
    with pytest.raises(ValueError, match="info: must carry step, state, click_position and next_state"):
        BLBCascadingBandit().learner_view.feedback(1.0, {"step": 0})


def test_step_regret_is_the_plan_gap_at_the_first_step_of_an_episode():
    problem = RandomCascadingMDP(n_items=4, n_states=2, episode_length=2, list_length=2, instance_seed=3)
    env = problem.make_env(10)
    policy = CascadingVI(log_horizon="anytime")
    obs, _ = env.reset(seed=0)
    policy.reset(env, seed=1)
    action = policy.select(obs)
    obs, reward, _, _, info = env.step(action)
    assert env.step_regret(info, policy) == problem.optimal_value - problem.plan_value(*policy.plan)
    policy.update(action, policy.view.feedback(reward, info))
    action = policy.select(obs)
    _, _, _, _, info = env.step(action)
    assert info["step"] == 1 and env.step_regret(info, policy) == 0.0


def _fused_and_rollout_problem(policy):
    if policy.needs_unit_rewards:
        return BLBCascadingBandit(6, 2, 0.4, 0.2)
    return RandomCascadingMDP(n_items=6, n_states=3, episode_length=3, list_length=2, instance_seed=5)


@pytest.mark.parametrize("policy", [CascadingVI(), AdaptVI(), CascadeKLUCB()], ids=lambda p: p.name)
def test_fused_loop_equals_the_generic_gymnasium_driver_bit_for_bit(policy):
    problem = _fused_and_rollout_problem(policy)
    K = 200
    points = np.arange(1, K + 1)
    result = run(problem, [policy], horizon=K, n_replications=2, seed=7, record_points=points)
    for rep in range(2):
        env = problem.make_env(K) if rep == 0 else gym.make(
            "regretlab/CascadingBandit-v0" if policy.needs_unit_rewards else "regretlab/CascadingMDP-v0",
            problem=problem, horizon=K,
        )
        out = rollout(env, policy, horizon=K, seed=7, replication=rep)
        assert out.elapsed[-1] == K and len(out.actions) == K * problem.horizon_per_episode
        np.testing.assert_array_equal(out.regret_at(points), result.cumulative_regret[0, rep])
        assert out.final_regret == result.final_regret[0, rep]
        ends = np.searchsorted(out.elapsed, points, side="left")
        total, cumulative = 0.0, []
        for reward in out.rewards:
            total += reward
            cumulative.append(total)
        np.testing.assert_array_equal(np.array(cumulative)[ends], result.cumulative_reward[0, rep])
        counts = np.zeros(problem.n_items, np.int64)
        for action in out.actions:
            listed = action[action < problem.n_items]
            counts[listed] += 1
        np.testing.assert_array_equal(counts, result.pull_counts[0, rep])


def test_a_stopped_bpi_policy_adds_no_regret_in_either_driver():
    """CascadingBPI stops when its confidence gap is at most epsilon: the fused loop plays no more
    episodes, and the shell's step_regret adds nothing once ``policy.stopped``."""
    problem = RandomCascadingMDP(n_items=3, n_states=1, episode_length=1, list_length=1, instance_seed=0)
    policy = CascadingBPI(epsilon=0.9, log_horizon="anytime")
    K = 400
    result = run(problem, [policy], horizon=K, n_replications=1, seed=3, record_points=np.arange(1, K + 1))
    used = int(result.metrics["episodes_used"][0, 0])
    assert result.metrics["stopped"][0, 0] == 1 and 100 < used < K and result.final_regret[0, 0] > 10
    out = rollout(problem.make_env(K), policy, horizon=K, seed=3)
    # the driver, like the fused loop, plays nothing once the policy stops: its last select was
    # the recommendation (episode used + 1), not an action
    assert policy.stopped and out.stopped and policy.episode == used + 1
    assert out.elapsed[-1] == used and len(out.rewards) == used
    np.testing.assert_array_equal(out.regret_at(np.arange(1, used + 1)), result.cumulative_regret[0, 0, :used])
    assert np.all(result.cumulative_regret[0, 0, used:] == result.final_regret[0, 0])
    assert out.final_regret == result.final_regret[0, 0]
    assert out.total_reward == result.cumulative_reward[0, 0, -1]
