"""Online tuning of the SOR / SSOR-PCG relaxation parameter omega (Khodak et al., *Learning to
Relax*, ICLR 2024): Tsallis-INF, Tsallis-INF-CB, ChebCB and a fixed-omega comparator.

The setting (``shared/reference/solver_tuning.md`` §2, §5, ``docs/kernel_interfaces.md`` §7):
each round t a linear system arrives; its scalar *context* ``c_t`` (the diagonal shift, or the
diffusion coefficient kappa of the heat equation) is revealed first; the policy picks an index
``i_t`` into an omega grid (default ``np.linspace(1, 1.95, 20)``, the official code's grid);
the environment runs the solver with ``omega = grid[i_t]`` and returns its iteration count
``cost >= 0`` (capped at 10000 by the environment). Only the played omega's cost is seen
(bandit feedback). Costs enter the kernels unchanged; every normalisation of §3 ("Cost
normalisation") happens inside the policies.

Kernel protocol
---------------
Module-level ``@nb.njit(cache=True, nogil=True)`` functions over tuples of numpy arrays; the
state is mutated in place, ``hyper`` (a tuple of int64 / float64 scalars with fixed types per
kernel set) never is.

``init(n_omegas, horizon, context_low, context_high, hyper) -> state``
    Fresh state for a grid of ``n_omegas`` points. ``horizon`` is the number of rounds T, or
    0 when unknown (as the official code's ``T = 0``); only ``step="fixed"`` reads it.
    ``[context_low, context_high]`` is the environment's context interval; a policy whose
    ``context_range`` is None uses it (the heat runs' ``[cmin, cmax]``), the others ignore it
    (NaN is accepted then).
``select(state, hyper, context, rng) -> int``
    The omega index for the round whose context is ``context`` (float64; NaN for the
    non-contextual policies, which ignore it). ``rng`` is the policy's own stream, a
    :class:`bandits.rng.RandomStream` or a :class:`numpy.random.Generator`; kernels call
    :func:`bandits.rng.generator_of` and draw exactly one uniform per select
    (:func:`bandits.policies.base.sample_categorical`), except :class:`FixedOmega`, which
    draws nothing.
``update(state, hyper, context, index, cost)``
    Record the iteration count ``cost`` (float64, ``>= 0``) of omega index ``index`` on the
    round with context ``context``. Accepted after any valid index (importance weights use the
    probability of ``index`` under the last distribution of the context's bin, as EXP3-style
    kernels of :mod:`bandits.policies.classic` do).

Kernels never raise on invalid input; the Python faces validate (``ValueError`` naming the
parameter, the rule and the value) before calling them. Three kernel sets exist, so a fused
loop is compiled at most three times for this setting: ``tsallis_*`` (Tsallis-INF is
Tsallis-INF-CB with one bin, so both classes share it), ``chebcb_*`` and ``fixed_omega_*``.

A fused loop (table mode, ``docs/kernel_interfaces.md`` §7)::

    state = init(d, T, c_lo, c_hi, hyper)
    for t in 1..T:
        i = select(state, hyper, contexts[t-1], policy_rng)
        update(state, hyper, contexts[t-1], i, costs[t-1, i])

(``docs/kernel_interfaces.md`` §7 proposes ``init(d, c_lo, c_hi, T, hyper)``,
``select(state, hyper, t, context, rng)`` and ``update(state, hyper, i, cost, context, t)``;
this module implements the protocol above, which keeps the round counters inside the state.)

Python faces
------------
:class:`SolverTuningPolicy` drives the same kernels one round at a time::

    policy = ChebCB().reset(20, horizon=5000, seed=1)
    for t in range(5000):
        i = policy.select(context)             # context revealed before the choice
        policy.update(i, iterations)           # cost = iterations = -reward of the Gym shell

:func:`check_solver_tuning_policy` is the conformance check of this setting (registered with
:func:`bandits.policies.checks.check_policy`).
"""

from __future__ import annotations

import copy
import math
import numbers
import pickle
from typing import ClassVar

import numba as nb
import numpy as np
from gymnasium import spaces

from bandits.kernels import compiled_entry_point
from bandits.policies.base import Policy, sample_categorical
from bandits.policies.classic import tsallis_inf_probabilities
from bandits.rng import as_generator, make_random_stream
from bandits.validation import check_choice, check_integer, check_real, check_real_vector

__all__ = [
    "DEFAULT_OMEGA_GRID",
    "SolverTuningPolicy",
    "OmegaTsallisINF",
    "OmegaTsallisINFCB",
    "ChebCB",
    "FixedOmega",
    "SOLVER_TUNING_POLICIES",
    "check_solver_tuning_policy",
    "tsallis_init",
    "tsallis_select",
    "tsallis_update",
    "tsallis_bin_of",
    "chebcb_init",
    "chebcb_select",
    "chebcb_update",
    "chebyshev_features",
    "min_norm_psd_solve",
    "box_constrained_least_squares",
    "fixed_omega_init",
    "fixed_omega_select",
    "fixed_omega_update",
    "tsallis_inf_probabilities",
]

#: The official code's grid ``linspace(1, 1.95, 20)`` (reference §5.1; pitfall 5).
DEFAULT_OMEGA_GRID = tuple(float(x) for x in np.linspace(1.0, 1.95, 20))
#: Largest cost the faces accept (iteration counts; the environment's cap is 10000).
MAX_COST = 1e9


# ---------------------------------------------------------------------------------------------
# Tsallis-INF and Tsallis-INF-CB (reference §5.1, §5.2): one kernel set, n_bins = 1 for INF.
# State: (iv int64[4], fv float64[3], k float64[B, d], p float64[B, d], scaled float64[d],
#         rounds int64[B], cost_sum float64[B], scale float64[B], normaliser float64[B])
# hyper: (n_bins int64, step int64 (0 anytime, 1 fixed), normalisation int64 (0 code,
#         1 theory), cost_scale float64, context_low float64, context_high float64)
# ---------------------------------------------------------------------------------------------
_TI_BINS, _TI_D, _TI_T, _TI_ROUNDS = 0, 1, 2, 3
_TF_A, _TF_B, _TF_ETA_FIXED = 0, 1, 2
STEP_ANYTIME, STEP_FIXED = 0, 1
NORMALISATION_CODE, NORMALISATION_THEORY = 0, 1


