"""Policy kernels against slow, readable references on small random cases.

Every reference below is plain Python written from the formula in the kernel's docstring (it never
calls a kernel to compute an expected value). Kernels are called either directly, with the
argument types the project already uses (Python floats, C-contiguous float64 arrays), or through
their Policy faces (float64 state arrays, int ``t``, a RandomStream), so this file adds no new
numba compilations.

Randomised policies are replayed exactly with a *shadow* ``numpy.random.default_rng(seed)``:
``Policy.reset(seed=s)`` draws from ``default_rng(s)`` and numba's Generator methods return the
same values as NumPy's (see :mod:`bandits.core.rng`), so a reference that draws what the docstrings say
the kernel draws, in the same order, must make the same choices.

Kernel bugs this file found (kl_ucb_index for tiny and huge radii) are kept as regression tests.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bandits.policies.classic import (
    EXP3,
    KLUCB,
    UCB1,
    BernoulliThompsonSampling,
    DecayingEpsilonGreedy,
    EpsilonGreedy,
    ExploreThenCommit,
    GaussianThompsonSampling,
    SuccessiveElimination,
    TsallisINF,
)
from bandits.core.indices import bernoulli_kl, kl_ucb_index, tsallis_inf_probabilities

INF = math.inf


# =============================================================================================
# Readable references
# =============================================================================================
def kl_reference(p, q):
    """Bernoulli ``kl(p, q) = p ln(p/q) + (1-p) ln((1-p)/(1-q))`` with ``0 ln 0 = 0``.

    Each logarithm is written as ``log1p`` of a small relative difference when ``q`` is close to
    ``p`` (there the two terms nearly cancel and plain logs lose all precision), so that the
    bisection below resolves the index to full double precision even for small ``d``.
    """
    if p < 1.0 and q >= 1.0:
        return INF
    if p > 0.0 and q <= 0.0:
        return INF
    total = 0.0
    if p > 0.0:  # p ln(p / q)
        total += p * (-math.log1p((q - p) / p) if abs(q - p) < 0.5 * p else math.log(p / q))
    if p < 1.0:  # (1 - p) ln((1 - p) / (1 - q))
        if abs(q - p) < 0.5 * (1.0 - p):
            total += (1.0 - p) * -math.log1p((p - q) / (1.0 - p))
        else:
            total += (1.0 - p) * math.log((1.0 - p) / (1.0 - q))
    return total


def kl_ucb_index_reference(p, d):
    """``max{q in [p, 1] : kl(p, q) <= d}`` by bisection: ``kl(p, .)`` increases on ``[p, 1]``."""
    if kl_reference(p, 1.0) <= d:  # p = 1, or d = inf
        return 1.0
    lo, hi = p, 1.0  # invariant: kl(p, lo) <= d < kl(p, hi)
    while True:
        mid = 0.5 * (lo + hi)
        if not lo < mid < hi:  # lo and hi are adjacent doubles
            return lo
        if kl_reference(p, mid) <= d:
            lo = mid
        else:
            hi = mid


def tsallis_reference(loss, eta):
    """``(p, x)`` with ``p_i = 4 / (eta (L_i - x))^2`` and ``x < min L`` such that ``sum p = 1``.

    ``sum p`` increases in ``x`` on ``(-inf, min L)``. At ``x = m - (2 sqrt(K) + 1) / eta`` every
    ``p_i < 1/K`` (sum < 1); at ``x = m - 1/eta`` the leader alone has ``p = 4`` (sum > 1).
    Plain bisection between the two, down to adjacent doubles.
    """
    loss = [float(v) for v in loss]
    k_arms = len(loss)
    lowest = min(loss)

    def total(x):
        return sum(4.0 / (eta * (v - x)) ** 2 for v in loss)

    lo = lowest - (2.0 * math.sqrt(k_arms) + 1.0) / eta
    hi = lowest - 1.0 / eta
    while True:
        mid = 0.5 * (lo + hi)
        if not lo < mid < hi:
            break
        if total(mid) < 1.0:
            lo = mid
        else:
            hi = mid
    return np.array([4.0 / (eta * (v - lo)) ** 2 for v in loss]), lo


def softmax_of_negative(eta, loss):
    """``p_k ∝ exp(-eta L_k)`` (shifted by ``min L`` only to avoid overflow; same distribution)."""
    lowest = min(loss)
    weights = [math.exp(-eta * (v - lowest)) for v in loss]
    total = sum(weights)
    return np.array([w / total for w in weights])


def near_argmax(values, atol):
    """Indices whose value is within ``atol`` of the maximum (exact equality for ``+inf``)."""
    best = max(values)
    if best == INF:
        return {k for k, v in enumerate(values) if v == INF}
    return {k for k, v in enumerate(values) if v >= best - atol}


def exact_argmax_with_tie_draw(values, shadow):
    """The documented tie rule: the first maximum if unique, else the ``j``-th tied index (in
    index order) with ``j = integers(0, n_ties)`` drawn from the policy's stream."""
    best = max(values)
    tied = [k for k, v in enumerate(values) if v == best]
    if len(tied) == 1:
        return tied[0]
    return tied[int(shadow.integers(0, len(tied)))]


