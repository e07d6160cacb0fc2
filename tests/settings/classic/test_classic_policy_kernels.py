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
from bandits.core.indices import kl_ucb_index
from bandits.policies.classic.index_policies import kl_ucb_index_below
from classic_references import (
    INF,
    assert_is_distribution,
    exact_argmax_with_tie_draw,
    kl_ucb_index_reference,
    near_argmax,
    reward_tables,
    seeds,
    softmax_of_negative,
    tsallis_reference,
)

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
    mean=st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 1e-300, 0.5, 1.0 - 1e-12, 1.0])),
    d=st.one_of(st.floats(-12.0, 1.0).map(lambda e: 10.0**e), st.floats(1e-6, 10.0)),
    other_mean=st.floats(0.0, 1.0),
    other_d=st.one_of(st.floats(-12.0, 1.0).map(lambda e: 10.0**e), st.floats(1e-6, 10.0)),
    nudge=st.sampled_from([0.0, 1e-15, -1e-15, 1e-12, -1e-12, 1e-9, -1e-9]),
)
@example(mean=0.5, d=0.1, other_mean=0.5, other_d=0.1, nudge=0.0)  # equal indices: a tie, never skipped
@example(mean=0.0, d=0.1, other_mean=0.0, other_d=0.1, nudge=0.0)
def test_kl_ucb_skip_rule_never_skips_an_arm_that_could_reach_the_best(mean, d, other_mean, other_d, nudge):
    """The KL skip in KL-UCB's select (``kl(mean, best) > d + 1e-9 (1 + d)``) fires only when the
    arm's computed index is strictly below ``best``, with ``best`` another arm's computed index
    (ties included: equal indices are never skipped), nudged around it."""
    best = min(1.0, max(0.0, kl_ucb_index(other_mean, other_d) + nudge))
    if kl_ucb_index_below(mean, best, d):
        assert kl_ucb_index(mean, d) < best, (mean, d, best)
    if mean == other_mean and d == other_d and nudge == 0.0:
        assert not kl_ucb_index_below(mean, best, d)


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
                if state_index[k] == -1.0:  # skipped (Pinsker or KL bound): provably not the max
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
    if m is not None:  # an exploration longer than the horizon is refused (tested below)
        horizon = max(horizon, m * k_arms)
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


def test_explore_then_commit_refuses_an_exploration_longer_than_the_horizon():
    with pytest.raises(ValueError, match="^explore_per_arm: must leave steps to commit"):
        ExploreThenCommit(explore_per_arm=5).reset(3, seed=0, horizon=14)
    ExploreThenCommit(explore_per_arm=5).reset(3, seed=0, horizon=15)
    ExploreThenCommit(explore_per_arm=5).reset(3, seed=0)  # no horizon: nothing to check
