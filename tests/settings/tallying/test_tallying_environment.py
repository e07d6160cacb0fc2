"""The weighted-tallying environment (Malik, Igoe, Li & Singh, arXiv:2305.02955): parameter
validation, the tally of both window conventions against a slow pure-Python reference, the draw
discipline (one draw per step) replayed with NumPy, the clipped-Gaussian mean against quadrature,
the Gymnasium shell, and the comparators (always a*, exact) against slow references and brute
force.

Every expected value comes from an oracle written here (pure-Python tallies, ``numpy.interp``,
NumPy replays of the documented draw order, ``scipy.integrate.quad``, brute force over action
sequences), never from the code under test. Fused-loop compilations: FixedArm and UCB1 (shared
with test_tallying_policies.py / test_tallying_regret_rates.py).
"""

from __future__ import annotations

import math
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

import bandits  # noqa: F401  (registers the regretlab/... Gymnasium ids)
import environments  # noqa: F401
from bandits import rollout, run
from bandits.core.rng import replication_seeds
from bandits.core.validation import ParameterError
from bandits.policies.classic import UCB1
from bandits.policies.tallying import FixedArm
from environments.tallying import SyntheticTallyingBandit, WeightedTallyingBandit
from environments.tallying.comparators import exhaustive_optimal_loss

VALUES3 = [[0.9, 0.5, 0.1], [0.4, 0.4, 0.4], [0.6, 0.5, 0.3]]  # REO: a* = 0 (f_0(W) = 0.1)


def problem3(**overrides):
    """K = 3, m = 3 unweighted, piecewise linear with an interior knot (REO, a* = 0)."""
    params = {"weights": [1.0, 1.0, 1.0], "loss_knots": [0.0, 1.5, 3.0], "loss_values": VALUES3}
    params.update(overrides)
    return WeightedTallyingBandit(**params)


# ---------------------------------------------------------------------------------------------
# Slow references
# ---------------------------------------------------------------------------------------------
def reference_tally(weights, include_current, initial_history, previous, action):
    """The tally of ``action`` played after ``previous`` (oldest first), straight from the
    definition: ``sum_i w_i 1{a_{t-i} = a}`` (or ``w_1`` for the current play plus ``w_{i+1}
    1{a_{t-i} = a}``); plays before t = 1 from ``initial_history`` (most recent first, -1 none)."""
    m = len(weights)

    def back(i):  # the play i >= 1 steps before the current one
        if i <= len(previous):
            return previous[-i]
        return initial_history[i - len(previous) - 1]

    if include_current:
        return weights[0] + sum(weights[i] for i in range(1, m) if back(i) == action)
    return sum(weights[i] for i in range(m) if back(i + 1) == action)


def reference_run(problem, actions):
    """(tallies, f values) of playing ``actions`` from the problem's initial history."""
    w = [float(x) for x in problem.weights]
    history = [int(x) for x in problem.initial_history]
    tallies, means = [], []
    for t, a in enumerate(actions):
        x = reference_tally(w, problem.include_current, history, list(actions[:t]), a)
        tallies.append(x)
        means.append(float(np.interp(x, problem.loss_knots, problem.loss_values[a])))
    return np.array(tallies), np.array(means)


def clipped_mean_by_quadrature(mean, std):
    """E[min(1, max(0, X))], X ~ N(mean, std^2)."""
    def pdf(x):
        return math.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2.0 * math.pi))

    inside, _ = integrate.quad(lambda x: x * pdf(x), 0.0, 1.0, points=[mean] if 0 < mean < 1 else None,
                               epsabs=1e-13, epsrel=1e-13, limit=200)
    above, _ = integrate.quad(pdf, 1.0, np.inf, epsabs=1e-14, epsrel=1e-13)
    return inside + above