# =============================================================================================
# Strategies
# =============================================================================================
seeds = st.integers(0, 2**32 - 1)
# Rewards in [0, 1] that often repeat exactly (so that ties between arms actually happen).
unit_rewards = st.one_of(st.sampled_from([0.0, 0.25, 0.5, 1.0]), st.floats(0.0, 1.0))


@st.composite
def reward_tables(draw, rewards=unit_rewards, max_arms=6, max_rounds=40):
    """``rewards[t, k]``: the reward fed if arm ``k`` is chosen at round ``t + 1``."""
    k_arms = draw(st.integers(1, max_arms))
    n_rounds = draw(st.integers(1, max_rounds))
    rows = draw(st.lists(st.lists(rewards, min_size=k_arms, max_size=k_arms), min_size=n_rounds, max_size=n_rounds))
    return np.array(rows, dtype=np.float64).reshape(n_rounds, k_arms)


def assert_is_distribution(p, what):
    assert np.all(p >= 0.0), f"{what}: negative probability in {p}"
    assert abs(p.sum() - 1.0) <= 1e-12, f"{what}: probabilities sum to {p.sum()!r}"


# =============================================================================================
# 1. Bernoulli KL and the KL-UCB index
# =============================================================================================
unit_points = st.one_of(
    st.floats(0.0, 1.0),
    st.sampled_from([0.0, 1.0, 0.5, 5e-324, 1e-300, 1e-12, 1.0 - 1e-12, 1.0 - 2.0**-53]),
)


@given(p=unit_points, q=st.one_of(st.floats(0.0, 1.0, exclude_min=True, exclude_max=True), st.sampled_from([1e-300, 0.5, 1.0 - 2.0**-53])))
@example(p=0.0, q=0.5)
@example(p=1.0, q=0.5)
@example(p=0.3, q=0.3)
def test_bernoulli_kl_matches_closed_form(p, q):
    """``kl(p, q) = p ln(p/q) + (1-p) ln((1-p)/(1-q))`` with ``0 ln 0 = 0``, for q in (0, 1)."""
    expected = 0.0
    if p > 0.0:
        expected += p * math.log(p / q)
    if p < 1.0:
        expected += (1.0 - p) * math.log((1.0 - p) / (1.0 - q))
    value = bernoulli_kl(p, q)
    assert math.isclose(value, expected, rel_tol=1e-12, abs_tol=1e-15)
    assert value >= -1e-15  # Gibbs' inequality, up to rounding


def test_bernoulli_kl_edge_values():
    assert bernoulli_kl(0.0, 0.0) == 0.0
    assert bernoulli_kl(1.0, 1.0) == 0.0
    assert bernoulli_kl(0.25, 0.25) == 0.0
    assert math.isclose(bernoulli_kl(0.0, 0.3), -math.log(0.7), rel_tol=1e-15)
    assert math.isclose(bernoulli_kl(1.0, 0.3), -math.log(0.3), rel_tol=1e-15)
    assert math.isclose(bernoulli_kl(0.5, 0.25), 0.5 * math.log(2.0) + 0.5 * math.log(2.0 / 3.0), rel_tol=1e-14)


# d in [1e-40, 1e6] (the KL-UCB kernel uses d = threshold / n_k, about ln(t) / t or more with
# c = 1; tiny d arises from tiny c), plus d = 0.
kl_radii = st.one_of(
    st.just(0.0),
    st.floats(-40.0, 6.0).map(lambda e: 10.0**e),
    st.floats(1e-12, 5.0),
    st.sampled_from([1e-12, 1e-6, 0.5, 2.0, 50.0, 1e3, 1e6]),
)


