"""The exact optimal long-run average reward of tiny recovering-rewards instances, by relative
value iteration: a test oracle and a tool for validation studies (N <= 5, D <= 5 or so), not for
experiments at scale.

Simchi-Levi, Zheng & Zhu, *Offline Planning and Online Learning under Recovering Rewards*, ICML
2021, arXiv:2106.14813, compare policies with the fluid upper bound; this module computes the
true optimum the bound sits above, so that tests and studies can measure the gap. The MDP below
is our own formulation of the model (the paper's body was not available to us).

The MDP
-------
State: the capped idle vector ``s`` in ``{1..D}^N``, encoded as the mixed-radix integer
``sum_i (s_i - 1) D^i``. Action: any set of at most K arms (a bitmask). Reward: ``sum_{i pulled}
R_i(s_i)``. Transition (deterministic): every idle time ``s_i -> min(s_i + 1, D)``, then pulled
arms ``-> 1``. From any state, pulling nothing for D periods reaches the all-``D`` state, so the
MDP is weakly communicating and its optimal gain ``g*`` is the same from every state.

Relative value iteration
------------------------
``T h(s) = max_a [r(s, a) + h(next(s, a))]``. Deterministic transitions make plain value
iteration periodic, so the iteration uses the aperiodicity transform ``h <- (1 - tau) h + tau T h``
with ``tau = 1/2`` (same gain, same optimal policies), renormalised at the all-``D`` state. For
every ``h``, ``min_s (T h - h)(s) <= g* <= max_s (T h - h)(s)`` (Odoni's bounds: the greedy
policy of ``h`` earns at least the minimum, and no policy earns more than the maximum), so the
returned pair brackets ``g*`` even if the iteration stops before the span falls below ``tol``.
One sweep costs ``O(D^N * A * K)`` with ``A = sum_{k <= K} C(N, k)`` actions.
"""

from __future__ import annotations

import itertools

import numba as nb
import numpy as np

from bandits.core.validation import (
    ParameterError,
    check_integer,
    check_real,
    check_real_array,
)

__all__ = ["finite_horizon_values", "optimal_average_reward", "optimal_total_reward", "relative_value_iteration"]

MAX_STATES = 100_000
MAX_ARMS = 10
_TAU = 0.5


@nb.njit(cache=True, nogil=True)
def _state_tables(recovery):
    """Per state ``s`` (mixed-radix code): the code after every idle time advances
    (``advanced[s]``), each arm's expected reward (``arm_reward[s, i]``), and what to subtract
    from ``advanced[s]`` to reset arm ``i`` to idle time 1 (``reset_drop[s, i]``)."""
    n_arms, n_periods = recovery.shape
    n_states = 1
    for _ in range(n_arms):
        n_states *= n_periods
    place = np.empty(n_arms, np.int64)
    value = 1
    for i in range(n_arms):
        place[i] = value
        value *= n_periods
    advanced = np.empty(n_states, np.int64)
    arm_reward = np.empty((n_states, n_arms))
    reset_drop = np.empty((n_states, n_arms), np.int64)
    for s in range(n_states):
        rest = s
        nxt = 0
        for i in range(n_arms):
            digit = rest % n_periods  # idle time - 1
            rest //= n_periods
            arm_reward[s, i] = recovery[i, digit]
            moved = min(digit + 1, n_periods - 1)
            nxt += moved * place[i]
            reset_drop[s, i] = moved * place[i]
        advanced[s] = nxt
    return advanced, arm_reward, reset_drop


@nb.njit(cache=True, nogil=True)
def _bellman_sweep(advanced, arm_reward, reset_drop, action_arms, action_sizes, h, th):
    """``th[s] = max_a [r(s, a) + h[next(s, a)]]`` for every state."""
    for s in range(advanced.size):
        best = -np.inf
        for a in range(action_sizes.size):
            reward = 0.0
            nxt = advanced[s]
            for j in range(action_sizes[a]):
                i = action_arms[a, j]
                reward += arm_reward[s, i]
                nxt -= reset_drop[s, i]
            best = max(best, reward + h[nxt])
        th[s] = best


@nb.njit(cache=True, nogil=True)
def finite_horizon_values(recovery, action_arms, action_sizes, horizon):
    """``V_T(s)``, the largest total expected reward of ``horizon`` periods from every state
    (backward induction from ``V_0 = 0``); float64 over the mixed-radix state codes."""
    advanced, arm_reward, reset_drop = _state_tables(recovery)
    values = np.zeros(advanced.size)
    following = np.empty(advanced.size)
    for _ in range(horizon):
        _bellman_sweep(advanced, arm_reward, reset_drop, action_arms, action_sizes, values, following)
        values, following = following, values
    return values


