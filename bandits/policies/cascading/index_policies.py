"""CascadeUCB1 and CascadeKL-UCB (Kveton, Szepesvari, Wen & Ashkan, *Cascading bandits*, ICML 2015,
arXiv:1502.02763): list the m items with the largest upper confidence index of their attraction,
in decreasing index order, and learn from every examined item. For cascading bandits only
(``S = H = 1``, unit rewards); the step t is the episode k.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.indices import kl_ucb_index
from bandits.core.validation import check_integer, check_real
from bandits.policies.cascading.face import CascadingPolicy
from bandits.policies.cascading.tie_breaking import draw_priority

__all__ = ["CascadeUCB1", "CascadeKLUCB", "cascade_index_init", "cascade_index_plan", "cascade_index_update"]


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
    order. Step ``t = k``; ``log_t = ln(max(t - log_offset, 1))``; never-examined items have
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
        draw_priority(priority, rng)
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
    """Every examined item gets one observation: 1 for the clicked item, 0 before it
    (later items were not examined)."""
    counts, sums = state[0], state[1]
    last = click if click >= 0 else length - 1
    for i in range(last + 1):
        counts[items[i]] += 1.0
    if click >= 0:
        sums[items[click]] += 1.0


class CascadeUCB1(CascadingPolicy):
    """CascadeUCB1 (Kveton et al., 2015, arXiv:1502.02763): list the m items with the largest
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
    """CascadeKL-UCB (Kveton et al., 2015, arXiv:1502.02763): list the m items with the largest
    ``max{q in [w_hat, 1] : T(e) kl(w_hat, q) <= log(t - log_offset) + c_loglog log log(t - log_offset)}``
    (threshold clamped at 0, ``log log`` only once ``log > 1``), Bernoulli KL, solved with the
    project's KL-UCB index (:func:`bandits.core.indices.kl_ucb_index`). Unseen items and ties
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

