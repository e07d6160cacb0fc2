"""The recovering-rewards environment (Simchi-Levi, Zheng & Zhu, ICML 2021, arXiv:2106.14813):
parameter validation, the recovery families against their documented closed forms, the clipped
Gaussian mean against Monte Carlo and quadrature, the idle-time convention against a slow
reference, the draw discipline (N draws per period, common random numbers) replayed with NumPy,
the Gymnasium shell and its action space, and the fused loop against a pure-Python simulation.

Every expected value comes from an oracle written here (closed forms, ``scipy.integrate.quad``,
NumPy replays of the documented draw order, pure-Python simulations), never from the code under
test. Fused-loop compilations: one for a deliberately faulty policy kernel, and the shared ones of
MyopicGreedy, RandomSubset and PurelyPeriodic (also used by test_recovering_policies.py).
"""

from __future__ import annotations

import math
import re
import warnings

import gymnasium as gym
import numba as nb
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

import environments  # noqa: F401  (registers the regretlab/... Gymnasium ids)
import environments.recovering.problem as problem_module
from bandits.core.rng import replication_seeds
from bandits.core.validation import ParameterError
from bandits.policies.recovering import (
    MyopicGreedy,
    PurelyPeriodic,
    RandomSubset,
    RecoveringPolicy,
)
from bandits.runner import run
from environments.recovering import (
    RECOVERY_FAMILIES,
    PullSetSpace,
    RandomRecoveringBandit,
    RecoveringBandit,
    RecoveringBanditEnv,
    RecoveringLearnerView,
    clipped_gaussian_mean,
    next_idle_times,
    recovery_table,
)

TABLE = [[0.1, 0.4, 0.8], [0.2, 0.2, 0.5], [0.3, 0.6, 0.6], [0.0, 0.5, 1.0]]


def distinct_table(seed, n_arms, d_max):
    """A monotone table whose entries are all distinct (no ties for greedy rankings)."""
    return np.sort(np.random.default_rng(seed).uniform(0.0, 1.0, (n_arms, d_max)), axis=1)


