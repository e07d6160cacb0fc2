"""The dynamics of the cascade click model, as numba kernels shared by the fused loop and the
Gymnasium shells.

Model (Du, Srikant & Chen, ICLR 2024, arXiv:2401.08961)
-------------------------------------------------------
A user in state ``s`` scans an ordered list ``A = (a_1, ..., a_n)`` of 1..m distinct items out of
N and clicks the first attractive one; item ``a`` is attractive with probability ``q(s, a)``,
independently of the others. A click on ``a`` pays ``r(s, a)`` and moves the user to
``s' ~ p(.|s, a)``; no click is the virtual item ``a_bot`` (index N) with reward 0 and its own
transition ``p(.|s, a_bot)``. Episodes have H steps and start in ``s_1 ~ rho``. Feedback is the
examined prefix: the attraction outcome of every item up to and including the clicked one.

The cascading bandit of Kveton, Szepesvari, Wen & Ashkan (ICML 2015, arXiv:1502.02763) is the
special case ``S = H = 1``, ``r = 1``: the reward is 1 iff some listed item is clicked and the
expected reward of a list is ``1 - prod (1 - q)``. Both problems share these kernels, so their
draws coincide (a test checks it).

Draw discipline (common random numbers)
---------------------------------------
:func:`cascade_initial_state` uses one uniform; :func:`cascade_step` uses N uniforms, one per
item in item order, listed or not (item ``a`` is attractive iff ``u_a < q(s, a)``), then one
uniform for the transition (inverse CDF), whatever the list. With a single state (the bandit)
the initial-state and transition draws are skipped: N uniforms per step. Two policies run on the
same environment seed therefore see the same attraction outcomes at every step.

``params`` is the problem's ``kernel_params``: ``(attraction float64[S, N], reward float64[S,
N+1], transition float64[S, N+1, S], transition_cdf, initial_cdf float64[S], initial float64[S],
H, m)``.
"""

from __future__ import annotations

import numba as nb

from bandits.core.rng import generator_of

__all__ = ["cascade_initial_state", "cascade_step"]


@nb.njit(cache=True, nogil=True)
def _inverse_cdf(cdf, u):
    n = cdf.size
    for i in range(n):
        if u < cdf[i]:
            return i
    # rounding: u >= cdf[-1] only when the row sums to 1 - few ulps; take the last positive entry
    for i in range(n - 1, -1, -1):
        if i == 0 or cdf[i] > cdf[i - 1]:
            return i
    return n - 1


@nb.njit(cache=True, nogil=True)
def cascade_initial_state(params, rng):
    """``s_1 ~ rho`` by inverse CDF: one uniform (none when there is a single state)."""
    initial_cdf = params[4]
    if initial_cdf.size == 1:
        return 0
    return _inverse_cdf(initial_cdf, generator_of(rng).random())


@nb.njit(cache=True, nogil=True)
def cascade_step(params, s, items, length, rng):
    """One step of the cascade in state ``s`` with the list ``items[:length]``.

    Draws N uniforms (item ``a`` attractive iff ``u_a < q(s, a)``, every item, in item order),
    then one uniform for ``s' ~ p(.|s, clicked)`` (none when there is a single state). Returns ``(click, next_state, reward)``:
    ``click`` is the position of the first attractive listed item, or -1 (no click, ``a_bot``).
    """
    attraction, reward, transition_cdf = params[0], params[1], params[3]
    g = generator_of(rng)
    n_items = attraction.shape[1]
    click = -1
    # one uniform per item, listed or not; the first attractive listed item is clicked
    first_position = length
    for a in range(n_items):
        attractive = g.random() < attraction[s, a]
        if attractive:
            for i in range(first_position):
                if items[i] == a:
                    first_position = i
                    break
    if first_position < length:
        click = first_position
    clicked = items[click] if click >= 0 else n_items
    next_state = 0
    if transition_cdf.shape[0] > 1:
        next_state = _inverse_cdf(transition_cdf[s, clicked], g.random())
    return click, next_state, reward[s, clicked]
