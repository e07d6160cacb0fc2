"""Readable NumPy references and hypothesis strategies shared by the classic-bandit kernel tests
(``test_classic_indices.py``, ``test_classic_policy_kernels.py``): slow, obviously correct
re-implementations of what the kernels compute."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

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