def drive(problem, actions, seed):
    """Step the shell with ``actions``: (losses, rewards, mean losses, tallies, comparator
    losses)."""
    env = problem.make_env(len(actions))
    env.reset(seed=seed)
    out = {k: [] for k in ("loss", "reward", "mean_loss", "tally", "comparator_loss")}
    for a in actions:
        _, reward, _, _, info = env.step(int(a))
        out["reward"].append(reward)
        for k in ("loss", "mean_loss", "tally", "comparator_loss"):
            out[k].append(info[k])
    return {k: np.array(v) for k, v in out.items()}


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------
INVALID = [
    (lambda: problem3(weights=[1.0, -1.0, 1.0], loss_knots=[0.0, 1.0]), "weights"),
    (lambda: problem3(weights=[1.0, np.nan, 1.0]), "weights"),
    (lambda: problem3(weights=[1.0, np.inf, 1.0]), "weights"),
    (lambda: problem3(weights=[0.0, 0.0, 0.0], loss_knots=[0.0, 1.0]), "weights"),
    (lambda: problem3(loss_values=[[0.9, 0.5, 1.1], [0.4, 0.4, 0.4], [0.6, 0.5, 0.3]]), "loss_values"),
    (lambda: problem3(loss_values=[[0.9, 0.5, -0.1], [0.4, 0.4, 0.4], [0.6, 0.5, 0.3]]), "loss_values"),
    (lambda: problem3(loss_knots=[0.0, 2.0, 1.5]), "loss_knots"),
    (lambda: problem3(loss_knots=[0.0, 1.5, 1.5]), "loss_knots"),
    (lambda: problem3(loss_knots=[0.5, 1.5, 3.0]), "loss_knots"),
    (lambda: problem3(loss_knots=[0.0, 1.5, 2.5]), "loss_knots"),
    (lambda: problem3(loss_values=[[0.9, 0.5, 0.1]]), "loss_values"),
    (lambda: problem3(loss_values=[[0.9, 0.1], [0.4, 0.4]]), "loss_values"),
    (lambda: problem3(loss_values=[0.9, 0.5, 0.1]), "loss_values"),
    (lambda: problem3(noise="laplace"), "noise"),
    (lambda: problem3(noise_std=-0.1), "noise_std"),
    (lambda: problem3(include_current=1), "include_current"),
    (lambda: problem3(include_current="yes"), "include_current"),
    (lambda: problem3(initial_history=[0, 1]), "initial_history"),
    (lambda: problem3(initial_history=[0, 1, 3]), "initial_history"),
    (lambda: problem3(initial_history=[0, -2, 1]), "initial_history"),
    (lambda: problem3(reward_form="loss"), "reward_form"),
    (lambda: problem3(comparator="best"), "comparator"),
    (lambda: SyntheticTallyingBandit(n_arms=4, memory=7, noise="bernoulli", comparator="exact"), "comparator"),
    (lambda: problem3(comparator="exact"), "comparator"),  # default noise gaussian_clipped
    # non-REO: action 1 saturated (0.2) beats action 0 saturated (0.3), but action 0 at tally 0
    # (0.1) beats it; no action is repeated-exposure optimal
    (lambda: problem3(loss_values=[[0.1, 0.2, 0.3], [0.8, 0.5, 0.2], [0.6, 0.6, 0.6]]), "loss_values"),
    (lambda: problem3(loss_values=[[0.1, 0.2, 0.3], [0.8, 0.5, 0.2], [0.6, 0.6, 0.6]], allow_non_reo=True),
     "comparator"),
    (lambda: SyntheticTallyingBandit(n_arms=1), "n_arms"),
    (lambda: SyntheticTallyingBandit(n_arms=2.5), "n_arms"),
    (lambda: SyntheticTallyingBandit(memory=0), "memory"),
    (lambda: SyntheticTallyingBandit(decay=0.0), "decay"),
    (lambda: SyntheticTallyingBandit(decay=1.5), "decay"),
    (lambda: SyntheticTallyingBandit(n_arms=3, other_losses=[0.4, 0.5, 0.6]), "other_losses"),
]


@pytest.mark.parametrize("build, parameter", INVALID, ids=[f"{i}-{p}" for i, (_, p) in enumerate(INVALID)])
def test_invalid_parameters_raise_parameter_error_naming_the_parameter(build, parameter):
    with pytest.raises(ParameterError) as error:
        build()
    assert isinstance(error.value, ValueError)
    # element-wise checks name the element, e.g. "weights[1]"
    assert error.value.parameter == parameter or error.value.parameter.startswith(parameter + "["), (
        error.value.parameter)


def test_non_reo_instance_is_accepted_with_the_exact_comparator():
    problem = problem3(loss_values=[[0.1, 0.2, 0.3], [0.8, 0.5, 0.2], [0.6, 0.6, 0.6]], allow_non_reo=True,
                       comparator="exact", noise="bernoulli")
    assert not problem.is_reo and problem.best_action is None


