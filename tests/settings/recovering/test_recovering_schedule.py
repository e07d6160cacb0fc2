"""The periodic schedule's rules, case by case (bandits/policies/recovering/schedule.py): the
due rule and the kept grid, the transition rule, greedy and uniformly random collisions; the
optimistic table of the UCB policies against a numpy reference; the number of sample-doubling
epochs. Expected values come from the rules as stated in the docstrings, never from the kernels."""

from __future__ import annotations

import math

import numpy as np

from bandits.policies.recovering import PeriodicUCB
from bandits.policies.recovering.periodic import optimistic_table
from bandits.policies.recovering.schedule import (
    GREEDY_COLLISIONS,
    RANDOM_COLLISIONS,
    scheduled_pulls,
)
from environments.recovering import RecoveringBandit, next_idle_times


def _pulls(periods, offsets, table, idle, t, max_pulls, collisions, rng):
    n = len(periods)
    out = np.zeros(max_pulls, np.int64)
    count = scheduled_pulls(np.asarray(periods, np.int64), np.asarray(offsets, np.int64), np.asarray(table, float),
                            np.asarray(idle, np.int64), t, max_pulls, collisions, rng, np.zeros(n), np.zeros(n), out)
    return sorted(out[:count].tolist())


def _simulate(periods, offsets, table, max_pulls, collisions, horizon, seed=0, idle=None):
    rng = np.random.default_rng(seed)
    d_max = np.asarray(table).shape[1]
    idle = np.full(len(periods), d_max, np.int64) if idle is None else np.asarray(idle, np.int64)
    history = []
    for t in range(1, horizon + 1):
        pulled = _pulls(periods, offsets, table, idle, t, max_pulls, collisions, rng)
        history.append(pulled)
        idle = next_idle_times(idle, pulled, d_max)
    return history


TABLE = np.array([[0.1, 0.5, 0.6, 0.6], [0.2, 0.3, 0.9, 0.9], [0.1, 0.2, 0.3, 0.4]])


def test_due_arms_are_pulled_on_their_grid_and_a_skipped_arm_keeps_it():
    # K = 1, arms 0 and 1 both due at every even period: one is skipped each time, and is next
    # due two periods later (never rescheduled to the next period)
    history = _simulate([2, 2, 0], [0, 0, 0], TABLE, 1, RANDOM_COLLISIONS, 200, seed=3)
    for t, pulled in enumerate(history, start=1):
        assert pulled == [] if t % 2 else len(pulled) == 1
        assert 2 not in pulled  # period 0: never pulled
    chosen = [p[0] for t, p in enumerate(history, start=1) if t % 2 == 0]
    assert 0 < chosen.count(0) < len(chosen)


def test_offsets_shift_the_grid():
    history = _simulate([3, 2, 4], [1, 0, 2], TABLE, 3, RANDOM_COLLISIONS, 24)
    for t, pulled in enumerate(history, start=1):
        expected = [i for i, (d, o) in enumerate(zip([3, 2, 4], [1, 0, 2])) if (t - o) % d == 0]
        assert pulled == expected, t


def test_transition_rule_waits_until_the_arm_has_rested_a_full_period():
    rng = np.random.default_rng(0)
    # arm 0 is due at t = 3 (offset 0, period 3) but has idle time 2 < 3: it waits for its next due time
    assert _pulls([3, 0, 0], [0, 0, 0], TABLE, [2, 4, 4], 3, 3, RANDOM_COLLISIONS, rng) == []
    assert _pulls([3, 0, 0], [0, 0, 0], TABLE, [3, 4, 4], 3, 3, RANDOM_COLLISIONS, rng) == [0]
    assert _pulls([3, 0, 0], [0, 0, 0], TABLE, [4, 4, 4], 6, 3, RANDOM_COLLISIONS, rng) == [0]


def test_greedy_collisions_pull_the_arms_worth_most_at_their_period():
    rng = np.random.default_rng(0)
    # all three due at t = 6 with periods 3, 3, 2 (values 0.6, 0.9, 0.2): K = 2 takes arms 0 and 1
    assert _pulls([3, 3, 2], [0, 0, 0], TABLE, [4, 4, 4], 6, 2, GREEDY_COLLISIONS, rng) == [0, 1]
    # periods 2, 2, 4 (values 0.5, 0.3, 0.4): K = 1 takes arm 0, K = 2 arms 0 and 2
    assert _pulls([2, 2, 4], [0, 0, 0], TABLE, [4, 4, 4], 4, 1, GREEDY_COLLISIONS, rng) == [0]
    assert _pulls([2, 2, 4], [0, 0, 0], TABLE, [4, 4, 4], 4, 2, GREEDY_COLLISIONS, rng) == [0, 2]


def test_random_collisions_choose_every_due_arm_equally_often():
    rng = np.random.default_rng(11)
    trials = 6000
    counts = np.zeros(3)
    for _ in range(trials):
        for arm in _pulls([1, 1, 1], [0, 0, 0], TABLE, [4, 4, 4], 5, 2, RANDOM_COLLISIONS, rng):
            counts[arm] += 1
    share = counts / trials  # each arm is in the pulled pair with probability 2/3
    se = math.sqrt((2 / 3) * (1 / 3) / trials)
    assert np.all(np.abs(share - 2 / 3) <= 5 * se), share


def _reference_table(counts, sums, scale, log_term, tighten):
    ucb = np.ones(counts.shape)
    tried = counts > 0
    ucb[tried] = np.minimum(1.0, sums[tried] / counts[tried] + scale * np.sqrt(log_term / counts[tried]))
    if tighten:
        ucb = np.minimum.accumulate(ucb[:, ::-1], axis=1)[:, ::-1]
    return ucb


def test_optimistic_table_matches_a_numpy_reference_with_and_without_tightening():
    rng = np.random.default_rng(5)
    counts = rng.integers(0, 40, size=(4, 6))
    counts[0, :3] = 0
    sums = rng.random((4, 6)) * counts
    for tighten in (0, 1):
        ucb = np.empty((4, 6))
        optimistic_table(counts, sums, 0.7, 12.0, tighten, ucb)
        np.testing.assert_allclose(ucb, _reference_table(counts, sums, 0.7, 12.0, tighten), rtol=0, atol=1e-15)
    # tightening lowers an index to the smallest index at a longer idle time (R is nondecreasing)
    assert np.all(np.diff(ucb, axis=1) >= 0)


def test_sample_doubling_epochs_are_logarithmic_in_the_horizon():
    problem = RecoveringBandit(TABLE, max_pulls=2)
    policy = PeriodicUCB().reset(problem, seed=1, horizon=20_000)
    env = problem.make_env(20_000)
    observation, _ = env.reset(seed=2)
    view = policy.view
    for _ in range(20_000):
        action = policy.select(observation)
        observation, reward, _, _, info = env.step(action)
        policy.update(action, view.feedback(reward, info))
    epochs = int(policy.state[8][2])
    counts = policy.state[0]
    # each epoch ends when some pair doubles its count (or gets its first sample): at most
    # N d_max (1 + log2(max count)) epochs, plus the first
    bound = TABLE.size * (1 + math.log2(max(2, counts.max()))) + 1
    assert 1 < epochs <= bound, (epochs, bound)
