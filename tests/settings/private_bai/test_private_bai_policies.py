"""Private fixed-budget BAI policies: behaviour on degenerate and symmetric inputs, the Laplace
mechanism (analytic privacy-loss bound and empirical noise variance), the Max-Det branch against
numpy, error probability against the budget, epsilon and the paper's bound, and input
validation.

Chen, Karthik, Chee & Tan, *Fixed-Budget Differentially Private Best Arm Identification*, ICLR
2024, arXiv:2401.09073. Statistical checks use fixed seeds; their tolerances are stated in
standard errors (4-5) or exact binomial / Wilson bounds, so a correct implementation passes with
overwhelming probability on any seed.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import chi2

import bandits
from bandits.core.intervals import clopper_pearson_lower, wilson_interval
from bandits.policies.private_bai import (
    DPBAI,
    ODLinBAI,
    SequentialHalving,
    UniformAllocation,
    identify,
)
from environments.private_bai import (
    LinearBAIProblem,
    PrivateBAIView,
    random_unit_arms,
    soare_instance,
)

INF = math.inf
Z = 4.5          # standard errors allowed in the statistical checks


def fresh(policy):
    return type(policy)(**policy.get_params())


def drive(policy, view, horizon, seed, rewards):
    """Run ``policy`` through its face for ``horizon`` pulls, the reward of pulling arm k at pull
    t (0-based) being ``rewards(t, k)``; return ``(recommendation, pulls)``."""
    policy.reset(view, seed=seed, horizon=horizon)
    observation, pulls = 0, []
    while True:
        arm = policy.select(observation)
        if policy.stopped:
            return arm, np.array(pulls, np.int64)
        policy.update(arm, float(rewards(len(pulls), arm)))
        pulls.append(arm)
        observation = 1 if len(pulls) == horizon else 0


# ---------------------------------------------------------------------------------------------
# One arm; symmetric arms with identical rewards
# ---------------------------------------------------------------------------------------------
def test_a_single_arm_is_recommended_without_pulls():
    problem = LinearBAIProblem(features=[[1.0]], theta=[0.5])
    policies = [DPBAI(), ODLinBAI(), SequentialHalving(epsilon=INF), UniformAllocation(epsilon=0.3)]
    result = bandits.run(problem, policies, horizon=10, n_replications=3, seed=0)
    np.testing.assert_array_equal(result.metrics["recommendation"], 0)
    np.testing.assert_array_equal(result.metrics["samples_used"], 0)
    np.testing.assert_array_equal(result.pull_counts, 0)
    np.testing.assert_array_equal(result.metrics["error"], 0)
    for policy in policies:
        assert policy.planned_phases(problem.learner_view, 10) == 0
        assert policy.minimum_budget(problem.learner_view) == 1
        driven = identify(problem.make_env(10), fresh(policy), horizon=10, seed=0)
        assert (driven.recommendation, driven.samples_used, driven.error) == (0, 0, 0)
        np.testing.assert_array_equal(driven.pulls, -1)
        policy.reset(problem.learner_view, seed=0, horizon=1)
        assert policy.select(0) == 0 and policy.stopped and policy.pulls == 0


TIE_REPLICATIONS = 2000


@pytest.mark.statistical
@pytest.mark.parametrize("policy", [DPBAI(epsilon=1.0), SequentialHalving(epsilon=INF)], ids=lambda p: p.label)
def test_identical_arms_are_recommended_uniformly(policy):
    """Four orthogonal arms whose rewards are all Bernoulli(1/2) (LinearBAIProblem refuses tied
    best arms, so the policy is driven directly; it only sees the features and the rewards):
    ties, frequent with integer reward sums, must be broken at random."""
    view = PrivateBAIView(np.eye(4))
    horizon = 40
    rng = np.random.default_rng(2024)
    recommended = np.zeros(4, np.int64)
    for r in range(TIE_REPLICATIONS):
        table = (rng.random((horizon, 4)) < 0.5).astype(float)
        arm, pulls = drive(policy, view, horizon, r, lambda t, k, table=table: table[t, k])
        assert pulls.size == horizon
        recommended[arm] += 1
    frequency = recommended / TIE_REPLICATIONS
    standard_error = math.sqrt(0.25 * 0.75 / TIE_REPLICATIONS)
    assert np.all(np.abs(frequency - 0.25) <= Z * standard_error), recommended
    expected = TIE_REPLICATIONS / 4
    statistic = float(np.sum((recommended - expected) ** 2 / expected))
    assert statistic <= chi2.ppf(1 - 1e-5, df=3), (statistic, recommended)


# ---------------------------------------------------------------------------------------------
# The Laplace mechanism
# ---------------------------------------------------------------------------------------------
def laplace_log_density(x, location, scale):
    return -np.abs(x - location) / scale - math.log(2.0 * scale)


def privacy_loss_of_phase_zero(policy, view, horizon, seed=0):
    """Largest log-density ratio of the released mean of one arm of a uniform phase 0 over
    neighbouring reward vectors (n entries in [0, 1], one flipped), the Laplace scale read from
    the kernels' hyper-parameters: ``noise_factor / (epsilon n)``."""
    hyper = policy.kernel_hyper(view, horizon)
    epsilon, factor, budget = hyper[1], hyper[2], int(hyper[4][0])
    n = budget // view.n_arms
    scale = factor / (epsilon * n)
    rng = np.random.default_rng(seed)
    grid = np.linspace(-3.0, 4.0, 7001)
    worst = 0.0
    for _ in range(20):
        rewards = (rng.random(n) < 0.5).astype(float)
        flipped = rewards.copy()
        i = rng.integers(n)
        flipped[i] = 1.0 - rewards[i]
        for a, b in ((rewards, flipped), (flipped, rewards)):
            ratio = laplace_log_density(grid, a.mean(), scale) - laplace_log_density(grid, b.mean(), scale)
            worst = max(worst, float(ratio.max()))
    return worst, epsilon, n