def clipped_mean_by_quadrature(mean, std):
    """E[min(1, max(0, X))], X ~ N(mean, std^2), by numerical integration."""
    if std == 0.0:
        return min(1.0, max(0.0, mean))

    def pdf(x):
        return math.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2.0 * math.pi))

    inside, _ = integrate.quad(lambda x: x * pdf(x), 0.0, 1.0, points=[mean] if 0 < mean < 1 else None,
                               epsabs=1e-13, epsrel=1e-13, limit=200)
    above, _ = integrate.quad(pdf, 1.0, np.inf, epsabs=1e-14, epsrel=1e-13)
    return inside + above


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------
INVALID_PROBLEMS = [
    (lambda: RecoveringBandit([[0.1, 0.5, 0.9], [0.2, 0.6, 0.4]]), "recovery[1, 2]", "nondecreasing"),
    (lambda: RecoveringBandit([[0.3, 0.2]]), "recovery[0, 1]", "nondecreasing"),
    (lambda: RecoveringBandit([[0.1, 0.5, 1.2]]), "recovery[0, 2]", r"in \[0, 1\]"),
    (lambda: RecoveringBandit([[-0.1, 0.5]]), "recovery[0, 0]", r"in \[0, 1\]"),
    (lambda: RecoveringBandit([[0.1, np.nan]]), "recovery[0, 1]", "finite"),
    (lambda: RecoveringBandit([[0.1, 0.2], [np.inf, 1.0]]), "recovery[1, 0]", "finite"),
    (lambda: RecoveringBandit([0.1, 0.5]), "recovery", "2-D"),
    (lambda: RecoveringBandit(np.zeros((2, 2, 2))), "recovery", "2-D"),
    (lambda: RecoveringBandit(np.zeros((0, 3))), "recovery", "empty"),
    (lambda: RecoveringBandit([[0.1, 0.2]], max_pulls=0), "max_pulls", ">= 1"),
    (lambda: RecoveringBandit(TABLE, max_pulls=5), "max_pulls", "<= 4"),
    (lambda: RecoveringBandit(TABLE, max_pulls=1.5), "max_pulls", "integer"),
    (lambda: RecoveringBandit(TABLE, noise="poisson"), "noise", "one of"),
    (lambda: RecoveringBandit(TABLE, noise="gaussian", noise_std=-0.1), "noise_std", ">= 0"),
    (lambda: RecoveringBandit(TABLE, noise="gaussian", noise_std=np.inf), "noise_std", "finite"),
    (lambda: RecoveringBandit(TABLE, initial_idle=[1, 2, 3]), "initial_idle", "N = 4 integer idle times"),
    (lambda: RecoveringBandit(TABLE, initial_idle=[1, 2, 3, 4]), "initial_idle", r"\[1, d_max = 3\]"),
    (lambda: RecoveringBandit(TABLE, initial_idle=[0, 1, 1, 1]), "initial_idle", "integer idle times"),
    (lambda: RecoveringBandit(TABLE, initial_idle=[1.0, 1.0, 1.0, 1.0]), "initial_idle", "integer idle times"),
    (lambda: RecoveringBandit(TABLE, approximation_factor=0.0), "approximation_factor", r"\(0, 1\]"),
    (lambda: RecoveringBandit(TABLE, approximation_factor=1.01), "approximation_factor", r"\(0, 1\]"),
    (lambda: RandomRecoveringBandit(d_max=0), "d_max", ">= 1"),
    (lambda: RandomRecoveringBandit(n_arms=0), "n_arms", ">= 1"),
    (lambda: RandomRecoveringBandit(n_arms=2, max_pulls=3), "max_pulls", "<= 2"),
    (lambda: RandomRecoveringBandit(family="cubic"), "family", "one of"),
    (lambda: RandomRecoveringBandit(instance_seed=-1), "instance_seed", ">= 0"),
    (lambda: RandomRecoveringBandit(noise="laplace"), "noise", "one of"),
    (lambda: RandomRecoveringBandit(n_arms=3, d_max=2, initial_idle=[3, 1, 1]), "initial_idle", "integer idle times"),
    (lambda: RandomRecoveringBandit(approximation_factor=-0.5), "approximation_factor", r"\(0, 1\]"),
    (lambda: RandomRecoveringBandit(n_arms=10**4, d_max=10**4), "n_arms", "table entries"),
]


@pytest.mark.parametrize("build, parameter, rule", INVALID_PROBLEMS,
                         ids=[f"{p}-{i}" for i, (_, p, _) in enumerate(INVALID_PROBLEMS)])
def test_invalid_problems_raise_parameter_error_in_the_constructor_before_any_planning(
        monkeypatch, build, parameter, rule):
    """The error names the parameter (with the first offending index) and the rule, and comes
    before the fluid LP or the clipped means are computed (both replaced here by tripwires)."""
    def tripwire(*args, **kwargs):
        raise AssertionError("planning ran before validation finished")

    monkeypatch.setattr(problem_module, "fluid_upper_bound", tripwire)
    monkeypatch.setattr(problem_module, "clipped_gaussian_mean", tripwire)
    with pytest.raises(ParameterError, match=rule) as caught:
        build()
    assert isinstance(caught.value, ValueError)
    assert caught.value.parameter == parameter and str(caught.value).startswith(f"{parameter}: ")


