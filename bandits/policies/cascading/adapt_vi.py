"""AdaptVI, the baseline of Du, Srikant & Chen (*Cascading reinforcement learning*, ICLR 2024,
arXiv:2401.08961) that treats every item list as an atomic action: tabular optimistic value
iteration (UCBVI with a Hoeffding bonus) with estimates per (state, list).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.rng import generator_of
from bandits.core.validation import check_real
from bandits.policies.cascading.face import CascadingPolicy
from environments.cascading import all_item_lists

__all__ = ["AdaptVI", "adapt_vi_init", "adapt_vi_plan", "adapt_vi_update"]


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


class AdaptVI(CascadingPolicy):
    """AdaptVI (Du et al., 2024, arXiv:2401.08961): tabular optimistic value iteration (UCBVI with
    a Hoeffding bonus) that treats every item list as an atomic action, with estimates per
    (state, list); see :func:`adapt_vi_plan`. ``L = ln(K H S |A| / delta)``.

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