@given(p=unit_points, d=kl_radii)
@example(p=0.0, d=0.0)
@example(p=1.0, d=0.0)
@example(p=0.0, d=1e-12)
@example(p=1.0, d=1e6)
@example(p=0.999, d=1e6)
@example(p=1e-300, d=1e6)
@example(p=1.0 - 2.0**-53, d=2.0)
@example(p=5e-324, d=0.1)
@example(p=1e-170, d=1e-300)
def test_kl_ucb_index_matches_bisection(p, d):
    index = kl_ucb_index(p, d)
    expected = kl_ucb_index_reference(p, d)
    assert abs(index - expected) <= 1e-9, (p, d, index, expected)
    assert p - 1e-9 <= index <= 1.0


@pytest.mark.parametrize("p", [0.0, 1e-300, 0.1, 0.5, 0.9, 1.0 - 1e-9, 1.0])
def test_kl_ucb_index_edge_cases(p):
    # d = 0: the index is the mean itself.
    assert kl_ucb_index(p, 0.0) == p
    # very large d: the index is 1 (kl(p, q) <= d for q up to 1 - exp(-d / (1 - p)) roughly).
    assert abs(kl_ucb_index(p, 1e3) - 1.0) <= 1e-9
    assert abs(kl_ucb_index(p, 1e6) - 1.0) <= 1e-9


@pytest.mark.parametrize("d", [1e-12, 1e-3, 0.1, 1.0, 3.0, 40.0])
def test_kl_ucb_index_closed_forms_at_p_0_and_1(d):
    # p = 0: kl(0, q) = -ln(1 - q) <= d  <=>  q <= 1 - exp(-d).
    assert math.isclose(kl_ucb_index(0.0, d), 1.0 - math.exp(-d), rel_tol=1e-12, abs_tol=1e-15)
    # p = 1: kl(1, q) = -ln q <= d for q = 1.
    assert kl_ucb_index(1.0, d) == 1.0


# Regression: the first Newton-in-u version of kl_ucb_index was wrong for tiny d (the residual's
# rounding, ~1e-17, swamped d; for d < 1e-30 the index fell below p or raised ZeroDivisionError)
# and returned NaN for huge or infinite d (u overflowed). Found by this file's first version.
@pytest.mark.parametrize(
    "p, d",
    [
        (0.25, 1e-40),
        (0.1, 1e-30),
        (0.3, 1e-20),
        (2.0 / 3.0, 1e-32),
        (0.3649056922151075, 9.163879336738248e-33),
        (1e-6, 1e-25),
        (1.0 - 1e-6, 1e-25),
    ],
)
def test_kl_ucb_index_tiny_d(p, d):
    index = kl_ucb_index(p, d)
    assert p <= index <= 1.0
    assert abs(index - kl_ucb_index_reference(p, d)) <= 1e-9


@pytest.mark.parametrize("p, d", [(0.3, INF), (0.5, 1e308), (1.0 - 2.0**-53, 1e300), (5e-324, 1e308)])
def test_kl_ucb_index_huge_d(p, d):
    # The supremum lies above the largest double below 1 (the reference's answer); 1.0 is its
    # rounding. Either is within one ulp of 1.
    assert abs(kl_ucb_index(p, d) - 1.0) <= 2.0**-52
    assert abs(kl_ucb_index_reference(p, d) - 1.0) <= 2.0**-52


# =============================================================================================
# 2. Tsallis-INF normaliser
# =============================================================================================
losses = st.one_of(st.sampled_from([0.0, 1.0, 5.0]), st.floats(0.0, 100.0))


