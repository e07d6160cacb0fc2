"""Comparator numerics of weighted tallying bandits: repeated exposure optimality (REO), the loss
of always playing one action, and the exact optimal loss over all action sequences (the
comparator of complete policy regret).

Malik, Igoe, Li & Singh, *Weighted Tallying Bandits: Overcoming Intractability via Repeated
Exposure Optimality*, ICML 2023, arXiv:2305.02955. The paper's body was not available to us: the
window conventions, the handling of plays before ``t = 1``, the piecewise-linear loss curves and
the algorithms below (subset-sum REO check, forward dynamic programme with period detection and
min-plus matrix powers) are our own formulation of the model.

Model
-----
K actions, weights ``w_1..w_m >= 0`` (``w_1`` weighs the most recent play), ``W = sum w``. The
tally of action ``a`` at step ``t`` is ``tau_t(a) = sum_{i=1..m} w_i 1{a_{t-i} = a}`` (the previous
m plays, ``include_current = False``) or ``sum_{i=1..m} w_i 1{a_{t-i+1} = a}`` (the current play
with ``w_1``, then the previous m - 1; ``include_current = True``). ``initial_history[i]`` is the
action ``i + 1`` steps before ``t = 1`` (-1: none). Playing ``a`` at step ``t`` costs
``f_a(tau_t(a))``, ``f_a`` piecewise linear through ``(knots[p], values[a, p])`` (``numpy.interp``).

Only the last ``L = m`` (or ``m - 1`` with ``include_current``) plays, the *history*, affect the
next loss. Tallies are summed in index order from ``0.0`` (or ``w_1``), as the environment kernels
do, and ``W`` is that sequential sum, so a saturated tally is bit-identical to ``W``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numba as nb
import numpy as np

from bandits.core.validation import (
    ParameterError,
    check_integer,
    check_real,
    check_real_array,
    check_real_vector,
)
from environments.tallying.dynamics import interpolate as interpolate_loss

__all__ = [
    "ReoDetail", "always_action_losses", "always_action_losses_kernel", "attainable_tallies",
    "exact_optimal_losses", "exact_optimal_losses_kernel", "exhaustive_optimal_loss", "interpolate_loss",
    "repeated_exposure_optimal_action",
]

#: Exact subset-sum enumeration up to this many weights (2^20 sums).
MAX_SUBSET_WEIGHTS = 20
#: :func:`exhaustive_optimal_loss` refuses more sequences than this.
MAX_EXHAUSTIVE_SEQUENCES = 200_000
#: Min-plus matrix powers (the fallback when no period shows) up to this many histories.
MAX_SQUARING_STATES = 256
_KNOT_END_RTOL = 1e-9


# ---------------------------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def _window_tally(weights, include_current, recent, n_recent, initial_history, action):
    """The tally of ``action`` played now, where the plays before it are ``recent[0..n_recent-1]``
    (``recent[0]`` the most recent) and, further back, the initial history."""
    m = weights.size
    shift = 1 if include_current else 0
    total = weights[0] if include_current else 0.0
    for j in range(m - shift):
        before = recent[j] if j < n_recent else initial_history[j - n_recent]
        if before == action:
            total += weights[j + shift]
    return total


@nb.njit(cache=True, nogil=True)
def _decode(code, n_digits, n_actions, recent):
    """The base-K digits of ``code`` into ``recent`` (digit 0, the most recent play, first)."""
    for j in range(n_digits):
        recent[j] = code % n_actions
        code //= n_actions


@nb.njit(cache=True, nogil=True)
def always_action_losses_kernel(weights, knots, values, include_current, initial_history, action,
                                record_points, out):
    """Cumulative loss of playing ``action`` at every step, at each record point, into ``out``:
    ``out[j] = sum_{t <= record_points[j]} f_action(tau_t(action))``. Arguments: weights
    float64[m], knots float64[P], values float64[K, P], include_current bool, initial_history
    int64[m], action int, record_points int64[J] (1-based, nondecreasing), out float64[J].

    From step ``L + 1`` on (``L = m``, or ``m - 1`` with ``include_current``) the tally is ``W``,
    so the sum beyond is ``(t - L) f_action(W)`` in closed form: ``O(m L + J)``, whatever the
    record points (up to ``2^62``; the float sum then carries the rounding of ``t f``).
    """
    m = weights.size
    n_window = m - 1 if include_current else m
    recent = np.full(max(n_window, 1), action, np.int64)
    prefix = np.zeros(n_window + 1)
    for t in range(1, n_window + 1):
        tally = _window_tally(weights, include_current, recent, t - 1, initial_history, action)
        prefix[t] = prefix[t - 1] + interpolate_loss(knots, values[action], tally)
    saturated = _window_tally(weights, include_current, recent, n_window, initial_history, action)
    f_full = interpolate_loss(knots, values[action], saturated)
    for j in range(record_points.size):
        t = record_points[j]
        if t <= n_window:
            out[j] = prefix[t]
        else:
            out[j] = prefix[n_window] + (t - n_window) * f_full


@nb.njit(cache=True, nogil=True)
def _history_losses(weights, knots, values, include_current):
    """``losses[h, a]``: the loss of playing ``a`` after the full history of code ``h``."""
    n_actions = values.shape[0]
    n_window = weights.size - 1 if include_current else weights.size
    n_states = n_actions**n_window
    recent = np.empty(max(n_window, 1), np.int64)
    losses = np.empty((n_states, n_actions))
    for code in range(n_states):
        _decode(code, n_window, n_actions, recent)
        for a in range(n_actions):
            tally = _window_tally(weights, include_current, recent, n_window, recent, a)
            losses[code, a] = interpolate_loss(knots, values[a], tally)
    return losses


@nb.njit(cache=True, nogil=True)
def _add(high, low, x):
    """``(high, low) + x`` as a compensated (Neumaier) sum."""
    total = high + x
    error = (high - total) + x if abs(high) >= abs(x) else (x - total) + high
    return total, low + error


@nb.njit(cache=True, nogil=True)
def _successor(code, action, n_actions, top_place):
    """The history after playing ``action`` in history ``code`` (``top_place = K^(L-1)``)."""
    return action + n_actions * (code % top_place) if top_place > 0 else 0


@nb.njit(cache=True, nogil=True)
def _min_plus(x, y):
    """``z[i, k] = min_j x[i, j] + y[j, k]``."""
    z = np.full((x.shape[0], y.shape[1]), np.inf)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            head = x[i, j]
            if head < np.inf:
                for k in range(y.shape[1]):
                    z[i, k] = min(z[i, k], head + y[j, k])
    return z


@nb.njit(cache=True, nogil=True)
def _square_to_record_points(losses, top_place, vector, high, low, t, record_points, j, out):
    """From ``V_t = vector + (high + low)``, ``OPT`` at ``record_points[j:]`` by min-plus powers
    ``A^(2^b)`` of the one-step matrix: ``O(K^(3L) log T)`` time, ``K^(2L) log T`` memory."""
    n_states, n_actions = losses.shape
    one_step = np.full((n_states, n_states), np.inf)
    for code in range(n_states):
        for a in range(n_actions):
            nxt = _successor(code, a, n_actions, top_place)
            one_step[code, nxt] = min(one_step[code, nxt], losses[code, a])
    n_bits = 1
    while (record_points[record_points.size - 1] - t) >> n_bits:
        n_bits += 1
    powers = np.empty((n_bits, n_states, n_states))
    powers[0] = one_step
    for b in range(1, n_bits):
        powers[b] = _min_plus(powers[b - 1], powers[b - 1])
    row = vector.reshape(1, n_states)
    for k in range(j, record_points.size):
        gap = record_points[k] - t
        for b in range(n_bits):
            if (gap >> b) & 1:
                row = _min_plus(row, powers[b])
                shift = np.min(row)
                row = row - shift
                high, low = _add(high, low, shift)
        t = record_points[k]
        out[k] = high + low


@nb.njit(cache=True, nogil=True)
def exact_optimal_losses_kernel(weights, knots, values, include_current, initial_history, record_points,
                                max_period, period_tol, squaring_after, out):
    """``OPT_t``, the least cumulative loss of steps ``1..t`` over all action sequences, at each
    record point, into ``out``; returns ``(method, period, step)``: method 0 stepped to the last
    record point, 1 found ``period`` at ``step``, 2 switched to min-plus powers at ``step``.

    Forward dynamic programme over histories (the last ``L`` plays, base-K code, digit 0 the most
    recent): ``V_t(h)`` is the least loss of ``t`` steps ending in history ``h`` and ``OPT_t =
    min_h V_t(h)``. For ``t < L`` the state is the ``t`` plays made (one path per state). From
    ``t = L`` on every one of the ``K^L`` histories is reachable and
    ``V_{t+1}(a, h_0..h_{L-2}) = min_x V_t(h_0..h_{L-2}, x) + f_a(tau(a | h))``; the kernel keeps
    ``N_t = V_t - min V_t`` (in ``[0, L]``) and ``OPT_t`` (a compensated sum) apart.

    Period: ``N_t`` is compared with the last ``max_period`` vectors (a sum filter, then an early
    exit); the first ``p`` with ``max |N_t - N_{t-p}| <= period_tol`` stops the stepping. The
    min-plus map commutes with adding constants, so ``V_{t+kp+r} = V_{t-p+r} + (k + 1) c``, ``c =
    OPT_t - OPT_{t-p}`` (exactly if ``N_t = N_{t-p}``; the map is nonexpansive in the sup norm,
    so a match within ``period_tol`` moves later values by at most that per period). Without a
    period after ``squaring_after`` steps, if ``K^L <= 256`` and it is cheaper than stepping on,
    min-plus powers of the one-step matrix give the remaining record points (no period needed).
    """
    n_actions = values.shape[0]
    n_window = weights.size - 1 if include_current else weights.size
    n_states = n_actions**n_window
    top_place = n_actions ** (n_window - 1) if n_window > 0 else 0
    n_points = record_points.size
    horizon = record_points[n_points - 1] if n_points > 0 else 0
    n_slots = max_period + 2  # the last max_period vectors, the current one and the next
    normalised = np.empty((n_slots, n_states))
    sums = np.empty(n_slots)
    offsets = np.empty((n_slots, 2))  # OPT_t as a compensated sum: high + low part
    filter_tol = n_states * period_tol + 2.5e-16 * n_states * n_states * (n_window + 1)
    j = 0
    # The first L steps: one path per state, V_{s+1}[a + K c] = V_s[c] + loss.
    current, following = np.zeros(n_states), np.zeros(n_states)
    recent = np.empty(max(n_window, 1), np.int64)
    size = 1
    t = 0
    while t < n_window and t < horizon:
        for code in range(size):
            _decode(code, t, n_actions, recent)
            for a in range(n_actions):
                tally = _window_tally(weights, include_current, recent, t, initial_history, a)
                following[a + n_actions * code] = current[code] + interpolate_loss(knots, values[a], tally)
        size *= n_actions
        current, following = following, current
        t += 1
        best = np.min(current[:size])
        while j < n_points and record_points[j] == t:
            out[j] = best
            j += 1
    if j == n_points:
        return 0, 0, t
    losses = _history_losses(weights, knots, values, include_current)
    best = np.min(current)
    normalised[t % n_slots] = current - best
    sums[t % n_slots] = np.sum(normalised[t % n_slots])
    offsets[t % n_slots, 0] = best
    offsets[t % n_slots, 1] = 0.0
    start = t
    while j < n_points:
        now, nxt = normalised[t % n_slots], normalised[(t + 1) % n_slots]
        for code in range(n_states):
            value = np.inf
            if n_window == 0:
                for a in range(n_actions):
                    value = min(value, now[0] + losses[0, a])
            else:
                a = code % n_actions
                for x in range(n_actions):
                    previous = code // n_actions + x * top_place
                    value = min(value, now[previous] + losses[previous, a])
            nxt[code] = value
        shift = np.min(nxt)
        nxt -= shift
        slot = (t + 1) % n_slots
        sums[slot] = np.sum(nxt)
        offsets[slot, 0], offsets[slot, 1] = _add(offsets[t % n_slots, 0], offsets[t % n_slots, 1], shift)
        t += 1
        while j < n_points and record_points[j] == t:
            out[j] = offsets[slot, 0] + offsets[slot, 1]
            j += 1
        for p in range(1, min(max_period, t - start) + 1):
            then = (t - p) % n_slots
            if abs(sums[slot] - sums[then]) > filter_tol:
                continue
            same = True
            for code in range(n_states):
                if abs(nxt[code] - normalised[then, code]) > period_tol:
                    same = False
                    break
            if same:
                increment = (offsets[slot, 0] - offsets[then, 0]) + (offsets[slot, 1] - offsets[then, 1])
                base = t - p + 1
                while j < n_points:
                    k, r = (record_points[j] - base) // p, (record_points[j] - base) % p
                    here = (base + r) % n_slots
                    out[j] = offsets[here, 0] + (offsets[here, 1] + k * increment)
                    j += 1
                return 1, p, t
        remaining = horizon - t
        if (t - start >= squaring_after and n_states <= MAX_SQUARING_STATES and j < n_points
                and remaining * n_actions > 64 * n_states * n_states):
            _square_to_record_points(losses, top_place, nxt.copy(), offsets[slot, 0], offsets[slot, 1], t,
                                     record_points, j, out)
            return 2, 0, t
    return 0, 0, t


# ---------------------------------------------------------------------------------------------
# Python API
# ---------------------------------------------------------------------------------------------
def _sequential_sum(weights) -> float:
    total = 0.0
    for w in weights.tolist():
        total += w
    return total


def _checked_model(weights, knots, values, include_current, initial_history):
    """Validated, writable C-contiguous copies ``(w, knots, values, include_current, history)``."""
    w = np.array(check_real_vector("weights", weights, low=0.0), dtype=np.float64)
    total = _sequential_sum(w)
    if total <= 0.0:
        raise ParameterError("weights", weights, "must have a positive sum")
    x = np.array(check_real_vector("knots", knots, min_length=2), dtype=np.float64)
    if x[0] != 0.0 or not np.all(np.diff(x) > 0.0):
        raise ParameterError("knots", knots, "must be strictly increasing from 0")
    if abs(x[-1] - total) > _KNOT_END_RTOL * max(1.0, total):
        raise ParameterError("knots", knots, f"must end at W = sum(weights) = {total!r}")
    v = np.array(check_real_array("values", values, ndim=2, low=0.0, high=1.0), dtype=np.float64)
    if v.shape[0] < 2 or v.shape[1] != x.size:
        raise ParameterError("values", values, f"must have shape (K >= 2, {x.size})", got=f"shape {v.shape}")
    if not isinstance(include_current, (bool, np.bool_, int, np.integer)) or int(include_current) not in (0, 1):
        raise ParameterError("include_current", include_current, "must be a bool")
    m = w.size
    if initial_history is None:
        history = np.full(m, -1, np.int64)
    else:
        raw = np.asarray(initial_history)
        if raw.shape != (m,) or (raw.size and not np.issubdtype(raw.dtype, np.integer)):
            raise ParameterError("initial_history", initial_history, f"must be {m} integers in [-1, K - 1]")
        history = np.array(raw, dtype=np.int64)
        if np.any((history < -1) | (history >= v.shape[0])):
            raise ParameterError("initial_history", initial_history, f"must be {m} integers in [-1, {v.shape[0] - 1}]")
    return w, x, v, bool(include_current), history


def _checked_record_points(record_points) -> np.ndarray:
    raw = np.atleast_1d(np.asarray(record_points))
    if raw.ndim != 1 or raw.size == 0 or not np.issubdtype(raw.dtype, np.integer):
        raise ParameterError("record_points", record_points, "must be a nonempty 1-D sequence of integers")
    points = np.array(raw, dtype=np.int64)
    if points[0] < 1 or np.any(np.diff(points) < 0) or points[-1] > 2**62:
        raise ParameterError("record_points", record_points, "must be nondecreasing integers in [1, 2^62]")
    return points


def attainable_tallies(weights, include_current=False):
    """The sorted distinct tallies an action can have when it is played, or ``None``.

    Parameters
    ----------
    weights : sequence of m floats >= 0
    include_current : bool
        False: the subset sums of ``w_1..w_m``; True: ``w_1`` plus the subset sums of
        ``w_2..w_m`` (the current play always counts).

    Returns
    -------
    float64 array or None
        Exact enumeration (``2^m`` sums, vectorised) for ``m <= 20``; for equal weights
        ``{k w}`` for any m (``k = 0..m``, or ``1..m`` with ``include_current``). ``None`` for
        more than 20 unequal weights: the caller falls back to the interval ``[0, W]``. Each sum
        adds its weights in index order from ``0.0`` (or ``w_1``), as the kernels do, so every
        value is bit-identical to a tally the environment computes; sums equal in exact
        arithmetic but rounded differently (``0.1 + 0.2`` and ``0.3``) stay distinct.
    """
    w = np.array(check_real_vector("weights", weights, low=0.0), dtype=np.float64)
    first = 1 if include_current else 0
    start = np.array([w[0] if include_current else 0.0])
    if np.all(w == w[0]):
        return np.unique(np.cumsum(np.concatenate([start, np.full(w.size - first, w[0])])))
    if w.size > MAX_SUBSET_WEIGHTS:
        return None
    sums = start
    for weight in w[first:]:
        sums = np.concatenate([sums, sums + weight])
    return np.unique(sums)


@dataclass(frozen=True)
class ReoDetail:
    """How :func:`repeated_exposure_optimal_action` decided.

    Attributes
    ----------
    method : str
        ``"subset sums"`` or ``"equal weights"`` (exact: every attainable tally checked) or
        ``"interval"`` (every ``x`` in ``[0, W]``, or ``[w_1, W]`` with ``include_current``: a
        sufficient condition only, which can reject a REO instance).
    candidate : int
        The action of least saturated loss ``f_a(W)`` (smallest index on ties).
    saturated_loss : float
        Its ``f_a(W)``.
    violation : (action, tally, value) or None
        The first (by action, then tally) ``f_action(tally) < saturated_loss - tol``.
    """

    method: str
    candidate: int
    saturated_loss: float
    violation: tuple | None

    def __str__(self) -> str:
        head = f"REO check over {self.method}: candidate a* = {self.candidate} with f(W) = {self.saturated_loss:.6g}"
        if self.violation is None:
            return head + "; every loss at an attainable tally is at least f(W)" + (
                " (interval check: sufficient)" if self.method == "interval" else "")
        action, tally, value = self.violation
        return head + f"; violated: f_{action}({tally:.6g}) = {value:.6g} < f(W)"


def repeated_exposure_optimal_action(weights, knots, values, include_current=False, tol=1e-12, *,
                                     method="auto"):
    """The REO action ``a*`` or ``None``, and a :class:`ReoDetail`.

    REO holds with ``a*`` when ``f_{a*}(W) <= f_a(x) + tol`` for every action ``a`` (``a*``
    included) and every attainable tally ``x`` (:func:`attainable_tallies`): always playing
    ``a*`` then earns the least loss any play can, once the tally saturates. If any action
    qualifies, so does the one of least saturated loss, which is returned (smallest index on ties).

    Parameters
    ----------
    weights, knots, values, include_current
        The model (module docstring).
    tol : float
    method : {"auto", "interval"}
        ``"auto"``: the attainable tallies when :func:`attainable_tallies` gives them, else the
        interval; ``"interval"``: always the interval (a sufficient condition; the minimum of
        a piecewise-linear ``f_a`` over it is at its knots or ends).

    Returns
    -------
    (a_star or None, ReoDetail)
    """
    w, x, v, include_current, _ = _checked_model(weights, knots, values, include_current, None)
    if method not in ("auto", "interval"):
        raise ParameterError("method", method, "must be 'auto' or 'interval'")
    total = _sequential_sum(w)
    saturated = np.array([interpolate_loss(x, v[a], total) for a in range(v.shape[0])])
    candidate = int(np.argmin(saturated))
    f_star = float(saturated[candidate])
    tallies = attainable_tallies(w, include_current) if method == "auto" else None
    if tallies is None:
        kind = "interval"
        low = float(w[0]) if include_current else 0.0
        tallies = np.unique(np.concatenate([[low, total], x[(x > low) & (x < total)]]))
    else:
        kind = "equal weights" if np.all(w == w[0]) else "subset sums"
    for a in range(v.shape[0]):
        losses = np.interp(tallies, x, v[a])
        bad = np.flatnonzero(losses < f_star - tol)
        if bad.size:
            i = int(bad[0])
            return None, ReoDetail(kind, candidate, f_star, (a, float(tallies[i]), float(losses[i])))
    return candidate, ReoDetail(kind, candidate, f_star, None)


def always_action_losses(weights, knots, values, include_current, initial_history, action, record_points):
    """Cumulative loss of playing ``action`` at every step ``1..t``, at each record point.

    Parameters
    ----------
    weights, knots, values, include_current, initial_history
        The model (module docstring); ``initial_history`` may be None (no plays before t = 1).
    action : int
    record_points : sequence of J nondecreasing ints in ``[1, 2^62]``

    Returns
    -------
    float64[J]
        Exact up to the rounding of the sums; ``O(m^2 + J)`` (closed form past saturation, see
        :func:`always_action_losses_kernel`).
    """
    w, x, v, include_current, history = _checked_model(weights, knots, values, include_current, initial_history)
    action = check_integer("action", action, low=0, high=v.shape[0] - 1)
    points = _checked_record_points(record_points)
    out = np.empty(points.size)
    always_action_losses_kernel(w, x, v, include_current, history, action, points, out)
    return out


def exact_optimal_losses(weights, knots, values, include_current, initial_history, record_points,
                         max_states=10_000, *, max_period=64, period_tol=1e-12, squaring_after=100_000,
                         return_info=False):
    """``OPT_t = min over all action sequences of the loss of steps 1..t``, at each record point.

    Each ``t`` is minimised separately (the sequence achieving ``OPT_t`` may differ per ``t``):
    the comparator of complete policy regret. Forward dynamic programme over the ``K^L``
    histories (``L = m``, or ``m - 1`` with ``include_current``, whose oldest play never counts),
    with period detection; see :func:`exact_optimal_losses_kernel`.

    Parameters
    ----------
    weights, knots, values, include_current, initial_history
        The model (module docstring); ``initial_history`` may be None.
    record_points : sequence of J nondecreasing ints in ``[1, 2^62]``
    max_states : int
        Refuse more than this many histories ``K^L``.
    max_period : int
        Periods searched: ``1..max_period`` (0: no search).
    period_tol : float
        Sup-norm tolerance of a repeat of the normalised value vector.
    squaring_after : int
        Steps without a period after which min-plus matrix powers take over (when ``K^L <=
        256`` and they are cheaper than stepping on).
    return_info : bool
        Also return ``{"method": "period" | "stepping" | "squaring", "period": p (0 if none),
        "step": t}``: the step at which the period was found or the powers took over, or the last
        step computed.

    Returns
    -------
    float64[J] (or ``(float64[J], info)``)

    Notes
    -----
    *Cost.* ``O(K^L L K)`` for the first ``L`` steps and the loss table, then ``O(K^(L+1))`` per step
    plus the period search (``O(max_period)`` after the sum filter, ``O(max_period K^L)`` at
    worst) until a period is found; memory ``(max_period + 2 + K) K^L`` floats. The min-plus
    iteration on the strongly connected history graph becomes periodic after a transient (the
    cyclicity theorem of min-plus algebra) whose length grows as the gap between the best and
    the second-best cycle mean shrinks: about ``(warm-up cost) / gap`` steps, ``10^6`` for a gap
    of ``10^-6``. Without a period after ``squaring_after`` steps the rest costs ``O(K^(3L)
    log T)`` by matrix powers when ``K^L <= 256``, else stepping to the last record point
    (``O(T K^(L+1))``, about a second per ``10^9`` history-actions).

    *Accuracy.* Exact up to rounding. The normalised values stay in ``[0, L]`` and ``OPT_t`` is a
    compensated (Neumaier) sum of the per-step minima, so the error is that of the per-step
    sums, each rounded at about ``(L + 1) 2^-53``: at most about ``t (L + 1) 1.1e-16``
    absolute, usually far less (a plain running sum would add ``t ulp(OPT_t)``, ``1e-7`` at
    ``t = 10^5``). Extrapolated values ``OPT_base + k c`` also carry ``k`` times the rounding of
    ``c`` and, when the repeat matched within ``period_tol`` but not exactly (a near-tie of
    cycle means below ``period_tol`` per period), up to ``period_tol`` per period
    extrapolated: ``k period_tol`` in all, a relative error of about ``period_tol / (p *
    mean loss)``.

    Raises
    ------
    ParameterError
        Naming ``"weights"`` when ``K^L > max_states``.
    """
    w, x, v, include_current, history = _checked_model(weights, knots, values, include_current, initial_history)
    points = _checked_record_points(record_points)
    max_states = check_integer("max_states", max_states, low=1)
    max_period = check_integer("max_period", max_period, low=0)
    period_tol = check_real("period_tol", period_tol, low=0.0)
    squaring_after = check_integer("squaring_after", squaring_after, low=0)
    n_window = w.size - 1 if include_current else w.size
    n_states = v.shape[0] ** n_window
    if n_states > max_states:
        raise ParameterError("weights", weights,
                             f"must give at most max_states = {max_states:,} histories K^L for the exact optimum",
                             got=f"{w.size} weights, K = {v.shape[0]}: {n_states:,} histories")
    out = np.empty(points.size)
    method, period, step = exact_optimal_losses_kernel(w, x, v, include_current, history, points, max_period,
                                                       period_tol, min(squaring_after, 2**62), out)
    if not return_info:
        return out
    return out, {"method": ("stepping", "period", "squaring")[method], "period": int(period), "step": int(step)}


def exhaustive_optimal_loss(weights, knots, values, include_current, initial_history, horizon) -> float:
    """``OPT_T`` by brute force over all ``K^T`` sequences, straight from the definition (a test
    oracle; at most 200,000 sequences).

    Raises
    ------
    ParameterError
        Naming ``"horizon"`` when ``K^T`` is too large.
    """
    w, x, v, include_current, history = _checked_model(weights, knots, values, include_current, initial_history)
    n_actions, m = v.shape[0], w.size
    horizon = check_integer("horizon", horizon, low=1)
    if n_actions**horizon > MAX_EXHAUSTIVE_SEQUENCES:
        raise ParameterError("horizon", horizon, f"must give at most {MAX_EXHAUSTIVE_SEQUENCES:,} sequences K^T")
    weight_list = w.tolist()
    cache = {}
    best = math.inf
    for sequence in itertools.product(range(n_actions), repeat=horizon):
        played = history.tolist()[::-1]  # oldest first, then the sequence
        total = 0.0
        for a in sequence:
            played.append(a)
            window = played[::-1] if include_current else played[-2::-1]  # most recent first
            tally = 0.0
            for i in range(m):
                if i < len(window) and window[i] == a:
                    tally += weight_list[i]
            if (a, tally) not in cache:
                cache[a, tally] = float(np.interp(tally, x, v[a]))
            total += cache[a, tally]
        best = min(best, total)
    return best
