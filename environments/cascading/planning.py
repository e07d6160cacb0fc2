"""The cascading setting's planning oracles: the cascade value of a list, BestPerm, exhaustive
search over item lists, and exact evaluation of Markov plans (``V^pi`` and ``V*``).

Du, Srikant & Chen, *Cascading reinforcement learning*, ICLR 2024, arXiv:2401.08961 (BestPerm,
the Bellman equations of cascading MDPs); Kveton, Szepesvari, Wen & Ashkan, *Cascading bandits*,
ICML 2015, arXiv:1502.02763 (the special case ``S = H = 1``, ``r = 1``). The environment uses
them for exact pseudo-regret (the fused loop evaluates every episode's plan, and ``V*`` is the
comparator); the policies of :mod:`bandits.policies.cascading` plan with them.

Notation
--------
Items ``0..N-1``; index ``N`` is the virtual no-click item ``a_bot``. States ``0..S-1``, steps
``h = 0..H-1`` of an episode. Lists hold 1..m distinct items.

* Cascade value of a list: ``f(A, u, w) = sum_i prod_{j<i}(1 - u(a_j)) u(a_i) w(a_i) +
  prod_j (1 - u(a_j)) w_bot``, computed by backward nesting in :func:`cascade_list_value`.
* Item weights ``w_h(s, a) = r(s, a) + sum_s' p(s'|s, a) V_{h+1}(s')`` (also for ``a_bot``, with
  ``r(s, a_bot) = 0``); ``V_h(s) = f(pi_h(s), q(s, .), w_h(s, .))``.
* :func:`best_perm` maximises ``f`` over lists in ``O(N log N + N m)``.
"""

from __future__ import annotations

import itertools

import numba as nb
import numpy as np

from bandits.core.array_copy import copy_into
from bandits.core.validation import check_integer

__all__ = [
    "cascade_list_value",
    "best_perm",
    "all_item_lists",
    "exhaustive_best_list_by_priority",
    "plan_values",
    "optimal_values",
]

_INSERTION_SORT_MAX = 32


@nb.njit(cache=True, nogil=True)
def cascade_list_value(items, length, u, w, w_bot):
    """``f(A, u, w)`` of the list ``items[:length]``, by backward nesting:
    ``v = w_bot``; for ``i = n-1..0``: ``v = u(a_i) w(a_i) + (1 - u(a_i)) v``."""
    v = w_bot
    for i in range(length - 1, -1, -1):
        a = items[i]
        v = u[a] * w[a] + (1.0 - u[a]) * v
    return v


@nb.njit(cache=True, nogil=True)
def _sort_by_weight_descending(order, n, w):
    """Stable sort of ``order[:n]`` by descending ``w`` (insertion sort for short lists,
    merge sort otherwise): equal weights keep their order in ``order``."""
    if n <= _INSERTION_SORT_MAX:
        for i in range(1, n):
            a = order[i]
            wa = w[a]
            j = i - 1
            while j >= 0 and w[order[j]] < wa:
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = a
    else:
        keys = np.empty(n)
        for i in range(n):
            keys[i] = -w[order[i]]
        permutation = np.argsort(keys, kind="mergesort")
        sorted_items = order[:n][permutation]
        copy_into(order[:n], sorted_items)


@nb.njit(cache=True, nogil=True)
def best_perm(u, w, w_bot, m, priority, items_out, order, table, take):
    """BestPerm (Du et al., 2024, arXiv:2401.08961): a list maximising ``f(A, u, w)`` over lists
    of 1..m distinct items.

    Keep the items with ``w >= w_bot`` (J of them), sort them by descending ``w`` (stable, ties in
    the order of ``priority``), then the dynamic programme ``F[i][k] = max(F[i+1][k],
    u_i w_i + (1 - u_i) F[i+1][k-1])`` with ``F[J][k] = F[i][0] = w_bot``, including an item on
    ties, so the list has ``min(m, J)`` items. If ``J <= m`` every kept item is listed (adding
    an item with ``w >= w_bot`` never lowers ``f``). If ``J = 0`` lists must still be non-empty,
    and the single item maximising ``u w + (1 - u) w_bot`` is returned.

    Parameters
    ----------
    u, w : float64[N]
        Attractions in [0, 1] and weights.
    w_bot : float
        Weight of the no-click item.
    m : int
        Maximum list length.
    priority : int64[N]
        A permutation of the items: the tie-breaking order (``arange(N)`` for index order).
    items_out : int64[>= m]
        Receives the list.
    order : int64[N]; table : float64[N+1, m+1]; take : uint8[N+1, m+1]
        Work arrays.

    Returns
    -------
    (value, length) : (float, int)
    """
    n_items = u.size
    n_kept = 0
    for r in range(n_items):
        a = priority[r]
        if w[a] >= w_bot:
            order[n_kept] = a
            n_kept += 1
    if n_kept == 0:
        best = -np.inf
        best_item = priority[0]
        for r in range(n_items):
            a = priority[r]
            value = u[a] * w[a] + (1.0 - u[a]) * w_bot
            if value > best:
                best = value
                best_item = a
        items_out[0] = best_item
        return best, 1
    _sort_by_weight_descending(order, n_kept, w)
    if n_kept <= m:
        for i in range(n_kept):
            items_out[i] = order[i]
        return cascade_list_value(items_out, n_kept, u, w, w_bot), n_kept
    for k in range(m + 1):
        table[n_kept, k] = w_bot
    for i in range(n_kept - 1, -1, -1):
        table[i, 0] = w_bot
        a = order[i]
        ua = u[a]
        uw = ua * w[a]
        for k in range(1, m + 1):
            include = uw + (1.0 - ua) * table[i + 1, k - 1]
            skip = table[i + 1, k]
            if include >= skip:
                table[i, k] = include
                take[i, k] = 1
            else:
                table[i, k] = skip
                take[i, k] = 0
    length = 0
    k = m
    for i in range(n_kept):
        if k > 0 and take[i, k] == 1:
            items_out[length] = order[i]
            length += 1
            k -= 1
    return table[0, m], length