@pytest.mark.parametrize("args, parameter", [
    ((3, 4, 2), "max_pulls"), ((0, 1, 1), "n_arms"), ((3, 1, 0), "d_max"), ((3, 1, 2, (1, 2)), "initial_idle"),
    ((3, 1, 2, (1, 2, 3)), "initial_idle"), ((2, 1, 2, [1.0, 2.0]), "initial_idle"),
    ((2, 1, 2, None, np.zeros((2, 3))), "oracle_recovery"),
    ((2, 1, 2, None, [[np.nan, 0.5], [0.2, 0.3]]), "oracle_recovery[0, 0]"),
    ((2, 1, 2, None, [[0.4, 0.5], [0.3, 0.2]]), "oracle_recovery[1, 1]"),
    ((2, 1, 2, None, [[0.4, 1.5], [0.2, 0.3]]), "oracle_recovery[0, 1]"),
])
def test_invalid_learner_views_name_the_parameter(args, parameter):
    with pytest.raises(ParameterError, match=f"^{re.escape(parameter)}: ") as caught:
        RecoveringLearnerView(*args)
    assert caught.value.parameter == parameter


def test_problems_are_frozen_and_round_trip_through_to_dict():
    problem = RecoveringBandit(TABLE, max_pulls=2, noise="gaussian_clipped", noise_std=0.3,
                               initial_idle=[1, 2, 3, 3], approximation_factor=0.7)
    with pytest.raises(AttributeError, match="frozen"):
        problem.max_pulls = 1
    assert not problem.mean_rewards.flags.writeable and not problem.recovery.flags.writeable
    again = RecoveringBandit(**problem.to_dict())
    np.testing.assert_array_equal(again.recovery, problem.recovery)
    np.testing.assert_array_equal(again.initial_idle, [1, 2, 3, 3])
    assert again.comparator == problem.comparator == 0.7 * problem.fluid_upper_bound
    random = RandomRecoveringBandit("step", n_arms=5, d_max=4, max_pulls=2, instance_seed=9, step_floor=0.2)
    np.testing.assert_array_equal(RandomRecoveringBandit(**random.to_dict()).recovery, random.recovery)
    view = problem.learner_view
    assert (view.n_arms, view.max_pulls, view.d_max, view.initial_idle) == (4, 2, 3, (1, 2, 3, 3))
    assert RecoveringBandit(TABLE).learner_view.initial_idle == (3, 3, 3, 3)


# ---------------------------------------------------------------------------------------------
# Recovery families
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("family", RECOVERY_FAMILIES)
def test_every_family_gives_seeded_monotone_tables_in_the_unit_interval(family):
    for n_arms, d_max, seed in ((1, 1, 0), (7, 5, 3), (12, 20, 41)):
        table = recovery_table(family, n_arms, d_max, seed)
        assert table.shape == (n_arms, d_max) and table.dtype == np.float64
        assert np.all(np.isfinite(table)) and table.min() >= 0.0 and table.max() <= 1.0
        assert np.all(np.diff(table, axis=1) >= 0.0)
        np.testing.assert_array_equal(recovery_table(family, n_arms, d_max, seed), table)
        if n_arms * d_max > 1:
            assert not np.array_equal(recovery_table(family, n_arms, d_max, seed + 1), table)
        problem = RandomRecoveringBandit(family, n_arms=n_arms, d_max=d_max, max_pulls=1, instance_seed=seed)
        np.testing.assert_array_equal(problem.recovery, table)


