"""Streaming bandits, fused loop: it equals the Gymnasium shell driven by the generic rollout
(bit for bit, both regret accountings), keeps the invariants (exactly T pulls, memory, regret
non-decreasing), and meets the deterministic oracles (single arm, uniform exploration's
exploration pulls and regret wherever the best arm sits)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from streaming_test_policies import all_policies

from bandits.gym_driver import rollout
from bandits.policies.streaming import (
    GameOfArms,
    LogLogMemoryTournament,
    LogMemoryTournament,
    LogStarMemory,
    NaiveEpsilonBest,
    UniformExploration,
)
from bandits.runner import run
from environments.streaming import StreamingBandit


def test_fused_loop_equals_the_shell_and_keeps_the_invariants():
    K, T, R = 40, 10**7, 3
    problem = StreamingBandit(arms="clear-cut", n_arms=K, memory=8)
    policies = all_policies() + [LogStarMemory(paper_accounting=True), LogMemoryTournament(paper_accounting=True)]
    points = np.array([1, 1000, 123_457, T // 2, T - 1, T])
    result = run(problem, policies, horizon=T, n_replications=R, seed=11, record_points=points)
    m = result.metrics
    for p, policy in enumerate(policies):
        for r in range(R):
            env = problem.make_env(T)
            played = rollout(env, type(policy)(**policy.get_params()), horizon=T, seed=11, replication=r)
            # the shell's step regrets, summed in order, give the fused loop's regret curve's end
            # bit for bit (exact accounting, or the official one with paper_accounting=True)
            assert played.final_regret == result.final_regret[p, r], (policy.label, r)
            assert played.total_reward == result.cumulative_reward[p, r, -1]
            assert env.regret == m["exact_regret"][p, r]
            assert m["operations"][p, r] == len(played.actions)
            assert m["peak_memory"][p, r] == env.peak_memory <= policy.memory_required(K)
            assert m["arms_read"][p, r] == K
            assert played.elapsed[-1] == T
        # exactly T pulls, counts per arm in arrival order
        assert np.all(result.pull_counts[p].sum(axis=1) == T)
        assert np.all(result.cumulative_regret[p] >= 0) and np.all(np.diff(result.cumulative_regret[p], axis=1) >= 0)
        headline = m["official_regret"] if policy.paper_accounting else m["exact_regret"]
        np.testing.assert_array_equal(result.final_regret[p], headline[p])
        assert np.all(result.cumulative_reward[p, :, -1] <= T)
    # U, N, G: the official code charges every pull at its own arm; the level algorithms do not
    same = [0, 1, 5]
    np.testing.assert_allclose(m["official_regret"][same], m["exact_regret"][same], rtol=1e-12)
    assert np.all(m["official_regret"][2:5] != m["exact_regret"][2:5])
    # common random numbers: every policy sees the same instance
    assert np.all(m["instance_gap"] == m["instance_gap"][0])


def test_single_arm_has_zero_regret():
    problem = StreamingBandit(arms="explicit", means=[0.37], memory=1)
    policies = [UniformExploration(), NaiveEpsilonBest(), LogMemoryTournament(), LogLogMemoryTournament(),
                LogStarMemory(), GameOfArms()]
    result = run(problem, policies, horizon=10**12, n_replications=2, seed=0)
    assert np.all(result.cumulative_regret == 0.0) and np.all(result.pull_counts.sum(axis=2) == 10**12)


@pytest.mark.parametrize("position", ["first", "middle", "last"])
def test_uniform_exploration_pulls_do_not_depend_on_the_best_arm_position(position):
    """Exploration pulls are exactly K x B, B per arm, and the exploration regret is the
    deterministic B * sum(mu* - mu), wherever the best arm sits."""
    K, T = 25, 10**9
    means = np.linspace(0.2, 0.6, K - 1)
    index = {"first": 0, "middle": K // 2, "last": K - 1}[position]
    means = np.insert(means, index, 0.9)
    problem = StreamingBandit(arms="explicit", means=means, memory=2, shuffle=False)
    result = run(problem, [UniformExploration()], horizon=T, n_replications=3, seed=2)
    B = math.ceil((T / K) ** (2 / 3) * math.log(T) ** (1 / 3))
    assert np.all(result.metrics["exploration_pulls"] == K * B)
    np.testing.assert_allclose(result.metrics["exploration_regret"], B * np.sum(0.9 - means), rtol=1e-12)
    counts = result.pull_counts[0]
    committed = np.argmax(counts, axis=1)
    for r in range(3):
        others = np.delete(counts[r], committed[r])
        assert np.all(others == B) and counts[r, committed[r]] == T - (K - 1) * B
    assert np.all(committed == index)  # the best arm (gap 0.3, B ~ 10^5 pulls) wins


def test_memory_limit_is_enforced_for_every_policy_on_a_large_stream():
    K = 5000
    problem = StreamingBandit(arms="mix-in", n_arms=K, memory=32, record_pull_counts=False)
    policies = all_policies()
    result = run(problem, policies, horizon=10**13, n_replications=2, seed=3)
    for p, policy in enumerate(policies):
        assert result.metrics["peak_memory"][p].max() <= policy.memory_required(K)
    assert result.pull_counts.shape == (6, 2, 0)
