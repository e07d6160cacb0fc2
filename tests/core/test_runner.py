"""The fused runner: bit-identical across thread counts, equal to the Gymnasium shell driven step
by step, invariants of its outputs, and validation of its inputs."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import environments  # noqa: F401  (registers the Gymnasium ids)
from bandits import (
    EXP3,
    KLUCB,
    UCB1,
    BernoulliThompsonSampling,
    ExploreThenCommit,
    GaussianThompsonSampling,
    TsallisINF,
    default_record_points,
    rollout,
    run,
)
from environments import BernoulliBandit, GaussianBandit

MEANS = [0.2, 0.5, 0.45, 0.7]


def _assert_results_equal(a, b):
    assert a.policy_labels == b.policy_labels
    np.testing.assert_array_equal(a.record_points, b.record_points)
    np.testing.assert_array_equal(a.cumulative_regret, b.cumulative_regret)
    np.testing.assert_array_equal(a.cumulative_reward, b.cumulative_reward)
    np.testing.assert_array_equal(a.pull_counts, b.pull_counts)


def test_results_do_not_depend_on_n_jobs():
    problem = BernoulliBandit(MEANS)
    policies = [UCB1(), BernoulliThompsonSampling(), EXP3()]
    kwargs = dict(horizon=500, n_replications=7, seed=11)
    one = run(problem, policies, n_jobs=1, **kwargs)
    two = run(problem, policies, n_jobs=2, **kwargs)
    three = run(problem, policies, n_jobs=3, **kwargs)
    _assert_results_equal(one, two)
    _assert_results_equal(one, three)


def test_replications_are_independent_of_which_others_are_run():
    """Chunks of replications run separately reassemble into the whole run."""
    problem = BernoulliBandit(MEANS)
    policies = [UCB1(), KLUCB()]
    kwargs = dict(horizon=300, n_replications=6, seed=5)
    whole = run(problem, policies, **kwargs)
    chunk = run(problem, policies, replications=[4, 1], **kwargs)
    np.testing.assert_array_equal(chunk.cumulative_regret, whole.cumulative_regret[:, [4, 1]])
    np.testing.assert_array_equal(chunk.pull_counts, whole.pull_counts[:, [4, 1]])


def test_policy_set_does_not_change_a_policys_results():
    problem = BernoulliBandit(MEANS)
    kwargs = dict(horizon=300, n_replications=3, seed=2)
    alone = run(problem, [KLUCB()], **kwargs)
    together = run(problem, [UCB1(), KLUCB()], **kwargs)
    np.testing.assert_array_equal(alone.cumulative_regret[0], together.cumulative_regret[1])


def test_common_random_numbers_shared_environment_stream():
    """Two copies of a deterministic-given-history policy with different labels see the same
    rewards, so they produce identical rows; the same policy under another root seed differs."""
    problem = BernoulliBandit(MEANS)
    kwargs = dict(horizon=400, n_replications=3)
    result = run(problem, [UCB1(), UCB1(alpha=2.0000000001)], seed=9, **kwargs)
    np.testing.assert_array_equal(result.cumulative_reward[0], result.cumulative_reward[1])
    other = run(problem, [UCB1()], seed=10, **kwargs)
    assert not np.array_equal(other.cumulative_reward[0], result.cumulative_reward[0])


def _drive_gym_shell(env_id, env_kwargs, policy, horizon, root_seed, replication):
    """The slow path: Gymnasium environment and policy face, one step at a time, through the
    generic driver; returns per-step cumulative regret and reward and the pull counts."""
    env = gym.make(env_id, max_episode_steps=horizon, **env_kwargs)
    driven = rollout(env, policy, horizon=horizon, seed=root_seed, replication=replication)
    counts = np.bincount(np.asarray(driven.actions), minlength=env.action_space.n)
    assert driven.elapsed.tolist() == list(range(1, horizon + 1))
    return driven.cumulative_regret, np.cumsum(driven.rewards), counts


@pytest.mark.parametrize(
    "env_id, env_kwargs, problem, policy_factory",
    [
        ("regretlab/BernoulliBandit-v0", {"means": MEANS}, BernoulliBandit(MEANS), UCB1),
        ("regretlab/BernoulliBandit-v0", {"means": MEANS}, BernoulliBandit(MEANS), BernoulliThompsonSampling),
        ("regretlab/BernoulliBandit-v0", {"means": MEANS}, BernoulliBandit(MEANS), TsallisINF),
        (
            "regretlab/GaussianBandit-v0",
            {"means": MEANS, "noise_std": 0.5},
            GaussianBandit(MEANS, 0.5),
            lambda: GaussianThompsonSampling(noise_std=0.5),
        ),
        (
            "regretlab/BernoulliBandit-v0",
            {"means": MEANS},
            BernoulliBandit(MEANS),
            lambda: ExploreThenCommit(explore_per_arm=7),
        ),
    ],
)
def test_gym_shell_step_by_step_equals_fused_runner(env_id, env_kwargs, problem, policy_factory):
    horizon, root_seed, n_replications = 250, 123, 3
    fused = run(
        problem,
        [policy_factory()],
        horizon=horizon,
        n_replications=n_replications,
        seed=root_seed,
        record_points=np.arange(1, horizon + 1),
    )
    for r in range(n_replications):
        regret, reward, counts = _drive_gym_shell(env_id, env_kwargs, policy_factory(), horizon, root_seed, r)
        np.testing.assert_array_equal(fused.cumulative_regret[0, r], regret)
        np.testing.assert_array_equal(fused.cumulative_reward[0, r], reward)
        np.testing.assert_array_equal(fused.pull_counts[0, r], counts)


@settings(max_examples=25, deadline=None)
@given(
    means=st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=6),
    horizon=st.integers(1, 120),
    seed=st.integers(0, 2**32),
    which=st.sampled_from(["ucb1", "thompson", "exp3", "tsallis"]),
)
def test_regret_invariants(means, horizon, seed, which):
    """Pseudo-regret is non-negative and non-decreasing, increments are gaps of valid arms,
    pull counts sum to the horizon, and rewards lie in the environment's range."""
    policy = {"ucb1": UCB1, "thompson": BernoulliThompsonSampling, "exp3": EXP3, "tsallis": TsallisINF}[which]()
    problem = BernoulliBandit(means)
    result = run(problem, [policy], horizon=horizon, n_replications=2, seed=seed, record_points=np.arange(1, horizon + 1))
    regret = result.cumulative_regret[0]
    increments = np.diff(regret, axis=1, prepend=0.0)
    gaps = problem.gaps
    assert np.all(regret >= 0)
    assert np.all(increments >= 0)
    # every increment is the gap of some arm (exact: one subtraction per step)
    for row in increments:
        assert np.all(np.isclose(row[:, None], gaps[None, :], rtol=0, atol=1e-12).any(axis=1))
    assert np.all(result.pull_counts.sum(axis=2) == horizon)
    assert np.all(result.pull_counts >= 0)
    reward_increments = np.diff(result.cumulative_reward[0], axis=1, prepend=0.0)
    assert np.all(np.isin(reward_increments, [0.0, 1.0]))
    # regret at the horizon equals the pull-count formula sum_k n_k * gap_k
    np.testing.assert_allclose(result.final_regret[0], result.pull_counts[0] @ gaps, rtol=1e-12, atol=1e-12)