@given(
    loss=st.lists(losses, min_size=1, max_size=6),
    eta=st.one_of(st.floats(0.01, 20.0), st.sampled_from([2.0, 2.0 / math.sqrt(7.0)])),
)
@example(loss=[3.0, 3.0, 3.0, 3.0], eta=2.0)  # all equal: uniform, the root is the lower end
@example(loss=[7.5], eta=0.3)  # one arm: p = 1, the root is the upper end
@example(loss=[0.0, 100.0], eta=20.0)  # nearly a point mass
def test_tsallis_inf_probabilities_match_root_solve(loss, eta):
    loss = np.array(loss, dtype=np.float64)
    p = np.full(loss.size, np.nan)
    x = tsallis_inf_probabilities(loss, eta, p)
    expected, expected_x = tsallis_reference(loss, eta)
    np.testing.assert_allclose(p, expected, rtol=0, atol=1e-9)
    assert_is_distribution(p, "tsallis_inf_probabilities")
    # the returned x is the normaliser: it lies left of min L and makes 4 / (eta (L - x))^2 sum to 1
    assert x < loss.min()
    unnormalised = 4.0 / (eta * (loss - x)) ** 2
    assert abs(unnormalised.sum() - 1.0) <= 1e-9
    assert abs(x - expected_x) <= 1e-9 * (abs(expected_x) + 1.0 / eta)


# =============================================================================================
# 3. EXP3 and Tsallis-INF through their faces: the sampling distribution and the loss estimates
# =============================================================================================
@given(
    table=reward_tables(max_rounds=30),
    rate=st.one_of(st.none(), st.floats(0.01, 3.0)),
    horizon=st.one_of(st.none(), st.integers(1, 100)),
    anytime=st.booleans(),
    seed=seeds,
)
def test_exp3_distribution_is_softmax_of_importance_weighted_losses(table, rate, horizon, anytime, seed):
    k_arms = table.shape[1]
    anytime = anytime and rate is None
    policy = EXP3(learning_rate=rate, anytime=anytime).reset(k_arms, seed=seed, horizon=horizon)
    loss_hat = [0.0] * k_arms
    for t, row in enumerate(table, start=1):
        # learning rate as documented on EXP3
        if rate is not None:
            eta = rate
        elif horizon is not None and not anytime:
            eta = math.sqrt(2.0 * math.log(k_arms) / (horizon * k_arms))
        else:
            eta = math.sqrt(math.log(k_arms) / (t * k_arms))
        expected_p = softmax_of_negative(eta, loss_hat)
        arm = policy.select()
        loss_state, p_state = policy.state
        np.testing.assert_allclose(p_state, expected_p, rtol=1e-9, atol=1e-12)
        assert_is_distribution(p_state, "EXP3")
        assert p_state[arm] > 0.0
        policy.update(arm, row[arm])
        # importance-weighted loss 1 - r, divided by the probability the arm was drawn with
        loss_hat[arm] += (1.0 - row[arm]) / p_state[arm]
        np.testing.assert_allclose(loss_state, loss_hat, rtol=1e-12, atol=0)


@given(table=reward_tables(max_rounds=30), scale=st.one_of(st.just(2.0), st.floats(0.2, 5.0)), seed=seeds)
def test_tsallis_inf_distribution_matches_reference_through_the_face(table, scale, seed):
    k_arms = table.shape[1]
    policy = TsallisINF(learning_rate_scale=scale).reset(k_arms, seed=seed)
    loss_hat = [0.0] * k_arms
    for t, row in enumerate(table, start=1):
        expected_p, _ = tsallis_reference(loss_hat, scale / math.sqrt(t))  # eta_t = c / sqrt(t)
        arm = policy.select()
        loss_state, p_state = policy.state
        np.testing.assert_allclose(p_state, expected_p, rtol=1e-9, atol=1e-9)
        assert_is_distribution(p_state, "Tsallis-INF")
        assert p_state[arm] > 0.0
        policy.update(arm, row[arm])
        loss_hat[arm] += (1.0 - row[arm]) / p_state[arm]  # importance-weighted loss 1 - r
        np.testing.assert_allclose(loss_state, loss_hat, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    "factory", [lambda: EXP3(learning_rate=0.3), lambda: TsallisINF()], ids=["exp3", "tsallis_inf"]
)
def test_randomised_policies_sample_from_their_stated_distribution(factory):
    """Repeated select() at the same round samples from the distribution in the state: exactly by
    inverse CDF of one uniform of the policy's stream, and with the right frequencies."""
    k_arms, n_draws, seed = 4, 4000, 123
    policy = factory().reset(k_arms, seed=seed)
    for arm, reward in [(0, 0.0), (1, 1.0), (2, 0.2), (0, 0.1), (3, 0.9)]:
        policy.update(arm, reward)  # no select(), so no draws from the stream yet
    shadow = np.random.default_rng(seed)
    counts = np.zeros(k_arms, np.int64)
    p = None
    for _ in range(n_draws):
        arm = policy.select()
        if p is None:
            p = policy.state[1].copy()
        u, cumulative, expected = shadow.random(), 0.0, None
        for k in range(k_arms):  # inverse CDF
            cumulative += p[k]
            if u < cumulative:
                expected = k
                break
        assert arm == expected
        counts[arm] += 1
    np.testing.assert_array_equal(policy.state[1], p)  # same round, same distribution
    assert p.min() > 0.01 and p.max() < 0.9  # a non-trivial distribution
    standard_error = np.sqrt(n_draws * p * (1 - p))
    assert np.all(np.abs(counts - n_draws * p) <= 5 * standard_error), (counts, n_draws * p)