@pytest.mark.parametrize("n_arms, d_max, seed", [(6, 5, 0), (9, 12, 17)])
def test_families_follow_the_documented_closed_forms_and_draw_order(n_arms, d_max, seed):
    """Recomputed from the module docstring: ``a ~ U[0.3, 1]`` for all arms first, then the
    family's parameters in the order listed, one vector over the arms each."""
    d = np.arange(1, d_max + 1, dtype=float)

    def draws():
        rng = np.random.default_rng(seed)
        return rng, rng.uniform(0.3, 1.0, n_arms)

    rng, a = draws()
    tau = rng.integers(1, d_max + 1, n_arms)
    linear = np.array([[a[i] * min(1.0, x / tau[i]) for x in d] for i in range(n_arms)])
    np.testing.assert_allclose(recovery_table("linear", n_arms, d_max, seed), linear, rtol=1e-14, atol=0)

    for floor in (0.1, 0.0, 0.35):
        rng, a = draws()
        tau = rng.integers(1, d_max + 1, n_arms)
        step = np.array([[a[i] if x >= tau[i] else floor * a[i] for x in d] for i in range(n_arms)])
        np.testing.assert_allclose(recovery_table("step", n_arms, d_max, seed, step_floor=floor), step,
                                   rtol=1e-14, atol=0)

    rng, a = draws()
    lam = rng.uniform(0.2, 1.5, n_arms)
    concave = np.array([[a[i] * (1.0 - math.exp(-lam[i] * x)) for x in d] for i in range(n_arms)])
    np.testing.assert_allclose(recovery_table("concave", n_arms, d_max, seed), concave, rtol=1e-14, atol=0)

    rng, a = draws()
    b, c = rng.uniform(0.5, 2.0, n_arms), rng.uniform(1.0, d_max, n_arms)
    logistic = np.array([[a[i] / (1.0 + math.exp(-b[i] * (x - c[i]))) for x in d] for i in range(n_arms)])
    np.testing.assert_allclose(recovery_table("logistic", n_arms, d_max, seed), logistic, rtol=1e-14, atol=0)

    _, a = draws()  # random_monotone: the row's maximum is a
    np.testing.assert_allclose(recovery_table("random_monotone", n_arms, d_max, seed)[:, -1], a, rtol=1e-14)


# ---------------------------------------------------------------------------------------------
# The clipped Gaussian mean
# ---------------------------------------------------------------------------------------------
def test_clipped_gaussian_mean_equals_numerical_integration():
    means = [0.0, 0.02, 0.3, 0.5, 0.77, 0.98, 1.0]
    for std in (0.0, 0.01, 0.05, 0.2, 0.5, 1.0, 3.0):
        got = clipped_gaussian_mean(np.array(means), std)
        expected = [clipped_mean_by_quadrature(m, std) for m in means]
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    table = np.array(TABLE)
    assert clipped_gaussian_mean(table, 0.3).shape == table.shape


def test_clipped_gaussian_mean_equals_monte_carlo():
    """10^6 clipped draws per mean; tolerance 5 standard errors of the Monte Carlo mean."""
    rng = np.random.default_rng(2026)
    std = 0.35
    for mean in (0.05, 0.5, 0.9):
        samples = np.clip(mean + std * rng.standard_normal(10**6), 0.0, 1.0)
        se = samples.std(ddof=1) / math.sqrt(samples.size)
        assert abs(float(clipped_gaussian_mean(mean, std)) - samples.mean()) <= 5 * se


