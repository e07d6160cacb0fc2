"""Classic Bernoulli and Gaussian bandit environments (environments.classic)."""

import math
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import environments  # noqa: F401  (registers the ids)
from environments import BernoulliBandit, BernoulliBanditEnv, GaussianBandit, GaussianBanditEnv


@pytest.mark.parametrize("env_id", ["regretlab/BernoulliBandit-v0", "regretlab/GaussianBandit-v0"])
def test_registered_environments_pass_gymnasium_check_env(env_id):
    env = gym.make(env_id)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the checker's warnings count as failures
        check_env(env.unwrapped, skip_render_check=True)


def test_make_with_parameters_and_time_limit():
    env = gym.make("regretlab/BernoulliBandit-v0", means=[0.2, 0.8], max_episode_steps=3)
    env.reset(seed=0)
    flags = [env.step(1)[3] for _ in range(3)]
    assert flags == [False, False, True]
    assert env.action_space.n == 2


def test_info_carries_expected_and_optimal_reward():
    env = BernoulliBanditEnv(means=[0.3, 0.6, 0.1])
    env.reset(seed=1)
    _, reward, terminated, truncated, info = env.step(2)
    assert info["expected_reward"] == 0.1
    assert info["optimal_expected_reward"] == 0.6
    assert reward in (0.0, 1.0)
    assert terminated is False and truncated is False


def test_bernoulli_rewards_have_the_declared_means():
    """Mean of 20,000 pulls within 4 standard errors of the arm mean."""
    means = [0.05, 0.5, 0.93]
    env = BernoulliBanditEnv(means=means)
    env.reset(seed=2)
    n = 20_000
    for arm, mu in enumerate(means):
        rewards = np.array([env.step(arm)[1] for _ in range(n)])
        assert set(np.unique(rewards)) <= {0.0, 1.0}
        assert abs(rewards.mean() - mu) <= 4 * math.sqrt(mu * (1 - mu) / n)


def test_gaussian_rewards_have_the_declared_mean_and_std():
    env = GaussianBanditEnv(means=[1.5, -2.0], noise_std=0.7)
    env.reset(seed=3)
    n = 20_000
    rewards = np.array([env.step(1)[1] for _ in range(n)])
    assert abs(rewards.mean() + 2.0) <= 4 * 0.7 / math.sqrt(n)
    # The sample variance has standard error about sigma^2 sqrt(2/n).
    assert abs(rewards.var(ddof=1) - 0.49) <= 4 * 0.49 * math.sqrt(2 / n)


def test_each_step_consumes_exactly_one_draw_common_random_numbers():
    """Bernoulli reward at step t is 1{u_t < means[a]} with u_t the t-th uniform of the seed."""
    means = np.array([0.2, 0.5, 0.9])
    env = BernoulliBanditEnv(means=means)
    env.reset(seed=42)
    arms = np.random.default_rng(0).integers(0, 3, 500)
    rewards = np.array([env.step(int(a))[1] for a in arms])
    uniforms = np.random.default_rng(42).random(500)
    assert np.array_equal(rewards, (uniforms < means[arms]).astype(float))

    genv = GaussianBanditEnv(means=means, noise_std=2.0)
    genv.reset(seed=42)
    rewards = np.array([genv.step(int(a))[1] for a in arms])
    normals = np.random.default_rng(42).standard_normal(500)
    assert np.array_equal(rewards, means[arms] + 2.0 * normals)


def test_reset_with_same_seed_replays_rewards():
    env = BernoulliBanditEnv()
    env.reset(seed=5)
    first = [env.step(3)[1] for _ in range(50)]
    env.reset(seed=5)
    assert [env.step(3)[1] for _ in range(50)] == first


def test_assigning_np_random_is_honoured():
    env = BernoulliBanditEnv(means=[0.5])
    env.reset(seed=0)
    env.np_random = np.random.default_rng(77)
    rewards = [env.step(0)[1] for _ in range(30)]
    assert rewards == [float(u < 0.5) for u in np.random.default_rng(77).random(30)]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(means=[0.5, 1.2]), r"means\[1\]: must be in \[0, 1\], got 1.2"),
        (dict(means=[-0.1]), r"means\[0\]: must be in \[0, 1\]"),
        (dict(means=[]), r"means: must have at least 1 entries, got 0"),
        (dict(means=[0.5, float("nan")]), r"means\[1\]: must be finite"),
        (dict(means=[[0.5, 0.2]]), r"means: must be 1-D"),
        (dict(means="abc"), r"means"),
    ],
)
def test_bernoulli_rejects_invalid_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BernoulliBandit(**kwargs)
    with pytest.raises(ValueError, match=message):
        gym.make("regretlab/BernoulliBandit-v0", **kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(means=[0.0, float("inf")]), r"means\[1\]: must be finite"),
        (dict(means=[0.0], noise_std=-1.0), r"noise_std: must be >= 0, got -1.0"),
        (dict(means=[0.0], noise_std=float("nan")), r"noise_std: must be finite"),
        (dict(means=[0.0], noise_std="1"), r"noise_std: must be a real number"),
    ],
)
def test_gaussian_rejects_invalid_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GaussianBandit(**kwargs)


@pytest.mark.parametrize("action", [-1, 3, 1.0, "1", None, np.array([1]), True])
def test_invalid_actions_raise_value_error_naming_the_rule(action):
    env = BernoulliBanditEnv(means=[0.1, 0.2, 0.3])
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"action: must be an integer arm index in \[0, 2\]"):
        env.step(action)


def test_numpy_integer_actions_are_accepted():
    """NumPy integers and 0-d arrays pull the same arm, with the same reward, as Python ints."""
    env = BernoulliBanditEnv(means=[0.1, 0.2, 0.3])
    expected = []
    env.reset(seed=0)
    for arm in (2, 1, 0):
        _, reward, _, _, info = env.step(arm)
        expected.append((reward, info["expected_reward"]))
    env.reset(seed=0)
    got = []
    for arm in (np.int64(2), np.array(1), np.int32(0)):
        _, reward, _, _, info = env.step(arm)
        got.append((reward, info["expected_reward"]))
    assert got == expected
    assert [e for _, e in got] == [0.3, 0.2, 0.1]


def test_problem_is_immutable_and_reports_regret_quantities():
    problem = BernoulliBandit([0.2, 0.7, 0.4])
    assert problem.n_arms == 3
    assert problem.optimal_expected_reward == 0.7
    assert np.allclose(problem.gaps, [0.5, 0.0, 0.3])
    with pytest.raises(ValueError):
        problem.means[0] = 0.9  # read-only array
    with pytest.raises(AttributeError):
        problem.means = np.zeros(3)
