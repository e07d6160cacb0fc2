"""ChebCB over the omega grid (Khodak, Chow, Balcan & Talwalkar, *Learning to Relax*, ICLR 2024,
arXiv:2310.02246, Algorithm 3 / 7; official ``learners/ChebCB.m``): SquareCB inverse-gap
weighting (Foster & Rakhlin, arXiv:2002.04926) over the grid, with one Chebyshev-polynomial cost
model of the context per grid point, fitted by box-constrained least squares
(:mod:`.least_squares`).

State: ``(iv int64[4], fv float64[16], theta float64[d, m], gram float64[d, m, m],
cross float64[d, m], sumsq float64[d], counts int64[d], features float64[m], yhat float64[d],
p float64[d], upper float64[m], lower float64[m], work float64[3, m, m], vectors float64[4, m],
ints int64[2, m])``; hyper: ``(n_features int64, normalisation int64 (0 code, 1 theory),
residual_target int64 (0 code, 1 consistent), lipschitz_estimate int64 (0 range, 1 max),
cost_scale float64, lipschitz float64, context_low float64, context_high float64)``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.selection import sample_categorical
from bandits.core.validation import ParameterError, check_choice, check_integer, check_real
from bandits.policies.solver_tuning.face import SolverTuningPolicy, _check_context_range, _check_grid
from bandits.policies.solver_tuning.kernel_protocol import NORMALISATION_CODE, NORMALISATION_THEORY, context_interval
from bandits.policies.solver_tuning.least_squares import _box_active_set, _min_norm_solve_block

__all__ = ["ChebCB", "chebcb_init", "chebcb_select", "chebcb_update", "chebyshev_features"]

_CI_D, _CI_M, _CI_T, _CI_BOX_FAILURES = 0, 1, 2, 3
(
    _CF_ETA,
    _CF_SCALE,
    _CF_K,
    _CF_N,
    _CF_L,
    _CF_YMAX,
    _CF_YMIN,
    _CF_RESNORM,
    _CF_SPP,
    _CF_SPY,
    _CF_SYY,
    _CF_A,
    _CF_B,
    _CF_ALPHA,
    _CF_R,
    _CF_DENOMINATOR,
) = range(16)
RESIDUAL_CODE, RESIDUAL_CONSISTENT = 0, 1
LIPSCHITZ_RANGE, LIPSCHITZ_MAX = 0, 1


@nb.njit(cache=True, nogil=True)
def chebcb_init(n_omegas, horizon, context_low, context_high, hyper):
    """Fresh ChebCB state: every theta 0, eta 0 (so the first draw is uniform), scale 0 (so the
    first update refits every arm), empty Gram matrices."""
    m = hyper[0]
    d = n_omegas
    iv = np.zeros(4, np.int64)
    iv[_CI_D] = d
    iv[_CI_M] = m
    fv = np.zeros(16, np.float64)
    a, b = context_interval(hyper[6], hyper[7], context_low, context_high)
    fv[_CF_A] = a
    fv[_CF_B] = b
    fv[_CF_YMAX] = -math.inf
    fv[_CF_YMIN] = math.inf
    return (
        iv,
        fv,
        np.zeros((d, m)),
        np.zeros((d, m, m)),
        np.zeros((d, m)),
        np.zeros(d),
        np.zeros(d, np.int64),
        np.zeros(m),
        np.zeros(d),
        np.full(d, 1.0 / d),
        np.zeros(m),
        np.zeros(m),
        np.zeros((3, m, m)),
        np.zeros((4, m)),
        np.zeros((2, m), np.int64),
    )


@nb.njit(cache=True, nogil=True)
def chebyshev_features(context, a, b, out):
    """``out[j] = T_j(z)``, ``z = 2 (c - a)/(b - a) - 1`` clipped to ``[-1, 1]`` (a context
    outside the interval is treated as the nearest end; the official runs never leave it),
    by ``T_{j+1} = 2 z T_j - T_{j-1}``."""
    z = 2.0 * (context - a) / (b - a) - 1.0
    if z < -1.0:
        z = -1.0
    elif z > 1.0:
        z = 1.0
    elif z != z:  # NaN context: the centre of the interval
        z = 0.0
    m = out.size
    out[0] = 1.0
    if m > 1:
        out[1] = z
    for j in range(2, m):
        out[j] = 2.0 * z * out[j - 1] - out[j - 2]


@nb.njit(cache=True, nogil=True)
def chebcb_select(state, hyper, context, rng):
    """SquareCB inverse-gap weighting: ``yhat_i = <theta_i, f(c)>``,
    ``i* = argmin yhat`` (the first minimiser, as the official ``min``),
    ``p_i = 1/(d + eta (yhat_i - yhat_i*))`` for ``i != i*`` and ``p_i* = 1 - sum`` of the
    others (so ``p_i* >= 1/d``: a valid distribution for every ``eta >= 0``). One uniform."""
    iv, fv, theta, gram, cross, sumsq, counts, f, yhat, p, upper, lower, work, vectors, ints = state
    d = iv[_CI_D]
    m = iv[_CI_M]
    chebyshev_features(context, fv[_CF_A], fv[_CF_B], f)
    best = 0
    for i in range(d):
        value = 0.0
        for j in range(m):
            value += theta[i, j] * f[j]
        yhat[i] = value
        if value < yhat[best]:
            best = i
    eta = fv[_CF_ETA]
    others = 0.0
    for i in range(d):
        if i != best:
            p[i] = 1.0 / (d + eta * (yhat[i] - yhat[best]))
            others += p[i]
    p[best] = 1.0 - others
    return sample_categorical(p, rng)


@nb.njit(cache=True, nogil=True)
def _chebcb_refit(state, arm):
    """Refit arm ``arm`` at the current scale (step 4 of :func:`chebcb_update`): the minimum-norm
    least-squares solution on that arm's rounds with targets ``(y - 1)/scale``; if it leaves
    the box, the box-constrained solution (active set warm-started from it) and
    ``resnorm = ||F theta - y||^2`` of this solve."""
    iv, fv, theta, gram, cross, sumsq, counts, f, yhat, p, upper, lower, work, vectors, ints = state
    m = iv[_CI_M]
    scale = fv[_CF_SCALE]
    g = gram[arm]
    rhs = vectors[0]
    solution = vectors[1]
    a = work[0]
    for r in range(m):
        rhs[r] = cross[arm, r] / scale
        for c in range(m):
            a[r, c] = g[r, c]
    _min_norm_solve_block(a, rhs, m, work[1], solution)
    inside = True
    for j in range(m):
        if solution[j] < lower[j] or solution[j] > upper[j]:
            inside = False
    if not inside:
        iterations = _box_active_set(
            g, rhs, lower, upper, solution, ints[0], ints[1], work[0], vectors[2], work[1], vectors[3], 50 + 20 * m
        )
        if iterations < 0:
            iv[_CI_BOX_FAILURES] += 1
        quadratic = 0.0
        for r in range(m):
            gr = 0.0
            for c in range(m):
                gr += g[r, c] * solution[c]
            quadratic += solution[r] * (gr - 2.0 * rhs[r])
        resnorm = quadratic + sumsq[arm] / (scale * scale)
        fv[_CF_RESNORM] = resnorm if resnorm > 0.0 else 0.0
    for j in range(m):
        theta[arm, j] = solution[j]


@nb.njit(cache=True, nogil=True)
def chebcb_update(state, hyper, context, index, cost):
    """The ChebCB update, the official code's steps in order (t = rounds observed, this one
    included):

    1. ``K = max(y_1..y_t)``, ``L = (max y - min y)/(b - a)`` (``lipschitz_estimate="range"``)
       or ``max y/(b - a)`` (``"max"``); ``normalisation="theory"``: ``K = cost_scale``,
       ``L = lipschitz``. Guard: ``K`` is at least 1 (one iteration, the unit of the targets
       ``y - 1``). For iteration counts this differs from the code only while every cost so far
       is 0, where the code computes 0/0; it also keeps ``scale^2`` from underflowing for tiny
       non-integer costs.
    2. ``N = 2 + 4 (b - a) L/K (1 + ln m)``, ``scale = K N``; refit every arm with data if the
       scale changed (exact comparison, as the code), else only ``index``.
    3. box ``|theta_0| <= 1/N``, ``|theta_j| <= 2 (b - a) L/(scale j)``.
    4. refits (:func:`_chebcb_refit`); ``resnorm`` is 0 unless a refit needed the constrained
       solve, then the last such solve's squared residual (as the official code).
    5. ``alpha = (pi + (2/pi) ln(2m + 1))/(2 scale (m + 1)) (b - a) L``.
    6. ``R = sum_s (yhat_s - y'_s/(K N))^2`` over all rounds with the *current* K N (the code
       recomputes it each round), ``y' = y`` (``residual_target="code"``) or ``y - 1``
       (``"consistent"``); ``yhat_s`` is ``<theta_{i_s}, f(c_s)>`` before round s's refit.
       Kept as three running sums, so O(1).
    7. ``eta = 2 t sqrt(d t/(R - resnorm + 2 alpha^2 t))``. Guard: when the denominator is not
       ``> 0`` (or eta would not be finite) eta keeps its previous value (0 before the first
       valid one); the official MATLAB code would take the square root of a negative number.
    """
    iv, fv, theta, gram, cross, sumsq, counts, f, yhat, p, upper, lower, work, vectors, ints = state
    d = iv[_CI_D]
    m = iv[_CI_M]
    a = fv[_CF_A]
    b = fv[_CF_B]
    width = b - a
    chebyshev_features(context, a, b, f)
    prediction = 0.0
    for j in range(m):
        prediction += theta[index, j] * f[j]
    target = cost if hyper[2] == RESIDUAL_CODE else cost - 1.0
    fv[_CF_SPP] += prediction * prediction
    fv[_CF_SPY] += prediction * target
    fv[_CF_SYY] += target * target
    centred = cost - 1.0
    g = gram[index]
    for r in range(m):
        cross[index, r] += f[r] * centred
        for c in range(m):
            g[r, c] += f[r] * f[c]
    sumsq[index] += centred * centred
    counts[index] += 1
    iv[_CI_T] += 1
    t = iv[_CI_T]
    if cost > fv[_CF_YMAX]:
        fv[_CF_YMAX] = cost
    if cost < fv[_CF_YMIN]:
        fv[_CF_YMIN] = cost

    if hyper[1] == NORMALISATION_THEORY:
        big_k = hyper[4]
        lip = hyper[5]
    else:
        big_k = fv[_CF_YMAX]
        if hyper[3] == LIPSCHITZ_MAX:
            lip = big_k / width
        else:
            lip = (fv[_CF_YMAX] - fv[_CF_YMIN]) / width
        if big_k < 1.0:
            big_k = 1.0
    big_n = 2.0 + 4.0 * width * lip / big_k * (1.0 + math.log(m))
    scale = big_k * big_n
    changed = scale != fv[_CF_SCALE]
    fv[_CF_K] = big_k
    fv[_CF_L] = lip
    fv[_CF_N] = big_n
    fv[_CF_SCALE] = scale
    upper[0] = 1.0 / big_n
    for j in range(1, m):
        upper[j] = 2.0 * width * lip / (scale * j)
    for j in range(m):
        lower[j] = -upper[j]

    fv[_CF_RESNORM] = 0.0
    if changed:
        for i in range(d):
            if counts[i] > 0:
                _chebcb_refit(state, i)
    else:
        _chebcb_refit(state, index)

    alpha = (math.pi + 2.0 / math.pi * math.log(2.0 * m + 1.0)) / (2.0 * scale * (m + 1.0)) * width * lip
    residual = fv[_CF_SPP] - 2.0 * fv[_CF_SPY] / scale + fv[_CF_SYY] / (scale * scale)
    denominator = residual - fv[_CF_RESNORM] + 2.0 * alpha * alpha * t
    fv[_CF_ALPHA] = alpha
    fv[_CF_R] = residual
    fv[_CF_DENOMINATOR] = denominator
    if denominator > 0.0:
        eta = 2.0 * t * math.sqrt(d * t / denominator)
        if math.isfinite(eta):
            fv[_CF_ETA] = eta


class ChebCB(SolverTuningPolicy):
    """ChebCB (Khodak et al., arXiv:2310.02246, Algorithm 3 / 7; official ``learners/ChebCB.m``): SquareCB
    inverse-gap weighting over the omega grid with one Chebyshev-polynomial cost model per grid
    point, fitted by follow-the-leader box-constrained least squares.

    Select: features ``f(c) = (T_0(z), ..., T_{m-1}(z))``, ``z = 2(c - a)/(b - a) - 1`` (clipped to
    ``[-1, 1]``), ``yhat_i = <theta_i, f>``, ``p_i = 1/(d + eta (yhat_i - yhat_min))`` off the first
    minimiser, the rest on it; ``eta = 0`` in round 1 (uniform draw). Update: see
    :func:`chebcb_update` (K, L, N, scale, box, refits, alpha, R, eta with its guard).

    Least squares (Gram form): per arm the ``m x m`` matrix ``G = sum f f^T``, the cross terms
    ``sum f (y - 1)`` and ``sum (y - 1)^2`` are accumulated, so every refit costs O(m^3)
    whatever the arm's history, and a scale change (refit of every arm) O(d m^3). The
    unconstrained fit is the minimum-norm solution ``G^+ rhs`` (the official ``lsqminnorm``;
    eigen-decomposition by cyclic Jacobi, eigenvalues ``<= 1e-12 x`` the largest treated as 0,
    i.e. design singular values below ``1e-6 x`` the largest); if it leaves the box, a primal
    active-set method on the Gram form, warm-started from it clipped to the box, solves the
    box-constrained problem exactly (:func:`box_constrained_least_squares`); the official code
    calls ``lsqlin``. No LAPACK is needed (numba's ``np.linalg`` would require SciPy).

    Parameters
    ----------
    n_features : int >= 1, default 6
        m, the number of Chebyshev features, degrees ``0..m-1`` (the code's m; the paper's m is
        the top degree).
    context_range : (float, float) or "environment", default (-0.15, 0.65)
        ``[a, b]`` (official SOR runs); ``"environment"`` (None is accepted and stored as
        ``"environment"``, the spelling of experiment files and labels): the environment's interval (heat runs ``[cmin, cmax]``).
    normalisation : {"code", "theory"}, default "code"
        "code": ``K = max cost so far`` and the empirical Lipschitz estimate (the official code;
        the theory assumes fixed ones).
        "theory": fixed ``K = cost_scale`` and ``L = lipschitz`` (both required), so the scale
        ``K N`` never changes.
    residual_target : {"code", "consistent"}, default "code"
        Target in the residual sum ``R``: "code" ``y/(K N)`` as the official code,
        "consistent" ``(y - 1)/(K N)``, the regression target.
    lipschitz_estimate : {"range", "max"}, default "range"
        Code mode only. "range": ``L = (max y - min y)/(b - a)`` (Algorithm 7). "max":
        ``L = max y/(b - a)``: what the official runs compute, because ``contextual.m`` passes
        T = 5000 and the preallocated cost array's zeros for future rounds enter ``min``
        (then ``N = 2 + 4(1 + ln m)`` is constant and the scale changes only with the maximum).
    cost_scale : float > 0, optional
        K for ``normalisation="theory"``.
    lipschitz : float >= 0, optional
        L for ``normalisation="theory"`` (cost change per unit of context).
    grid : sequence of float, optional
        See :class:`SolverTuningPolicy`.
    """

    name = "chebcb"
    init_kernel = chebcb_init
    select_kernel = chebcb_select
    update_kernel = chebcb_update
    contextual = True
    regret_exponent = 9.0 / 11.0

    def __init__(self, n_features=6, context_range=(-0.15, 0.65), normalisation="code", residual_target="code",
                 lipschitz_estimate="range", cost_scale=None, lipschitz=None, grid=None):
        self.n_features = check_integer("n_features", n_features, low=1, high=64)
        self.context_range = _check_context_range("context_range", context_range)
        self.normalisation = check_choice("normalisation", normalisation, ("code", "theory"))
        self.residual_target = check_choice("residual_target", residual_target, ("code", "consistent"))
        self.lipschitz_estimate = check_choice("lipschitz_estimate", lipschitz_estimate, ("range", "max"))
        if normalisation == "theory":
            if cost_scale is None:
                raise ParameterError("cost_scale", None, "normalisation='theory' needs the fixed cost bound K > 0")
            if lipschitz is None:
                raise ParameterError("lipschitz", None, "normalisation='theory' needs the Lipschitz constant L >= 0")
            self.cost_scale = check_real("cost_scale", cost_scale, low=0.0, low_open=True)
            self.lipschitz = check_real("lipschitz", lipschitz, low=0.0)
        else:
            for name, value in (("cost_scale", cost_scale), ("lipschitz", lipschitz)):
                if value is not None:
                    raise ParameterError(name, value, "only with normalisation='theory' (the code mode estimates it)")
            self.cost_scale = None
            self.lipschitz = None
        self.grid = _check_grid("grid", grid)

    def _kernel_hyper(self, omega_values, horizon):
        low, high = self.context_range if self.context_range != "environment" else (math.nan, math.nan)
        return (
            np.int64(self.n_features),
            np.int64(NORMALISATION_THEORY if self.normalisation == "theory" else NORMALISATION_CODE),
            np.int64(RESIDUAL_CONSISTENT if self.residual_target == "consistent" else RESIDUAL_CODE),
            np.int64(LIPSCHITZ_MAX if self.lipschitz_estimate == "max" else LIPSCHITZ_RANGE),
            float(self.cost_scale if self.cost_scale is not None else 1.0),
            float(self.lipschitz if self.lipschitz is not None else 0.0),
            float(low),
            float(high),
        )
