"""Cascading bandits and cascading RL: planning (BestPerm, exhaustive search, exact policy
evaluation) and the learning algorithms, as numba kernels plus Python faces.

References: Kveton, Szepesvari, Wen & Ashkan, *Cascading bandits*, ICML 2015 (CascadeUCB1,
CascadeKL-UCB); Du, Srikant & Chen, *Cascading reinforcement learning*, ICLR 2024 (BestPerm,
CascadingVI, CascadingBPI and the baselines CascadingVI-Oracle, CascadingVI-Bonus, AdaptVI).
Section numbers "§n" refer to ``shared/reference/cascading.md``, which also says which details
are verified and which are reconstructed; every reconstructed constant is a parameter here.

Notation
--------
Items ``0..N-1``; index ``N`` is the virtual no-click item ``a_bot``. States ``0..S-1``, steps
``h = 0..H-1`` of an episode, episodes ``k = 1..K``. Lists hold 1..m distinct items.

* Cascade value of a list (§3): ``f(A, u, w) = sum_i prod_{j<i}(1 - u(a_j)) u(a_i) w(a_i) +
  prod_j (1 - u(a_j)) w_bot``, computed by backward nesting in :func:`cascade_list_value`.
* Item weights ``w_h(s, a) = r(s, a) + sum_s' p(s'|s, a) V_{h+1}(s')`` (also for ``a_bot``, with
  ``r(s, a_bot) = 0``); ``V_h(s) = f(pi_h(s), q(s, .), w_h(s, .))``.
* :func:`best_perm` maximises ``f`` over lists in ``O(N log N + N m)`` (§5).

Policy kernel protocol (a policy acts once per episode by writing a Markov *plan*, so the fused
loop can evaluate ``V^{pi_k}`` exactly and record pseudo-regret on values, §4, P6)::

    init(n_states, n_items, episode_length, list_length, hyper) -> state
    plan(state, hyper, k, rng, plan_items int64[H, S, m], plan_length int64[H, S]) -> stop
    update(state, hyper, k, h, s, items int64[m], length, click, next_state, reward)

``click`` is the position of the clicked item in ``items`` or ``-1`` (no click): items before it
were examined and not attractive, ``items[click]`` attractive, later items unobserved (P1).
``stop = 1`` means "this plan is my recommendation, do not play it" (best-policy
identification); regret policies always return 0.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import ClassVar

import numba as nb
import numpy as np

from bandits.kernels import compiled_entry_point
from bandits.policies.base import Policy
from bandits.policies.classic import kl_ucb_index
from bandits.rng import as_generator, generator_of, make_random_stream
from bandits.validation import check_choice, check_integer, check_real

__all__ = [
    "cascade_list_value",
    "best_perm",
    "exhaustive_best_list",
    "exhaustive_best_list_by_priority",
    "all_item_lists",
    "plan_values",
    "optimal_values",
    "CascadeLearnerView",
    "CascadingPolicy",
    "CascadeUCB1",
    "CascadeKLUCB",
    "CascadingVI",
    "CascadingVIOracle",
    "CascadingVIBonus",
    "CascadingBPI",
    "AdaptVI",
    "CASCADING_POLICIES",
]

_INSERTION_SORT_MAX = 32


# ---------------------------------------------------------------------------------------------
# Planning: cascade value, BestPerm, exhaustive search, policy evaluation (§3, §5)
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def cascade_list_value(items, length, u, w, w_bot):
    """``f(A, u, w)`` of the list ``items[:length]`` (§3), by backward nesting:
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
        order[:n] = sorted_items


