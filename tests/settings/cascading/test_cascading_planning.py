"""Cascading planning oracles against brute force: the cascade value of a list, BestPerm (Du,
Srikant & Chen, ICLR 2024, arXiv:2401.08961), exhaustive search, the pessimistic list value of
CascadingVI/BPI, the list enumeration of AdaptVI, and ``V*`` by BestPerm against ``V*`` over every
list."""

from __future__ import annotations

import itertools
import math

import numba as nb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bandits.policies.cascading.adapt_vi import _list_index
from bandits.policies.cascading.value_iteration import _pessimistic_list_value
from environments.cascading import (
    RandomCascadingMDP,
    all_item_lists,
    best_perm,
    cascade_list_value,
)


# ---------------------------------------------------------------------------------------------
# Readable references
# ---------------------------------------------------------------------------------------------
def f_reference(items, u, w, w_bot):
    """f(A, u, w) straight from the definition: sum of prefix-products plus the no-click term."""
    total, not_clicked = 0.0, 1.0
    for a in items:
        total += not_clicked * u[a] * w[a]
        not_clicked *= 1.0 - u[a]
    return total + not_clicked * w_bot


def brute_force_best(u, w, w_bot, m):
    """max over every ordered list of 1..m distinct items."""
    n = len(u)
    return max(
        f_reference(p, u, w, w_bot) for k in range(1, min(m, n) + 1) for p in itertools.permutations(range(n), k)
    )


def best_perm_call(u, w, w_bot, m, priority=None):
    n = len(u)
    u, w = np.asarray(u, float), np.asarray(w, float)
    items = np.zeros(m, np.int64)
    value, length = best_perm(
        u, w, float(w_bot), m, np.arange(n) if priority is None else priority, items, np.zeros(n, np.int64),
        np.zeros((n + 1, m + 1)), np.zeros((n + 1, m + 1), np.uint8),
    )
    return value, items[:length]


@nb.njit(cache=True)
def exhaustive_best_list(u, w, w_bot, lists, lengths):
    """Exhaustive search: ``(value, index)`` of the first list of ``lists`` (see
    :func:`environments.cascading.all_item_lists`) with the largest ``f(A, u, w)``, by the
    compiled :func:`environments.cascading.cascade_list_value`. ``O(N^m m)``."""
    best = -np.inf
    best_index = 0
    for i in range(lengths.size):
        value = cascade_list_value(lists[i], lengths[i], u, w, w_bot)
        if value > best:
            best = value
            best_index = i
    return best, best_index


def v_star_exhaustive(problem):
    """V* by backward induction over every list (no BestPerm)."""
    H, S, N, m = problem.horizon_per_episode, problem.n_states, problem.n_items, problem.max_list_length
    q, r, p = problem.attraction_table, problem.reward_table, problem.transition_table
    values = np.zeros((H + 1, S))
    for h in range(H - 1, -1, -1):
        for s in range(S):
            w = r[s] + p[s] @ values[h + 1]
            values[h, s] = brute_force_best(q[s], w[:N], w[N], m)
    return values


# small values with many exact ties, zeros and ones (ties, zero attractions and w_bot = 0 are
# where BestPerm's details matter)
tie_prone = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 1.0])
real_01 = st.floats(0.0, 1.0, allow_nan=False, width=32) | tie_prone


@st.composite
def instances(draw, max_items=6, max_m=4):
    n = draw(st.integers(1, max_items))
    m = draw(st.integers(1, max_m))
    u = draw(st.lists(real_01, min_size=n, max_size=n))
    w = draw(st.lists(real_01.map(lambda x: 2.0 * x), min_size=n, max_size=n))
    w_bot = draw(st.sampled_from([0.0, 0.5]) | real_01)
    return np.array(u), np.array(w), float(w_bot), m


# ---------------------------------------------------------------------------------------------
# BestPerm
# ---------------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(instances())
def test_best_perm_equals_exhaustive_search(instance):
    u, w, w_bot, m = instance
    value, items = best_perm_call(u, w, w_bot, m)
    assert abs(value - brute_force_best(u, w, w_bot, m)) <= 1e-12
    assert abs(value - f_reference(items, u, w, w_bot)) <= 1e-12  # the value is the list's value
    lists, lengths = all_item_lists(len(u), m)
    exhaustive_value, _ = exhaustive_best_list(u, w, w_bot, lists, lengths)
    assert abs(exhaustive_value - value) <= 1e-12