@nb.njit(cache=True, nogil=True)
def _context_interval(hyper_low, hyper_high, context_low, context_high):
    """The policy's interval if finite (its ``context_range``), else the environment's."""
    if math.isfinite(hyper_low) and math.isfinite(hyper_high):
        return hyper_low, hyper_high
    return context_low, context_high


@nb.njit(cache=True, nogil=True)
def tsallis_init(n_omegas, horizon, context_low, context_high, hyper):
    """Fresh Tsallis-INF(-CB) state: per bin cumulative importance-weighted losses ``k = 0``,
    last distribution uniform, round counter 0, running scale 1 (§5.1 "State")."""
    n_bins = hyper[0]
    iv = np.zeros(4, np.int64)
    iv[_TI_BINS] = n_bins
    iv[_TI_D] = n_omegas
    iv[_TI_T] = horizon
    fv = np.zeros(3, np.float64)
    a, b = _context_interval(hyper[4], hyper[5], context_low, context_high)
    fv[_TF_A] = a
    fv[_TF_B] = b
    fv[_TF_ETA_FIXED] = 1.0 / math.sqrt(horizon) if horizon > 0 else 1.0
    k = np.zeros((n_bins, n_omegas), np.float64)
    p = np.full((n_bins, n_omegas), 1.0 / n_omegas)
    scaled = np.zeros(n_omegas, np.float64)
    rounds = np.zeros(n_bins, np.int64)
    cost_sum = np.zeros(n_bins, np.float64)
    scale = np.ones(n_bins, np.float64)
    normaliser = np.full(n_bins, np.nan)
    return iv, fv, k, p, scaled, rounds, cost_sum, scale, normaliser


@nb.njit(cache=True, nogil=True)
def tsallis_bin_of(context, a, b, n_bins):
    """Bin of ``context``: the nearest centre ``h_j = a + (b - a)(j - 1/2)/m`` (§5.2); a context
    exactly halfway between two centres goes to the lower one (the official ``min`` returns the
    first index); NaN goes to bin 0. One bin: always 0."""
    if n_bins == 1:
        return 0
    best = 0
    best_distance = math.inf
    width = (b - a) / n_bins
    for j in range(n_bins):
        distance = abs(context - (a + width * (j + 0.5)))
        if distance < best_distance:
            best_distance = distance
            best = j
    return best


@nb.njit(cache=True, nogil=True)
def tsallis_select(state, hyper, context, rng):
    """Tsallis-INF in the context's bin (§5.1 "Probabilities"): ``p_i = 4 / (eta (k_i/s - x))^2``
    with the normaliser ``x`` from :func:`bandits.policies.classic.tsallis_inf_probabilities`
    (Newton from the upper end of the bracket ``[m - 2 sqrt(d)/eta, m - 2/eta]``, monotone,
    never past the pole); ``eta = 2/sqrt(t_bin)`` (anytime, ``t_bin`` the bin's 1-based round)
    or ``1/sqrt(T)`` (fixed); ``s`` the bin's running scale (code) or ``cost_scale`` (theory).
    One uniform draw."""
    iv, fv, k, p, scaled, rounds, cost_sum, scale, normaliser = state
    j = tsallis_bin_of(context, fv[_TF_A], fv[_TF_B], iv[_TI_BINS])
    if hyper[1] == STEP_FIXED:
        eta = fv[_TF_ETA_FIXED]
    else:
        eta = 2.0 / math.sqrt(rounds[j] + 1.0)
    s = hyper[3] if hyper[2] == NORMALISATION_THEORY else scale[j]
    kj = k[j]
    for i in range(kj.size):
        scaled[i] = kj[i] / s
    normaliser[j] = tsallis_inf_probabilities(scaled, eta, p[j])
    return sample_categorical(p[j], rng)


@nb.njit(cache=True, nogil=True)
def tsallis_update(state, hyper, context, index, cost):
    """§5.1 "Update" in the context's bin: ``k[i] += (cost - 1)/p[i]`` (importance weighting
    with the bin's last distribution), the bin's round counter ``+= 1`` and its running scale
    ``s = mean(costs of the bin) - 1``; guard: when that mean is ``<= 1`` (possible at t = 1
    with cost 1, or with 0-iteration warm-started PCG solves) the scale is 1, its initial
    value (one iteration per unit loss)."""
    iv, fv, k, p, scaled, rounds, cost_sum, scale, normaliser = state
    j = tsallis_bin_of(context, fv[_TF_A], fv[_TF_B], iv[_TI_BINS])
    rounds[j] += 1
    iv[_TI_ROUNDS] += 1
    cost_sum[j] += cost
    mean_minus_one = cost_sum[j] / rounds[j] - 1.0
    scale[j] = mean_minus_one if mean_minus_one > 0.0 else 1.0
    k[j, index] += (cost - 1.0) / p[j, index]


# ---------------------------------------------------------------------------------------------
# Small dense linear algebra for ChebCB (no LAPACK: numba's np.linalg would need SciPy)
# ---------------------------------------------------------------------------------------------
#: Eigenvalues below RCOND * largest are treated as zero (Gram matrix: singular values of the
#: design matrix below 1e-6 of the largest are null directions).
RCOND = 1e-12
#: Relative tolerance of the KKT (multiplier) test of the box-constrained solver.
KKT_TOLERANCE = 1e-11


