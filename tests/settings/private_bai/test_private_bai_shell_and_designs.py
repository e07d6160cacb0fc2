"""Private fixed-budget BAI: the Gymnasium shell, its driver and the fused loop against each other,
reward-table mode (data use), the phase budgets, and the sampling designs and schedules against
independent oracles (numpy.linalg, hand-derived values).

Chen, Karthik, Chee & Tan, *Fixed-Budget Differentially Private Best Arm Identification*, ICLR
2024, arXiv:2401.09073. Kernels are called with C-contiguous float64 arrays and int64 scalars, as
the policies call them, so nothing compiles twice.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bandits
from bandits.core.kernels import compiled_entry_point
from bandits.core.rng import make_random_stream, replication_seeds
from bandits.policies.private_bai import (
    DPBAI,
    ODLinBAI,
    SequentialHalving,
    UniformAllocation,
    identify,
)
from bandits.policies.private_bai.designs import apportion, g_optimal_design
from bandits.policies.private_bai.schedules import (
    check_schedule,
    phase_budgets,
    survivors,
)
from environments.private_bai import (
    LinearBAIProblem,
    PrivateLinearBAIShell,
    random_unit_arms,
    soare_instance,
)
from environments.private_bai.protocol import PULL, RECOMMEND

INF = math.inf


def all_policies():
    """The four policies, private and not (labels are unique)."""
    return [DPBAI(), DPBAI(epsilon=INF), ODLinBAI(), ODLinBAI(epsilon=INF),
            SequentialHalving(), SequentialHalving(epsilon=INF), UniformAllocation(), UniformAllocation(epsilon=INF)]


def fresh(policy):
    return type(policy)(**policy.get_params())


def fused_outputs(problem, policies, horizon, *, seed, n_replications, table=None):
    """The fused loop run by hand as :func:`bandits.run` runs it (same seeds per replication and
    policy), with a pull log and optionally a reward table (which ``run`` does not take)."""
    points = np.array([horizon], np.int64)
    loop = problem.fused_loop(policies, horizon, points, table=table, pull_log=True)
    outputs = loop.allocate(len(policies), n_replications)
    env_generator, policy_generator = np.random.default_rng(0), np.random.default_rng(0)
    streams = make_random_stream(env_generator), make_random_stream(policy_generator)
    for r in range(n_replications):
        env_seed, policy_seed = replication_seeds(seed, r)
        for p in range(len(policies)):
            env_generator.bit_generator.state = np.random.default_rng(env_seed).bit_generator.state
            policy_generator.bit_generator.state = np.random.default_rng(policy_seed).bit_generator.state
            arguments = loop.arguments(p, r, outputs, *streams)
            compiled_entry_point(loop.loop, arguments)(*arguments)
    loop.check_outputs(outputs, [p.label for p in policies])
    return outputs


# ---------------------------------------------------------------------------------------------
# identify (Gymnasium shell) == bandits.run (fused loop)
# ---------------------------------------------------------------------------------------------
def test_identify_equals_fused_runner_for_every_policy():
    problem = random_unit_arms(n_arms=30, dimension=3)
    horizon, seed, n_replications = 2003, 11, 3
    policies = all_policies()
    result = bandits.run(problem, policies, horizon=horizon, n_replications=n_replications, seed=seed)
    metrics = result.metrics
    for p, policy in enumerate(policies):
        for r in range(n_replications):
            driven = identify(problem.make_env(horizon), fresh(policy), horizon=horizon, seed=seed, replication=r)
            where = f"{policy.label}, replication {r}"
            assert driven.recommendation == metrics["recommendation"][p, r], where
            assert driven.error == metrics["error"][p, r] == int(driven.recommendation != problem.best_arm), where
            assert driven.samples_used == metrics["samples_used"][p, r], where
            np.testing.assert_array_equal(driven.pull_counts, result.pull_counts[p, r], err_msg=where)
            sizes = metrics["phase_sizes"][p, r]
            m = driven.phase_sizes.size
            np.testing.assert_array_equal(driven.phase_sizes, sizes[:m], err_msg=where)
            np.testing.assert_array_equal(sizes[m:], 0, err_msg=where)
            assert driven.simple_regret == metrics["simple_regret"][p, r], where
            assert driven.reward == -driven.error
    # the replications and policies are not all alike (the comparison is not vacuous)
    assert len({tuple(result.pull_counts[p, 0]) for p in range(len(policies))}) >= 3


def test_hand_run_fused_loop_equals_run():
    """The helper below (used for reward tables) reproduces bandits.run exactly."""
    problem = random_unit_arms(n_arms=12, dimension=2, instance_seed=1)
    policies = [DPBAI(), ODLinBAI(epsilon=INF), SequentialHalving(epsilon=2.0)]
    result = bandits.run(problem, policies, horizon=401, n_replications=2, seed=5)
    outputs = fused_outputs(problem, policies, 401, seed=5, n_replications=2)
    np.testing.assert_array_equal(outputs["pull_counts"], result.pull_counts)
    np.testing.assert_array_equal(outputs["recommendation"], result.metrics["recommendation"])
    log = outputs["pull_log"]
    for p in range(len(policies)):
        for r in range(2):
            used = outputs["samples_used"][p, r]
            np.testing.assert_array_equal(np.bincount(log[p, r, :used], minlength=12), result.pull_counts[p, r])
            np.testing.assert_array_equal(log[p, r, used:], -1)


# ---------------------------------------------------------------------------------------------
# The recommendation step (soare_instance(): means 0.9, 0, 0.9 cos 0.1; best arm 0)
# ---------------------------------------------------------------------------------------------
SOARE_MEANS = [0.9, 0.0, 0.9 * math.cos(0.1)]


def test_after_the_budget_the_next_step_is_the_recommendation():
    problem = soare_instance()
    horizon = 50
    env = problem.make_env(horizon)
    with pytest.raises(RuntimeError):
        env.step(0)                                  # not reset
    observation, _ = env.reset(seed=3)
    assert observation == PULL
    for t in range(1, horizon + 1):
        observation, reward, terminated, truncated, info = env.step(t % 3)
        assert reward in (0.0, 1.0) and not terminated and not truncated
        assert info["pulls_left"] == horizon - t
        assert info["gap"] == pytest.approx(0.9 - SOARE_MEANS[t % 3])
        assert observation == (RECOMMEND if t == horizon else PULL)
    assert RECOMMEND == 1
    observation, reward, terminated, truncated, info = env.step(1)   # a wrong arm
    assert observation == RECOMMEND and terminated and not truncated
    assert {"error", "simple_regret", "best_arm", "recommendation"} <= set(info)
    assert (info["recommendation"], info["error"], info["best_arm"], info["samples_used"]) == (1, 1, 0, horizon)
    assert reward == -1.0 and info["simple_regret"] == pytest.approx(0.9)
    with pytest.raises(RuntimeError):
        env.step(0)
    with pytest.raises(RuntimeError):
        env.recommend(0)

    env.reset(seed=4)
    for t in range(horizon):
        env.step(0)
    _, reward, terminated, _, info = env.step(0)                       # the best arm
    assert terminated and reward == 0.0 and info["error"] == 0 and info["simple_regret"] == 0.0


def test_recommend_before_the_budget_ends_the_run_early():
    env = soare_instance().make_env(50)
    env.reset(seed=0)
    for _ in range(3):
        env.step(1)
    observation, reward, terminated, _, info = env.recommend(2)
    assert observation == RECOMMEND and terminated
    assert (info["recommendation"], info["error"], info["samples_used"]) == (2, 1, 3)
    assert reward == -1.0 and info["simple_regret"] == pytest.approx(0.9 - 0.9 * math.cos(0.1))
    with pytest.raises(RuntimeError):
        env.step(0)
    # a policy that stops early: uniform allocation on K = 3 arms uses 3 * floor(50 / 3) = 48 pulls
    driven = identify(soare_instance().make_env(50), UniformAllocation(epsilon=INF), horizon=50, seed=0)
    assert driven.samples_used == 48
    np.testing.assert_array_equal(driven.pull_counts, [16, 16, 16])
    np.testing.assert_array_equal(driven.pulls[48:], -1)


# ---------------------------------------------------------------------------------------------
# Reward-table mode
# ---------------------------------------------------------------------------------------------
def drive_by_hand(env, policy, horizon, env_seed, policy_seed):
    """The driver loop of bandits.policies.private_bai.face, keeping every reward."""
    observation, _ = env.reset(seed=env_seed)
    policy.reset(env, seed=policy_seed, horizon=horizon)
    pulls, rewards = [], []
    while True:
        arm = policy.select(observation)
        if policy.stopped:
            return arm, pulls, rewards
        observation, reward, _, _, _ = env.step(arm)
        pulls.append(arm)
        rewards.append(reward)
        policy.update(arm, reward)


TABLE_POLICIES = [DPBAI(), ODLinBAI(), SequentialHalving(epsilon=INF), UniformAllocation(epsilon=0.5)]


@pytest.mark.parametrize("policy", TABLE_POLICIES, ids=lambda p: p.label)
def test_shell_reads_each_table_entry_at_most_once_and_returns_it(policy):
    problem = random_unit_arms(n_arms=12, dimension=2, instance_seed=1)
    horizon = 611
    table = problem.reward_table(horizon, np.random.default_rng(8))
    shell = PrivateLinearBAIShell(problem, horizon, reward_table=table, record_reads=True)
    driven = identify(shell, fresh(policy), horizon=horizon, seed=2, replication=1)
    reads = shell.reads
    times = [t for t, _ in reads]
    assert len(reads) == driven.samples_used > 0
    assert all(a < b for a, b in itertools.pairwise(times))                  # each row at most once
    assert len(set(reads)) == len(reads)
    assert times == list(range(1, driven.samples_used + 1))
    assert [k for _, k in reads] == driven.pulls[: driven.samples_used].tolist()

    # the rewards are the table's entries, whatever the environment seed
    _, seed_policy = replication_seeds(2, 1)
    recommendation, pulls, rewards = drive_by_hand(shell, fresh(policy), horizon, 999, seed_policy)
    assert pulls == driven.pulls[: driven.samples_used].tolist() and recommendation == driven.recommendation
    assert rewards == [table[t, k] for t, k in enumerate(pulls)]
    assert shell.reads == [(t + 1, k) for t, k in enumerate(pulls)]


def test_fused_loop_reads_the_same_pulls_as_the_shell_in_table_mode():
    problem = random_unit_arms(n_arms=12, dimension=2, instance_seed=1)
    horizon, seed, n_replications = 611, 4, 2
    table = problem.reward_table(horizon, np.random.default_rng(9))
    outputs = fused_outputs(problem, TABLE_POLICIES, horizon, seed=seed, n_replications=n_replications, table=table)
    for p, policy in enumerate(TABLE_POLICIES):
        for r in range(n_replications):
            shell = PrivateLinearBAIShell(problem, horizon, reward_table=table, record_reads=True)
            driven = identify(shell, fresh(policy), horizon=horizon, seed=seed, replication=r)
            np.testing.assert_array_equal(outputs["pull_log"][p, r], driven.pulls)
            assert outputs["recommendation"][p, r] == driven.recommendation
            assert outputs["samples_used"][p, r] == driven.samples_used
            # the fused loop's reward total is the sum of the table entries the shell read
            assert outputs["cumulative_reward"][p, r, -1] == sum(table[t - 1, k] for t, k in shell.reads)


def test_reward_table_problem_agrees_with_the_hand_built_loop_and_the_shell():
    """``problem.with_reward_table`` runs through bandits.run: same pulls as the loop built above."""
    problem = soare_instance(dimension=3, angle=0.7)
    horizon, seed = 301, 6
    table = problem.reward_table(horizon, np.random.default_rng(3))
    policies = [DPBAI(epsilon=0.5), ODLinBAI(epsilon=INF)]
    bound = problem.with_reward_table(table, log_pulls=True)
    result = bandits.run(bound, policies, horizon=horizon, n_replications=2, seed=seed)
    outputs = fused_outputs(problem, policies, horizon, seed=seed, n_replications=2, table=table)
    np.testing.assert_array_equal(result.metrics["pull_log"], outputs["pull_log"])
    np.testing.assert_array_equal(result.metrics["recommendation"], outputs["recommendation"])
    env = bound.make_env(horizon)
    driven = identify(env, fresh(policies[0]), horizon=horizon, seed=seed, replication=1)
    np.testing.assert_array_equal(driven.pulls, outputs["pull_log"][0, 1])
    assert env.unwrapped.reads == [(t + 1, int(k)) for t, k in enumerate(driven.pulls[: driven.samples_used])]


def test_table_mode_does_not_use_the_environment_stream():
    """The policy only sees the table: two environment seeds, the same pulls."""
    problem = soare_instance(dimension=3, angle=0.7)
    horizon = 300
    table = problem.reward_table(horizon, np.random.default_rng(1))
    runs = []
    for env_seed in (0, 1):
        shell = PrivateLinearBAIShell(problem, horizon, reward_table=table)
        runs.append(drive_by_hand(shell, DPBAI(epsilon=0.7), horizon, env_seed, 17))
    assert runs[0] == runs[1]
    # without a table, the environment seed matters
    drawn = [drive_by_hand(problem.make_env(horizon), SequentialHalving(), horizon, s, 17)[2] for s in (0, 1)]
    assert drawn[0] != drawn[1]


# ---------------------------------------------------------------------------------------------
# Budgets
# ---------------------------------------------------------------------------------------------
BUDGET_POLICIES = [DPBAI(), DPBAI(epsilon=INF, switch_rule="always", reserved_pulls=37), ODLinBAI(),
                   ODLinBAI(reserved_pulls=5, noise_scale="composed"), SequentialHalving(),
                   SequentialHalving(schedule=[5, 2, 1], reserved_pulls=11), UniformAllocation()]
BUDGET_PROBLEMS = {
    "soare2": lambda: soare_instance(),
    "soare3": lambda: soare_instance(dimension=3, angle=0.7),
    "unit12x2": lambda: random_unit_arms(n_arms=12, dimension=2, instance_seed=1),
    "unit50x4": lambda: random_unit_arms(n_arms=50, dimension=4),
}


@pytest.mark.parametrize("name", sorted(BUDGET_PROBLEMS))
def test_pulls_stay_within_the_total_and_the_phase_budgets(name):
    problem = BUDGET_PROBLEMS[name]()
    view = problem.learner_view
    for policy in BUDGET_POLICIES:
        if isinstance(policy.schedule, tuple) and policy.schedule[0] >= problem.n_arms:
            continue
        smallest = policy.minimum_budget(view)
        for horizon in sorted({smallest, smallest + 1, smallest + 7, 997, 2027}):
            if horizon < smallest:
                continue
            result = bandits.run(problem, [policy], horizon=horizon, n_replications=2, seed=horizon)
            hyper = policy.kernel_hyper(view, horizon)
            budgets = hyper[4]
            m = policy.planned_phases(view, horizon)
            where = f"{policy.label} on {name}, T = {horizon}"
            assert budgets.size == hyper[3].size == m >= 1, where
            # equal split of T' = T - reserved_pulls (module docstring of the schedules)
            np.testing.assert_array_equal(budgets, (horizon - policy.reserved_pulls) // m, err_msg=where)
            assert budgets.sum() <= horizon - policy.reserved_pulls, where
            sizes = result.metrics["phase_sizes"][0]
            used = result.metrics["samples_used"][0]
            assert np.all(sizes[:, :m] <= budgets), where
            assert np.all(sizes[:, m:] == 0), where
            assert np.all(sizes.sum(axis=1) == used), where
            assert np.all(result.pull_counts[0].sum(axis=1) == used), where
            assert np.all(used <= horizon), where
            assert np.all(sizes[:, 0] > 0), where


def test_minimum_budget_is_enforced_and_sufficient():
    problem = random_unit_arms(n_arms=12, dimension=2, instance_seed=1)
    view = problem.learner_view
    for policy in BUDGET_POLICIES:
        smallest = policy.minimum_budget(view)
        policy.kernel_hyper(view, smallest)
        with pytest.raises(ValueError, match="^horizon: "):
            policy.kernel_hyper(view, smallest - 1)


# ---------------------------------------------------------------------------------------------
# G-optimal design (Frank-Wolfe) against numpy
# ---------------------------------------------------------------------------------------------
@st.composite
def spanning_sets(draw):
    k = draw(st.integers(2, 4))        # k = 1: see test_g_optimal_design_in_dimension_one
    n = draw(st.integers(k, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    integer = draw(st.booleans())
    while True:
        vectors = rng.integers(-2, 3, (n, k)).astype(float) if integer else rng.standard_normal((n, k))
        if np.linalg.matrix_rank(vectors) == k:
            return np.ascontiguousarray(vectors)


def design(vectors, max_iterations=1000, tolerance=0.01):
    weights = np.full(vectors.shape[0], np.nan)
    iterations, g_max = g_optimal_design(np.ascontiguousarray(vectors, np.float64), int(max_iterations),
                                         float(tolerance), weights)
    return int(iterations), float(g_max), weights


def numpy_g_max(vectors, weights):
    gram = (vectors * weights[:, None]).T @ vectors
    return float(np.max(np.einsum("ij,ij->i", vectors, np.linalg.solve(gram, vectors.T).T)))


@settings(max_examples=60)
@given(spanning_sets(), st.sampled_from([2, 1000]), st.sampled_from([0.01, 0.1]))
def test_g_optimal_design_is_a_design_near_the_kiefer_wolfowitz_value(vectors, max_iterations, tolerance):
    k = vectors.shape[1]
    iterations, g_max, weights = design(vectors, max_iterations, tolerance)
    assert 0 <= iterations <= max_iterations
    assert np.all(weights >= 0.0)
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    independent = numpy_g_max(vectors, weights)
    assert g_max == pytest.approx(independent, rel=1e-8)
    assert independent >= k * (1.0 - 1e-9)                     # sum_i w_i g_i = trace(I_k) = k
    if iterations < max_iterations:
        assert g_max <= k * (1.0 + tolerance)
    else:
        assert iterations == max_iterations


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_g_optimal_design_on_the_standard_basis_is_uniform(k):
    iterations, g_max, weights = design(np.eye(k))
    assert iterations == 0 and g_max == pytest.approx(k)
    np.testing.assert_allclose(weights, 1.0 / k)
    # and with a duplicated basis vector the weight of the duplicates is shared
    iterations, g_max, weights = design(np.vstack([np.eye(k), np.eye(k)[:1]]))
    assert g_max <= k * 1.01
    assert weights[0] + weights[k] == pytest.approx(1.0 / k, abs=0.01)


def test_g_optimal_design_hand_cases():
    # rows that do not span: iterations -1, g_max inf
    iterations, g_max, _ = design(np.array([[1.0, 0.0], [2.0, 0.0], [-1.0, 0.0]]))
    assert iterations == -1 and g_max == math.inf
    # R^2 with e_1 and 2 e_2: V = diag(w_1, 4 w_2), so g = max(1 / w_1, 1 / w_2), minimised
    # (= k = 2) by w = (1/2, 1/2), the uniform start
    iterations, g_max, weights = design(np.array([[1.0, 0.0], [0.0, 2.0]]))
    assert iterations == 0 and g_max == pytest.approx(2.0)
    np.testing.assert_allclose(weights, 0.5)
    # equal-norm vectors in R^1: the uniform design is already optimal (g = 1 for both)
    iterations, g_max, weights = design(np.array([[1.0], [-1.0]]))
    assert iterations == 0 and g_max == pytest.approx(1.0)
    np.testing.assert_allclose(weights, 0.5)


def test_g_optimal_design_in_dimension_one():
    # in dimension 1 the line-search step is gamma = 1: all weight on the longest vector
    # R^1 with x = 1 and x = 2: g_2 = 4 / (4 - 3 w_1) <= 1.01 needs w_1 <= 0.04 / 12.12 < 0.0034
    iterations, g_max, weights = design(np.array([[1.0], [2.0]]))
    assert 0 <= iterations < 1000 and 1.0 <= g_max <= 1.01
    assert weights[0] < 0.0034


@settings(max_examples=20)
@given(st.lists(st.sampled_from([-1.0, 1.0]), min_size=1, max_size=12))
def test_g_optimal_design_in_dimension_one_when_norms_are_equal(entries):
    # entries +-1: g_i = 1 for every design, the uniform start is optimal
    iterations, g_max, weights = design(np.array(entries)[:, None])
    assert iterations == 0 and g_max == pytest.approx(1.0)
    np.testing.assert_allclose(weights, 1.0 / len(entries))


def test_od_linbai_runs_when_a_phase_has_colinear_arms():
    # the two best arms are colinear: after phase 1 (keeping 2 arms) the active set has rank 1
    # (means 0.81, 0.729, 0.3, 0.15). In R^1 the G-optimal design puts all weight on the longer
    # vector, arm 0, and the estimate of arm 1 is 0.9 times arm 0's: arm 0 is recommended
    problem = LinearBAIProblem([[1.0, 0.0], [0.9, 0.0], [0.0, 1.0], [0.0, 0.5]], [0.9, 0.3])
    table = problem.reward_table(200, 3)
    result = bandits.run(problem.with_reward_table(table, log_pulls=True), [ODLinBAI(epsilon=INF, schedule=[2, 1])],
                         horizon=200, n_replications=20, seed=0)
    sizes = result.metrics["phase_sizes"][0]
    logs = result.metrics["pull_log"][0]
    rank_one = 0
    for r in range(20):
        second = logs[r, sizes[r, 0]:sizes[r, 0] + sizes[r, 1]]
        if set(second.tolist()) <= {0, 1}:  # phase 0 kept the two colinear arms
            rank_one += 1
            assert np.all(second == 0) and result.metrics["recommendation"][0, r] == 0
    assert rank_one >= 10


# ---------------------------------------------------------------------------------------------
# Apportionment
# ---------------------------------------------------------------------------------------------
def apportioned(weights, total):
    counts = np.full(len(weights), -7, np.int64)
    apportion(np.ascontiguousarray(weights, np.float64), int(total), counts)
    return counts


@given(st.lists(st.integers(0, 50), min_size=1, max_size=12).filter(lambda v: sum(v) > 0),
       st.integers(0, 10**6))
def test_apportion_is_exact_and_within_one_of_the_quota(raw, total):
    weights = np.array(raw, float) / sum(raw)
    counts = apportioned(weights, total)
    assert counts.sum() == total
    assert np.all(counts >= 0)
    assert np.all(np.abs(counts - weights * total) < 1.0)
    assert np.all(counts[weights == 0.0] == 0)


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=12).filter(lambda v: sum(v) > 1e-3),
       st.integers(0, 5000))
def test_apportion_with_arbitrary_float_weights(raw, total):
    weights = np.array(raw) / np.sum(raw)
    counts = apportioned(weights, total)
    assert counts.sum() == total
    assert np.all(np.abs(counts - weights * total) < 1.0)


def test_apportion_hand_cases():
    np.testing.assert_array_equal(apportioned([0.5, 0.5], 3), [2, 1])             # tie to the lower index
    np.testing.assert_array_equal(apportioned([0.25] * 4, 2), [1, 1, 0, 0])
    np.testing.assert_array_equal(apportioned([0.7, 0.2, 0.1], 7), [5, 1, 1])      # 4.9, 1.4, 0.7
    np.testing.assert_array_equal(apportioned([1.0, 0.0], 5), [5, 0])
    np.testing.assert_array_equal(apportioned([0.3, 0.7], 0), [0, 0])


# ---------------------------------------------------------------------------------------------
# Schedules (expected lists derived by hand from the formulas of the schedules docstring)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("schedule, n_arms, rank, expected", [
    # s_1 = ceil(min(50, 25) / 2) = 13, then ceil(13/2) = 7, 4, 2, 1
    ("halve_from_d2", 50, 5, [13, 7, 4, 2, 1]),
    # K = 10 < r^2 = 25: ceil(10 / 2) = 5, 3, 2, 1 (sequential halving)
    ("halve_from_d2", 10, 5, [5, 3, 2, 1]),
    ("halve_from_d2", 3, 2, [2, 1]),                 # ceil(min(3, 4) / 2) = 2
    # ceil(log2 5) = 3 phases keeping ceil(5/2) = 3, ceil(5/4) = 2, ceil(5/8) = 1
    ("od_linbai", 50, 5, [3, 2, 1]),
    ("od_linbai", 3, 2, [1]),                        # ceil(log2 2) = 1 phase
    ("od_linbai", 40, 8, [4, 2, 1]),
    # ceil(log2 12) = 4 phases keeping ceil(12/2) = 6, ceil(12/4) = 3, ceil(12/8) = 2, ceil(12/16) = 1
    ("halving", 12, 3, [6, 3, 2, 1]),
    ("halving", 2, 2, [1]),
    ("halving", 16, 3, [8, 4, 2, 1]),
    ("single", 7, 3, [1]),
    ((4, 2, 1), 7, 3, [4, 2, 1]),
])
def test_survivors_by_hand(schedule, n_arms, rank, expected):
    kept = survivors(check_schedule(schedule), n_arms, rank)
    assert kept.dtype == np.int64
    assert kept.tolist() == expected


def test_survivors_edge_cases_and_phase_budgets():
    for schedule in ("halve_from_d2", "od_linbai", "halving", "single", (1,)):
        assert survivors(check_schedule(schedule), 1, 1).size == 0            # K = 1: no phase
    with pytest.raises(ValueError, match="^schedule: "):
        survivors(check_schedule([3, 1]), 3, 2)                                # must keep fewer than K
    np.testing.assert_array_equal(phase_budgets(1001, 3, 2), [333, 333, 333])  # floor(999 / 3)
    np.testing.assert_array_equal(phase_budgets(10, 4, 0), [2, 2, 2, 2])
    np.testing.assert_array_equal(phase_budgets(5, 2, 9), [0, 0])
    assert phase_budgets(100, 0, 0).size == 0