@nb.njit(cache=True, nogil=True)
def relative_value_iteration(recovery, action_arms, action_sizes, tol, max_iterations):
    """RVI with the aperiodicity transform (``tau = 1/2``) on the recovering-rewards MDP.

    Parameters
    ----------
    recovery : float64[N, D]
        ``recovery[i, d - 1] = R_i(d)``.
    action_arms : int64[A, K]
        Row ``a`` lists the arms of action ``a`` in its first ``action_sizes[a]`` entries.
    action_sizes : int64[A]
    tol : float
        Stop when ``span(T h - h) < tol``.
    max_iterations : int

    Returns
    -------
    (lower, upper, iterations) : (float, float, int)
        ``min`` and ``max`` of ``T h - h`` at the last sweep: bounds on the optimal gain.
    """
    advanced, arm_reward, reset_drop = _state_tables(recovery)
    n_states = advanced.size
    reference = n_states - 1  # every arm at idle time D
    h = np.zeros(n_states)
    th = np.empty(n_states)
    lower = -np.inf
    upper = np.inf
    iterations = 0
    while iterations < max_iterations:
        iterations += 1
        _bellman_sweep(advanced, arm_reward, reset_drop, action_arms, action_sizes, h, th)
        lower = np.inf
        upper = -np.inf
        for s in range(n_states):
            gap = th[s] - h[s]
            lower = min(lower, gap)
            upper = max(upper, gap)
        if upper - lower < tol:
            break
        shift = (1.0 - _TAU) * h[reference] + _TAU * th[reference]
        for s in range(n_states):
            h[s] = (1.0 - _TAU) * h[s] + _TAU * th[s] - shift
    return lower, upper, iterations


def _actions(n_arms: int, max_pulls: int):
    """Every set of at most ``max_pulls`` arms: ``(arms int64[A, max(K, 1)], sizes int64[A])``."""
    sets = [c for k in range(min(max_pulls, n_arms) + 1) for c in itertools.combinations(range(n_arms), k)]
    arms = np.zeros((len(sets), max(max_pulls, 1)), np.int64)
    sizes = np.empty(len(sets), np.int64)
    for a, chosen in enumerate(sets):
        arms[a, : len(chosen)] = chosen
        sizes[a] = len(chosen)
    return arms, sizes


def _checked_instance(recovery, max_pulls):
    table = np.array(check_real_array("recovery", recovery, ndim=2))
    max_pulls = check_integer("max_pulls", max_pulls, low=1)
    n_arms, n_periods = table.shape
    if n_arms > MAX_ARMS:
        raise ParameterError("recovery", recovery, f"must have at most {MAX_ARMS} arms for exact optimisation",
                             got=f"an array of shape {table.shape}")
    if n_periods**n_arms > MAX_STATES:
        raise ParameterError("recovery", recovery,
                             f"must have at most {MAX_STATES:,} states D^N for exact optimisation",
                             got=f"an array of shape {table.shape} ({n_periods**n_arms:,} states)")
    return table, max_pulls


def optimal_total_reward(recovery, max_pulls, horizon, initial_idle=None) -> float:
    """``OPT_T``: the largest total expected reward over ``horizon`` periods from the initial idle
    times (default every arm at ``D``, fully recovered), by backward induction over all ``D^N``
    states. The finite-horizon oracle of tiny instances: no policy's expected total over the
    same periods from the same start exceeds it. Cost ``O(T D^N A K)``.

    Parameters
    ----------
    recovery : array of shape (N, D)
    max_pulls : int
    horizon : int
        T >= 1 (at most 10^6).
    initial_idle : sequence of N ints in ``1..D``, optional
    """
    table, max_pulls = _checked_instance(recovery, max_pulls)
    horizon = check_integer("horizon", horizon, low=1, high=10**6)
    n_arms, n_periods = table.shape
    idle = [n_periods] * n_arms if initial_idle is None else list(initial_idle)
    if len(idle) != n_arms or any(not isinstance(x, (int, np.integer)) or not 1 <= x <= n_periods for x in idle):
        raise ParameterError("initial_idle", initial_idle, f"must be N = {n_arms} integers in [1, {n_periods}]")
    state = sum((int(x) - 1) * n_periods**i for i, x in enumerate(idle))
    arms, sizes = _actions(n_arms, max_pulls)
    return float(finite_horizon_values(table, arms, sizes, horizon)[state])


def optimal_average_reward(recovery, max_pulls, *, tol: float = 1e-10, max_iterations: int = 1_000_000):
    """Bounds ``(lower, upper)`` on the optimal long-run average expected reward per period.

    A test oracle and validation-study tool for tiny instances (N <= 5, D <= 5): the state
    space has ``D^N`` states and every set of at most K arms is an action.

    Parameters
    ----------
    recovery : array of shape (N, D)
        ``recovery[i, d - 1] = R_i(d)`` (finite; the model has rows nondecreasing in [0, 1]).
    max_pulls : int
        K >= 1.
    tol : float
        Stop when ``upper - lower < tol``.
    max_iterations : int
        Sweep budget; the bounds are valid when it runs out, only wider.

    Returns
    -------
    (lower, upper) : (float, float)
        ``lower <= g* <= upper`` (Odoni's bounds at the last sweep).

    Raises
    ------
    ParameterError
        Naming ``"recovery"`` for more than 100,000 states or more than 10 arms.
    """
    table, max_pulls = _checked_instance(recovery, max_pulls)
    tol = check_real("tol", tol, low=0.0, low_open=True)
    max_iterations = check_integer("max_iterations", max_iterations, low=1)
    arms, sizes = _actions(table.shape[0], max_pulls)
    lower, upper, _ = relative_value_iteration(table, arms, sizes, float(tol), max_iterations)
    return float(lower), float(upper)