# =============================================================================================
# 4. Index policies against their documented rules, step by step through the faces
# =============================================================================================
@given(
    table=reward_tables(rewards=st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(-1.0, 2.0))),
    alpha=st.one_of(st.just(2.0), st.floats(0.1, 4.0)),
    seed=seeds,
)
def test_ucb1_selects_an_argmax_of_the_reference_index(table, alpha, seed):
    """UCB1 index ``mean_k + sqrt(alpha ln t / n_k)``, untried arms ``+inf``."""
    k_arms = table.shape[1]
    policy = UCB1(alpha=alpha).reset(k_arms, seed=seed)
    counts = [0] * k_arms
    sums = [0.0] * k_arms
    for t, row in enumerate(table, start=1):
        index = [
            INF if counts[k] == 0 else sums[k] / counts[k] + math.sqrt(alpha * math.log(t) / counts[k])
            for k in range(k_arms)
        ]
        arm = policy.select()
        finite_max = max((v for v in index if v != INF), default=0.0)
        assert arm in near_argmax(index, atol=1e-12 * max(1.0, abs(finite_max))), (t, arm, index)
        np.testing.assert_allclose(policy.state[4], index, rtol=1e-12, atol=1e-12)
        policy.update(arm, row[arm])
        counts[arm] += 1
        sums[arm] += row[arm]
    np.testing.assert_array_equal(policy.state[0], counts)


@given(
    table=reward_tables(max_rounds=30),
    c=st.one_of(st.just(1.0), st.floats(0.2, 3.0)),
    c_loglog=st.one_of(st.just(0.0), st.just(3.0), st.floats(0.0, 3.0)),
    seed=seeds,
)
@example(table=np.array([[1.0, 0.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]]), c=1.0, c_loglog=3.0, seed=0)
def test_kl_ucb_selects_an_argmax_of_the_reference_index(table, c, c_loglog, seed):
    """KL-UCB index ``max{q : n_k kl(mean_k, q) <= c ln t + c_loglog ln ln t}`` (ln ln t := 0 for
    t < 3), untried arms ``+inf``. Arms the kernel solved exactly (state entries other than the
    pruning marker -1) also agree with the reference index."""
    k_arms = table.shape[1]
    policy = KLUCB(c=c, c_loglog=c_loglog).reset(k_arms, seed=seed)
    counts = [0] * k_arms
    sums = [0.0] * k_arms
    for t, row in enumerate(table, start=1):
        threshold = c * math.log(t) + (c_loglog * math.log(math.log(t)) if t >= 3 else 0.0)
        index = [
            INF if counts[k] == 0 else kl_ucb_index_reference(sums[k] / counts[k], threshold / counts[k])
            for k in range(k_arms)
        ]
        arm = policy.select()
        assert arm in near_argmax(index, atol=1e-9), (t, arm, index)
        state_index = policy.state[2]
        if max(index) < INF:
            for k in range(k_arms):
                if state_index[k] == -1.0:  # pruned by the Pinsker bound: provably not the max
                    assert index[k] < max(index) + 1e-9 and k != arm
                else:
                    assert abs(state_index[k] - index[k]) <= 1e-9, (k, state_index[k], index[k])
        policy.update(arm, row[arm])
        counts[arm] += 1
        sums[arm] += row[arm]