@nb.njit(cache=True, nogil=True)
def best_perm(u, w, w_bot, m, priority, items_out, order, table, take):
    """BestPerm (§5): a list maximising ``f(A, u, w)`` over lists of 1..m distinct items.

    Keep the items with ``w >= w_bot`` (J of them), sort them by descending ``w`` (stable, ties in
    the order of ``priority``), then the dynamic programme ``F[i][k] = max(F[i+1][k],
    u_i w_i + (1 - u_i) F[i+1][k-1])`` with ``F[J][k] = F[i][0] = w_bot``, including an item on
    ties (P4), so the list has ``min(m, J)`` items. If ``J <= m`` every kept item is listed (adding
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
def exhaustive_best_list(u, w, w_bot, lists, lengths):
    """Exhaustive search (§5): ``(value, index)`` of the first list of ``lists`` (see
    :func:`all_item_lists`) with the largest ``f(A, u, w)``. ``O(N^m m)``."""
    best = -np.inf
    best_index = 0
    for i in range(lengths.size):
        value = cascade_list_value(lists[i], lengths[i], u, w, w_bot)
        if value > best:
            best = value
            best_index = i
    return best, best_index


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
    """Exact evaluation of a Markov plan by backward induction (§3): fills
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
    """``V*`` by backward induction with :func:`best_perm` (Bellman optimality, §3): fills
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


# ---------------------------------------------------------------------------------------------
# What a learner may know
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class CascadeLearnerView:
    """What a cascading learner is told about its problem: sizes, the known reward table and
    initial distribution (§2: the algorithms use ``r(s, a)`` directly and start from a known
    ``s_1``), and the number of episodes. Never attractions or transitions.

    Attributes
    ----------
    n_states, n_items, episode_length, list_length : int
    reward : float64[S, N+1]
        ``r(s, a)``, column N the no-click reward (0).
    initial_distribution : float64[S]
    unit_rewards : bool
        True for a cascading bandit (``S = H = 1``, ``r = 1``), the setting of CascadeUCB1 and
        CascadeKL-UCB.
    """

    n_states: int
    n_items: int
    episode_length: int
    list_length: int
    reward: np.ndarray
    initial_distribution: np.ndarray
    unit_rewards: bool


def learner_view_of(source) -> CascadeLearnerView:
    """The learner view of a cascading problem or of a Gymnasium environment wrapping one."""
    if isinstance(source, CascadeLearnerView):
        return source
    if hasattr(source, "learner_view"):
        return source.learner_view
    unwrapped = getattr(source, "unwrapped", None)
    problem = getattr(unwrapped, "problem", None)
    if problem is not None and hasattr(problem, "learner_view"):
        return problem.learner_view
    raise ValueError(
        f"problem: must be a cascading problem (environments.CascadingBandit, CascadingMDP, ...) or a "
        f"Gymnasium environment wrapping one, got {source!r}"
    )


# ---------------------------------------------------------------------------------------------
# CascadeUCB1 and CascadeKL-UCB (§12)
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def cascade_index_init(n_states, n_items, episode_length, list_length, hyper):
    """``(counts T(e), click sums, index work, priority, order work)``."""
    return (
        np.zeros(n_items),
        np.zeros(n_items),
        np.zeros(n_items),
        np.arange(n_items),
        np.empty(n_items, np.int64),
    )


@nb.njit(cache=True, nogil=True)
def _draw_priority(priority, rng):
    """A uniformly random permutation of ``priority`` in place (the tie-breaking order)."""
    g = generator_of(rng)
    for i in range(priority.size - 1, 0, -1):
        j = g.integers(0, i + 1)
        tmp = priority[i]
        priority[i] = priority[j]
        priority[j] = tmp


@nb.njit(cache=True, nogil=True)
def _top_m_by_index(index, priority, m, order, items_out):
    """The ``m`` items with the largest ``index``, in decreasing order of index, ties in the
    order of ``priority``; returns the list length ``min(m, N)``."""
    n = index.size
    for i in range(n):
        order[i] = priority[i]
    length = min(m, n)
    for j in range(length):  # stable partial selection sort: O(N m)
        best = j
        for i in range(j + 1, n):
            if index[order[i]] > index[order[best]]:
                best = i
        chosen = order[best]
        for i in range(best, j, -1):  # shift, not swap: the others keep their priority order
            order[i] = order[i - 1]
        order[j] = chosen
        items_out[j] = chosen
    return length


@nb.njit(cache=True, nogil=True)
def cascade_index_plan(state, hyper, k, rng, plan_items, plan_length):
    """CascadeUCB1 / CascadeKL-UCB: list the m items with the largest index, in decreasing index
    order (§12). Step ``t = k``; ``log_t = ln(max(t - log_offset, 1))``; never-examined items have
    index ``+inf``. ``hyper = (kind, c, c_loglog, log_offset)``: kind 0 is CascadeUCB1
    ``w_hat + sqrt(c log_t / T)``; kind 1 CascadeKL-UCB ``max{q: T kl(w_hat, q) <= log_t +
    c_loglog log log_t}`` (threshold clamped at 0; ``log log`` only once ``log_t > 1``).

    CascadeKL-UCB starts from the Pinsker upper bounds ``min(1, w_hat + sqrt(threshold / (2T)))``
    and solves the exact index only of items whose bound reaches the current m-th largest value,
    until the m largest values are exact and no bound reaches them: the list is the one the exact
    indices of all items give.
    """
    counts, sums, index, priority, order = state
    kind = hyper[0]
    c = hyper[1]
    c_loglog = hyper[2]
    log_offset = hyper[3]
    m = plan_items.shape[2]
    if k == 1:
        _draw_priority(priority, rng)
    log_t = math.log(max(k - log_offset, 1.0))
    threshold = log_t
    if kind == 1 and log_t > 1.0:
        threshold += c_loglog * math.log(log_t)
    threshold = max(threshold, 0.0)
    n_items = counts.size
    if kind == 0:
        for e in range(n_items):
            n = counts[e]
            index[e] = np.inf if n == 0.0 else sums[e] / n + math.sqrt(c * log_t / n)
    else:
        exact = order  # reused as a flag array until the final selection
        for e in range(n_items):
            n = counts[e]
            if n == 0.0:
                index[e] = np.inf
                exact[e] = 1
            else:
                index[e] = min(1.0, sums[e] / n + math.sqrt(0.5 * threshold / n))
                exact[e] = 0
        length = min(m, n_items)
        while True:
            # the m-th largest current value, counted with multiplicity (exact indices and upper
            # bounds mixed; unseen items are +inf)
            filled = 0
            for e in range(n_items):
                if index[e] == np.inf:
                    filled += 1
            mth = np.inf
            while filled < length:
                best = -np.inf
                for e in range(n_items):
                    v = index[e]
                    if best < v < mth:
                        best = v
                if best == -np.inf:
                    break
                mth = best
                for e in range(n_items):
                    if index[e] == best:
                        filled += 1
            solved = 0
            for e in range(n_items):
                if exact[e] == 0 and index[e] >= mth:
                    n = counts[e]
                    index[e] = kl_ucb_index(sums[e] / n, threshold / n)
                    exact[e] = 1
                    solved += 1
            if solved == 0:
                break
    plan_length[0, 0] = _top_m_by_index(index, priority, m, order, plan_items[0, 0])
    return 0


@nb.njit(cache=True, nogil=True)
def cascade_index_update(state, hyper, k, h, s, items, length, click, next_state, reward):
    """Every examined item gets one observation: 1 for the clicked item, 0 before it (P1)."""
    counts, sums = state[0], state[1]
    last = click if click >= 0 else length - 1
    for i in range(last + 1):
        counts[items[i]] += 1.0
    if click >= 0:
        sums[items[click]] += 1.0


# ---------------------------------------------------------------------------------------------
# CascadingVI, CascadingVI-Oracle, CascadingVI-Bonus, CascadingBPI (§6-§8)
# ---------------------------------------------------------------------------------------------
# hyper of the VI family:
# (reward float64[S, N+1], initial_distribution float64[S], lists int64[n_lists, m], lengths,
#  constants float64[8] = [c_var, c_gap, c_lin, log_delta_term, hoeffding_scale, epsilon,
#  horizon K, 0], switches int64[6] = [attraction_bonus (0 bernstein, 1 hoeffding),
#  planner (0 bestperm, 1 exhaustive), optimism_fix (0 none, 1 lower_attraction),
#  log_horizon (0 known, 1 anytime), stopping (0 never, 1 value gap),
#  value_cap (0 horizon H, 1 remaining steps H - h)])
@nb.njit(cache=True, nogil=True)
def cascading_vi_init(n_states, n_items, episode_length, list_length, hyper):
    """Statistics (§6) and work arrays: ``(n_q, clicks, n_p, transition counts, upper values,
    lower values, q_upper, q_lower, u_opt, w_upper, w_lower, priority, order, table, take,
    last_gap)``."""
    return (
        np.zeros((n_states, n_items)),  # n^q(s, a): examinations
        np.zeros((n_states, n_items)),  # c(s, a): clicks
        np.zeros((n_states, n_items + 1)),  # n^p(s, a): a was the clicked item (N: no click)
        np.zeros((n_states, n_items + 1, n_states)),  # N(s, a, s')
        np.zeros((episode_length + 1, n_states)),  # V_upper
        np.zeros((episode_length + 1, n_states)),  # V_lower
        np.zeros(n_items),
        np.zeros(n_items),
        np.zeros(n_items),
        np.zeros(n_items + 1),
        np.zeros(n_items + 1),
        np.arange(n_items),
        np.empty(n_items, np.int64),
        np.empty((n_items + 1, list_length + 1)),
        np.zeros((n_items + 1, list_length + 1), np.uint8),
        np.zeros(1),  # the last episode's stopping statistic V_upper - V_lower at s_1
    )


@nb.njit(cache=True, nogil=True)
def _pessimistic_list_value(items, length, q_lower, q_upper, w_lower, w_bot_lower):
    """``min over u in [q_lower, q_upper]`` of ``f(A, u, w_lower)`` for a fixed list (P3): nesting
    backwards, the suffix value ``v`` does not depend on ``u_i``, and ``u_i w_i + (1 - u_i) v`` is
    smallest at ``q_lower`` if ``w_i >= v``, else at ``q_upper``."""
    v = w_bot_lower
    for i in range(length - 1, -1, -1):
        a = items[i]
        u = q_lower[a] if w_lower[a] >= v else q_upper[a]
        v = u * w_lower[a] + (1.0 - u) * v
    return v


@nb.njit(cache=True, nogil=True)
def cascading_vi_plan(state, hyper, k, rng, plan_items, plan_length):
    """One episode of optimistic planning (§6), with the P3 optimism fix and BPI stopping (§7).

    For ``h = H-1..0`` and every state ``s``:

    * ``bq = min(c_var sqrt(q(1-q) L / n^q) + c_lin L / n^q, 1)`` (Bernstein, CascadingVI) or
      ``min(hoeffding_scale sqrt(L / n^q), 1)`` (CascadingVI-Bonus); ``q_upper = min(q + bq, 1)``,
      ``q_lower = max(q - bq, 0)``; unseen items have ``bq = 1``;
    * ``bpV = min(c_var sqrt(Var_p[V_up] L / n^p) + c_gap sqrt(E_p[(V_up - V_low)^2] L / n^p)
      + c_lin H L / n^p, H)``; ``w_up = min(r + p^T V_up + bpV, H)``, ``w_low = max(r + p^T
      V_low - bpV, 0)``, for every item and the no-click item; unseen: ``w_up = H``,
      ``w_low = 0``;
    * plan with BestPerm (or exhaustive search) on ``(u_opt, w_up, w_up(bot))``, where
      ``u_opt = q_upper``, except, with the optimism fix, ``q_lower`` for items with
      ``w_up < w_up(bot)`` (P3); ``V_up = min(value, H)``;
      ``V_low = max(min_{u in [q_lower, q_upper]} f(list, u, w_low), 0)``.

    ``L = ln(K H S N) + ln(1 / delta')`` with K the horizon (known) or the current episode
    (anytime). Every "H" cap above (bonus, ``w_up``, ``V_up``, unseen pairs) is the remaining
    number of steps ``H - h`` instead when ``value_cap`` is ``"remaining"`` (values of rewards in
    [0, 1] never exceed it, so optimism is kept). Returns 1 when the stopping rule is on and ``rho^T (V_up - V_low)_0 <= epsilon``.
    """
    (n_q, clicks, n_p, transitions, v_up, v_low, q_up, q_low, u_opt, w_up, w_low, priority, order, table, take,
     last_gap) = state
    reward, initial, lists, lengths, constants, switches = hyper
    c_var, c_gap, c_lin, log_delta_term, hoeffding_scale, epsilon, horizon = (
        constants[0], constants[1], constants[2], constants[3], constants[4], constants[5], constants[6]
    )
    hoeffding, exhaustive, optimism_fix, anytime, stopping, remaining_cap = (
        switches[0], switches[1], switches[2], switches[3], switches[4], switches[5]
    )
    n_steps, n_states = plan_length.shape
    n_items = n_q.shape[1]
    m = plan_items.shape[2]
    if k == 1:
        _draw_priority(priority, rng)
    episodes = float(k) if anytime == 1 else horizon
    log_term = math.log(episodes * n_steps * n_states * n_items) + log_delta_term
    big_h = float(n_steps)
    for s in range(n_states):
        v_up[n_steps, s] = 0.0
        v_low[n_steps, s] = 0.0
    for h in range(n_steps - 1, -1, -1):
        next_up = v_up[h + 1]
        next_low = v_low[h + 1]
        cap = float(n_steps - h) if remaining_cap == 1 else big_h
        for s in range(n_states):
            for a in range(n_items):
                n = n_q[s, a]
                if n == 0.0:
                    q_up[a] = 1.0
                    q_low[a] = 0.0
                    continue
                q_hat = clicks[s, a] / n
                if hoeffding == 1:
                    bonus = hoeffding_scale * math.sqrt(log_term / n)
                else:
                    bonus = c_var * math.sqrt(q_hat * (1.0 - q_hat) * log_term / n) + c_lin * log_term / n
                bonus = min(bonus, 1.0)
                q_up[a] = min(q_hat + bonus, 1.0)
                q_low[a] = max(q_hat - bonus, 0.0)
            for a in range(n_items + 1):
                n = n_p[s, a]
                if n == 0.0:
                    w_up[a] = cap
                    w_low[a] = 0.0
                    continue
                inverse = 1.0 / n
                mean_up = 0.0
                mean_up_sq = 0.0
                mean_low = 0.0
                mean_gap_sq = 0.0
                row = transitions[s, a]
                for s2 in range(n_states):
                    count = row[s2]
                    if count != 0.0:
                        vu = next_up[s2]
                        vl = next_low[s2]
                        mean_up += count * vu
                        mean_up_sq += count * vu * vu
                        mean_low += count * vl
                        mean_gap_sq += count * (vu - vl) * (vu - vl)
                mean_up *= inverse
                mean_up_sq *= inverse
                mean_low *= inverse
                mean_gap_sq *= inverse
                variance = max(mean_up_sq - mean_up * mean_up, 0.0)
                bonus = (
                    c_var * math.sqrt(variance * log_term * inverse)
                    + c_gap * math.sqrt(mean_gap_sq * log_term * inverse)
                    + c_lin * big_h * log_term * inverse
                )
                bonus = min(bonus, cap)
                w_up[a] = min(reward[s, a] + mean_up + bonus, cap)
                w_low[a] = max(reward[s, a] + mean_low - bonus, 0.0)
            w_up_bot = w_up[n_items]
            for a in range(n_items):
                u_opt[a] = q_low[a] if (optimism_fix == 1 and w_up[a] < w_up_bot) else q_up[a]
            if exhaustive == 1:
                value, length = exhaustive_best_list_by_priority(
                    u_opt, w_up, w_up_bot, lists, lengths, priority, plan_items[h, s]
                )
            else:
                value, length = best_perm(u_opt, w_up, w_up_bot, m, priority, plan_items[h, s], order, table, take)
            plan_length[h, s] = length
            v_up[h, s] = min(value, cap)
            lower = _pessimistic_list_value(plan_items[h, s], length, q_low, q_up, w_low, w_low[n_items])
            v_low[h, s] = max(lower, 0.0)
    gap = 0.0
    for s in range(n_states):
        gap += initial[s] * (v_up[0, s] - v_low[0, s])
    last_gap[0] = gap
    if stopping == 1 and gap <= epsilon:
        return 1
    return 0


@nb.njit(cache=True, nogil=True)
def cascading_vi_update(state, hyper, k, h, s, items, length, click, next_state, reward):
    """P1: ``n^q`` and clicks for every examined item; ``n^p`` and the transition count for the
    clicked item, or for the no-click item ``N`` when nothing was clicked (P2)."""
    n_q, clicks, n_p, transitions = state[0], state[1], state[2], state[3]
    n_items = n_q.shape[1]
    last = click if click >= 0 else length - 1
    for i in range(last + 1):
        n_q[s, items[i]] += 1.0
    clicked = n_items
    if click >= 0:
        clicks[s, items[click]] += 1.0
        clicked = items[click]
    n_p[s, clicked] += 1.0
    transitions[s, clicked, next_state] += 1.0


# ---------------------------------------------------------------------------------------------
# AdaptVI (§8): item lists as atomic actions
# ---------------------------------------------------------------------------------------------
# hyper: (lists int64[n_lists, m], lengths int64[n_lists], constants float64[2] =
#         [bonus_scale, log_term L], n_items)
@nb.njit(cache=True, nogil=True)
def adapt_vi_init(n_states, n_items, episode_length, list_length, hyper):
    """``(visits n(s, A), reward sums, transition counts int32[S, n_lists, S], exploration
    cursor per state, list order per state, V_upper)``."""
    lists = hyper[0]
    n_lists = lists.shape[0]
    order = np.empty((n_states, n_lists), np.int64)
    for s in range(n_states):
        for i in range(n_lists):
            order[s, i] = i
    return (
        np.zeros((n_states, n_lists)),
        np.zeros((n_states, n_lists)),
        np.zeros((n_states, n_lists, n_states), np.int32),
        np.zeros(n_states, np.int64),
        order,
        np.zeros((episode_length + 1, n_states)),
    )


@nb.njit(cache=True, nogil=True)
def adapt_vi_plan(state, hyper, k, rng, plan_items, plan_length):
    """Optimistic tabular VI over (state, list) pairs (UCBVI with a Hoeffding bonus,
    ``b(n) = min(bonus_scale H sqrt(L / n), H)``, ``b(0) = H``):
    ``Q_up(s, A) = min(r_hat(s, A) + p_hat(.|s, A)^T V_up + b(n), H)``.

    A list with ``b(n) = H`` has ``Q_up = H``, the largest possible value, so it is a maximiser
    whatever the other estimates are. Each state keeps a cursor into a random order of its lists
    (drawn at the first episode): while the list under the cursor still has ``b(n) = H`` it is
    the plan (``V_up = H``) and the Q values of the other lists are not needed; once every list
    of the state has left that regime, all ``Q_up`` are computed and the first maximiser is
    played. The decisions are those of full optimistic VI with this tie-breaking rule.
    """
    visits, reward_sums, transitions, cursor, order, v_up = state
    lists, lengths, constants = hyper[0], hyper[1], hyper[2]
    bonus_scale = constants[0]
    log_term = constants[1]
    n_steps, n_states = plan_length.shape
    n_lists = lengths.size
    big_h = float(n_steps)
    # b(n) = H  <=>  n <= bonus_scale^2 L
    saturated_visits = bonus_scale * bonus_scale * log_term
    g = generator_of(rng)
    if k == 1:
        for s in range(n_states):
            for i in range(n_lists - 1, 0, -1):
                j = g.integers(0, i + 1)
                tmp = order[s, i]
                order[s, i] = order[s, j]
                order[s, j] = tmp
    for s in range(n_states):
        v_up[n_steps, s] = 0.0
    for s in range(n_states):
        while cursor[s] < n_lists and visits[s, order[s, cursor[s]]] > saturated_visits:
            cursor[s] += 1
    for h in range(n_steps - 1, -1, -1):
        for s in range(n_states):
            if cursor[s] < n_lists:
                best = order[s, cursor[s]]
                v_up[h, s] = big_h
            else:
                best_value = -1.0
                best = 0
                for r in range(n_lists):
                    i = order[s, r]
                    n = visits[s, i]
                    total = reward_sums[s, i]
                    for s2 in range(n_states):
                        total += transitions[s, i, s2] * v_up[h + 1, s2]
                    value = min(total / n + min(bonus_scale * big_h * math.sqrt(log_term / n), big_h), big_h)
                    if value > best_value:
                        best_value = value
                        best = i
                v_up[h, s] = best_value
            plan_length[h, s] = lengths[best]
            for j in range(lengths[best]):
                plan_items[h, s, j] = lists[best, j]
    return 0


@nb.njit(cache=True, nogil=True)
def _list_index(items, length, n_items):
    """Index of ``items[:length]`` in the order of :func:`all_item_lists`."""
    offset = 0
    falling = 1
    for n in range(1, length):
        falling *= n_items - n + 1
        offset += falling
    # rank among permutations of length `length`, lexicographic
    rank = 0
    for i in range(length):
        smaller = items[i]
        for j in range(i):
            if items[j] < items[i]:
                smaller -= 1
        count = 1
        for r in range(i + 1, length):
            count *= n_items - r
        rank += smaller * count
    return offset + rank


@nb.njit(cache=True, nogil=True)
def adapt_vi_update(state, hyper, k, h, s, items, length, click, next_state, reward):
    """Visit count, reward sum and transition count of the played (state, list)."""
    visits, reward_sums, transitions = state[0], state[1], state[2]
    i = _list_index(items, length, hyper[3])
    visits[s, i] += 1.0
    reward_sums[s, i] += reward
    transitions[s, i, next_state] += 1


# ---------------------------------------------------------------------------------------------
# Python faces
# ---------------------------------------------------------------------------------------------
class CascadingPolicy(Policy):
    """Base class of the cascading policies' Python faces.

    A face drives its kernels on any cascading problem or Gymnasium environment
    (``regretlab/CascadingBandit-v0``, ``regretlab/CascadingMDP-v0``)::

        policy = CascadingVI().reset(env, seed=1, horizon=K)
        obs, info = env.reset(seed=0)
        for k in range(K):
            if k:
                obs, info = env.reset()
            done = False
            while not done:
                action = policy.select(obs)
                obs, reward, done, truncated, info = env.step(action)
                policy.update(action, reward, info)

    ``select`` computes a new plan when it sees step ``h = 0`` of an episode (so draws come in
    the fused loop's order); :attr:`plan` exposes it, so that ``problem.plan_value`` can evaluate
    it exactly. The action is the list padded with ``N`` (empty slots) to length m.
    """

    setting: ClassVar[str] = "cascading"
    plan_kernel: ClassVar[object] = None
    needs_unit_rewards: ClassVar[bool] = False
    reward_range = (0.0, 1.0)

    def kernel_hyper(self, view: CascadeLearnerView, horizon):
        """The hyper-parameter tuple handed to the kernels for ``view``."""
        raise NotImplementedError

    def check_view(self, view: CascadeLearnerView, path: str = "policy") -> None:
        """``ValueError`` if this policy cannot run on a problem with this learner view."""
        if self.needs_unit_rewards and not view.unit_rewards:
            raise ValueError(
                f"{path}: {type(self).__name__} is a cascading-bandit algorithm; it needs a problem with "
                f"S = H = 1 and unit rewards (CascadingBandit), got S={view.n_states}, H={view.episode_length}"
            )

    def reset(self, problem, *, seed=None, horizon=None):
        """Start a fresh run on ``problem`` (a cascading problem or an environment wrapping one).

        Parameters
        ----------
        problem : CascadingBandit, CascadingMDP, ... or gymnasium.Env
        seed : None, int, SeedSequence or Generator
            The policy's own random stream.
        horizon : int, optional
            The number of episodes K, for policies whose confidence level uses it.
        """
        view = learner_view_of(problem)
        self.check_view(view)
        self._horizon = self.check_horizon(horizon)
        self._view = view
        self._hyper = self.kernel_hyper(view, self._horizon)
        self._generator = as_generator(seed)
        self._stream = make_random_stream(self._generator)
        cls = type(self)
        self._state = cls.init_kernel(view.n_states, view.n_items, view.episode_length, view.list_length, self._hyper)
        self.plan = (
            np.zeros((view.episode_length, view.n_states, view.list_length), np.int64),
            np.zeros((view.episode_length, view.n_states), np.int64),
        )
        self._k = 0
        self._stopped = False
        self._bind_entry_points()
        return self

    def _bind_entry_points(self):
        cls = type(self)
        items, lengths = self.plan
        self._plan_entry = compiled_entry_point(cls.plan_kernel, (self._state, self._hyper, 1, self._stream, items, lengths))
        row = items[0, 0]
        self._update_entry = compiled_entry_point(
            cls.update_kernel, (self._state, self._hyper, 1, 0, 0, row, 1, -1, 0, 0.0)
        )

    def _require_reset(self):
        if not hasattr(self, "_state"):
            raise RuntimeError(f"{type(self).__name__}: call reset(problem, seed=...) before select()/update()")

    def new_episode(self) -> bool:
        """Compute the plan of the next episode; return True if the policy stops (its plan is
        then its recommendation, not to be played)."""
        self._require_reset()
        self._k += 1
        items, lengths = self.plan
        self._stopped = bool(self._plan_entry(self._state, self._hyper, self._k, self._stream, items, lengths))
        return self._stopped

    def _observation_to_step_state(self, observation):
        if isinstance(observation, (int, np.integer)) or (isinstance(observation, np.ndarray) and observation.ndim == 0):
            return 0, 0
        values = np.asarray(observation).ravel()
        if values.size != 2:
            raise ValueError(f"observation: must be (h, s) or 0, got {observation!r}")
        return int(values[0]), int(values[1])

    def select(self, observation=0):
        """The list for ``observation`` = ``(h, s)`` (MDP) or 0 (bandit), as a Gym action: int64
        array of length m, padded with N. Plans a new episode at ``h = 0``."""
        self._require_reset()
        h, s = self._observation_to_step_state(observation)
        view = self._view
        if not (0 <= h < view.episode_length and 0 <= s < view.n_states):
            raise ValueError(f"observation: (h, s) must be in [0, {view.episode_length}) x [0, {view.n_states}), got {observation!r}")
        if h == 0:
            self.new_episode()
        items, lengths = self.plan
        action = np.full(view.list_length, view.n_items, np.int64)
        n = lengths[h, s]
        action[:n] = items[h, s, :n]
        return action

    def update(self, action, reward, info) -> None:
        """Record the outcome of a step: ``info`` is the step's ``info`` dict (``step``,
        ``state``, ``click_position``, ``next_state``)."""
        self._require_reset()
        view = self._view
        items, length = parse_item_list(action, view.n_items, view.list_length)
        try:
            h, s = int(info["step"]), int(info["state"])
            click, next_state = int(info["click_position"]), int(info["next_state"])
        except (KeyError, TypeError) as error:
            raise ValueError(f"info: must carry step, state, click_position and next_state, got {info!r}") from error
        if not -1 <= click < length:
            raise ValueError(f"info['click_position']: must be -1 or a position in [0, {length}), got {click}")
        if not (0 <= s < view.n_states and 0 <= next_state < view.n_states and 0 <= h < view.episode_length):
            raise ValueError(f"info: step, state or next_state out of range: {info!r}")
        value = self._check_reward(reward)
        self._update_entry(self._state, self._hyper, max(self._k, 1), h, s, items, length, click, next_state, value)

    @property
    def episode(self) -> int:
        """Episodes planned so far."""
        self._require_reset()
        return self._k

    @property
    def stopped(self) -> bool:
        """True once a best-policy-identification policy has stopped."""
        return bool(getattr(self, "_stopped", False))


def parse_item_list(action, n_items: int, list_length: int):
    """Validate a Gym action ``MultiDiscrete([N+1]*m)`` (N = empty slot, padding only at the end,
    distinct items, at least one) and return ``(items int64[m], length)`` (P7)."""
    values = np.asarray(action)
    if values.shape != (list_length,) or not np.issubdtype(values.dtype, np.integer):
        raise ValueError(f"action: must be {list_length} integers in [0, {n_items}] ({n_items} = empty slot), got {action!r}")
    values = values.astype(np.int64)
    if values.min() < 0 or values.max() > n_items:
        raise ValueError(f"action: items must be in [0, {n_items}] ({n_items} = empty slot), got {values.tolist()}")
    empty = values == n_items
    length = int(np.argmax(empty)) if empty.any() else list_length
    if length == 0:
        raise ValueError(f"action: the list must hold at least one item, got {values.tolist()}")
    if not empty[length:].all():
        raise ValueError(f"action: empty slots ({n_items}) only at the end of the list, got {values.tolist()}")
    if np.unique(values[:length]).size != length:
        raise ValueError(f"action: items must be distinct, got {values.tolist()}")
    return np.ascontiguousarray(values), length


class CascadeUCB1(CascadingPolicy):
    """CascadeUCB1 (Kveton et al., 2015; §12): list the m items with the largest
    ``w_hat(e) + sqrt(c log(t - log_offset) / T(e))``, in decreasing order of that index.

    Instead of the paper's free initial observation of every item, never-examined items have
    index ``+inf`` (so they are listed first). Ties, including among unseen items, follow a
    uniformly random priority order of the items drawn from the policy stream at the first step.
    For cascading bandits only (S = H = 1, unit rewards); the step t is the episode k.

    Parameters
    ----------
    c : float, default 1.5
        Radius constant (1.5 in the paper), ``> 0``.
    log_offset : int, default 1
        ``log(t - 1)`` as in the paper; 0 gives ``log t``. The log is of ``max(t - log_offset, 1)``.
    """

    name = "cascade_ucb1"
    regret_exponent = 0.0
    needs_unit_rewards = True
    init_kernel = cascade_index_init
    plan_kernel = cascade_index_plan
    update_kernel = cascade_index_update

    def __init__(self, c=1.5, log_offset=1):
        self.c = check_real("c", c, low=0.0, low_open=True)
        self.log_offset = check_integer("log_offset", log_offset, low=0, high=1)

    def kernel_hyper(self, view, horizon):
        return (0.0, self.c, 0.0, float(self.log_offset))


class CascadeKLUCB(CascadeUCB1):
    """CascadeKL-UCB (Kveton et al., 2015; §12): list the m items with the largest
    ``max{q in [w_hat, 1] : T(e) kl(w_hat, q) <= log(t - log_offset) + c_loglog log log(t - log_offset)}``
    (threshold clamped at 0, ``log log`` only once ``log > 1``), Bernoulli KL, solved with the
    project's KL-UCB index (:func:`bandits.policies.classic.kl_ucb_index`). Unseen items and ties
    as in :class:`CascadeUCB1`.

    Parameters
    ----------
    c_loglog : float, default 3.0
        Coefficient of ``log log t`` (3 in the paper's analysis), ``>= 0``.
    log_offset : int, default 1
    """

    name = "cascade_kl_ucb"

    def __init__(self, c_loglog=3.0, log_offset=1):
        self.c_loglog = check_real("c_loglog", c_loglog, low=0.0)
        self.log_offset = check_integer("log_offset", log_offset, low=0, high=1)

    def kernel_hyper(self, view, horizon):
        return (1.0, 1.0, self.c_loglog, float(self.log_offset))


_EMPTY_LISTS = (np.zeros((0, 1), np.int64), np.zeros(0, np.int64))


class CascadingVI(CascadingPolicy):
    """CascadingVI (Du, Srikant & Chen, 2024; §6): optimistic value iteration with per-(state,
    item) estimates of attraction and transitions, a variance-aware attraction bonus and
    BestPerm planning. See :func:`cascading_vi_plan` for every formula.

    The constants 2, 2, 5, the confidence level and the handling of the case where every item
    falls below the no-click item are reconstructed (§6, P3, P9), so all are parameters.

    Parameters
    ----------
    delta : float, default 0.05
        Confidence parameter, in (0, 1).
    bonus_constants : (float, float, float), default (2.0, 2.0, 5.0)
        ``(c_var, c_gap, c_lin)``: the coefficients of the square-root variance term, of the
        ``E[(V_up - V_low)^2]`` term and of the ``L / n`` term; each ``>= 0``.
    delta_divisor : float, default 1.0
        ``delta' = delta / delta_divisor`` in ``L = ln(K H S N / delta')`` (the paper's constant
        was not recovered), ``> 0``.
    log_horizon : {"known", "anytime"}, default "known"
        K in ``L`` is the number of episodes (needs ``horizon``) or the current episode (P9).
    optimism_fix : {"lower_attraction", "none"}, default "lower_attraction"
        With ``"lower_attraction"``, items whose optimistic weight is below the no-click item's
        are planned with their lower attraction bound, which keeps ``V_up >= V*`` (P3).
    value_cap : {"horizon", "remaining"}, default "horizon"
        Cap of bonuses and optimistic values: H everywhere, as in the reference (P5), or the
        remaining steps ``H - h`` (tighter, still optimistic).
    """

    name = "cascading_vi"
    regret_exponent = 0.5
    init_kernel = cascading_vi_init
    plan_kernel = cascading_vi_plan
    update_kernel = cascading_vi_update
    _attraction_bonus = 0
    _planner = 0
    _stopping = 0

    def __init__(self, delta=0.05, bonus_constants=(2.0, 2.0, 5.0), delta_divisor=1.0, log_horizon="known",
                 optimism_fix="lower_attraction", value_cap="horizon"):
        self._set_common(delta, bonus_constants, delta_divisor, log_horizon, optimism_fix, value_cap)

    def _set_common(self, delta, bonus_constants, delta_divisor, log_horizon, optimism_fix, value_cap):
        self.delta = check_real("delta", delta, low=0.0, high=1.0, low_open=True, high_open=True)
        try:
            constants = tuple(float(c) for c in bonus_constants)
        except (TypeError, ValueError):
            raise ValueError(f"bonus_constants: must be three real numbers >= 0, got {bonus_constants!r}") from None
        if len(constants) != 3 or not all(math.isfinite(c) and c >= 0.0 for c in constants):
            raise ValueError(f"bonus_constants: must be three finite real numbers >= 0, got {bonus_constants!r}")
        self.bonus_constants = constants
        self.delta_divisor = check_real("delta_divisor", delta_divisor, low=0.0, low_open=True)
        self.log_horizon = check_choice("log_horizon", log_horizon, ("known", "anytime"))
        self.optimism_fix = check_choice("optimism_fix", optimism_fix, ("lower_attraction", "none"))
        self.value_cap = check_choice("value_cap", value_cap, ("horizon", "remaining"))

    @property
    def needs_horizon(self):
        return self.log_horizon == "known"

    def _lists(self, view):
        return _EMPTY_LISTS

    def _hoeffding_scale(self):
        return 0.0

    def _epsilon(self):
        return 0.0

    def kernel_hyper(self, view, horizon):
        lists, lengths = self._lists(view)
        c_var, c_gap, c_lin = self.bonus_constants
        constants = np.array([
            c_var, c_gap, c_lin, math.log(self.delta_divisor / self.delta), self._hoeffding_scale(),
            self._epsilon(), float(horizon) if horizon is not None else 1.0, 0.0,
        ])
        switches = np.array([
            self._attraction_bonus, self._planner, int(self.optimism_fix == "lower_attraction"),
            int(self.log_horizon == "anytime"), self._stopping, int(self.value_cap == "remaining"),
        ], np.int64)
        return (
            np.ascontiguousarray(view.reward), np.ascontiguousarray(view.initial_distribution), lists, lengths,
            constants, switches,
        )

    @property
    def stopping_statistic(self) -> float:
        """``rho^T (V_up - V_low)_0`` of the last planned episode (CascadingBPI stops when it is
        at most epsilon)."""
        self._require_reset()
        return float(self._state[15][0])


class CascadingVIOracle(CascadingVI):
    """CascadingVI-Oracle (§8): CascadingVI with BestPerm replaced by exhaustive search over all
    ``sum_n N!/(N-n)!`` item lists (same estimates and bonuses; isolates the computational cost
    of planning). Among lists of equal value it prefers longer lists, then the random priority
    order CascadingVI uses (:func:`exhaustive_best_list_by_priority`), so both make the same
    choice in the frequent ties of the optimistic phase. Same parameters as
    :class:`CascadingVI`."""

    name = "cascading_vi_oracle"
    _planner = 1

    def _lists(self, view):
        return all_item_lists(view.n_items, view.list_length)


class CascadingVIBonus(CascadingVI):
    """CascadingVI-Bonus (§8): CascadingVI with the variance-unaware attraction bonus
    ``bq = min(hoeffding_scale sqrt(L / n^q), 1)`` (isolates the benefit of the variance-aware
    bonus; the paper's exact form was not recovered).

    Parameters
    ----------
    hoeffding_scale : float, default 1.0
        ``> 0``; 1 matches the Bernstein term's worst case ``2 sqrt(q(1-q) L / n) <= sqrt(L / n)``.
    delta, bonus_constants, delta_divisor, log_horizon, optimism_fix, value_cap
        As in :class:`CascadingVI`.
    """

    name = "cascading_vi_bonus"
    _attraction_bonus = 1

    def __init__(self, hoeffding_scale=1.0, delta=0.05, bonus_constants=(2.0, 2.0, 5.0), delta_divisor=1.0,
                 log_horizon="known", optimism_fix="lower_attraction", value_cap="horizon"):
        self.hoeffding_scale = check_real("hoeffding_scale", hoeffding_scale, low=0.0, low_open=True)
        self._set_common(delta, bonus_constants, delta_divisor, log_horizon, optimism_fix, value_cap)

    def _hoeffding_scale(self):
        return self.hoeffding_scale


class CascadingBPI(CascadingVI):
    """CascadingBPI (§7, reconstructed): CascadingVI's estimates, bonuses and optimistic plans,
    stopping at the first episode where ``rho^T (V_up - V_low)_0 <= epsilon``; that episode's plan
    is the output (not played). The fused runner records the episodes used and the output's
    exact gap ``V* - V^pi``.

    Parameters
    ----------
    epsilon : float, default 0.1
        Target precision, ``> 0``.
    delta, bonus_constants, delta_divisor, log_horizon, optimism_fix, value_cap
        As in :class:`CascadingVI` (``log_horizon="known"`` uses the episode budget K).
    """

    name = "cascading_bpi"
    regret_exponent = None
    _stopping = 1

    def __init__(self, epsilon=0.1, delta=0.05, bonus_constants=(2.0, 2.0, 5.0), delta_divisor=1.0,
                 log_horizon="known", optimism_fix="lower_attraction", value_cap="horizon"):
        self.epsilon = check_real("epsilon", epsilon, low=0.0, low_open=True)
        self._set_common(delta, bonus_constants, delta_divisor, log_horizon, optimism_fix, value_cap)

    def _epsilon(self):
        return self.epsilon


class AdaptVI(CascadingPolicy):
    """AdaptVI (§8): tabular optimistic value iteration (UCBVI with a Hoeffding bonus) that treats
    every item list as an atomic action, with estimates per (state, list); see
    :func:`adapt_vi_plan`. ``L = ln(K H S |A| / delta)``.

    Its statistics are ``S |A| (S + 2)`` numbers (5.8M at N = 25, m = 3, S = 20), and each list
    must be tried about ``bonus_scale^2 L`` times per state before its bonus drops below H, so
    on the paper's sizes it explores for the whole run: the baseline's point.

    Parameters
    ----------
    delta : float, default 0.05
        In (0, 1).
    bonus_scale : float, default 1.0
        ``b(n) = min(bonus_scale H sqrt(L / n), H)``, ``> 0``.
    """

    name = "adapt_vi"
    needs_horizon = True
    init_kernel = adapt_vi_init
    plan_kernel = adapt_vi_plan
    update_kernel = adapt_vi_update

    def __init__(self, delta=0.05, bonus_scale=1.0):
        self.delta = check_real("delta", delta, low=0.0, high=1.0, low_open=True, high_open=True)
        self.bonus_scale = check_real("bonus_scale", bonus_scale, low=0.0, low_open=True)

    def kernel_hyper(self, view, horizon):
        lists, lengths = all_item_lists(view.n_items, view.list_length)
        horizon = 1 if horizon is None else horizon
        log_term = math.log(horizon * view.episode_length * view.n_states * lengths.size / self.delta)
        return (lists, lengths, np.array([self.bonus_scale, log_term]), int(view.n_items))


#: name -> class of every cascading policy.
CASCADING_POLICIES = {
    cls.name: cls
    for cls in (CascadeUCB1, CascadeKLUCB, CascadingVI, CascadingVIOracle, CascadingVIBonus, CascadingBPI, AdaptVI)
}