@nb.njit(cache=True, nogil=True)
def _jacobi_eigen(a, v, n):
    """Eigen-decomposition of the symmetric leading ``n x n`` block of ``a`` by cyclic Jacobi
    rotations: on return the diagonal of ``a`` holds the eigenvalues and the columns of ``v``
    (leading block) the eigenvectors (``A = V diag(a) V^T``). ``a`` is overwritten."""
    for r in range(n):
        for c in range(n):
            v[r, c] = 1.0 if r == c else 0.0
    for sweep in range(60):
        off = 0.0
        diag = 0.0
        for r in range(n):
            diag += a[r, r] * a[r, r]
            for c in range(r + 1, n):
                off += a[r, c] * a[r, c]
        if off <= 1e-34 * diag or off == 0.0:
            return
        for pp in range(n - 1):
            for q in range(pp + 1, n):
                apq = a[pp, q]
                if apq == 0.0:
                    continue
                theta = (a[q, q] - a[pp, pp]) / (2.0 * apq)
                if abs(theta) > 1e150:
                    t = 0.5 / theta
                else:
                    t = 1.0 / (abs(theta) + math.sqrt(theta * theta + 1.0))
                    if theta < 0.0:
                        t = -t
                c = 1.0 / math.sqrt(t * t + 1.0)
                s = t * c
                for r in range(n):
                    arp = a[r, pp]
                    arq = a[r, q]
                    a[r, pp] = c * arp - s * arq
                    a[r, q] = s * arp + c * arq
                for r in range(n):
                    apr = a[pp, r]
                    aqr = a[q, r]
                    a[pp, r] = c * apr - s * aqr
                    a[q, r] = s * apr + c * aqr
                a[pp, q] = 0.0
                a[q, pp] = 0.0
                for r in range(n):
                    vrp = v[r, pp]
                    vrq = v[r, q]
                    v[r, pp] = c * vrp - s * vrq
                    v[r, q] = s * vrp + c * vrq


@nb.njit(cache=True, nogil=True)
def _min_norm_solve_block(a, rhs, n, v, out):
    """Minimum-norm solution ``A^+ rhs`` of the symmetric PSD leading ``n x n`` block of ``a``
    (overwritten) into ``out[:n]``: eigenvalues ``<= RCOND * largest`` count as zero."""
    _jacobi_eigen(a, v, n)
    largest = 0.0
    for r in range(n):
        if a[r, r] > largest:
            largest = a[r, r]
    for r in range(n):
        out[r] = 0.0
    if largest <= 0.0:
        return
    threshold = RCOND * largest
    for e in range(n):
        lam = a[e, e]
        if lam <= threshold:
            continue
        coefficient = 0.0
        for r in range(n):
            coefficient += v[r, e] * rhs[r]
        coefficient /= lam
        for r in range(n):
            out[r] += coefficient * v[r, e]


@nb.njit(cache=True, nogil=True)
def min_norm_psd_solve(gram, rhs):
    """``gram^+ rhs`` for a symmetric PSD matrix (the ``lsqminnorm`` solution of the least-squares
    problem whose normal equations are ``gram theta = rhs``); see :data:`RCOND`."""
    n = rhs.size
    a = gram.copy()
    v = np.empty((n, n))
    out = np.zeros(n)
    _min_norm_solve_block(a, rhs, n, v, out)
    return out


@nb.njit(cache=True, nogil=True)
def _box_active_set(gram, rhs, lower, upper, theta, status, free, sub, sub_rhs, v, step, max_iterations):
    """Primal active-set method for ``min 1/2 theta^T G theta - rhs^T theta`` subject to
    ``lower <= theta <= upper`` (G symmetric PSD, ``rhs`` in the range of G, as for the normal
    equations of a least-squares problem), started from ``theta`` clipped into the box.

    Each iteration solves for the minimum-norm step ``delta_F = G_FF^+ r_F`` on the free
    variables F, ``r = rhs - G theta`` (so a variable just released moves into the box: its
    component of ``r`` is the only non-zero one and ``r^T delta > 0``), takes the longest
    feasible step ``alpha <= 1`` and fixes the blocking variable at its bound. After a full step
    the KKT multipliers of the fixed variables are checked (at the lower bound ``r_j <= tol``,
    at the upper ``r_j >= -tol``, ``tol = KKT_TOLERANCE * (|G| |theta| + |rhs|)_j``) and the
    most violating one is released. Variables with ``lower == upper`` stay fixed. Stops after
    ``max_iterations`` (never reached in the tests; the iterate is feasible and no worse than
    the start). Returns the number of iterations, ``-1`` if the cap was hit."""
    m = rhs.size
    for j in range(m):
        if theta[j] <= lower[j]:
            theta[j] = lower[j]
            status[j] = -1
        elif theta[j] >= upper[j]:
            theta[j] = upper[j]
            status[j] = 1
        else:
            status[j] = 0
    for iteration in range(max_iterations):
        n_free = 0
        for j in range(m):
            if status[j] == 0:
                free[n_free] = j
                n_free += 1
        alpha = 1.0
        block = -1
        if n_free > 0:
            for r in range(n_free):
                jr = free[r]
                residual = rhs[jr]
                for c in range(m):
                    residual -= gram[jr, c] * theta[c]
                sub_rhs[r] = residual
                for c in range(n_free):
                    sub[r, c] = gram[jr, free[c]]
            _min_norm_solve_block(sub, sub_rhs, n_free, v, step)
            for r in range(n_free):
                jr = free[r]
                d = step[r]
                if d > 0.0 and theta[jr] + d > upper[jr]:
                    ratio = (upper[jr] - theta[jr]) / d
                    if ratio < alpha:
                        alpha = ratio
                        block = r
                elif d < 0.0 and theta[jr] + d < lower[jr]:
                    ratio = (lower[jr] - theta[jr]) / d
                    if ratio < alpha:
                        alpha = ratio
                        block = r
            if alpha < 0.0:
                alpha = 0.0
            for r in range(n_free):
                jr = free[r]
                value = theta[jr] + alpha * step[r]
                theta[jr] = min(max(value, lower[jr]), upper[jr])
            if block >= 0:
                jb = free[block]
                if step[block] > 0.0:
                    theta[jb] = upper[jb]
                    status[jb] = 1
                else:
                    theta[jb] = lower[jb]
                    status[jb] = -1
                continue
        release = -1
        worst = 0.0
        for j in range(m):
            if status[j] == 0 or lower[j] == upper[j]:
                continue
            residual = rhs[j]
            magnitude = abs(rhs[j])
            for c in range(m):
                residual -= gram[j, c] * theta[c]
                magnitude += abs(gram[j, c] * theta[c])
            violation = residual if status[j] < 0 else -residual
            if violation > KKT_TOLERANCE * magnitude and violation > worst:
                worst = violation
                release = j
        if release < 0:
            return iteration + 1
        status[release] = 0
    return -1