@pytest.mark.parametrize("policy", [UniformAllocation(epsilon=0.5), SequentialHalving(epsilon=2.0),
                                    DPBAI(epsilon=1.0), UniformAllocation(epsilon=3.0, noise_multiplier=1.5)],
                         ids=lambda p: p.label)
def test_laplace_scale_bounds_the_privacy_loss_by_epsilon(policy):
    view = PrivateBAIView(np.eye(4))
    worst, epsilon, n = privacy_loss_of_phase_zero(policy, view, 200)
    assert n >= 2
    assert worst <= epsilon + 1e-12
    if policy.noise_multiplier == 1.0:
        # means 1/n apart: the bound is attained, the mechanism is not needlessly noisy
        assert worst == pytest.approx(epsilon, rel=1e-9)


def test_privacy_loss_check_catches_a_too_small_scale():
    view = PrivateBAIView(np.eye(4))
    worst, epsilon, _ = privacy_loss_of_phase_zero(UniformAllocation(epsilon=1.0, noise_multiplier=0.5), view, 200)
    assert worst == pytest.approx(2.0 * epsilon, rel=1e-9) and worst > epsilon + 1e-6


def test_noise_factor_conventions():
    view = PrivateBAIView(np.eye(8))
    horizon = 800
    for cls in (DPBAI, ODLinBAI, SequentialHalving):
        m = cls().planned_phases(view, horizon)
        assert m >= 2
        assert cls(epsilon=0.7).kernel_hyper(view, horizon)[2] == 1.0
        assert cls(epsilon=0.7, noise_scale="composed").kernel_hyper(view, horizon)[2] == pytest.approx(m)
        assert cls(noise_scale="composed", noise_multiplier=0.25).kernel_hyper(view, horizon)[2] == pytest.approx(m / 4)
        assert cls(epsilon=0.7).kernel_hyper(view, horizon)[1] == 0.7
    assert UniformAllocation(noise_multiplier=3.0).kernel_hyper(view, horizon)[2] == 3.0


NOISE_REPLICATIONS = 2000


def released_noise(policy, view, horizon):
    """Every reward 0: the means released in the last phase are pure Laplace noise. Returns the
    released values of the last phase's arms over the replications and their pull count n."""
    values, n_pulls = [], set()
    for r in range(NOISE_REPLICATIONS):
        _, pulls = drive(policy, view, horizon, 10_000 + r, lambda t, k: 0.0)
        first = int(policy.phase_sizes[:-1].sum())
        arms, counts = np.unique(pulls[first:], return_counts=True)
        n_pulls.update(counts.tolist())
        values.extend(policy.state[6][arms].tolist())
    assert len(n_pulls) == 1
    return np.array(values), n_pulls.pop()


