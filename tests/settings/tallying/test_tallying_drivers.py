"""The Gymnasium shell against the fused runner under the exact comparator (complete policy
regret against OPT_t), with and without a horizon; and inputs refused before any work (a memory
beyond the cap, a fixed arm the problem does not have)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from bandits import rollout, run
from bandits.core.validation import ParameterError
from bandits.policies.classic import UCB1
from bandits.policies.tallying import BlockedEXP3, FixedArm, SuccessiveEliminationBurnIn
from environments.tallying import MAX_MEMORY, SyntheticTallyingBandit, WeightedTallyingBandit, WeightedTallyingShell

#: Not REO: both actions satiate (losses grow with the tally), so the optimum alternates.
SATIATION = dict(weights=[1.0, 1.0], loss_knots=[0.0, 1.0, 2.0], loss_values=[[0.1, 0.5, 0.9], [0.2, 0.5, 0.8]],
                 noise="bernoulli", reward_form="one_minus_loss", comparator="exact", allow_non_reo=True)


@pytest.mark.parametrize("policy", [UCB1(), SuccessiveEliminationBurnIn(burn_in=3), BlockedEXP3(block_length=5)],
                         ids=["ucb1", "se_burn_in", "blocked_exp3"])
def test_shell_equals_runner_under_the_exact_comparator(policy):
    problem = WeightedTallyingBandit(**SATIATION)
    horizon = 300
    fused = run(problem, [policy], horizon=horizon, n_replications=2, seed=11)
    for r in range(2):
        driven = rollout(problem.make_env(horizon), type(policy)(**policy.get_params()), horizon=horizon, seed=11,
                         replication=r)
        assert driven.final_regret == fused.final_regret[0, r]
        assert driven.total_reward == fused.cumulative_reward[0, r, -1]


def test_shell_without_horizon_extends_the_exact_comparator():
    problem = WeightedTallyingBandit(**SATIATION)
    prefix, cycle = problem.comparator_increments(20_000)
    expected = np.concatenate((prefix, np.tile(cycle, 20_000)))[:20_000]
    shell = WeightedTallyingShell(problem)  # no horizon: increments computed ahead, then extended
    shell.reset(seed=0)
    for t in range(1, 20_001):
        _, _, _, truncated, info = shell.step(t % 2)
        assert not truncated
        assert info["comparator_loss"] == expected[t - 1]
    # the optimum alternates (each action played at tally 1: loss 0.5 per step), below the best
    # constant sequence's saturated loss 0.8
    assert cycle.mean() < 0.8


def test_a_memory_beyond_the_cap_is_refused_before_any_array_work():
    start = time.perf_counter()
    with pytest.raises(ParameterError, match="^memory: "):
        SyntheticTallyingBandit(memory=10**10)
    with pytest.raises(ParameterError, match="^weights: "):
        WeightedTallyingBandit(np.ones(MAX_MEMORY + 1), [0.0, MAX_MEMORY + 1.0], [[0.9, 0.1], [0.5, 0.5]])
    with pytest.raises(ParameterError, match="^noise: "):
        SyntheticTallyingBandit(memory=MAX_MEMORY, noise="bad")
    with pytest.raises(ParameterError, match="^comparator: "):
        WeightedTallyingBandit(np.ones(50), [0.0, 50.0], [[0.9, 0.1], [0.5, 0.5]], noise="bernoulli",
                               comparator="exact")
    assert time.perf_counter() - start < 5.0


def test_a_fixed_arm_the_problem_does_not_have_is_refused():
    problem = SyntheticTallyingBandit(n_arms=3, memory=2, reward_form="one_minus_loss")
    with pytest.raises(ParameterError, match=r"^policy\.arm: .*< K = 3"):
        problem.check_policy_compatible(FixedArm(arm=3))
    problem.check_policy_compatible(FixedArm(arm=2))