@nb.njit(cache=True, nogil=True)
def box_constrained_least_squares(gram, rhs, lower, upper):
    """``argmin_theta ||F theta - y||^2`` subject to ``lower <= theta <= upper``, given the Gram
    form ``gram = F^T F``, ``rhs = F^T y``: the minimum-norm unconstrained solution
    (:func:`min_norm_psd_solve`) when it lies in the box, else :func:`_box_active_set` started
    from it clipped into the box (the official ``lsqlin`` call is warm-started from the
    ``lsqminnorm`` solution). Returns ``(theta, iterations)``, ``iterations = 0`` when the
    unconstrained solution was inside the box."""
    m = rhs.size
    theta = min_norm_psd_solve(gram, rhs)
    inside = True
    for j in range(m):
        if theta[j] < lower[j] or theta[j] > upper[j]:
            inside = False
    if inside:
        return theta, 0
    status = np.zeros(m, np.int64)
    free = np.zeros(m, np.int64)
    sub = np.empty((m, m))
    sub_rhs = np.empty(m)
    v = np.empty((m, m))
    step = np.empty(m)
    iterations = _box_active_set(gram, rhs, lower, upper, theta, status, free, sub, sub_rhs, v, step, 50 + 20 * m)
    return theta, iterations


# ---------------------------------------------------------------------------------------------
# ChebCB (reference §5.3)
# State: (iv int64[4], fv float64[16], theta float64[d, m], gram float64[d, m, m],
#         cross float64[d, m], sumsq float64[d], counts int64[d], features float64[m],
#         yhat float64[d], p float64[d], upper float64[m], lower float64[m],
#         work float64[3, m, m], vectors float64[4, m], ints int64[2, m])
# hyper: (n_features int64, normalisation int64 (0 code, 1 theory), residual_target int64
#         (0 code, 1 consistent), lipschitz_estimate int64 (0 range, 1 max), cost_scale float64,
#         lipschitz float64, context_low float64, context_high float64)
# ---------------------------------------------------------------------------------------------
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
    a, b = _context_interval(hyper[6], hyper[7], context_low, context_high)
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
    by ``T_{j+1} = 2 z T_j - T_{j-1}`` (§5.3 "Features")."""
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
    """SquareCB inverse-gap weighting (§5.3 "Predict"): ``yhat_i = <theta_i, f(c)>``,
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
    """Refit arm ``arm`` at the current scale (§5.3 "Update" step 4): the minimum-norm
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
    """§5.3 "Update", the official code's steps in order (t = rounds observed, this one
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
       solve, then the last such solve's squared residual (pitfall 7).
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


# ---------------------------------------------------------------------------------------------
# FixedOmega: state (rounds int64[1],), hyper (index int64,)
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def fixed_omega_init(n_omegas, horizon, context_low, context_high, hyper):
    """State of the fixed comparator: a round counter."""
    return (np.zeros(1, np.int64),)


@nb.njit(cache=True, nogil=True)
def fixed_omega_select(state, hyper, context, rng):
    """Always ``hyper[0]``; no draws."""
    return hyper[0]


@nb.njit(cache=True, nogil=True)
def fixed_omega_update(state, hyper, context, index, cost):
    """Counts the round."""
    state[0][0] += 1


# ---------------------------------------------------------------------------------------------
# Python faces
# ---------------------------------------------------------------------------------------------
def _check_grid(name, grid):
    if grid is None:
        return None
    values = check_real_vector(name, grid, low=0.0, high=2.0, low_open=True, high_open=True)
    return tuple(float(x) for x in values)


def _check_context_range(name, value):
    if value is None or (isinstance(value, str) and value == "environment"):
        return None  # "environment": the spelling of None in experiment files (TOML has no null)
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise ValueError(f"{name}: must be a pair (low, high) with low < high, or None (\"environment\"), got {value!r}")
    low = check_real(f"{name}[0]", value[0])
    high = check_real(f"{name}[1]", value[1])
    if not low < high:
        raise ValueError(f"{name}: must be a pair (low, high) with low < high, got {value!r}")
    return (low, high)


def _scalar_of(name, value):
    """A real scalar from a number or a one-element array (a Gym ``Box`` observation)."""
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise ValueError(f"{name}: must be a real number or a one-element array, got shape {value.shape}")
        value = value.reshape(-1)[0].item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}: must be a real number, got {value!r}")
    return float(value)