@given(
    k_arms=st.integers(1, 5),
    means=st.lists(st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]), min_size=5, max_size=5),
    delta=st.one_of(st.just(0.01), st.floats(0.05, 0.95)),
    n_rounds=st.integers(1, 300),
    seed=seeds,
)
def test_successive_elimination_follows_the_documented_rule(k_arms, means, delta, n_rounds, seed):
    """Round robin over active arms (fewest pulls, lowest index); after each complete round with n
    pulls per active arm, drop arms with ``mean_k < best - 2 r(n)``,
    ``r(n) = sqrt(ln(4 K n^2 / delta) / (2 n))``."""
    rewards = np.random.default_rng(seed)
    policy = SuccessiveElimination(delta=delta).reset(k_arms, seed=seed)
    counts = [0] * k_arms
    sums = [0.0] * k_arms
    active = [True] * k_arms
    eliminated_any = False
    for _ in range(n_rounds):
        candidates = [k for k in range(k_arms) if active[k]]
        expected = min(candidates, key=lambda k: (counts[k], k))
        arm = policy.select()
        assert arm == expected
        reward = float(rewards.random() < means[arm])
        policy.update(arm, reward)
        counts[arm] += 1
        sums[arm] += reward
        pulls = {counts[k] for k in range(k_arms) if active[k]}
        if len(pulls) == 1:  # a complete round
            n = pulls.pop()
            radius = math.sqrt(math.log(4 * k_arms * n * n / delta) / (2 * n))
            best = max(sums[k] / n for k in range(k_arms) if active[k])
            for k in range(k_arms):
                if active[k] and sums[k] / n < best - 2 * radius:
                    active[k] = False
                    eliminated_any = True
        np.testing.assert_array_equal(policy.state[2] > 0.0, active)
    assert any(active)
    if eliminated_any:
        assert not all(policy.state[2] > 0.0)


def test_successive_elimination_does_eliminate():
    """The test above can see eliminations: a 0/1 gap is resolved within 300 rounds."""
    policy = SuccessiveElimination(delta=0.5).reset(2, seed=0)
    for _ in range(300):
        arm = policy.select()
        policy.update(arm, float(arm == 1))
    assert list(policy.state[2]) == [0.0, 1.0]
    # r(n) for K = 2, delta = 0.5: the first n with 2 r(n) < 1 is where arm 0 must go
    n = next(n for n in range(1, 300) if 2 * math.sqrt(math.log(4 * 2 * n * n / 0.5) / (2 * n)) < 1.0)
    assert policy.state[0][0] == n


@given(
    table=reward_tables(max_rounds=60),
    m=st.one_of(st.none(), st.integers(1, 4)),
    horizon=st.integers(1, 60),
    extra=st.integers(1, 8),
    seed=seeds,
)
def test_explore_then_commit_round_robin_then_best_mean(table, m, horizon, extra, seed):
    """m pulls per arm in round robin (default ``max(1, ceil((T/K)^(2/3)))``), then the best
    empirical mean forever."""
    k_arms = table.shape[1]
    policy = ExploreThenCommit(explore_per_arm=m).reset(k_arms, seed=seed, horizon=horizon)
    m_expected = m if m is not None else max(1, math.ceil((horizon / k_arms) ** (2.0 / 3.0)))
    n_rounds = m_expected * k_arms + extra
    counts = [0] * k_arms
    sums = [0.0] * k_arms
    committed = None
    for i in range(n_rounds):
        arm = policy.select()
        if i < m_expected * k_arms:
            assert arm == i % k_arms, (i, arm)
        elif committed is None:
            means = [sums[k] / counts[k] for k in range(k_arms)]
            assert arm in near_argmax(means, atol=1e-12), (arm, means)
            committed = arm
        else:
            assert arm == committed
        reward = table[i % table.shape[0], arm]
        policy.update(arm, reward)
        counts[arm] += 1
        sums[arm] += reward
    assert counts[committed] == m_expected + extra