def test_clipped_gaussian_problems_use_the_clipped_means():
    problem = RecoveringBandit(TABLE, noise="gaussian_clipped", noise_std=0.4)
    expected = [[clipped_mean_by_quadrature(m, 0.4) for m in row] for row in TABLE]
    np.testing.assert_allclose(problem.mean_rewards, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(problem.recovery, TABLE)
    for noise in ("bernoulli", "gaussian"):
        np.testing.assert_array_equal(RecoveringBandit(TABLE, noise=noise, noise_std=0.4).mean_rewards, TABLE)


# ---------------------------------------------------------------------------------------------
# The idle-time convention
# ---------------------------------------------------------------------------------------------
def reference_idle(t, last_pull, initial_idle, d_max):
    """Capped idle time of every arm at the start of period t (1-based): t - last pull, or the
    initial idle time plus the periods elapsed for an arm never pulled, capped at d_max."""
    return [min(d_max, t - last if last is not None else initial + t - 1)
            for last, initial in zip(last_pull, initial_idle)]


@st.composite
def pull_histories(draw):
    n_arms = draw(st.integers(1, 5))
    max_pulls = draw(st.integers(1, n_arms))
    d_max = draw(st.integers(1, 5))
    initial = draw(st.lists(st.integers(1, d_max), min_size=n_arms, max_size=n_arms))
    arms = st.lists(st.integers(0, n_arms - 1), unique=True, max_size=max_pulls)
    steps = draw(st.lists(arms, min_size=1, max_size=25))
    return n_arms, max_pulls, d_max, initial, steps


@settings(max_examples=60, deadline=None)
@given(pull_histories(), st.integers(0, 2**32 - 1))
def test_observations_follow_the_idle_time_convention(history, seed):
    n_arms, max_pulls, d_max, initial, steps = history
    table = np.tile(np.linspace(0.1, 0.9, d_max), (n_arms, 1))
    env = RecoveringBandit(table, max_pulls=max_pulls, initial_idle=initial).make_env(len(steps))
    obs, _ = env.reset(seed=seed)
    assert obs.tolist() == initial and env.observation_space.contains(obs)
    last_pull = [None] * n_arms
    for t, arms in enumerate(steps, start=1):
        before = reference_idle(t, last_pull, initial, d_max)
        action = np.zeros(n_arms, np.int8)
        action[arms] = 1
        obs, _, terminated, truncated, info = env.step(action)
        assert info["idle_before"].tolist() == before
        for arm in arms:
            last_pull[arm] = t
        assert obs.tolist() == reference_idle(t + 1, last_pull, initial, d_max)
        assert env.observation_space.contains(obs)
        assert next_idle_times(before, np.array(arms, np.int64), d_max).tolist() == obs.tolist()
        assert not terminated and truncated == (t == len(steps)) and env.elapsed == t


# ---------------------------------------------------------------------------------------------
# Draw discipline and common random numbers
# ---------------------------------------------------------------------------------------------
def random_actions(rng, n_arms, max_pulls, n):
    actions = np.zeros((n, n_arms), np.int8)
    for a in actions:
        a[rng.permutation(n_arms)[: rng.integers(0, max_pulls + 1)]] = 1
    return actions


@pytest.mark.parametrize("noise", ["bernoulli", "gaussian", "gaussian_clipped"])
def test_rewards_replay_from_n_draws_per_period_in_arm_order(noise):
    """reset(seed=s): period t consumes N uniforms (Bernoulli: reward = u_i < R_i(idle)) or N
    standard normals (reward = R_i(idle) + std z_i, clipped for "gaussian_clipped") from
    default_rng(s), pulled or not."""
    table, std, seed = np.array(TABLE), 0.3, 123
    problem = RecoveringBandit(table, max_pulls=2, noise=noise, noise_std=std)
    means = [[clipped_mean_by_quadrature(m, std) for m in row] for row in TABLE] if noise == "gaussian_clipped" else TABLE
    env = problem.make_env(400)
    idle, _ = env.reset(seed=seed)
    replay = np.random.default_rng(seed)
    for action in random_actions(np.random.default_rng(9), 4, 2, 400):
        draws = replay.random(4) if noise == "bernoulli" else replay.standard_normal(4)
        obs, reward, _, _, info = env.step(action)
        expected_rewards, expected_mean = np.zeros(4), 0.0
        for i in np.flatnonzero(action):
            r = table[i, idle[i] - 1]
            value = float(draws[i] < r) if noise == "bernoulli" else r + std * draws[i]
            expected_rewards[i] = min(1.0, max(0.0, value)) if noise == "gaussian_clipped" else value
            expected_mean += means[i][idle[i] - 1]
        np.testing.assert_array_equal(info["rewards"], expected_rewards)
        assert reward == pytest.approx(expected_rewards.sum(), rel=1e-15, abs=1e-15)
        assert info["expected_reward"] == pytest.approx(expected_mean, rel=1e-12, abs=1e-15)
        assert info["comparator"] == problem.comparator
        assert env.step_regret(info) == info["comparator"] - info["expected_reward"]
        if noise == "bernoulli":
            assert set(info["rewards"].tolist()) <= {0.0, 1.0}
        elif noise == "gaussian_clipped":
            assert 0.0 <= info["rewards"].min() and info["rewards"].max() <= 1.0
        idle = obs


def test_two_pull_sequences_on_one_seed_see_the_same_noise():
    """Common random numbers: the standardised noise (reward - R_i(idle)) / std of arm i in
    period t does not depend on which arms were pulled before or alongside."""
    table, std = np.array(TABLE), 0.25
    problem = RecoveringBandit(table, max_pulls=3, noise="gaussian", noise_std=std)
    noise = []
    for action_seed in (1, 2):
        env = problem.make_env(None)
        idle, _ = env.reset(seed=77)
        z = np.full((300, 4), np.nan)
        for t, action in enumerate(random_actions(np.random.default_rng(action_seed), 4, 3, 300)):
            idle_after, _, _, _, info = env.step(action)
            for i in np.flatnonzero(action):
                z[t, i] = (info["rewards"][i] - table[i, idle[i] - 1]) / std
            idle = idle_after
        noise.append(z)
    both = ~np.isnan(noise[0]) & ~np.isnan(noise[1])
    assert both.sum() > 150
    np.testing.assert_allclose(noise[0][both], noise[1][both], rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# The shell and its action space
# ---------------------------------------------------------------------------------------------
def test_shell_rejects_invalid_actions_naming_the_rule():
    env = RecoveringBandit(TABLE, max_pulls=2).make_env(10)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.array([1, 0, 0, 0]))
    env.reset(seed=0)
    with pytest.raises(ValueError, match="at most K = 2") as caught:
        env.step(np.array([1, 1, 1, 0]))
    assert caught.value.parameter == "action"
    for action in ([2, 0, 0, 0], [1, -1, 0, 0], [1, 0, 0], [[1, 0, 0, 0]]):
        with pytest.raises(ValueError, match="zeros and ones"):
            env.step(np.array(action))
    assert env.elapsed == 0  # nothing was played
    for action in ([1, 0, 0, 1], np.array([True, False, False, False]), np.zeros(4, np.uint8)):
        env.step(action)
    assert env.elapsed == 3


def test_every_action_the_action_space_contains_is_accepted_by_step():
    env = RecoveringBandit(TABLE, max_pulls=2).make_env(10)
    env.reset(seed=0)
    action = np.array([1.0, 0.0, 0.0, 1.0])
    assert env.action_space.contains(action)
    env.step(action)


def test_pull_set_space_samples_valid_sets_of_uniform_size():
    space = PullSetSpace(6, 3, seed=4)
    sizes = []
    for _ in range(4000):
        action = space.sample()
        assert space.contains(action) and action.dtype == np.int8 and action.sum() <= 3
        sizes.append(int(action.sum()))
    counts = np.bincount(sizes, minlength=4)
    se = math.sqrt(4000 * 0.25 * 0.75)
    assert np.all(np.abs(counts - 1000) <= 5 * se), counts
    assert not space.contains(np.array([1, 1, 1, 1, 0, 0], np.int8))
    assert not space.contains(np.array([2, 0, 0, 0, 0, 0], np.int8))
    assert not space.contains(np.ones(5, np.int8))
    with pytest.raises(ValueError, match="mask"):
        space.sample(mask=np.ones(6, np.int8))


@pytest.mark.parametrize("params", [
    {"family": "logistic", "n_arms": 8, "d_max": 6, "max_pulls": 2, "instance_seed": 4},
    {"recovery": TABLE, "max_pulls": 3, "noise": "gaussian_clipped", "noise_std": 0.2, "initial_idle": [1, 2, 3, 1]},
], ids=["random", "explicit"])
def test_registered_environment_passes_check_env(params):
    env = gym.make("regretlab/RecoveringBandit-v0", **params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped, skip_render_check=True)
    obs, _ = env.reset(seed=1)
    assert env.observation_space.contains(obs)
    assert isinstance(env.action_space, PullSetSpace) and env.action_space.max_pulls == params["max_pulls"]


def test_registered_environment_takes_a_problem_or_its_parameters_not_both():
    problem = RandomRecoveringBandit("linear", n_arms=4, d_max=3, max_pulls=1)
    env = RecoveringBanditEnv(problem, horizon=2)
    assert env.problem is problem and env.horizon == 2
    with pytest.raises(ParameterError, match="problem_params"):
        RecoveringBanditEnv(problem, n_arms=3)
    with pytest.raises(ParameterError, match="^problem: "):
        RecoveringBanditEnv(object())
    with pytest.raises(ParameterError, match="^horizon: "):
        RecoveringBanditEnv(problem, horizon=0)


# ---------------------------------------------------------------------------------------------
# The fused loop
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def faulty_init(n_arms, max_pulls, d_max, horizon, hyper):
    return (np.zeros(1, np.int64),)


@nb.njit(cache=True, nogil=True)
def faulty_select(state, hyper, t, idle, rng, pulled_out):
    """Arms 0..K-1 until ``bad_period``; then, by ``mode``: K + 1 arms (0), a repeated arm (1),
    arm N (2), or a negative count (3)."""
    mode, bad_period = hyper
    k = pulled_out.size
    for j in range(k):
        pulled_out[j] = k - 1 - j
    if t < bad_period:
        return k
    if mode == 0:
        return k + 1
    if mode == 1:
        pulled_out[1] = pulled_out[0]
        return k
    if mode == 2:
        pulled_out[0] = idle.size
        return k
    return -1


@nb.njit(cache=True, nogil=True)
def faulty_update(state, hyper, t, pulled, n_pulled, idle_before, rewards):
    pass


class FaultyPolicy(RecoveringPolicy):
    """Valid pull sets until ``bad_period``, then an invalid one (see :func:`faulty_select`)."""

    name = "faulty"
    init_kernel = faulty_init
    select_kernel = faulty_select
    update_kernel = faulty_update

    def __init__(self, mode=0, bad_period=5):
        self.mode = mode
        self.bad_period = bad_period

    def kernel_hyper(self, view, horizon):
        return (np.int64(self.mode), np.int64(self.bad_period))


@pytest.mark.parametrize("mode, rule", [
    (0, r"pulled a number of arms outside \[0, K\]"),
    (1, "pulled the same arm twice"),
    (2, r"pulled an arm outside \[0, N\)"),
    (3, r"pulled a number of arms outside \[0, K\]"),
])
def test_fused_loop_and_face_reject_invalid_pull_sets_naming_policy_and_rule(mode, rule):
    problem = RecoveringBandit(TABLE, max_pulls=2)
    policy = FaultyPolicy(mode=mode, bad_period=7)
    message = re.escape(f"policy {policy.label!r}: ") + rule + r".* at period 7 \(.*at most K = 2"
    with pytest.raises(ValueError, match=message):
        run(problem, [RandomSubset(), policy], horizon=20, n_replications=2, seed=0)
    policy.reset(problem, seed=0, horizon=20)
    for _ in range(6):
        action = policy.select()
        assert action.tolist() == [1, 1, 0, 0]
        policy.update(action, problem.learner_view.feedback(0.0, {"rewards": np.zeros(4),
                                                                  "idle_before": np.ones(4, np.int64)}))
    with pytest.raises(RuntimeError, match=rule):
        policy.select()


def simulate_myopic_greedy(problem, means, horizon, env_seed):
    """Pure-Python myopic greedy with the true means on the documented dynamics: the top-K arms
    by ``means[i, idle_i - 1]`` (distinct values: no ties), N draws per period from
    ``default_rng(env_seed)``. Returns cumulative realised and expected reward per period, pull
    counts and pulls by idle time."""
    table, std = problem.recovery, problem.noise_std
    n_arms, d_max = table.shape
    rng = np.random.default_rng(env_seed)
    idle = list(problem.initial_idle)
    realised, expected = [], []
    counts, by_idle = np.zeros(n_arms, np.int64), np.zeros((n_arms, d_max), np.int64)
    total_reward = total_expected = 0.0
    for _ in range(horizon):
        draws = rng.random(n_arms) if problem.noise == "bernoulli" else rng.standard_normal(n_arms)
        pulled = sorted(sorted(range(n_arms), key=lambda i: -means[i][idle[i] - 1])[: problem.max_pulls])
        for i in pulled:
            r = table[i, idle[i] - 1]
            value = float(draws[i] < r) if problem.noise == "bernoulli" else min(1.0, max(0.0, r + std * draws[i]))
            total_reward += value
            total_expected += means[i][idle[i] - 1]
            counts[i] += 1
            by_idle[i, idle[i] - 1] += 1
        idle = [1 if i in pulled else min(d_max, idle[i] + 1) for i in range(n_arms)]
        realised.append(total_reward)
        expected.append(total_expected)
    return np.array(realised), np.array(expected), counts, by_idle


@pytest.mark.parametrize("noise", ["bernoulli", "gaussian_clipped"])
def test_fused_runner_equals_a_pure_python_simulation(noise):
    """MyopicGreedy through bandits.run against the simulation above, replication by replication
    with the environment seeds of bandits.core.rng.replication_seeds; the regret is
    t * gamma * UB* - expected reward at every period."""
    problem = RecoveringBandit(distinct_table(4, 5, 4), max_pulls=2, noise=noise, noise_std=0.3,
                               initial_idle=[1, 2, 3, 4, 4], approximation_factor=0.9)
    means = problem.recovery.tolist() if noise == "bernoulli" else [
        [clipped_mean_by_quadrature(m, 0.3) for m in row] for row in problem.recovery]
    horizon, seed = 400, 11
    points = np.arange(1, horizon + 1)
    result = run(problem, [MyopicGreedy()], horizon=horizon, n_replications=3, seed=seed, record_points=points)
    for r in range(3):
        realised, expected, counts, by_idle = simulate_myopic_greedy(problem, means, horizon,
                                                                     replication_seeds(seed, r)[0])
        np.testing.assert_allclose(result.cumulative_reward[0, r], realised, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(result.metrics["expected_reward"][0, r], expected, rtol=1e-9, atol=0)
        np.testing.assert_array_equal(result.pull_counts[0, r], counts)
        np.testing.assert_array_equal(result.metrics["pulls_by_idle"][0, r], by_idle)
        np.testing.assert_allclose(result.cumulative_regret[0, r], points * 0.9 * problem.fluid_upper_bound - expected,
                                   rtol=1e-9, atol=1e-9 * horizon)


def test_runner_accounting_for_several_policies():
    """Regret = t * comparator - expected reward at every record point; the fluid bound metric
    is the problem's; pulls by idle time add up to the pull counts; at most K pulls a period."""
    problem = RandomRecoveringBandit("concave", n_arms=7, d_max=5, max_pulls=3, instance_seed=2,
                                     noise="gaussian_clipped", noise_std=0.2, approximation_factor=0.75)
    policies = [MyopicGreedy(), RandomSubset(), PurelyPeriodic(), PurelyPeriodic(collisions="greedy")]
    horizon = 3000
    result = run(problem, policies, horizon=horizon, n_replications=3, seed=5)
    points = result.record_points
    comparator = 0.75 * problem.fluid_upper_bound
    expected = result.metrics["expected_reward"]
    np.testing.assert_allclose(result.cumulative_regret, points * comparator - expected, rtol=1e-9,
                               atol=1e-9 * horizon)
    assert np.all(result.metrics["fluid_upper_bound"] == problem.fluid_upper_bound)
    np.testing.assert_array_equal(result.metrics["pulls_by_idle"].sum(axis=-1), result.pull_counts)
    assert np.all(result.pull_counts.sum(axis=-1) <= 3 * horizon)
    steps = np.diff(expected, axis=-1)
    assert np.all(steps >= 0) and np.all(steps <= 3 * np.diff(points) + 1e-9)
    assert np.all(result.cumulative_reward[..., -1] <= 3 * horizon)