def test_record_points_subsample_the_full_curve():
    problem = BernoulliBandit(MEANS)
    kwargs = dict(horizon=1000, n_replications=2, seed=3)
    full = run(problem, [UCB1()], record_points=np.arange(1, 1001), **kwargs)
    points = np.array([1, 10, 99, 500, 1000])
    sub = run(problem, [UCB1()], record_points=points, **kwargs)
    np.testing.assert_array_equal(sub.cumulative_regret, full.cumulative_regret[:, :, points - 1])
    np.testing.assert_array_equal(sub.record_points, points)


def test_default_record_points():
    small = default_record_points(50)
    np.testing.assert_array_equal(small, np.arange(1, 51))
    big = default_record_points(10**6)
    assert big[0] == 1 and big[-1] == 10**6
    assert np.all(np.diff(big) > 0)
    np.testing.assert_array_equal(big[:100], np.arange(1, 101))
    # about 200 points per decade beyond 100 (four decades here; the first ones are integers
    # closer than 1 apart, so a few coincide)
    assert 700 <= big.size - 100 <= 810


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(horizon=0), "horizon: must be >= 1, got 0"),
        (dict(horizon=10.5), "horizon"),
        (dict(n_replications=0), "n_replications: must be >= 1, got 0"),
        (dict(seed=-1), "seed: must be >= 0, got -1"),
        (dict(n_jobs=0), "n_jobs: must be >= 1, got 0"),
        (dict(record_points=[0, 5]), "record_points"),
        (dict(record_points=[5, 5]), "record_points"),
        (dict(record_points=[5, 101]), "record_points"),
        (dict(record_points=[1.5]), "record_points"),
    ],
)
def test_run_validates_arguments(kwargs, message):
    arguments = dict(horizon=100, n_replications=2, seed=0) | kwargs
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        run(BernoulliBandit(MEANS), [UCB1()], **arguments)


def test_run_rejects_bad_policies_and_problems():
    with pytest.raises(ValueError, match="policies: labels must be unique"):
        run(BernoulliBandit(MEANS), [UCB1(), UCB1()], horizon=10, n_replications=1, seed=0)
    with pytest.raises(ValueError, match="policies: must name at least one policy"):
        run(BernoulliBandit(MEANS), [], horizon=10, n_replications=1, seed=0)
    with pytest.raises(ValueError, match=r"policies\[0\]: must be a policy of the .classic. setting"):
        run(BernoulliBandit(MEANS), ["ucb1"], horizon=10, n_replications=1, seed=0)
    with pytest.raises(ValueError, match="problem: must be a regretlab problem"):
        run("bernoulli", [UCB1()], horizon=10, n_replications=1, seed=0)
    # Beta Thompson sampling needs rewards in [0, 1]; Gaussian rewards are unbounded
    with pytest.raises(ValueError, match=r"policies\[0\]: needs rewards in \[0, 1\].*got .BernoulliThompsonSampling."):
        run(GaussianBandit(MEANS), [BernoulliThompsonSampling()], horizon=10, n_replications=1, seed=0)
    # explore-then-commit with the default exploration length needs the horizon; fine here
    run(BernoulliBandit(MEANS), [ExploreThenCommit()], horizon=10, n_replications=1, seed=0)


def test_progress_callback_counts_replications():
    seen = []
    run(BernoulliBandit(MEANS), [UCB1()], horizon=50, n_replications=4, seed=0, n_jobs=2, progress=seen.append)
    assert sorted(seen) == [1, 2, 3, 4]