@pytest.mark.statistical
@pytest.mark.parametrize("policy, n_arms, horizon, factor", [
    (UniformAllocation(epsilon=0.5), 2, 20, 1.0),
    (UniformAllocation(epsilon=2.0, noise_multiplier=0.5), 2, 20, 0.5),
    (SequentialHalving(epsilon=1.0), 4, 40, 1.0),
    (SequentialHalving(epsilon=1.0, noise_scale="composed"), 4, 40, 2.0),     # M = 2 phases
], ids=["uniform", "multiplier", "halving", "halving-composed"])
def test_released_means_have_the_laplace_variance(policy, n_arms, horizon, factor):
    view = PrivateBAIView(np.eye(n_arms))
    noise, n = released_noise(policy, view, horizon)
    # uniform allocation: floor(20 / 2) = 10 pulls per arm; halving on 4 arms: phases of 20 pulls,
    # the second over 2 arms, 10 pulls each
    assert n == 10
    scale = factor / (policy.epsilon * n)
    size = noise.size
    variance = 2.0 * scale**2
    # Var(s^2) = sigma^4 (2 / (N - 1) + kappa / N), excess kurtosis kappa = 3 for the Laplace law
    variance_se = variance * math.sqrt(2.0 / (size - 1) + 3.0 / size)
    assert abs(noise.var(ddof=1) - variance) <= Z * variance_se, (noise.var(ddof=1), variance)
    # E|X| = b and Var|X| = b^2
    assert abs(np.abs(noise).mean() - scale) <= Z * scale / math.sqrt(size)
    assert abs(noise.mean()) <= Z * math.sqrt(variance / size)


# ---------------------------------------------------------------------------------------------
# The Max-Det branch
# ---------------------------------------------------------------------------------------------
def numpy_coefficients(features, chosen):
    """beta with features = beta @ features[chosen] (the features span R^d)."""
    return np.linalg.solve(features[chosen].T, features.T).T


@pytest.mark.parametrize("policy, bound", [(DPBAI(), 1.0), (DPBAI(max_det="local", max_det_slack=0.1), 1.1)],
                         ids=["auto", "local-slack"])
def test_max_det_phase_pulls_d_arms_with_bounded_coefficients(policy, bound):
    problem = random_unit_arms(n_arms=50, dimension=4)
    features = np.asarray(problem.features)
    horizon = 5000
    # rank d = 5; halve_from_d2: survivors 13, 7, 4, 2, 1 (M = 5), phase budget 1000, and
    # |A_0| = 50 > 25 = d^2: five arms pulled floor(1000 / 5) = 200 times each
    result = bandits.run(problem, [policy], horizon=horizon, n_replications=20, seed=3)
    largest = result.metrics["max_abs_coefficient"][0]
    assert np.all(largest <= bound + 1e-9) and np.all(largest >= 1.0 - 1e-12)
    for r in range(3):
        driven = identify(problem.make_env(horizon), fresh(policy), horizon=horizon, seed=3, replication=r)
        assert driven.phase_sizes[0] == 1000
        arms, counts = np.unique(driven.pulls[:1000], return_counts=True)
        assert arms.size == 5 and np.all(counts == 200)
        beta = numpy_coefficients(features, arms)
        assert np.abs(beta).max() <= bound + 1e-9
        assert np.abs(beta).max() == pytest.approx(largest[r], abs=1e-9)
        # phase 1 has 13 <= 25 active arms: uniform, floor(1000 / 13) = 76 pulls each
        arms_1, counts_1 = np.unique(driven.pulls[1000:1000 + driven.phase_sizes[1]], return_counts=True)
        assert driven.phase_sizes[1] == 13 * 76 and arms_1.size == 13 and np.all(counts_1 == 76)


def test_exact_max_det_phase_maximises_the_determinant():
    problem = random_unit_arms(n_arms=20, dimension=3, instance_seed=4)     # d = 4, K = 20 > 16
    features = np.asarray(problem.features)
    horizon = 2000                  # survivors 8, 4, 2, 1: phase budget 500, 4 arms x 125 pulls
    driven = identify(problem.make_env(horizon), DPBAI(max_det="exact"), horizon=horizon, seed=1)
    arms, counts = np.unique(driven.pulls[: driven.phase_sizes[0]], return_counts=True)
    assert arms.size == 4 and np.all(counts == 125)
    subsets = np.array(list(itertools.combinations(range(20), 4)))
    best = np.abs(np.linalg.det(features[subsets])).max()
    assert abs(np.linalg.det(features[arms])) == pytest.approx(best, rel=1e-9)
    assert np.abs(numpy_coefficients(features, arms)).max() <= 1.0 + 1e-9


# ---------------------------------------------------------------------------------------------
# Error probability
# ---------------------------------------------------------------------------------------------
ERROR_REPLICATIONS = 4000