def all_item_lists(n_items: int, list_length: int):
    """Every ordered list of 1..m distinct items, as ``(lists int64[n_lists, m] padded with -1,
    lengths int64[n_lists])``: by length, then lexicographically.
    ``n_lists = sum_{n=1..m} N! / (N-n)!`` (14,425 for N = 25, m = 3)."""
    n_items = check_integer("n_items", n_items, low=1)
    list_length = check_integer("list_length", list_length, low=1)
    rows = [p for n in range(1, min(list_length, n_items) + 1) for p in itertools.permutations(range(n_items), n)]
    lists = np.full((len(rows), list_length), -1, np.int64)
    lengths = np.empty(len(rows), np.int64)
    for i, row in enumerate(rows):
        lists[i, : len(row)] = row
        lengths[i] = len(row)
    return lists, lengths


@nb.njit(cache=True, nogil=True)
def exhaustive_best_list_by_priority(u, w, w_bot, lists, lengths, priority, items_out):
    """Exhaustive search with BestPerm's preferences among equal values: longest lists first,
    then lexicographic in the tie-breaking order ``priority`` (list ``r`` is read as the items
    ``priority[lists[r]]``). Writes the best list into ``items_out``; returns ``(value, length)``.
    When every list has the same optimistic value (unseen items), this picks BestPerm's list:
    the first m items of ``priority``."""
    best = -np.inf
    best_index = 0
    n_lists = lengths.size
    m = lists.shape[1]
    mapped = np.empty(m, np.int64)
    for n in range(m, 0, -1):
        for i in range(n_lists):  # lengths are sorted ascending: scan the block of length n
            if lengths[i] != n:
                continue
            for j in range(n):
                mapped[j] = priority[lists[i, j]]
            value = cascade_list_value(mapped, n, u, w, w_bot)
            if value > best:
                best = value
                best_index = i
    length = lengths[best_index]
    for j in range(length):
        items_out[j] = priority[lists[best_index, j]]
    return best, length


@nb.njit(cache=True, nogil=True)
def _item_weights(reward, transition, s, next_values, w_out):
    """``w(a) = r(s, a) + sum_s' p(s'|s, a) V(s')`` for every item and the no-click item."""
    n_states = next_values.size
    for a in range(w_out.size):
        total = reward[s, a]
        for s2 in range(n_states):
            total += transition[s, a, s2] * next_values[s2]
        w_out[a] = total


@nb.njit(cache=True, nogil=True)
def plan_values(attraction, reward, transition, initial_distribution, plan_items, plan_length, values_out):
    """Exact evaluation of a Markov plan by backward induction: fills
    ``values_out[h, s] = V^pi_h(s)`` (``values_out[H] = 0``) and returns ``rho^T V^pi_0``.

    ``attraction`` float64[S, N]; ``reward`` float64[S, N+1] (column N the no-click reward);
    ``transition`` float64[S, N+1, S]; ``plan_items`` int64[H, S, m]; ``plan_length`` int64[H, S].
    ``O(H S (m + 1) S)``: only the listed items and the no-click item are weighed.
    """
    n_steps, n_states = plan_length.shape
    n_items = attraction.shape[1]
    for s in range(n_states):
        values_out[n_steps, s] = 0.0
    for h in range(n_steps - 1, -1, -1):
        for s in range(n_states):
            # v = w_bot, then nest the list backwards
            v = reward[s, n_items]
            for s2 in range(n_states):
                v += transition[s, n_items, s2] * values_out[h + 1, s2]
            for i in range(plan_length[h, s] - 1, -1, -1):
                a = plan_items[h, s, i]
                wa = reward[s, a]
                for s2 in range(n_states):
                    wa += transition[s, a, s2] * values_out[h + 1, s2]
                v = attraction[s, a] * wa + (1.0 - attraction[s, a]) * v
            values_out[h, s] = v
    total = 0.0
    for s in range(n_states):
        total += initial_distribution[s] * values_out[0, s]
    return total


@nb.njit(cache=True, nogil=True)
def optimal_values(attraction, reward, transition, initial_distribution, list_length, values_out, plan_items, plan_length):
    """``V*`` by backward induction with :func:`best_perm` (Bellman optimality): fills
    ``values_out`` (H+1, S), an optimal plan, and returns ``rho^T V*_0``. Ties between items of
    equal weight go to the lower index."""
    n_steps, n_states = plan_length.shape
    n_items = attraction.shape[1]
    weights = np.empty(n_items + 1)
    priority = np.arange(n_items)
    order = np.empty(n_items, np.int64)
    table = np.empty((n_items + 1, list_length + 1))
    take = np.zeros((n_items + 1, list_length + 1), np.uint8)
    for s in range(n_states):
        values_out[n_steps, s] = 0.0
    for h in range(n_steps - 1, -1, -1):
        for s in range(n_states):
            _item_weights(reward, transition, s, values_out[h + 1], weights)
            value, length = best_perm(
                attraction[s], weights[:n_items], weights[n_items], list_length, priority, plan_items[h, s], order, table, take
            )
            values_out[h, s] = value
            plan_length[h, s] = length
    total = 0.0
    for s in range(n_states):
        total += initial_distribution[s] * values_out[0, s]
    return total

