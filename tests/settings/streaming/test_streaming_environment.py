"""Single-pass streaming bandits: the problem, the per-replication draws, the Gymnasium shell
(operation rules, registration, check_env), batch outcomes, the learner view and feedback."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from bandits.core.registry import environment_ids, register_gymnasium_environments
from bandits.core.validation import ParameterError
from bandits.policies.streaming import GameOfArms, UniformExploration
from bandits.runner import run
from environments.streaming import (
    COMMIT,
    DISCARD,
    PULL,
    READ,
    StreamingBandit,
    StreamingBanditEnv,
    StreamingBanditShell,
    StreamingFeedback,
    StreamingLearnerView,
)


def test_problem_validation_names_parameter_value_and_rule():
    cases = [
        (dict(arms="gaussian", n_arms=3), "arms", "arms: must be one of"),
        (dict(arms="mix-in"), "n_arms", "n_arms: must be given"),
        (dict(arms="mix-in", n_arms=0), "n_arms", "n_arms: must be >= 1, got 0"),
        (dict(arms="clear-cut", n_arms=1), "n_arms", "n_arms: must be >= 2, got 1"),
        (dict(arms="explicit"), "means", "means: must be given"),
        (dict(arms="explicit", means=[0.2, 1.5]), "means[1]", "means[1]: must be in [0, 1], got 1.5"),
        (dict(arms="explicit", means=[0.2, 0.5], n_arms=3), "n_arms", "n_arms: must equal len(means) = 2, got 3"),
        (dict(arms="mix-in", n_arms=3, means=[0.1]), "means", "means: only with arms='explicit'"),
        (dict(arms="mix-in", n_arms=3, memory=0), "memory", "memory: must be >= 1, got 0"),
        (dict(arms="mix-in", n_arms=3, gaussian_threshold=-1), "gaussian_threshold",
         "gaussian_threshold: must be >= 0, got -1"),
        (dict(arms="mix-in", n_arms=3, shuffle=1), "shuffle", "shuffle: must be True or False, got 1"),
        (dict(arms="clear-cut", n_arms=3, clear_cut_std=0.0), "clear_cut_std", "clear_cut_std: must be > 0, got 0.0"),
        (dict(arms="clear-cut", n_arms=3, clear_cut_mean=5.0), "clear_cut_mean",
         "clear_cut_mean: N(5.0, 0.1^2) must put probability"),
    ]
    for params, parameter, message in cases:
        with pytest.raises(ParameterError) as error:
            StreamingBandit(**params)
        assert message in str(error.value), (params, str(error.value))
        assert error.value.parameter == parameter, (params, error.value.parameter)


def test_settings_draw_their_means_per_replication():
    clear = StreamingBandit(arms="clear-cut", n_arms=20_000)
    means, gap = clear.instance(3)
    assert np.sum(means == 0.82) == 1 and means[means != 0.82].max() <= 0.8 and means.min() >= 0.0
    assert gap == pytest.approx(0.82 - means[means != 0.82].max())
    # mean of N(0.5, 0.1^2) truncated to [0, 0.8]: mu + sigma (phi(a) - phi(b)) / (Phi(b) - Phi(a))
    a, b = -5.0, 3.0
    phi = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    Phi = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    expected = 0.5 + 0.1 * (phi(a) - phi(b)) / (Phi(b) - Phi(a))
    others = means[means != 0.82]
    assert abs(others.mean() - expected) < 4 * others.std() / math.sqrt(others.size)
    assert others.max() > 0.75  # the upper truncation is reached (P(Z > 2.5) ~ 0.6%, 20k draws)
    mix, _ = StreamingBandit(arms="mix-in", n_arms=20_000).instance(3)
    assert abs(mix.mean() - 0.5) < 4 * math.sqrt(1 / 12 / mix.size)
    assert not np.array_equal(StreamingBandit(arms="mix-in", n_arms=5).instance(4)[0], mix[:5])
    # explicit means: shuffled is a permutation, unshuffled keeps the order
    given = [0.1, 0.2, 0.3, 0.4]
    assert sorted(StreamingBandit(arms="explicit", means=given).instance(0)[0]) == given
    assert list(StreamingBandit(arms="explicit", means=given, shuffle=False).instance(0)[0]) == given


def test_shell_enforces_the_operation_rules():
    env = StreamingBanditShell(StreamingBandit(arms="explicit", means=[0.2, 0.9, 0.5], memory=2, shuffle=False),
                               horizon=100, batch_pulls=True)
    obs, info = env.reset(seed=0)
    assert info["oracle_gap"] == pytest.approx(0.4) and obs["arms_read"] == 0

    def expect(action, message):
        with pytest.raises(ValueError, match=message):
            env.step(action)

    expect({"op": PULL, "slot": 0, "count": 1}, "need a stored arm")
    expect({"op": 7, "slot": 0, "count": 1}, "action\\['op'\\]")
    expect({"op": READ, "slot": 2, "count": 1}, "action\\['slot'\\]: must be in \\[0, 1\\], got 2")
    env.step({"op": READ, "slot": 0, "count": 0})
    expect({"op": READ, "slot": 0, "count": 0}, "READ needs a free slot")
    env.step({"op": READ, "slot": 1, "count": 0})
    expect({"op": PULL, "slot": 1, "count": 0}, "count")
    _, reward, _, truncated, info = env.step({"op": PULL, "slot": 1, "count": 10})
    assert info["pulls_done"] == 10 and 0 <= reward <= 10 and not truncated and info["status"] == 1
    assert env.elapsed == 10 and info["gap"] == 0.0 and env.step_regret(info) == 0.0
    env.step({"op": DISCARD, "slot": 1, "count": 0})
    expect({"op": PULL, "slot": 1, "count": 1}, "discarded")  # the discarded arm is gone for ever
    env.step({"op": READ, "slot": 1, "count": 0})
    expect({"op": READ, "slot": 1, "count": 0}, "free slot")
    env.step({"op": DISCARD, "slot": 0, "count": 0})
    expect({"op": READ, "slot": 0, "count": 0}, "past the end of the stream")
    _, _, _, truncated, info = env.step({"op": PULL, "slot": 1, "count": 10**6})  # cut short at T
    assert truncated and info["pulls_done"] == 90 and info["pulls_used"] == 100 and env.elapsed == 100
    assert env.step_regret(info) == 90 * info["gap"] and info["gap"] == pytest.approx(0.4)
    with pytest.raises(RuntimeError, match="pulls are used"):
        env.step({"op": PULL, "slot": 1, "count": 1})
    assert env.peak_memory == 2
    assert env.regret == pytest.approx(10 * 0.0 + 90 * 0.4)
    one_at_a_time = StreamingBanditShell(StreamingBandit(arms="mix-in", n_arms=3, memory=2), horizon=10)
    one_at_a_time.reset(seed=0)
    one_at_a_time.step({"op": READ, "slot": 0, "count": 0})
    with pytest.raises(ValueError, match="batch_pulls=False"):
        one_at_a_time.step({"op": PULL, "slot": 0, "count": 2})
    _, _, _, truncated, info = one_at_a_time.step({"op": COMMIT, "slot": 0, "count": 0})
    assert truncated and info["pulls_done"] == 10


def test_gym_registration_and_check_env():
    assert environment_ids()["regretlab/StreamingBandit-v0"] == "environments.streaming:StreamingBanditEnv"
    register_gymnasium_environments()
    env = gym.make("regretlab/StreamingBandit-v0", arms="clear-cut", n_arms=6, memory=3, horizon=500)
    assert env.unwrapped.problem.n_arms == 6 and env.unwrapped.problem.arms == "clear-cut"
    check_env(env.unwrapped, skip_render_check=True)
    check_env(StreamingBanditEnv(horizon=50, batch_pulls=True), skip_render_check=True)
    with pytest.raises(ParameterError, match="pass either a problem or its parameters"):
        StreamingBanditEnv(StreamingBandit(arms="mix-in", n_arms=3), n_arms=4)
    with pytest.raises(ParameterError, match="problem: must be a StreamingBandit"):
        StreamingBanditEnv(object())
    # the registered environment is the shell over the problem it builds from the parameters
    assert isinstance(env.unwrapped, StreamingBanditShell)
    made = gym.make("regretlab/StreamingBandit-v0", horizon=500, arms="explicit", means=[0.3, 0.6], memory=2)
    assert made.unwrapped.problem.means == (0.3, 0.6) and made.unwrapped.horizon == 500
    assert not made.unwrapped.batch_pulls
    ready = StreamingBandit(arms="mix-in", n_arms=5, memory=2)
    assert StreamingBanditEnv(ready, horizon=20).problem is ready


def test_the_shell_runs_over_a_streaming_problem():
    problem = StreamingBandit(arms="mix-in", n_arms=5, memory=2)
    env = problem.make_env(300)
    assert type(env) is StreamingBanditShell and env.problem is problem
    assert (env.horizon, env.batch_pulls) == (300, True)
    shell = StreamingBanditShell(problem, horizon=40)
    assert (shell.horizon, shell.batch_pulls) == (40, False)
    for bad in (object(), None, problem.to_dict()):
        with pytest.raises(ParameterError, match="problem: must be a streaming problem") as error:
            StreamingBanditShell(bad)
        assert error.value.parameter == "problem"
    with pytest.raises(ParameterError, match="batch_pulls: must be True or False"):
        StreamingBanditShell(problem, batch_pulls=1)
    with pytest.raises(ParameterError, match="horizon: must be >= 1"):
        StreamingBanditShell(problem, horizon=0)


def test_learner_view_feedback_and_make_env():
    problem = StreamingBandit(arms="explicit", means=[0.2, 0.9, 0.5], memory=3)
    assert problem.learner_view == StreamingLearnerView(3, 3) and problem.learner_view.oracle_gap is None
    env = problem.make_env(1000)
    assert env.horizon == 1000 and env.batch_pulls and env.learner_view.oracle_gap is None
    _, info = env.reset(seed=4)
    view = env.learner_view
    assert (view.n_arms, view.memory) == (3, 3) and view.oracle_gap == info["oracle_gap"] == pytest.approx(0.4)
    assert StreamingLearnerView(3, 3, float("nan")).oracle_gap is None
    with pytest.raises(ParameterError, match="oracle_gap: must be in"):
        StreamingLearnerView(3, 3, 1.5)
    env.step({"op": READ, "slot": 0, "count": 0})
    _, reward, _, _, info = env.step({"op": PULL, "slot": 0, "count": 200})
    feedback = view.feedback(reward, info)
    assert isinstance(feedback, StreamingFeedback)
    assert feedback == (reward, info["status"], 200) and feedback.pulls_done == 200
    with pytest.raises(ParameterError, match="info: must carry 'status' and 'pulls_done'"):
        view.feedback(0, {"pulls_done": 5})
    # an oracle-assisted policy needs the oracle gap: a problem's view does not have it
    with pytest.raises(ParameterError) as error:
        GameOfArms(gap_hint="oracle").reset(problem, seed=0, horizon=1000)
    assert error.value.parameter == "oracle_gap"
    GameOfArms(gap_hint="oracle").reset(env, seed=0, horizon=1000)
    with pytest.raises(ParameterError, match="horizon: is required"):
        UniformExploration().reset(problem, seed=0)


def test_batch_outcomes_binomial_and_gaussian_shortcut():
    """Batch means: exact Binomial(n, p) (variance p(1-p)/n) or the official N(p, 4/n)."""
    p, n, reps = 0.3, 10**15, 400
    for threshold, variance in ((0, p * (1 - p) / n), (10**5, 4.0 / n)):
        env = StreamingBandit(arms="explicit", means=[p], memory=1, gaussian_threshold=threshold).make_env(n * reps)
        env.reset(seed=5)
        env.step({"op": READ, "slot": 0, "count": 0})
        values = np.array([env.step({"op": PULL, "slot": 0, "count": n})[1] / n for _ in range(reps)])
        z = (values.mean() - p) / math.sqrt(variance / reps)
        assert abs(z) < 4
        # sample variance / variance ~ chi2(reps-1)/(reps-1): sd sqrt(2/(reps-1)) ~ 0.07
        assert abs(values.var(ddof=1) / variance - 1) < 0.3


def test_default_record_points_are_sparse_for_huge_horizons():
    from bandits.experiment import load_config
    from bandits.runner import default_record_points

    problem = StreamingBandit(arms="mix-in", n_arms=20, memory=4, record_pull_counts=False)
    result = run(problem, [UniformExploration()], horizon=10**15, n_replications=1, seed=0)
    np.testing.assert_array_equal(result.record_points, default_record_points(10**15, dense_until=10, per_decade=20))
    assert result.record_points.size < 300 and result.record_points[-1] == 10**15
    config = load_config({"name": "s", "horizon": 10**15, "n_replications": 1,
                          "environments": [{"name": "StreamingBandit", "arms": "mix-in", "n_arms": 20, "memory": 4}],
                          "policies": [{"name": "uniform_exploration"}]})
    np.testing.assert_array_equal(config.record_points, result.record_points)