@settings(max_examples=200, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_best_perm_list_is_sorted_by_weight_with_the_documented_length(instance, random):
    u, w, w_bot, m = instance
    priority = np.array(random.sample(range(len(u)), len(u)), np.int64)
    value, items = best_perm_call(u, w, w_bot, m, priority)
    assert len(set(items.tolist())) == len(items) >= 1
    assert np.all(np.diff(w[items]) <= 0.0)
    kept = int(np.sum(w >= w_bot))
    assert len(items) == (min(m, kept) if kept >= 1 else 1)
    assert abs(value - brute_force_best(u, w, w_bot, m)) <= 1e-12  # any tie-breaking order is optimal


@settings(max_examples=200, deadline=None)
@given(instances(), st.integers(0, 5), st.sampled_from(["u", "w", "w_bot"]), st.floats(0.0, 0.5))
def test_optimal_value_is_monotone_when_some_item_reaches_the_no_click_weight(instance, index, which, bump):
    u, w, w_bot, m = instance
    if not np.any(w >= w_bot):
        w = w.copy()
        w[0] = w_bot  # J >= 1: monotonicity needs it
    before, _ = best_perm_call(u, w, w_bot, m)
    u2, w2, w_bot2 = u.copy(), w.copy(), w_bot
    i = index % len(u)
    if which == "u":
        u2[i] = min(1.0, u2[i] + bump)
    elif which == "w":
        w2[i] += bump
    else:
        w_bot2 += bump
        if not np.any(w2 >= w_bot2):
            return  # raising w_bot may empty G: the non-monotone J = 0 regime
    after, _ = best_perm_call(u2, w2, w_bot2, m)
    assert after >= before - 1e-12


def test_greedy_rules_are_not_optimal_but_best_perm_is():
    """"Top m by u*(w - w_bot), then sort by w" is wrong on some N = 6, m = 2 instances."""
    rng = np.random.default_rng(0)
    greedy_wrong = 0
    for _ in range(300):
        u, w = rng.random(6), rng.random(6)
        best = brute_force_best(u, w, 0.0, 2)
        top = np.argsort(-(u * w))[:2]
        greedy = f_reference(top[np.argsort(-w[top], kind="stable")], u, w, 0.0)
        greedy_wrong += greedy < best - 1e-12
        assert abs(best_perm_call(u, w, 0.0, 2)[0] - best) <= 1e-12
    assert greedy_wrong > 0


def test_unit_weights_give_kvetons_top_m_objective():
    """With w = 1 and w_bot = 0 the value is 1 - prod(1 - u) over the m most attractive items."""
    u = np.array([0.3, 0.9, 0.1, 0.5, 0.7])
    value, items = best_perm_call(u, np.ones(5), 0.0, 3)
    assert sorted(items.tolist()) == [1, 3, 4]
    assert value == pytest.approx(1 - 0.1 * 0.5 * 0.3, abs=1e-15)


def test_fixed_list_value_is_not_monotone_in_attraction():
    """u = (0.5, 0.5), w = (0.1, 1.0), w_bot = 0 gives 0.30; u_1 = 0.9 gives 0.14."""
    items = np.array([0, 1])
    w = np.array([0.1, 1.0])
    assert cascade_list_value(items, 2, np.array([0.5, 0.5]), w, 0.0) == pytest.approx(0.30, abs=1e-15)
    assert cascade_list_value(items, 2, np.array([0.9, 0.5]), w, 0.0) == pytest.approx(0.14, abs=1e-15)


@settings(max_examples=200, deadline=None)
@given(instances(max_m=3), st.data())
def test_pessimistic_list_value_is_the_minimum_over_the_attraction_box(instance, data):
    """f is multilinear in u, so its minimum over a box is at a vertex: compare with all 2^n."""
    u, w, w_bot, m = instance
    n = len(u)
    length = data.draw(st.integers(1, min(m, n)))
    items = np.array(data.draw(st.permutations(range(n)))[:length], np.int64)
    width = np.array(data.draw(st.lists(st.floats(0.0, 0.5), min_size=n, max_size=n)))
    low, high = np.clip(u - width, 0, 1), np.clip(u + width, 0, 1)
    corners = [
        f_reference(items, np.where(np.array(choice), high, low), w, w_bot)
        for choice in itertools.product([False, True], repeat=n)
    ]
    assert abs(_pessimistic_list_value(items, length, low, high, w, w_bot) - min(corners)) <= 1e-12


def test_list_index_matches_the_enumeration_order():
    for n, m in [(1, 1), (4, 2), (5, 3), (6, 4)]:
        lists, lengths = all_item_lists(n, m)
        assert lengths.size == sum(math.perm(n, k) for k in range(1, min(n, m) + 1))
        for i in range(lengths.size):
            assert _list_index(lists[i], lengths[i], n) == i


# ---------------------------------------------------------------------------------------------
# V* by BestPerm
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_v_star_by_best_perm_equals_v_star_by_exhaustive_lists(seed):
    problem = RandomCascadingMDP(n_items=5, n_states=3, episode_length=3, list_length=2, instance_seed=seed)
    np.testing.assert_allclose(problem.optimal_values, v_star_exhaustive(problem), rtol=0, atol=1e-12)
    assert problem.plan_value(*problem.optimal_plan) == pytest.approx(problem.optimal_value, abs=1e-12)