class SolverTuningPolicy(Policy):
    """Base class of the solver-tuning policies' Python faces (see the module docstring).

    Common constructor parameter
    ----------------------------
    grid : sequence of float in (0, 2), optional
        The omega values the policy believes the environment's grid holds. None (default): the
        grid handed to :meth:`reset` (``omega_grid``), else the official
        ``linspace(1, 1.95, 20)`` when the grid has 20 points. The learners only use its size
        (they learn per index); :class:`FixedOmega` uses it to find ``omega``. When both this
        and ``reset(omega_grid=...)`` are given they must agree.
    """

    setting: ClassVar[str] = "solver_tuning"
    #: True when ``select`` needs the context (contextual policies).
    contextual: ClassVar[bool] = False
    #: Accepted costs (iteration counts; the environment caps them at 10000). The upper limit
    #: keeps importance-weighted sums ``(cost - 1)/p`` and squared targets far from overflow.
    reward_range = (0.0, MAX_COST)
    regret_exponent: ClassVar[float | None] = 0.5

    # -- hyper-parameters -------------------------------------------------------------------
    def kernel_hyper(self, n_omegas: int, horizon: int | None, omega_grid=None) -> tuple:
        """Hyper-parameter tuple for a grid of ``n_omegas`` points (values ``omega_grid`` if
        known) and horizon T (None if unknown)."""
        raise NotImplementedError

    @property
    def needs_horizon(self) -> bool:  # type: ignore[override]
        return getattr(self, "step", None) == "fixed"

    def _resolve_grid(self, n_omegas, omega_grid):
        """``(n, omega values or None)`` from the reset arguments and the policy's ``grid``."""
        own = getattr(self, "grid", None)
        given = None
        if omega_grid is not None:
            given = check_real_vector("omega_grid", omega_grid, low=0.0, high=2.0, low_open=True, high_open=True)
        if n_omegas is None:
            n = len(given) if given is not None else (len(own) if own is not None else len(DEFAULT_OMEGA_GRID))
        else:
            n = n_omegas
        if given is not None and len(given) != n:
            raise ValueError(f"omega_grid: must have n_omegas = {n} entries, got {len(given)}")
        if own is not None:
            if len(own) != n:
                raise ValueError(f"n_omegas: must equal the policy's grid size {len(own)}, got {n}")
            if given is not None and not np.allclose(given, own, rtol=0.0, atol=1e-12):
                raise ValueError(f"omega_grid: must equal the policy's grid {list(own)!r}, got {given.tolist()!r}")
            return n, np.array(own)
        if given is not None:
            return n, np.array(given)
        if n == len(DEFAULT_OMEGA_GRID):
            return n, np.array(DEFAULT_OMEGA_GRID)
        return n, None

    def _needs_context_bounds(self) -> bool:
        return self.contextual and getattr(self, "context_range", None) is None

    # -- driving the kernels one step at a time --------------------------------------------
    def reset(self, n_omegas=None, *, horizon=None, context_low=None, context_high=None, omega_grid=None, seed=None):
        """Start a fresh run.

        Parameters
        ----------
        n_omegas : int or gymnasium.spaces.Discrete, optional
            Size d of the omega grid, or the environment's action space (its ``start`` offset
            is honoured). Default: the size of ``omega_grid``, else of the policy's grid.
        horizon : int, optional
            Number of rounds T; required by ``step="fixed"`` only.
        context_low, context_high : float, optional
            The environment's context interval (the heat runs' ``[cmin, cmax]``); required by
            contextual policies whose ``context_range`` is None, ignored otherwise.
        omega_grid : sequence of float, optional
            The environment's omega values (checked against the policy's ``grid``).
        seed : None, int, SeedSequence or Generator
            The policy's own random stream.

        Returns
        -------
        SolverTuningPolicy
            ``self``.
        """
        if isinstance(n_omegas, spaces.Discrete):
            self._action_start = int(n_omegas.start)
            n_omegas = int(n_omegas.n)
        elif isinstance(n_omegas, spaces.Space):
            raise ValueError(f"n_omegas: must be an int or a gymnasium.spaces.Discrete, got {n_omegas!r}")
        else:
            self._action_start = 0
            if n_omegas is not None:
                n_omegas = check_integer("n_omegas", n_omegas, low=1)
        n, values = self._resolve_grid(n_omegas, omega_grid)
        horizon = self.check_horizon(horizon)
        low = math.nan if context_low is None else check_real("context_low", context_low)
        high = math.nan if context_high is None else check_real("context_high", context_high)
        if context_low is not None and context_high is not None and not low < high:
            raise ValueError(f"context_high: must be > context_low = {low!r}, got {context_high!r}")
        if self._needs_context_bounds() and (context_low is None or context_high is None):
            raise ValueError(
                f"context_low: {type(self).__name__} with context_range=None uses the environment's context interval; "
                "pass context_low and context_high to reset()"
            )
        hyper = self.kernel_hyper(n, horizon, values)
        self._n_arms = n
        self._omega_values = values
        self._horizon = horizon
        self._hyper = hyper
        self._generator = as_generator(seed)
        self._stream = make_random_stream(self._generator)
        self._state = type(self).init_kernel(n, 0 if horizon is None else horizon, low, high, hyper)
        self._context = None
        self._t = 1
        self._bind_entry_points()
        return self

    def _bind_entry_points(self):
        cls = type(self)
        self._select_entry = compiled_entry_point(cls.select_kernel, (self._state, self._hyper, 0.0, self._stream))
        self._update_entry = compiled_entry_point(cls.update_kernel, (self._state, self._hyper, 0.0, 0, 0.0))

    def _require_reset(self):
        if not hasattr(self, "_state"):
            raise RuntimeError(f"{type(self).__name__}: call reset(n_omegas, seed=...) before select()/update()")

    def _check_context(self, context) -> float:
        if context is None:
            if self.contextual:
                raise ValueError(f"context: {type(self).__name__} is contextual; pass the round's context, got None")
            return math.nan
        value = _scalar_of("context", context)
        if not math.isfinite(value):
            raise ValueError(f"context: must be finite, got {context!r}")
        return value

    def select(self, context=None) -> int:
        """The omega index for the round whose context is ``context`` (a float or the Gym
        observation; optional for the non-contextual policies)."""
        self._require_reset()
        value = self._check_context(context)
        self._context = value
        index = self._select_entry(self._state, self._hyper, value, self._stream)
        return int(index) + self._action_start

    def update(self, action, cost, context=None) -> None:
        """Record the iteration count ``cost`` (in ``[0, 1e9]``; the Gym reward is ``-cost``) of omega
        index ``action``. ``context`` defaults to the context of the last :meth:`select`."""
        self._require_reset()
        index = self._check_action(action)
        try:
            value = float(cost)
        except (TypeError, ValueError):
            raise ValueError(f"cost: must be a real number of iterations, got {cost!r}") from None
        if isinstance(cost, (bool, np.bool_)) or not math.isfinite(value) or not 0.0 <= value <= MAX_COST:
            raise ValueError(f"cost: must be a finite number of iterations in [0, 1e9], got {cost!r}")
        if context is None:
            if self._context is None:
                if self.contextual:
                    raise ValueError("context: no select() yet; pass the context of the round, got None")
                ctx = math.nan
            else:
                ctx = self._context
        else:
            ctx = self._check_context(context)
        self._update_entry(self._state, self._hyper, ctx, index, value)
        self._t += 1

    @property
    def omega_values(self):
        """The omega values of the grid of the current run (None when unknown)."""
        self._require_reset()
        return self._omega_values

    @property
    def label(self) -> str:
        text = super().label
        grid = getattr(self, "grid", None)
        if grid is not None:
            text = text.replace(f"grid={grid!r}", f"grid=<{len(grid)} points in [{min(grid):g}, {max(grid):g}]>")
        return text


