"""Offline planning for recovering rewards: the fluid LP upper bound, rounding its solution into
periods, and the exact stationary value of the purely periodic policy.

Simchi-Levi, Zheng & Zhu, *Offline Planning and Online Learning under Recovering Rewards*, ICML
2021, arXiv:2106.14813. The paper plans with a fluid relaxation and purely periodic policies; its
body was not available to us, so everything below (the LP's exact form, the solver, the tie rule,
both roundings and the collision analysis) is our reconstruction from the abstract and the model,
written so that every claim can be checked on its own.

Model
-----
N arms, at most K pulls per period. ``recovery[i, d - 1] = R_i(d)`` is the expected reward of arm
``i`` pulled at capped idle time ``d = 1..D`` (``d = t - `` the last period it was pulled, capped
at ``D``); rows are nondecreasing, values in [0, 1].

The fluid LP
------------
With ``z[i, d - 1]`` the long-run number of pulls per period of arm ``i`` at capped idle time
``d``::

    UB* = max  sum_i sum_d R_i(d) z_{i,d}
          s.t. sum_d d z_{i,d} <= 1        for every arm i     (time shares)
               sum_{i,d} z_{i,d} <= C                          (capacity, C = K by default)
               z >= 0.

*Why it is an upper bound.* Take any policy and horizon T. For arm ``i`` let ``n_{i,d}`` count
its pulls at capped idle time ``d``, leaving out its first pull (whose idle time depends on the
initial state). The idle times between consecutive pulls of an arm add up to at most T and each
capped idle time is at most the true one, so ``sum_d d n_{i,d} <= T``; and ``sum_{i,d} n_{i,d}
<= K T``. Hence ``z = E[n] / T`` is feasible and ``OPT_T <= T UB* + N max R``: no policy beats
``UB*`` per period in the long run.

*Equivalent concave form.* With ``x_d = d z_d`` (the share of time arm ``i`` spends in gaps of
length ``d``), arm ``i``'s pull rate ``p = sum_d x_d / d`` and reward ``sum_d x_d R_i(d) / d``
range over the convex hull of the origin and the points ``(1/d, R_i(d)/d)``, the perspective
images of the points ``(d, R_i(d))`` (the origin stands for gaps longer than ``D``, which the cap
pays ``R_i(D)``). Perspective maps segments to segments, so the upper boundary of that hull is
``p Rbar_i(1/p)``, where ``Rbar_i`` is the least concave majorant of ``d -> R_i(min(d, D))`` on
``[1, inf)``, and::

    UB* = max sum_i p_i Rbar_i(1 / p_i)  s.t.  sum_i p_i <= C,  0 <= p_i <= 1:

pull each arm at rate ``p_i`` with evenly spread gaps ``1/p_i``, paid by the concave envelope of
its recovery curve. When ``R_i`` is concave, ``Rbar_i = R_i`` at the integers and each arm uses
one period (the marginal arm aside); otherwise the LP mixes the periods at the envelope's
vertices. No concavity of ``R_i`` is assumed anywhere.

*Dual.* Pricing capacity at ``lam >= 0`` separates the arms::

    UB* = min_{lam >= 0}  lam C + sum_i max(0, max_d (R_i(d) - lam) / d),

and at price ``lam`` arm ``i`` best runs at one period ``d_i(lam) = argmax_d (R_i(d) - lam)/d``,
or never when that maximum is ``<= 0``. :func:`solve_fluid_lp` bisects on ``lam``. *Tie rule*:
``d`` runs from ``D`` down to 1 and the choice switches only on a strictly greater value, and
"never" wins a maximum ``<= 0``; as ``lam`` grows the longer period and "never" lose value
slowest, so this is the choice just to the right of ``lam``, and the total rate ``c(lam) = sum
1/d_i(lam)`` is nonincreasing and right-continuous. Arms whose choices differ at the two ends of
the final bracket mix them so that the capacity binds exactly (complementary slackness).

Rounding and the periodic lower bound
-------------------------------------
A purely periodic policy gives arm ``i`` a period ``d_i`` (or never) and a uniformly random
offset, and pulls the arms due in a period, choosing K of them uniformly at random when more are
due. :func:`randomised_periods` draws ``d_i = d`` with probability ``d z_{i,d}``, which keeps the
LP value in expectation; :func:`deterministic_periods` takes the longest period in an arm's
support. :func:`periodic_lower_bound` is the exact stationary nominal reward of either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from bandits.core.rng import generator_of
from bandits.core.validation import check_integer, check_real, check_real_array

__all__ = [
    "FluidSolution",
    "collision_factors",
    "deterministic_periods",
    "fluid_upper_bound",
    "period_rates",
    "periodic_lower_bound",
    "randomised_periods",
    "solve_fluid_lp",
]

_BISECTION_TOLERANCE = 1e-15
_BISECTION_ITERATIONS = 200
_SUPPORT_THRESHOLD = 1e-12
_FULL_SHARE = 1.0 - 1e-9


@nb.njit(cache=True, nogil=True)
def _best_period(recovery, i, lam):
    """Arm ``i``'s choice at price ``lam``: ``argmax_d (R_i(d) - lam) / d``, or 0 (never) when
    that maximum is ``<= 0``. ``d`` runs from ``D`` down to 1 and switches only on a strictly
    greater value (the choice just right of ``lam``)."""
    n_periods = recovery.shape[1]
    best_value = -np.inf
    best_d = 0
    for d in range(n_periods, 0, -1):
        value = (recovery[i, d - 1] - lam) / d
        if value > best_value:
            best_value = value
            best_d = d
    if best_value <= 0.0:
        return 0
    return best_d


@nb.njit(cache=True, nogil=True)
def _total_rate(recovery, lam):
    """``c(lam) = sum_i 1 / d_i(lam)`` over the arms that run at price ``lam``."""
    total = 0.0
    for i in range(recovery.shape[0]):
        d = _best_period(recovery, i, lam)
        if d > 0:
            total += 1.0 / d
    return total


@nb.njit(cache=True, nogil=True)
def solve_fluid_lp(recovery, capacity, z_out):
    """The fluid LP upper bound ``UB*`` and an optimal ``z``, by bisection on the capacity price.

    If the unpriced choices fit (``c(0) <= capacity``) the price is 0 and ``z_{i,d_i} = 1/d_i``.
    Otherwise bisect ``lam`` on ``[0, max R]`` keeping ``c(lo) > capacity >= c(hi)`` until
    ``hi - lo <= 1e-15`` (or 200 halvings, or no float between them), then start every arm at its
    choice at ``hi`` and, in arm order, move arms whose choice at ``lo`` differs towards it
    (fraction ``theta`` of the ``lo`` period, ``1 - theta`` of the ``hi`` one, which may be
    never) until the total rate equals ``capacity``. ``O(N D log(1/tol))``.

    Parameters
    ----------
    recovery : float64[N, D]
        ``recovery[i, d - 1] = R_i(d) >= 0``.
    capacity : float
        ``C > 0``: the bound on the total pull rate (K, or a scaled K).
    z_out : float64[N, D]
        Overwritten with the solution: pulls per period by arm and capped idle time.

    Returns
    -------
    (ub, lam) : (float, float)
        ``ub = sum R z`` (the value of the feasible ``z_out``) and the optimal price (0 when the
        capacity does not bind; else the upper end of the final bracket).
    """
    n_arms, n_periods = recovery.shape
    z_out[:, :] = 0.0
    lam = 0.0
    if _total_rate(recovery, 0.0) <= capacity:
        for i in range(n_arms):
            d = _best_period(recovery, i, 0.0)
            if d > 0:
                z_out[i, d - 1] = 1.0 / d
    else:
        lo = 0.0
        hi = 0.0
        for i in range(n_arms):
            for d in range(n_periods):
                hi = max(hi, recovery[i, d])
        for _ in range(_BISECTION_ITERATIONS):
            if hi - lo <= _BISECTION_TOLERANCE:
                break
            mid = 0.5 * (lo + hi)
            if mid <= lo or mid >= hi:
                break
            if _total_rate(recovery, mid) > capacity:
                lo = mid
            else:
                hi = mid
        lam = hi
        remaining = capacity - _total_rate(recovery, hi)
        for i in range(n_arms):
            d_hi = _best_period(recovery, i, hi)
            d_lo = _best_period(recovery, i, lo)
            rate_hi = 1.0 / d_hi if d_hi > 0 else 0.0
            rate_lo = 1.0 / d_lo if d_lo > 0 else 0.0
            delta = rate_lo - rate_hi
            theta = 0.0
            if d_lo != d_hi and delta > 0.0 and remaining > 0.0:
                if delta <= remaining:
                    theta = 1.0
                    remaining -= delta
                else:
                    theta = remaining / delta
                    remaining = 0.0
            if theta > 0.0:
                z_out[i, d_lo - 1] += theta * rate_lo
            if d_hi > 0 and theta < 1.0:
                z_out[i, d_hi - 1] += (1.0 - theta) * rate_hi
    ub = 0.0
    for i in range(n_arms):
        for d in range(n_periods):
            ub += recovery[i, d] * z_out[i, d]
    return ub, lam


@nb.njit(cache=True, nogil=True)
def deterministic_periods(z, periods_out):
    """Deterministic rounding: ``periods_out[i]`` is the largest ``d`` with ``z[i, d-1] > 1e-12``
    if arm ``i`` fills its time (``sum_d d z[i, d-1] >= 1 - 1e-9``), else 0 (never pulled).

    An arm's rate ``1/d_i`` is then at most its LP rate ``sum_d z[i, d-1]`` (up to the 1e-9
    slack), so the capacity still holds. ``z`` float64[N, D]; ``periods_out`` int64[N].
    """
    n_arms, n_periods = z.shape
    for i in range(n_arms):
        share = 0.0
        longest = 0
        for d in range(1, n_periods + 1):
            share += d * z[i, d - 1]
            if z[i, d - 1] > _SUPPORT_THRESHOLD:
                longest = d
        periods_out[i] = longest if share >= _FULL_SHARE else 0


@nb.njit(cache=True, nogil=True)
def randomised_periods(z, rng, periods_out):
    """Randomised rounding: arm ``i`` gets period ``d`` with probability ``d z[i, d-1]`` and
    never (0) with the remaining probability ``1 - sum_d d z[i, d-1]``.

    Each arm is then due in a period with probability ``sum_d z[i, d-1]`` and, when due, runs at
    period ``d`` with probability proportional to ``z[i, d-1]``: the nominal reward rate equals
    the LP value. Draws exactly N uniforms, one per arm in arm order, from
    ``generator_of(rng)`` (``rng`` a :class:`numpy.random.Generator` or a
    :class:`bandits.core.rng.RandomStream`). ``z`` float64[N, D]; ``periods_out`` int64[N].
    """
    generator = generator_of(rng)
    n_arms, n_periods = z.shape
    for i in range(n_arms):
        u = generator.random()
        chosen = 0
        cumulative = 0.0
        for d in range(1, n_periods + 1):
            cumulative += d * z[i, d - 1]
            if u < cumulative:
                chosen = d
                break
        periods_out[i] = chosen


@nb.njit(cache=True, nogil=True)
def period_rates(periods, n_periods, z_out):
    """The ``z`` of a one-period-per-arm schedule: ``z_out[i, d_i - 1] = 1/d_i`` and a zero row
    for an arm that is never pulled (``d_i = 0``). ``periods`` int64[N] in ``0..n_periods``;
    ``z_out`` float64[N, n_periods], overwritten."""
    z_out[:, :] = 0.0
    for i in range(periods.size):
        d = periods[i]
        if 1 <= d <= n_periods:
            z_out[i, d - 1] = 1.0 / d


@nb.njit(cache=True, nogil=True)
def _poisson_binomial_pmf(rates, pmf):
    """``pmf[k] = P(sum_j B_j = k)`` for independent ``B_j ~ Bernoulli(rates[j])``, by the
    ``O(N^2)`` convolution; ``pmf`` float64[>= N + 1]."""
    n = rates.size
    pmf[:] = 0.0
    pmf[0] = 1.0
    for j in range(n):
        p = min(max(rates[j], 0.0), 1.0)
        for k in range(j + 1, 0, -1):
            pmf[k] = pmf[k] * (1.0 - p) + pmf[k - 1] * p
        pmf[0] *= 1.0 - p


@nb.njit(cache=True, nogil=True)
def collision_factors(rates, capacity, out):
    """``out[i] = E[min(1, K / (1 + Y_i))]``, where ``Y_i`` counts the OTHER arms due: a
    Poisson-binomial variable with success probabilities ``rates[j]``, ``j != i``.

    The probability that a due arm is pulled when K of the due arms are chosen uniformly at
    random. The pmf of all arms is built once (``O(N^2)``) and arm ``i`` removed by the stable
    deconvolution: forwards from ``k = 0`` when ``rates[i] <= 1/2``, backwards from ``k = N - 1``
    otherwise (each step multiplies earlier errors by at most 1).

    ``rates`` float64[N] in [0, 1]; ``capacity`` int K >= 1; ``out`` float64[N].
    """
    n = rates.size
    full = np.empty(n + 1)
    _poisson_binomial_pmf(rates, full)
    others = np.empty(n)
    for i in range(n):
        p = min(max(rates[i], 0.0), 1.0)
        if p <= 0.5:
            previous = 0.0
            for k in range(n):
                value = (full[k] - p * previous) / (1.0 - p)
                others[k] = value
                previous = value
        else:
            following = 0.0
            for k in range(n - 1, -1, -1):
                value = (full[k + 1] - (1.0 - p) * following) / p
                others[k] = value
                following = value
        total = 0.0
        for k in range(n):
            mass = min(max(others[k], 0.0), 1.0)
            total += mass * (1.0 if k + 1 <= capacity else capacity / (k + 1.0))
        out[i] = min(total, 1.0)


@nb.njit(cache=True, nogil=True)
def periodic_lower_bound(recovery, max_pulls, z):
    """The exact stationary nominal reward per period of the purely periodic policy with random
    offsets and uniformly random collision resolution::

        sum_i (sum_d z_{i,d} R_i(d)) E[min(1, K / (1 + Y_i))],  Y_i ~ PoissonBinomial(p_j, j != i),

    with ``p_i = sum_d z_{i,d}`` (:func:`collision_factors`). Pass ``z`` from
    :func:`solve_fluid_lp` for randomised rounding (arm ``i`` is then due with probability
    ``p_i``, independently of the other arms, and when due runs at period ``d`` with probability
    ``z_{i,d}/p_i``) or :func:`period_rates` of :func:`deterministic_periods` for deterministic
    rounding.

    It is a lower bound on the policy's long-run average expected reward: an arm skipped in a
    collision keeps its grid and is next pulled at a longer idle time, earning at least its
    nominal ``R_i(d_i)`` since ``R_i`` is nondecreasing. It also bounds the greedy variant that
    pulls the K due arms of highest nominal reward: given the due set, greedy's nominal reward is
    at least that of a uniformly random choice, and the same argument covers its skipped arms.

    ``recovery`` float64[N, D]; ``max_pulls`` int K >= 1; ``z`` float64[N, D].
    """
    n_arms, n_periods = z.shape
    rates = np.zeros(n_arms)
    nominal = np.zeros(n_arms)
    for i in range(n_arms):
        for d in range(n_periods):
            rates[i] += z[i, d]
            nominal[i] += z[i, d] * recovery[i, d]
    factors = np.empty(n_arms)
    collision_factors(rates, max_pulls, factors)
    total = 0.0
    for i in range(n_arms):
        total += nominal[i] * factors[i]
    return total


# ---------------------------------------------------------------------------------------------
# Python face
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class FluidSolution:
    """A solution of the fluid LP (:func:`fluid_upper_bound`).

    Attributes
    ----------
    upper_bound : float
        ``UB*``, the optimal LP value: an upper bound on the long-run average expected reward
        per period of any policy (at capacity ``capacity_scale * K``).
    price : float
        The optimal dual price ``lam*`` of the capacity (0 when it does not bind).
    rates : float64[N, D], read-only
        An optimal ``z``: ``rates[i, d - 1]`` pulls per period of arm ``i`` at idle time ``d``.
    """

    upper_bound: float
    price: float
    rates: np.ndarray

    @property
    def pull_rate(self) -> np.ndarray:
        """``sum_d z_{i,d}``: each arm's pulls per period (float64[N], a new array)."""
        return self.rates.sum(axis=1)

    def deterministic_periods(self) -> np.ndarray:
        """The deterministic rounding of :func:`deterministic_periods`: int64[N], 0 = never."""
        periods = np.zeros(self.rates.shape[0], np.int64)
        deterministic_periods(np.array(self.rates), periods)
        return periods

    def randomised_periods(self, rng) -> np.ndarray:
        """One draw of the randomised rounding of :func:`randomised_periods` (N uniforms)."""
        periods = np.zeros(self.rates.shape[0], np.int64)
        randomised_periods(np.array(self.rates), rng, periods)
        return periods


def fluid_upper_bound(recovery, max_pulls, capacity_scale: float = 1.0) -> FluidSolution:
    """Solve the fluid LP at capacity ``capacity_scale * max_pulls`` (:func:`solve_fluid_lp`).

    Checks only what the solver needs (a finite, non-negative 2-D table, ``max_pulls >= 1``,
    ``capacity_scale > 0``); the problem classes check the model's rules (values in [0, 1],
    nondecreasing rows). The kernel gets a writable copy, so every call shares one compiled
    version of it.
    """
    table = np.array(check_real_array("recovery", recovery, ndim=2, low=0.0))
    max_pulls = check_integer("max_pulls", max_pulls, low=1)
    scale = check_real("capacity_scale", capacity_scale, low=0.0, low_open=True)
    z = np.zeros(table.shape)
    ub, lam = solve_fluid_lp(table, scale * max_pulls, z)
    z.setflags(write=False)
    return FluidSolution(float(ub), float(lam), z)