@given(
    table=reward_tables(max_rounds=60),
    kind=st.sampled_from(["fixed", "decaying"]),
    epsilon=st.one_of(st.sampled_from([0.0, 1.0, 0.1]), st.floats(0.0, 1.0)),
    c=st.floats(0.01, 2.0),
    d=st.floats(0.05, 1.0),
    seed=seeds,
)
@example(table=np.full((40, 3), 0.5), kind="decaying", epsilon=0.0, c=0.15, d=0.5, seed=7)
def test_epsilon_greedy_replays_the_documented_schedule_exactly(table, kind, epsilon, c, d, seed):
    """eps_t = epsilon, or min(1, c K / (d^2 t)); one uniform per round, then one integer when
    exploring, else the best empirical mean (untried arms +inf, ties at random)."""
    k_arms = table.shape[1]
    policy = (EpsilonGreedy(epsilon=epsilon) if kind == "fixed" else DecayingEpsilonGreedy(c=c, d=d)).reset(
        k_arms, seed=seed
    )
    shadow = np.random.default_rng(seed)
    counts = [0] * k_arms
    sums = [0.0] * k_arms
    for t, row in enumerate(table, start=1):
        eps = epsilon if kind == "fixed" else min(1.0, c * k_arms / (d**2 * t))
        if shadow.random() < eps:
            expected = int(shadow.integers(0, k_arms))
        else:
            means = [INF if counts[k] == 0 else sums[k] / counts[k] for k in range(k_arms)]
            expected = exact_argmax_with_tie_draw(means, shadow)
        arm = policy.select()
        assert arm == expected, (t, eps)
        policy.update(arm, row[arm])
        counts[arm] += 1
        sums[arm] += row[arm]


# =============================================================================================
# 5. Tie-breaking: uniform over the tied arms, drawn from the policy's own stream
# =============================================================================================
TIE_CASES = {
    # name: (factory, K, updates fed before the select, tied arms, uniforms drawn before the tie)
    "ucb1_all_untried": (UCB1, 4, [], [0, 1, 2, 3], 0),
    "ucb1_some_untried": (UCB1, 5, [(0, 0.3), (2, 0.7), (4, 0.1)], [1, 3], 0),
    "ucb1_equal_finite": (UCB1, 3, [(0, 0.5), (1, 0.5), (2, 0.5)], [0, 1, 2], 0),
    "kl_ucb_equal_finite": (lambda: KLUCB(c_loglog=3.0), 3, [(2, 0.4), (1, 0.4), (0, 0.4)], [0, 1, 2], 0),
    "greedy_equal_means": (lambda: EpsilonGreedy(epsilon=0.0), 4, [(0, 0.9), (1, 0.2), (2, 0.9), (3, 0.9)], [0, 2, 3], 1),
    "etc_commit_tie": (
        lambda: ExploreThenCommit(explore_per_arm=2),
        3,
        [(0, 1.0), (1, 0.0), (2, 0.5), (0, 0.0), (1, 1.0), (2, 0.5)],
        [0, 1, 2],
        0,
    ),
}


def _first_choice(case, seed):
    factory, k_arms, updates, _, _ = TIE_CASES[case]
    policy = factory().reset(k_arms, seed=seed)
    for arm, reward in updates:
        policy.update(arm, reward)
    return policy.select()


@pytest.mark.parametrize("case", list(TIE_CASES))
def test_ties_are_broken_uniformly_with_the_policy_stream(case):
    _, _, _, tied, n_uniforms = TIE_CASES[case]
    n_seeds = 1500
    choices = np.array([_first_choice(case, seed) for seed in range(n_seeds)])
    # 1. only tied arms, each with frequency 1/len(tied) (fixed seeds; counts within 5 SE)
    assert set(choices) <= set(tied)
    p = 1.0 / len(tied)
    counts = np.array([(choices == k).sum() for k in tied])
    assert np.all(np.abs(counts - n_seeds * p) <= 5 * math.sqrt(n_seeds * p * (1 - p))), counts
    # 2. the draw is the documented one from the policy's own stream: integers(0, n_ties) picks
    #    the j-th tied arm in index order (after the uniforms the policy draws first, if any)
    for seed in range(50):
        shadow = np.random.default_rng(seed)
        for _ in range(n_uniforms):
            shadow.random()
        assert choices[seed] == tied[int(shadow.integers(0, len(tied)))]
    # 3. the same seed gives the same choice whatever the global NumPy state
    saved = np.random.get_state()
    try:
        np.random.seed(1)
        first = _first_choice(case, 99)
        np.random.seed(2)
        assert _first_choice(case, 99) == first == choices[99]
    finally:
        np.random.set_state(saved)