def _tsallis_common(self, grid, step, normalisation, cost_scale):
    self.grid = _check_grid("grid", grid)
    self.step = check_choice("step", step, ("anytime", "fixed"))
    self.normalisation = check_choice("normalisation", normalisation, ("code", "theory"))
    if normalisation == "theory":
        if cost_scale is None:
            raise ValueError("cost_scale: normalisation='theory' needs the fixed loss scale K > 0, got None")
        self.cost_scale = check_real("cost_scale", cost_scale, low=0.0, low_open=True)
    else:
        if cost_scale is not None:
            raise ValueError(
                f"cost_scale: only with normalisation='theory' (the code mode uses a running scale), got {cost_scale!r}"
            )
        self.cost_scale = None


def _tsallis_hyper(policy, n_bins, context_range):
    low, high = context_range if context_range is not None else (math.nan, math.nan)
    return (
        np.int64(n_bins),
        np.int64(STEP_FIXED if policy.step == "fixed" else STEP_ANYTIME),
        np.int64(NORMALISATION_THEORY if policy.normalisation == "theory" else NORMALISATION_CODE),
        float(policy.cost_scale if policy.cost_scale is not None else 1.0),
        float(low),
        float(high),
    )


class OmegaTsallisINF(SolverTuningPolicy):
    """Tsallis-INF over the omega grid (reference §5.1; paper Algorithm 2 / 4; official
    ``TsallisINF.m``): 1/2-Tsallis FTRL on importance-weighted losses, regret
    ``<= 4 K sqrt(d T) + 1`` (anytime) or ``2 K sqrt(2 d T)`` (fixed) against the best grid point
    for losses in ``[0, K]``.

    Each round: ``p_i = 4/(eta (k_i/s - x))^2`` with the normaliser ``x`` found by the bracketed
    solve of :func:`bandits.policies.classic.tsallis_inf_probabilities` (the root lies in
    ``[m - 2 sqrt(d)/eta, m - 2/eta]``, ``m = min_i k_i/s``; Newton from the upper end decreases
    monotonically to it; the official 20 Newton steps from ``x = -1`` can jump past the pole
    and its uniform fallback is overwritten by an invalid probability: not replicated,
    pitfall 11); draw ``i ~ p``; then ``k_i += (cost - 1)/p_i``. The context is ignored.

    Parameters
    ----------
    grid : sequence of float, optional
        See :class:`SolverTuningPolicy`.
    step : {"anytime", "fixed"}, default "anytime"
        ``eta_t = 2/sqrt(t)`` (Zimmert & Seldin; the official code and experiments) or
        ``eta = 1/sqrt(T)`` (theory, Thm B.1; needs the horizon).
    normalisation : {"code", "theory"}, default "code"
        "code": the running scale ``s = mean(costs so far) - 1`` (initially 1; when the mean
        is ``<= 1`` the scale is 1, a guard the official code lacks, pitfall 4). "theory": the
        fixed ``s = cost_scale``, losses ``(cost - 1)/K``.
    cost_scale : float > 0, optional
        K for ``normalisation="theory"`` (required there, refused otherwise).
    """

    name = "omega_tsallis_inf"
    init_kernel = tsallis_init
    select_kernel = tsallis_select
    update_kernel = tsallis_update
    contextual = False

    def __init__(self, grid=None, step="anytime", normalisation="code", cost_scale=None):
        _tsallis_common(self, grid, step, normalisation, cost_scale)

    def kernel_hyper(self, n_omegas, horizon, omega_grid=None):
        return _tsallis_hyper(self, 1, None)


class OmegaTsallisINFCB(SolverTuningPolicy):
    """Tsallis-INF-CB (reference §5.2; paper Algorithm 5; official ``TsallisINFCB.m``): the
    context interval ``[a, b]`` is cut into ``n_bins`` bins with centres
    ``h_j = a + (b - a)(j - 1/2)/m``; each round goes to the nearest centre (ties to the lower
    bin, as the official ``min``; contexts outside ``[a, b]`` to the nearest end bin) and is
    handled by that bin's own :class:`OmegaTsallisINF` (own losses ``k``, own round counter
    and ``eta = 2/sqrt(t_bin)``, own running scale). ``O(T^{3/4})`` regret against Lipschitz
    policies (Thm B.4).

    Parameters
    ----------
    n_bins : int >= 1, default 5
        m; the SOR runs use 5 bins over ``[-0.15, 0.65]``, the heat runs 6 over ``[cmin, cmax]``.
    context_range : (float, float) or None, default (-0.15, 0.65)
        ``[a, b]``; the official SOR interval (0.65, not the support's 0.45, so the top bin is
        nearly empty, pitfall 8). None (or ``"environment"``, for experiment files): the
        environment's interval passed to :meth:`reset`.
    grid, step, normalisation, cost_scale
        As :class:`OmegaTsallisINF`; with ``step="fixed"`` every bin uses ``1/sqrt(T)`` with
        the global horizon T (the bins' own horizons are not known in advance).
    """

    name = "omega_tsallis_inf_cb"
    init_kernel = tsallis_init
    select_kernel = tsallis_select
    update_kernel = tsallis_update
    contextual = True
    regret_exponent = 0.75

    def __init__(self, n_bins=5, context_range=(-0.15, 0.65), grid=None, step="anytime", normalisation="code",
                 cost_scale=None):
        self.n_bins = check_integer("n_bins", n_bins, low=1)
        self.context_range = _check_context_range("context_range", context_range)
        _tsallis_common(self, grid, step, normalisation, cost_scale)

    def kernel_hyper(self, n_omegas, horizon, omega_grid=None):
        return _tsallis_hyper(self, self.n_bins, self.context_range)

    def bin_centres(self, context_low=None, context_high=None) -> np.ndarray:
        """The bin centres ``h_j`` (the environment's interval when ``context_range`` is None)."""
        low, high = self.context_range if self.context_range is not None else (context_low, context_high)
        m = self.n_bins
        return low + (high - low) * (np.arange(m) + 0.5) / m