def error_counts(problem, policies, horizon, seed, n_replications=ERROR_REPLICATIONS):
    result = bandits.run(problem, policies, horizon=horizon, n_replications=n_replications, seed=seed)
    return result.metrics["error"].sum(axis=1)


@pytest.mark.statistical
def test_error_falls_log_linearly_in_the_budget():
    problem = soare_instance(angle=0.5)             # means 0.9, 0, 0.9 cos 0.5 = 0.79
    budgets = (60, 150, 240)
    n = ERROR_REPLICATIONS
    errors = np.array([error_counts(problem, [SequentialHalving(epsilon=INF)], T, seed=21)[0] for T in budgets])
    p = errors / n
    assert np.all((p > 0.01) & (p < 0.4)), p
    intervals = [wilson_interval(int(k), n, confidence=0.999) for k in errors]
    for (low, _), (_, high) in itertools.pairwise(intervals):
        assert low > high, intervals                # strictly decreasing beyond the intervals
    # log p against T: the middle point within 4.5 s.e. (delta method: sd(log p) = sqrt((1 - p) / (n p)))
    # plus 0.15 for the curvature of the true curve, of the chord through the outer points
    log_p = np.log(p)
    chord = (log_p[0] + log_p[2]) / 2.0
    se = np.sqrt((1 - p) / (n * p))
    tolerance = Z * math.sqrt(se[1] ** 2 + (se[0] ** 2 + se[2] ** 2) / 4.0) + 0.15
    assert abs(log_p[1] - chord) <= tolerance, (log_p, chord, tolerance)


def two_proportion_z(k1, k2, n):
    p = (k1 + k2) / (2 * n)
    return (k1 - k2) / n / math.sqrt(max(p * (1 - p), 1e-12) * 2 / n)


@pytest.mark.statistical
def test_error_falls_with_epsilon_towards_the_non_private_variant():
    problem = soare_instance(angle=0.5)
    policies = [DPBAI(epsilon=0.05), DPBAI(epsilon=INF), DPBAI(epsilon=100.0)]
    small, exact, large = error_counts(problem, policies, 150, seed=22)
    assert two_proportion_z(small, exact, ERROR_REPLICATIONS) > Z
    assert abs(two_proportion_z(large, exact, ERROR_REPLICATIONS)) <= Z
    assert 0 < exact < ERROR_REPLICATIONS / 2


BOUND_CASES = [
    # (problem, T, epsilon, reserved_pulls, replications)
    (lambda: soare_instance(angle=1.0), 1000, 1.0, 0, 2000),
    (lambda: soare_instance(angle=1.0), 1000, 0.05, 0, 2000),
    (lambda: soare_instance(angle=1.0), 3000, 0.5, 200, 2000),
    (lambda: soare_instance(), 200, 1.0, 0, 2000),                         # hard: a vacuous bound
    (lambda: random_unit_arms(n_arms=10, dimension=2), 10_000, 1.0, 0, 500),
    (lambda: random_unit_arms(n_arms=6, dimension=2), 3000, 0.2, 500, 1000),
]


@pytest.mark.statistical
def test_error_never_exceeds_the_papers_bound():
    """P(error) <= exp(-T' / (65 M H)), H = H_BAI + H_priv(epsilon), T' = T - reserved_pulls: the
    exact one-sided lower confidence bound of the empirical error may not exceed it."""
    informative = 0
    for make, horizon, epsilon, reserved, n in BOUND_CASES:
        problem = make()
        policy = DPBAI(epsilon=epsilon, reserved_pulls=reserved)
        m = policy.planned_phases(problem.learner_view, horizon)
        hardness = problem.complexity_bai() + problem.complexity_private(epsilon)
        bound = math.exp(-(horizon - reserved) / (65.0 * m * hardness))
        informative += bound < 0.9
        errors = int(error_counts(problem, [policy], horizon, seed=23, n_replications=n)[0])
        assert clopper_pearson_lower(errors, n, 1e-3) <= bound, (problem, horizon, epsilon, errors, bound)
    assert informative >= 3


# ---------------------------------------------------------------------------------------------
# Invalid input: ValueError naming the parameter, before any work
# ---------------------------------------------------------------------------------------------
ALL_CLASSES = (DPBAI, ODLinBAI, SequentialHalving, UniformAllocation)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("epsilon", [0, 0.0, -1.0, -INF, math.nan, "abc", None, True, [1.0]])
def test_bad_epsilon(cls, epsilon):
    with pytest.raises(ValueError, match="^epsilon: "):
        cls(epsilon=epsilon)


