"""CascadingVI and its variants (Du, Srikant & Chen, *Cascading reinforcement learning*, ICLR 2024,
arXiv:2401.08961): optimistic value iteration with per-(state, item) estimates of attraction and
transitions, planned with BestPerm.

* :class:`CascadingVI`: variance-aware (Bernstein) attraction bonus, BestPerm planning;
* :class:`CascadingVIOracle`: the same with exhaustive search over every item list (the paper's
  baseline that isolates the cost of planning);
* :class:`CascadingVIBonus`: the same with a variance-unaware (Hoeffding) attraction bonus;
* :class:`CascadingBPI`: best-policy identification, stopping once ``rho^T (V_up - V_low)_0 <=
  epsilon``.

The paper's constants, its confidence level and its handling of the case where every item falls
below the no-click item could not be recovered; our reconstructions are parameters, described
in :func:`cascading_vi_plan`.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.validation import ParameterError, check_choice, check_real
from bandits.policies.cascading.face import CascadingPolicy
from bandits.policies.cascading.tie_breaking import draw_priority
from environments.cascading import all_item_lists, best_perm, exhaustive_best_list_by_priority

__all__ = [
    "CascadingVI",
    "CascadingVIOracle",
    "CascadingVIBonus",
    "CascadingBPI",
    "cascading_vi_init",
    "cascading_vi_plan",
    "cascading_vi_update",
]


# hyper of the VI family:
# (reward float64[S, N+1], initial_distribution float64[S], lists int64[n_lists, m], lengths,
#  constants float64[8] = [c_var, c_gap, c_lin, log_delta_term, hoeffding_scale, epsilon,
#  horizon K, 0], switches int64[6] = [attraction_bonus (0 bernstein, 1 hoeffding),
#  planner (0 bestperm, 1 exhaustive), optimism_fix (0 none, 1 lower_attraction),
#  log_horizon (0 known, 1 anytime), stopping (0 never, 1 value gap),
#  value_cap (0 horizon H, 1 remaining steps H - h)])
@nb.njit(cache=True, nogil=True)
def cascading_vi_init(n_states, n_items, episode_length, list_length, hyper):
    """Statistics and work arrays: ``(n_q, clicks, n_p, transition counts, upper values,
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
    """``min over u in [q_lower, q_upper]`` of ``f(A, u, w_lower)`` for a fixed list (a valid
    pessimistic value needs a per-item choice of bound): nesting backwards, the suffix value ``v``
    does not depend on ``u_i``, and ``u_i w_i + (1 - u_i) v`` is smallest at ``q_lower`` if
    ``w_i >= v``, else at ``q_upper``."""
    v = w_bot_lower
    for i in range(length - 1, -1, -1):
        a = items[i]
        u = q_lower[a] if w_lower[a] >= v else q_upper[a]
        v = u * w_lower[a] + (1.0 - u) * v
    return v


@nb.njit(cache=True, nogil=True)
def cascading_vi_plan(state, hyper, k, rng, plan_items, plan_length):
    """One episode of CascadingVI's optimistic planning (Du et al., 2024, arXiv:2401.08961), with
    our optimism fix and CascadingBPI's stopping rule.

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
      ``w_up < w_up(bot)`` (for such an item ``f`` decreases in its attraction, so ``q_upper``
      could give ``V_up < V*`` when every item falls below the no-click item; with the fix,
      ``V* <= max_A f(A, q, w_up) <= BestPerm(u_opt, w_up)``); ``V_up = min(value, H)``;
      ``V_low = max(min_{u in [q_lower, q_upper]} f(list, u, w_low), 0)``.

    ``L = ln(K H S N) + ln(1 / delta')`` with K the horizon (known) or the current episode
    (anytime). Every "H" cap above (bonus, ``w_up``, ``V_up``, unseen pairs) is the remaining
    number of steps ``H - h`` instead when ``value_cap`` is ``"remaining"`` (values of rewards in
    [0, 1] never exceed it, so optimism is kept). Returns 1 when the stopping rule is on and
    ``rho^T (V_up - V_low)_0 <= epsilon``.
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
        draw_priority(priority, rng)
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
    """``n^q`` and clicks for every examined item (the clicked one and those before it, never
    later ones); ``n^p`` and the transition count for the clicked item, or for the no-click item
    ``N`` when nothing was clicked (the no-click item has its own unknown transition): up to m
    attraction samples, exactly one transition sample per step."""
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


_EMPTY_LISTS = (np.zeros((0, 1), np.int64), np.zeros(0, np.int64))


class CascadingVI(CascadingPolicy):
    """CascadingVI (Du, Srikant & Chen, 2024, arXiv:2401.08961): optimistic value iteration with
    per-(state, item) estimates of attraction and transitions, a variance-aware attraction bonus
    and BestPerm planning. See :func:`cascading_vi_plan` for every formula.

    The constants 2, 2, 5, the confidence level and the handling of the case where every item
    falls below the no-click item are reconstructed (not recoverable from the paper), so all are
    parameters.

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
        K in ``L`` is the number of episodes (needs ``horizon``) or the current episode
        (an anytime variant; changes constants only).
    optimism_fix : {"lower_attraction", "none"}, default "lower_attraction"
        With ``"lower_attraction"``, items whose optimistic weight is below the no-click item's
        are planned with their lower attraction bound, which keeps ``V_up >= V*``.
    value_cap : {"horizon", "remaining"}, default "horizon"
        Cap of bonuses and optimistic values: H everywhere, as reconstructed from the paper, or the
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
            raise ParameterError("bonus_constants", bonus_constants, "must be three real numbers >= 0") from None
        if len(constants) != 3 or not all(math.isfinite(c) and c >= 0.0 for c in constants):
            raise ParameterError("bonus_constants", bonus_constants, "must be three finite real numbers >= 0")
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
    """CascadingVI-Oracle (Du et al., 2024, arXiv:2401.08961): CascadingVI with BestPerm replaced
    by exhaustive search over all ``sum_n N!/(N-n)!`` item lists (same estimates and bonuses;
    isolates the computational cost of planning). Among lists of equal value it prefers longer
    lists, then the random priority order CascadingVI uses
    (:func:`environments.cascading.exhaustive_best_list_by_priority`), so both make the same
    choice in the frequent ties of the optimistic phase. Same parameters as
    :class:`CascadingVI`."""

    name = "cascading_vi_oracle"
    _planner = 1

    def _lists(self, view):
        return all_item_lists(view.n_items, view.list_length)


class CascadingVIBonus(CascadingVI):
    """CascadingVI-Bonus (Du et al., 2024, arXiv:2401.08961): CascadingVI with the
    variance-unaware attraction bonus ``bq = min(hoeffding_scale sqrt(L / n^q), 1)`` (isolates
    the benefit of the variance-aware bonus; the paper's exact form was not recovered).

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
    """CascadingBPI (Du et al., 2024, arXiv:2401.08961; the stopping rule is reconstructed):
    CascadingVI's estimates, bonuses and optimistic plans, stopping at the first episode where
    ``rho^T (V_up - V_low)_0 <= epsilon``; that episode's plan is the output (not played). The
    fused runner records the episodes used and the output's exact gap ``V* - V^pi``.

    Parameters
    ----------
    epsilon : float, default 0.1
        Target precision, ``> 0``.
    delta, bonus_constants, delta_divisor, log_horizon, optimism_fix, value_cap
        As in :class:`CascadingVI` (``log_horizon="known"`` uses the episode budget K).
    """

    name = "cascading_bpi"
    regret_exponent = None
    can_stop = True
    _stopping = 1

    def __init__(self, epsilon=0.1, delta=0.05, bonus_constants=(2.0, 2.0, 5.0), delta_divisor=1.0,
                 log_horizon="known", optimism_fix="lower_attraction", value_cap="horizon"):
        self.epsilon = check_real("epsilon", epsilon, low=0.0, low_open=True)
        self._set_common(delta, bonus_constants, delta_divisor, log_horizon, optimism_fix, value_cap)

    def _epsilon(self):
        return self.epsilon