class ChebCB(SolverTuningPolicy):
    """ChebCB (reference §5.3; paper Algorithm 3 / 7; official ``learners/ChebCB.m``): SquareCB
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
        the top degree, pitfall 6).
    context_range : (float, float) or None, default (-0.15, 0.65)
        ``[a, b]`` (official SOR runs); None (or ``"environment"``, for experiment files): the
        environment's interval (heat runs ``[cmin, cmax]``).
    normalisation : {"code", "theory"}, default "code"
        "code": ``K = max cost so far`` and the empirical Lipschitz estimate (pitfall 4).
        "theory": fixed ``K = cost_scale`` and ``L = lipschitz`` (both required), so the scale
        ``K N`` never changes.
    residual_target : {"code", "consistent"}, default "code"
        Target in the residual sum ``R``: "code" ``y/(K N)`` as the official code (pitfall 7),
        "consistent" ``(y - 1)/(K N)``, the regression target.
    lipschitz_estimate : {"range", "max"}, default "range"
        Code mode only. "range": ``L = (max y - min y)/(b - a)`` (reference §5.3). "max":
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
                raise ValueError("cost_scale: normalisation='theory' needs the fixed cost bound K > 0, got None")
            if lipschitz is None:
                raise ValueError("lipschitz: normalisation='theory' needs the Lipschitz constant L >= 0, got None")
            self.cost_scale = check_real("cost_scale", cost_scale, low=0.0, low_open=True)
            self.lipschitz = check_real("lipschitz", lipschitz, low=0.0)
        else:
            for name, value in (("cost_scale", cost_scale), ("lipschitz", lipschitz)):
                if value is not None:
                    raise ValueError(
                        f"{name}: only with normalisation='theory' (the code mode estimates it), got {value!r}"
                    )
            self.cost_scale = None
            self.lipschitz = None
        self.grid = _check_grid("grid", grid)

    def kernel_hyper(self, n_omegas, horizon, omega_grid=None):
        low, high = self.context_range if self.context_range is not None else (math.nan, math.nan)
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


class FixedOmega(SolverTuningPolicy):
    """Comparator that plays one grid point every round (reference §4.1 "Comparators", §6:
    fixed omega in {1, 1.2, ..., 1.8}). The best fixed omega in hindsight and the
    instance-optimal omega are computed by the environment, not by policies.

    Parameters
    ----------
    omega_index : int >= 0, optional
        The grid index to play (checked against the grid size at :meth:`reset`).
    omega : float in (0, 2), optional
        The omega value to play; it must be a point of the grid (within 1e-9), which is
        resolved at :meth:`reset` (``omega_grid``, else the policy's ``grid``, else the default
        20-point grid). Exactly one of ``omega_index`` and ``omega`` must be given.
    grid : sequence of float, optional
        See :class:`SolverTuningPolicy`.
    """

    name = "fixed_omega"
    init_kernel = fixed_omega_init
    select_kernel = fixed_omega_select
    update_kernel = fixed_omega_update
    contextual = False
    regret_exponent = 1.0

    def __init__(self, omega_index=None, omega=None, grid=None):
        if (omega_index is None) == (omega is None):
            raise ValueError(
                f"omega_index: exactly one of omega_index and omega must be given, got omega_index={omega_index!r}, "
                f"omega={omega!r}"
            )
        self.omega_index = None if omega_index is None else check_integer("omega_index", omega_index, low=0)
        self.omega = None if omega is None else check_real("omega", omega, low=0.0, high=2.0, low_open=True,
                                                           high_open=True)
        self.grid = _check_grid("grid", grid)
        if self.grid is not None:
            self._index_in(len(self.grid), np.array(self.grid))

    def _index_in(self, n_omegas, values):
        if self.omega_index is not None:
            if self.omega_index >= n_omegas:
                raise ValueError(f"omega_index: must be < the grid size {n_omegas}, got {self.omega_index}")
            return self.omega_index
        if values is None:
            raise ValueError(
                f"omega: FixedOmega(omega={self.omega!r}) needs the grid values; pass omega_grid= to reset() or grid= "
                "to the constructor"
            )
        distance = np.abs(values - self.omega)
        index = int(np.argmin(distance))
        if distance[index] > 1e-9:
            raise ValueError(f"omega: must be a point of the grid {values.tolist()!r}, got {self.omega!r}")
        return index

    def kernel_hyper(self, n_omegas, horizon, omega_grid=None):
        values = None if omega_grid is None else np.asarray(omega_grid, float)
        if values is None and self.grid is not None:
            values = np.array(self.grid)
        if values is None and n_omegas == len(DEFAULT_OMEGA_GRID):
            values = np.array(DEFAULT_OMEGA_GRID)
        return (np.int64(self._index_in(n_omegas, values)),)


#: name -> class of every solver-tuning policy (to be merged into ``bandits.POLICIES``).
SOLVER_TUNING_POLICIES = {cls.name: cls for cls in (OmegaTsallisINF, OmegaTsallisINFCB, ChebCB, FixedOmega)}


# ---------------------------------------------------------------------------------------------
# Conformance check
# ---------------------------------------------------------------------------------------------
def synthetic_costs(n_rounds, n_omegas, seed, context_range=(-0.15, 0.45)):
    """``(contexts float64[T], costs float64[T, d])`` of a synthetic instance: contexts uniform on
    ``context_range``, ``cost(omega, c) = round(30 + 200 (omega - w(c))^2 + N(0, 3^2))`` clipped
    to ``[0, 10000]``, ``w(c)`` linear from 1.1 to 1.9 over the range, omega on the default
    ``linspace(1, 1.95, d)``. For checks and tests, not a model of SOR."""
    rng = np.random.default_rng(seed)
    low, high = context_range
    contexts = rng.uniform(low, high, n_rounds)
    omegas = np.linspace(1.0, 1.95, n_omegas)
    target = 1.1 + 0.8 * (contexts - low) / (high - low)
    mean = 30.0 + 200.0 * (omegas[None, :] - target[:, None]) ** 2
    costs = np.clip(np.round(mean + rng.normal(0.0, 3.0, (n_rounds, n_omegas))), 0.0, 10000.0)
    return contexts, costs


def _play_solver(policy, n_omegas, contexts, costs, stop_after=None):
    from bandits.policies.checks import _fail

    actions = []
    for t in range(contexts.size if stop_after is None else stop_after):
        index = policy.select(contexts[t])
        if not (isinstance(index, int) and 0 <= index < n_omegas):
            _fail(policy, "valid actions", f"returned {index!r} at round {t} for {n_omegas} grid points")
        actions.append(index)
        policy.update(index, costs[t, index])
    return actions


def check_solver_tuning_policy(policy, *, n_omegas: int = 20, horizon: int = 400, seed: int = 12345) -> None:
    """Check that a solver-tuning ``policy`` honours the contract of this module; raise
    :class:`bandits.policies.checks.PolicyCheckError` if not.

    Checks, on :func:`synthetic_costs` (``horizon`` rounds, ``n_omegas`` grid points):

    1. ``get_params`` rebuilds an equal policy; ``select`` before ``reset`` raises RuntimeError;
    2. every index is an int in ``[0, d)``;
    3. the same seed gives the same indices;
    4. parameters and kernel hyper-parameters are unchanged by running;
    5. ``update`` accepts any valid index (not only the selected one) and costs 0, 1 and 10000,
       and the state stays finite where it was finite;
    6. invalid indices, costs and contexts raise ValueError;
    7. a pickled policy resumes exactly where the original is;
    8. a ``Discrete(d, start=s)`` action space yields indices in ``[s, s + d)``;
    9. a one-point grid is handled (learners only; a FixedOmega is tied to its grid).
    """
    from bandits.policies.checks import _check_params_and_reset, _fail

    params = _check_params_and_reset(policy)
    params_before = copy.deepcopy(params)
    grid = np.linspace(1.0, 1.95, n_omegas)
    view = dict(horizon=horizon, context_low=-0.15, context_high=0.45, omega_grid=grid)
    hyper_before = pickle.dumps(policy.kernel_hyper(n_omegas, horizon, grid))
    contexts, costs = synthetic_costs(horizon, n_omegas, seed)
    policy_seed = seed + 1  # not the instance's seed: the policy's uniforms must not be the contexts' draws

    policy.reset(n_omegas, seed=policy_seed, **view)
    first = _play_solver(policy, n_omegas, contexts, costs)
    second = _play_solver(type(policy)(**params).reset(n_omegas, seed=policy_seed, **view), n_omegas, contexts, costs)
    if first != second:
        step = next(i for i, (a, b) in enumerate(zip(first, second)) if a != b)
        _fail(policy, "determinism", f"same seed, different index at round {step}")
    if policy.get_params() != params_before:
        _fail(policy, "immutability", f"parameters changed from {params_before!r} to {policy.get_params()!r}")
    if pickle.dumps(policy.kernel_hyper(n_omegas, horizon, grid)) != hyper_before:
        _fail(policy, "immutability", "kernel hyper-parameters changed by running")

    # any valid index, edge costs
    policy.reset(n_omegas, seed=policy_seed, **view)
    finite_before = [np.all(np.isfinite(a)) for a in policy.state]
    for index in range(n_omegas):
        for cost in (0.0, 1.0, 10000.0):
            policy.update(index, cost, context=float(contexts[index % horizon]))
    for t in range(5):
        index = policy.select(contexts[t])
        if not 0 <= index < n_omegas:
            _fail(policy, "update after any index", f"select returned {index} after off-policy updates")
        policy.update((index + 1) % n_omegas, 10000.0)
    for position, (array, was_finite) in enumerate(zip(policy.state, finite_before)):
        if was_finite and not np.all(np.isfinite(array)):
            _fail(policy, "update after any index", f"state[{position}] became non-finite: {array}")

    # invalid input
    for action in (-1, n_omegas, 1.5, "0", True):
        try:
            policy.update(action, 30.0)
        except ValueError:
            pass
        else:
            _fail(policy, "invalid action", f"update({action!r}, ...) did not raise ValueError")
    for cost in (np.nan, np.inf, -1.0, 2 * MAX_COST, "many"):
        try:
            policy.update(0, cost)
        except ValueError:
            pass
        else:
            _fail(policy, "invalid cost", f"update(0, {cost!r}) did not raise ValueError")
    for context in (np.nan, np.inf, "x", np.zeros(2)):
        try:
            policy.select(context)
        except ValueError:
            pass
        else:
            _fail(policy, "invalid context", f"select({context!r}) did not raise ValueError")
    if policy.contextual:
        try:
            policy.select()
        except ValueError:
            pass
        else:
            _fail(policy, "invalid context", "select() without a context did not raise ValueError")

    # pickling mid-run
    policy.reset(n_omegas, seed=policy_seed, **view)
    half = horizon // 2
    _play_solver(policy, n_omegas, contexts, costs, stop_after=half)
    restored = pickle.loads(pickle.dumps(policy))
    for t in range(half, horizon):
        a, b = policy.select(contexts[t]), restored.select(contexts[t])
        if a != b:
            _fail(policy, "pickling", f"unpickled copy chose {b}, original {a}, at round {t}")
        policy.update(a, costs[t, a])
        restored.update(b, costs[t, b])

    # Discrete action space with a start offset
    shifted = type(policy)(**params).reset(spaces.Discrete(n_omegas, start=7), seed=policy_seed, **view)
    for t in range(30):
        action = shifted.select(contexts[t])
        if not 7 <= action < 7 + n_omegas:
            _fail(policy, "Discrete(start)", f"returned {action} for Discrete({n_omegas}, start=7)")
        shifted.update(action, costs[t, action - 7])

    # a one-point grid
    if not isinstance(policy, FixedOmega) and params.get("grid") is None:
        single = type(policy)(**params).reset(1, seed=policy_seed, horizon=horizon, context_low=-0.15,
                                              context_high=0.45, omega_grid=[1.5])
        for t in range(30):
            if single.select(contexts[t]) != 0:
                _fail(policy, "one-point grid", "returned an index other than 0 on a one-point grid")
            single.update(0, costs[t, 0])


def _register():
    from bandits.policies.checks import register_policy_check

    register_policy_check("solver_tuning", check_solver_tuning_policy)


_register()