@pytest.mark.parametrize("epsilon", ["1", "inf"])
def test_numeric_string_epsilon_is_refused(epsilon):
    with pytest.raises(ValueError, match="^epsilon: "):
        DPBAI(epsilon=epsilon)


@pytest.mark.parametrize("cls", (DPBAI, ODLinBAI, SequentialHalving), ids=lambda c: c.__name__)
@pytest.mark.parametrize("schedule", [[3, 3, 1], [2, 0], [], [2.5, 1], [True], [3, 2], [0], [2, 1, 0], "halve", 5, None])
def test_bad_schedule(cls, schedule):
    with pytest.raises(ValueError, match="^schedule: "):
        cls(schedule=schedule)


def test_bad_choices_and_reals():
    for call, name in [
        (lambda: DPBAI(noise_scale="sequential"), "noise_scale"),
        (lambda: ODLinBAI(noise_scale=None), "noise_scale"),
        (lambda: SequentialHalving(noise_scale="PER_PHASE"), "noise_scale"),
        (lambda: DPBAI(switch_rule="sometimes"), "switch_rule"),
        (lambda: DPBAI(max_det="greedy"), "max_det"),
        (lambda: DPBAI(max_det_slack=-0.1), "max_det_slack"),
        (lambda: UniformAllocation(noise_multiplier=0.0), "noise_multiplier"),
        (lambda: DPBAI(reserved_pulls=-1), "reserved_pulls"),
        (lambda: ODLinBAI(design_tolerance=0.0), "design_tolerance"),
        (lambda: ODLinBAI(design_iterations=0), "design_iterations"),
        (lambda: SequentialHalving(rank_tolerance=1.0), "rank_tolerance"),
    ]:
        with pytest.raises(ValueError, match=f"^{name}: "):
            call()


def test_run_refuses_bad_budgets_and_schedules_before_any_work():
    problem = soare_instance()                      # K = 3, rank 2
    calls = []
    for policy, horizon, name in [
        (SequentialHalving(), 5, "horizon"),        # 2 phases x 3 arms = 6 pulls at least
        (UniformAllocation(reserved_pulls=10), 12, "horizon"),
        (DPBAI(), 5, "horizon"),                    # survivors 2, 1: 2 phases x 3 arms
        (ODLinBAI(), 2, "horizon"),                 # one phase over 3 arms
        (SequentialHalving(schedule=[3, 1]), 100, "schedule"),    # must keep fewer than K = 3
    ]:
        with pytest.raises(ValueError, match=f"^{name}: "):
            bandits.run(problem, [policy], horizon=horizon, n_replications=2, seed=0, progress=calls.append)
        with pytest.raises(ValueError, match=f"^{name}: "):
            fresh(policy).reset(problem.learner_view, seed=0, horizon=horizon)
    assert calls == []
    # the smallest budget itself is accepted, and the arithmetic is as documented
    assert SequentialHalving().minimum_budget(problem.learner_view) == 6
    assert UniformAllocation(reserved_pulls=10).minimum_budget(problem.learner_view) == 13
    bandits.run(problem, [SequentialHalving()], horizon=6, n_replications=1, seed=0)
    with pytest.raises(ValueError, match="^horizon: "):
        identify(problem.make_env(100), SequentialHalving(), horizon=99, seed=0)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_bad_updates(cls):
    view = soare_instance().learner_view
    policy = cls()
    with pytest.raises(RuntimeError):
        policy.select(0)
    policy.reset(view, seed=0, horizon=60)
    with pytest.raises(ValueError, match="^action: "):
        policy.update(0, 1.0)                        # no batch yet
    arm = policy.select(0)
    for reward in (-0.01, 1.01, math.nan, math.inf, "x"):
        with pytest.raises(ValueError, match="^reward: "):
            policy.update(arm, reward)
    for other in ((arm + 1) % 3, True, 0.0 + arm, np.int64(arm + 1) % 3):
        with pytest.raises(ValueError, match="^action: "):
            policy.update(other, 1.0)
    assert policy.pulls == 0
    policy.update(np.int64(arm), 1.0)               # the batch's arm as a numpy integer is fine
    policy.update(arm, 0.0)
    assert policy.pulls == 2
    while not policy.stopped:
        arm = policy.select(0 if policy.pulls < 60 else 1)
        if not policy.stopped:
            policy.update(arm, 0.5)
    with pytest.raises(ValueError, match="^action: "):
        policy.update(arm, 0.5)                      # after the recommendation