def test_etc_commits_to_its_tie_break_for_good():
    factory, k_arms, updates, _, _ = TIE_CASES["etc_commit_tie"]
    for seed in range(20):
        policy = factory().reset(k_arms, seed=seed)
        for arm, reward in updates:
            policy.update(arm, reward)
        first = policy.select()
        for _ in range(10):
            policy.update(first, 0.0)
            assert policy.select() == first


def test_untied_choice_draws_nothing_from_the_stream():
    """A unique argmax leaves the policy's stream untouched (ties are the only use of it)."""
    policy = UCB1().reset(3, seed=5)
    for arm, reward in [(0, 0.1), (1, 0.9), (2, 0.2)]:
        policy.update(arm, reward)
    before = policy._generator.bit_generator.state
    assert policy.select() == 1
    assert policy._generator.bit_generator.state == before


# =============================================================================================
# 6. Thompson sampling: posterior parameters and draws
# =============================================================================================
@given(
    table=reward_tables(max_rounds=40),
    prior=st.tuples(st.floats(0.1, 5.0), st.floats(0.1, 5.0)) | st.just((1.0, 1.0)),
    seed=seeds,
)
def test_beta_thompson_posterior_and_draws(table, prior, seed):
    """State ``(a0 + S_k, b0 + n_k - S_k)`` (fractional rewards as pseudo-counts); each round draws
    ``theta_k ~ Beta(alpha_k, beta_k)`` for k = 0..K-1 in order and plays the argmax."""
    a0, b0 = prior
    k_arms = table.shape[1]
    policy = BernoulliThompsonSampling(prior_alpha=a0, prior_beta=b0).reset(k_arms, seed=seed)
    shadow = np.random.default_rng(seed)
    history = [[] for _ in range(k_arms)]
    alpha, beta = [a0] * k_arms, [b0] * k_arms  # accumulated in the kernel's order, for the draws
    for row in table:
        theta = [shadow.beta(alpha[k], beta[k]) for k in range(k_arms)]
        expected = exact_argmax_with_tie_draw(theta, shadow)
        arm = policy.select()
        assert arm == expected
        np.testing.assert_allclose(policy.state[2], theta, rtol=1e-12, atol=0)
        policy.update(arm, row[arm])
        history[arm].append(row[arm])
        alpha[arm] += row[arm]
        beta[arm] += 1.0 - row[arm]
        successes = [math.fsum(h) for h in history]
        np.testing.assert_allclose(policy.state[0], [a0 + s for s in successes], rtol=1e-12)
        np.testing.assert_allclose(
            policy.state[1], [b0 + len(h) - s for h, s in zip(history, successes)], rtol=1e-12
        )


@given(
    table=reward_tables(rewards=st.floats(-3.0, 3.0), max_rounds=40),
    noise_std=st.floats(0.2, 3.0),
    prior_mean=st.floats(-2.0, 2.0),
    prior_std=st.floats(0.2, 3.0),
    seed=seeds,
)
@example(table=np.zeros((5, 2)), noise_std=1.0, prior_mean=0.0, prior_std=1.0, seed=3)
def test_gaussian_thompson_draws_from_the_conjugate_posterior(table, noise_std, prior_mean, prior_std, seed):
    """``theta_k ~ N(m_k, 1/lambda_k)``, ``lambda_k = 1/s0^2 + n_k/sigma^2``,
    ``m_k = (m0/s0^2 + S_k/sigma^2) / lambda_k``, k = 0..K-1 in order, argmax played."""
    k_arms = table.shape[1]
    policy = GaussianThompsonSampling(noise_std=noise_std, prior_mean=prior_mean, prior_std=prior_std).reset(
        k_arms, seed=seed
    )
    shadow = np.random.default_rng(seed)
    counts = [0] * k_arms
    sums = [0.0] * k_arms
    for row in table:
        theta = []
        for k in range(k_arms):
            precision = 1.0 / prior_std**2 + counts[k] / noise_std**2
            mean = (prior_mean / prior_std**2 + sums[k] / noise_std**2) / precision
            theta.append(mean + shadow.standard_normal() / math.sqrt(precision))
        arm = policy.select()
        np.testing.assert_allclose(policy.state[2], theta, rtol=1e-12, atol=1e-12)
        assert arm in near_argmax(theta, atol=1e-12)
        policy.update(arm, row[arm])
        counts[arm] += 1
        sums[arm] += row[arm]