# ---------------------------------------------------------------------------------------------
# The tally
# ---------------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(data=st.data(), m=st.integers(1, 5), k=st.integers(2, 4), include_current=st.booleans())
def test_tally_equals_slow_reference_at_every_step(data, m, k, include_current):
    weights = data.draw(st.lists(st.floats(0.0, 2.0).map(lambda x: round(x, 3)), min_size=m, max_size=m))
    if sum(weights) <= 0.0:
        weights[0] = 1.0
    history = data.draw(st.lists(st.integers(-1, k - 1), min_size=m, max_size=m))
    actions = data.draw(st.lists(st.integers(0, k - 1), min_size=1, max_size=25))
    total = float(np.cumsum(weights)[-1])
    values = np.random.default_rng(len(actions)).uniform(0.0, 1.0, (k, 2))
    values[0, 1] = 0.0  # a* = 0 (REO)
    problem = WeightedTallyingBandit(weights, [0.0, total], values, noise="gaussian", noise_std=0.2,
                                     include_current=include_current, initial_history=history)
    observed = drive(problem, actions, seed=3)
    tallies, means = reference_run(problem, actions)
    np.testing.assert_allclose(observed["tally"], tallies, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(observed["mean_loss"], means, rtol=1e-12, atol=1e-12)
    assert np.all(observed["tally"] >= 0.0) and np.all(observed["tally"] <= total * (1 + 1e-12))


@pytest.mark.parametrize("include_current", [False, True])
def test_tally_saturates_after_m_consecutive_plays(include_current):
    weights = [0.5, 1.0, 0.25, 2.0]
    problem = WeightedTallyingBandit(weights, [0.0, 3.75], [[0.9, 0.1], [0.5, 0.5]], noise="gaussian",
                                     include_current=include_current, initial_history=[1, 1, 1, 1])
    observed = drive(problem, [0] * 7, seed=1)["tally"]
    w = np.array(weights)
    # without the current play: plays 1..m+1 see 0, w1, w1+w2, ...; with it: w1, w1+w2, ...
    expected = np.concatenate(([0.0], np.cumsum(w))) if not include_current else np.cumsum(w)
    saturated_at = 4 if include_current else 5  # the m-th or the (m+1)-th play
    np.testing.assert_allclose(observed[:saturated_at], expected[:saturated_at], rtol=1e-12)
    assert np.all(observed[saturated_at - 1:] == problem.saturated_tally)


# ---------------------------------------------------------------------------------------------
# Draw discipline and expected losses
# ---------------------------------------------------------------------------------------------
ACTIONS_A = np.random.default_rng(11).integers(0, 3, 60)
ACTIONS_B = np.random.default_rng(12).integers(0, 3, 60)


@pytest.mark.parametrize("noise", ["gaussian", "gaussian_clipped", "bernoulli"])
@pytest.mark.parametrize("reward_form", ["negative_loss", "one_minus_loss"])
def test_observed_losses_replay_one_draw_per_step(noise, reward_form):
    problem = problem3(noise=noise, noise_std=0.3, reward_form=reward_form,
                       initial_history=[2, -1, 0])
    for actions in (ACTIONS_A, ACTIONS_B):  # the same draws whatever the actions
        observed = drive(problem, actions, seed=77)
        _, means = reference_run(problem, list(actions))
        generator = np.random.default_rng(77)
        if noise == "bernoulli":
            expected = (generator.random(actions.size) < means).astype(float)
        else:
            expected = means + 0.3 * generator.standard_normal(actions.size)
            if noise == "gaussian_clipped":
                expected = np.clip(expected, 0.0, 1.0)
        np.testing.assert_allclose(observed["loss"], expected, rtol=1e-12, atol=1e-12)
        reward = -expected if reward_form == "negative_loss" else 1.0 - expected
        np.testing.assert_allclose(observed["reward"], reward, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("noise_std", [0.05, 0.3, 1.0])
def test_clipped_gaussian_expected_loss_equals_quadrature(noise_std):
    problem = problem3(noise="gaussian_clipped", noise_std=noise_std)
    actions = [0, 0, 1, 2, 2, 2, 0, 1, 0, 0, 0, 0]
    observed = drive(problem, actions, seed=5)["mean_loss"]
    _, means = reference_run(problem, actions)
    expected = [clipped_mean_by_quadrature(f, noise_std) for f in means]
    np.testing.assert_allclose(observed, expected, rtol=0, atol=1e-10)
    for a in range(3):
        for x in (0.0, 0.7, 1.5, 2.2, 3.0):
            f = float(np.interp(x, problem.loss_knots, problem.loss_values[a]))
            assert problem.mean_loss(a, x) == pytest.approx(clipped_mean_by_quadrature(f, noise_std), abs=1e-10)


@pytest.mark.parametrize("noise", ["gaussian", "bernoulli"])
def test_expected_loss_is_f_for_gaussian_and_bernoulli(noise):
    problem = problem3(noise=noise, noise_std=0.4)
    actions = list(ACTIONS_A[:30])
    np.testing.assert_allclose(drive(problem, actions, seed=9)["mean_loss"], reference_run(problem, actions)[1],
                               rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# The Gymnasium shell
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("params", [{}, {"weights": [1.0, 0.5], "loss_knots": [0.0, 1.5],
                                         "loss_values": [[0.8, 0.1], [0.4, 0.4]], "noise": "bernoulli"}])
def test_registered_environment_passes_check_env(params):
    env = gym.make("regretlab/WeightedTallying-v0", **params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped, skip_render_check=True)


def test_shell_rejects_invalid_actions_and_step_before_reset():
    env = problem3().make_env(10)
    with pytest.raises(RuntimeError):
        env.step(0)
    env.reset(seed=0)
    for action in (-1, 3, 1.0, True, "0", None):
        with pytest.raises(ValueError, match="action") as error:
            env.step(action)
        assert error.value.parameter == "action"
    assert env.unwrapped.elapsed == 0


def test_shell_truncates_at_the_horizon_and_reports_step_regret():
    problem = problem3(noise="gaussian", noise_std=0.2)
    env = problem.make_env(12)
    env.reset(seed=4)
    actions = [1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0]
    _, means = reference_run(problem, actions)
    _, always_best = reference_run(problem, [0] * 12)
    for t, a in enumerate(actions):
        _, _, terminated, truncated, info = env.step(a)
        assert not terminated
        assert truncated == (t == 11)
        assert info["comparator_loss"] == pytest.approx(always_best[t], abs=1e-12)
        assert env.unwrapped.step_regret(info) == pytest.approx(means[t] - always_best[t], abs=1e-12)
    assert env.unwrapped.elapsed == 12


# ---------------------------------------------------------------------------------------------
# Comparators and the runner's metrics
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("history", [None, [1, 2, 1], [0, -1, 2]])
@pytest.mark.parametrize("include_current", [False, True])
def test_always_best_increments_equal_slow_reference(history, include_current):
    problem = problem3(noise="gaussian", initial_history=history, include_current=include_current)
    prefix, cycle = problem.comparator_increments(100)
    _, reference = reference_run(problem, [0] * (problem.memory + 5))
    np.testing.assert_allclose(np.concatenate((prefix, np.tile(cycle, 5 + problem.memory - prefix.size))),
                               reference, rtol=0, atol=1e-12)
    assert cycle.size == 1 and cycle[0] == pytest.approx(0.1, abs=1e-15)


RECORDS = np.array([1, 2, 3, 5, 10, 50, 200])


@pytest.fixture(scope="module")
def fixed_arm_run():
    """FixedArm on every action and UCB1 on a clipped-Gaussian instance with an initial history."""
    problem = problem3(initial_history=[2, 1, -1], reward_form="one_minus_loss", noise_std=0.2)
    policies = [FixedArm(arm=0), FixedArm(arm=1), FixedArm(arm=2), UCB1()]
    return problem, run(problem, policies, horizon=200, n_replications=3, seed=31, record_points=RECORDS)


def test_fixed_best_arm_has_zero_cpr_under_always_best(fixed_arm_run):
    problem, result = fixed_arm_run
    assert problem.best_action == 0
    assert np.all(result.cumulative_regret[0] == 0.0)
    assert np.all(result.metrics["switches"][:3] == 0)


def test_regret_identity_and_comparator_loss(fixed_arm_run):
    problem, result = fixed_arm_run
    regret, loss = result.cumulative_regret, result.metrics["expected_loss"]
    comparator = result.metrics["comparator_loss"]
    np.testing.assert_allclose(regret, loss - comparator, rtol=1e-9, atol=1e-9)
    # comparator: playing a* from the initial history, expected losses by quadrature
    _, f = reference_run(problem, [0] * 200)
    expected = np.cumsum([clipped_mean_by_quadrature(x, 0.2) for x in f])[RECORDS - 1]
    np.testing.assert_allclose(comparator[0, 0], expected, rtol=1e-9)
    # fixed arms: their expected losses from the slow reference
    for arm in (1, 2):
        _, f = reference_run(problem, [arm] * 200)
        own = np.cumsum([clipped_mean_by_quadrature(x, 0.2) for x in f])[RECORDS - 1]
        for r in range(3):
            np.testing.assert_allclose(loss[arm, r], own, rtol=1e-9)


def test_switches_equal_a_replay_of_recorded_actions(fixed_arm_run):
    problem, result = fixed_arm_run
    for r in range(3):
        driven = rollout(problem.make_env(200), UCB1(), horizon=200, seed=31, replication=r)
        actions = np.array(driven.actions)
        changes = np.concatenate(([0], np.cumsum(actions[1:] != actions[:-1])))
        np.testing.assert_array_equal(result.metrics["switches"][3, r], changes[RECORDS - 1])
        assert result.metrics["switches"][3, r, -1] <= 199
        # and the expected loss of those actions, from the slow reference
        _, f = reference_run(problem, list(actions))
        own = np.cumsum([clipped_mean_by_quadrature(x, 0.2) for x in f])[RECORDS - 1]
        np.testing.assert_allclose(result.metrics["expected_loss"][3, r], own, rtol=1e-9)
        counts = np.bincount(actions, minlength=3)
        np.testing.assert_array_equal(result.pull_counts[3, r], counts)


def test_exact_comparator_cpr_equals_brute_force_on_a_tiny_instance():
    problem = WeightedTallyingBandit([1.0, 0.5], [0.0, 1.5], [[0.8, 0.1], [0.4, 0.4], [0.6, 0.3]],
                                     noise="bernoulli", comparator="exact", reward_form="one_minus_loss",
                                     initial_history=[1, -1])
    horizon = 9
    records = np.arange(1, horizon + 1)
    result = run(problem, [FixedArm(arm=0), FixedArm(arm=1), FixedArm(arm=2)], horizon=horizon, n_replications=2,
                 seed=5, record_points=records)
    args = (problem.weights, problem.loss_knots, problem.loss_values, False, problem.initial_history)
    optimum = np.array([exhaustive_optimal_loss(*args, t) for t in records])
    for arm in range(3):
        _, f = reference_run(problem, [arm] * horizon)
        for r in range(2):
            np.testing.assert_allclose(result.cumulative_regret[arm, r], np.cumsum(f) - optimum, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.metrics["comparator_loss"][0, 0], optimum, rtol=0, atol=1e-9)
    assert np.all(result.cumulative_regret >= -1e-9)  # no sequence beats the optimum


def test_replication_seeds_drive_the_shell_like_default_rng():
    """The shell's generator after reset(seed=s) is numpy.random.default_rng(s) (what the draw
    replays above rely on), for the seeds the runner hands out."""
    env_seed, _ = replication_seeds(31, 1)
    problem = problem3(noise="gaussian", noise_std=1.0)
    observed = drive(problem, [1] * 5, seed=env_seed)["loss"]
    np.testing.assert_allclose(observed, 0.4 + np.random.default_rng(env_seed).standard_normal(5), rtol=1e-12)


def test_the_gymnasium_id_names_an_experiment_environment():
    from bandits.core.registry import problem_class
    from bandits.experiment.config import load_config

    assert problem_class("regretlab/WeightedTallying-v0") is WeightedTallyingBandit
    config = load_config({"name": "by_id", "horizon": 10, "n_replications": 1, "seed": 0,
                          "environments": [{"name": "regretlab/WeightedTallying-v0", "weights": [1.0, 1.0],
                                            "loss_knots": [0.0, 2.0], "loss_values": [[0.9, 0.1], [0.5, 0.5]]}],
                          "policies": [{"name": "fixed_arm"}]})
    assert isinstance(config.environments[0][2], WeightedTallyingBandit)
