"""Tsallis-INF and Tsallis-INF-CB over the omega grid (Khodak, Chow, Balcan & Talwalkar, *Learning to
Relax*, ICLR 2024, arXiv:2310.02246, Algorithms 2, 4 and 5; official ``TsallisINF.m`` and
``TsallisINFCB.m``), after Zimmert & Seldin's Tsallis-INF (arXiv:1807.07623).

One kernel set serves both classes: Tsallis-INF is Tsallis-INF-CB with one bin.

State: ``(iv int64[4], fv float64[3], k float64[B, d], p float64[B, d], scaled float64[d],
rounds int64[B], cost_sum float64[B], scale float64[B], normaliser float64[B])``;
hyper: ``(n_bins int64, step int64 (0 anytime, 1 fixed), normalisation int64 (0 code, 1 theory),
cost_scale float64, context_low float64, context_high float64)``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.indices import tsallis_inf_probabilities
from bandits.core.selection import sample_categorical
from bandits.core.validation import ParameterError, check_choice, check_integer, check_real
from bandits.policies.solver_tuning.face import SolverTuningPolicy, _check_context_range, _check_grid
from bandits.policies.solver_tuning.kernel_protocol import (
    NORMALISATION_CODE,
    NORMALISATION_THEORY,
    STEP_ANYTIME,
    STEP_FIXED,
    context_interval,
)

__all__ = ["OmegaTsallisINF", "OmegaTsallisINFCB", "tsallis_init", "tsallis_select", "tsallis_update", "tsallis_bin_of"]

_TI_BINS, _TI_D, _TI_T, _TI_ROUNDS = 0, 1, 2, 3
_TF_A, _TF_B, _TF_ETA_FIXED = 0, 1, 2


@nb.njit(cache=True, nogil=True)
def tsallis_init(n_omegas, horizon, context_low, context_high, hyper):
    """Fresh Tsallis-INF(-CB) state: per bin cumulative importance-weighted losses ``k = 0``,
    last distribution uniform, round counter 0, running scale 1."""
    n_bins = hyper[0]
    iv = np.zeros(4, np.int64)
    iv[_TI_BINS] = n_bins
    iv[_TI_D] = n_omegas
    iv[_TI_T] = horizon
    fv = np.zeros(3, np.float64)
    a, b = context_interval(hyper[4], hyper[5], context_low, context_high)
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
    """Bin of ``context``: the nearest centre ``h_j = a + (b - a)(j - 1/2)/m`` (Algorithm 5); a context
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
    """Tsallis-INF in the context's bin: ``p_i = 4 / (eta (k_i/s - x))^2``
    with the normaliser ``x`` from :func:`bandits.core.indices.tsallis_inf_probabilities`
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
    """The Tsallis-INF update in the context's bin: ``k[i] += (cost - 1)/p[i]`` (importance weighting
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


def _tsallis_common(self, grid, step, normalisation, cost_scale):
    self.grid = _check_grid("grid", grid)
    self.step = check_choice("step", step, ("anytime", "fixed"))
    self.normalisation = check_choice("normalisation", normalisation, ("code", "theory"))
    if normalisation == "theory":
        if cost_scale is None:
            raise ParameterError("cost_scale", None, "normalisation='theory' needs the fixed loss scale K > 0")
        self.cost_scale = check_real("cost_scale", cost_scale, low=0.0, low_open=True)
    else:
        if cost_scale is not None:
            raise ParameterError(
                "cost_scale", cost_scale, "only with normalisation='theory' (the code mode uses a running scale)"
            )
        self.cost_scale = None


def _tsallis_hyper(policy, n_bins, context_range):
    low, high = context_range if context_range != "environment" else (math.nan, math.nan)
    return (
        np.int64(n_bins),
        np.int64(STEP_FIXED if policy.step == "fixed" else STEP_ANYTIME),
        np.int64(NORMALISATION_THEORY if policy.normalisation == "theory" else NORMALISATION_CODE),
        float(policy.cost_scale if policy.cost_scale is not None else 1.0),
        float(low),
        float(high),
    )


class OmegaTsallisINF(SolverTuningPolicy):
    """Tsallis-INF over the omega grid (Khodak et al., arXiv:2310.02246, Algorithm 2 / 4; official
    ``TsallisINF.m``): 1/2-Tsallis FTRL on importance-weighted losses, regret
    ``<= 4 K sqrt(d T) + 1`` (anytime) or ``2 K sqrt(2 d T)`` (fixed) against the best grid point
    for losses in ``[0, K]``.

    Each round: ``p_i = 4/(eta (k_i/s - x))^2`` with the normaliser ``x`` found by the bracketed
    solve of :func:`bandits.core.indices.tsallis_inf_probabilities` (the root lies in
    ``[m - 2 sqrt(d)/eta, m - 2/eta]``, ``m = min_i k_i/s``; Newton from the upper end decreases
    monotonically to it; the official 20 Newton steps from ``x = -1`` can jump past the pole
    and its uniform fallback is overwritten by an invalid probability: a quirk of the official
    code, not replicated); draw ``i ~ p``; then ``k_i += (cost - 1)/p_i``. The context is ignored.

    Parameters
    ----------
    grid : sequence of float, optional
        See :class:`SolverTuningPolicy`.
    step : {"anytime", "fixed"}, default "anytime"
        ``eta_t = 2/sqrt(t)`` (Zimmert & Seldin; the official code and experiments) or
        ``eta = 1/sqrt(T)`` (theory, Thm B.1; needs the horizon).
    normalisation : {"code", "theory"}, default "code"
        "code": the running scale ``s = mean(costs so far) - 1`` (initially 1; when the mean
        is ``<= 1`` the scale is 1, a guard the official code lacks). "theory": the
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

    def _kernel_hyper(self, omega_values, horizon):
        return _tsallis_hyper(self, 1, "environment")  # one bin: the interval is not used


class OmegaTsallisINFCB(SolverTuningPolicy):
    """Tsallis-INF-CB (Khodak et al., arXiv:2310.02246, Algorithm 5; official ``TsallisINFCB.m``): the
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
    context_range : (float, float) or "environment", default (-0.15, 0.65)
        ``[a, b]``; the official SOR interval (0.65, not the support's 0.45, so the top bin is
        nearly empty). ``"environment"`` (None is accepted and stored as ``"environment"``, the spelling of
        experiment files and labels): the environment's
        interval, from the learner view passed to :meth:`reset`.
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

    def _kernel_hyper(self, omega_values, horizon):
        return _tsallis_hyper(self, self.n_bins, self.context_range)

    def bin_centres(self, view=None) -> np.ndarray:
        """The bin centres ``h_j``; when ``context_range`` is ``"environment"``, over the context interval of
        ``view`` (default: the view of the current run)."""
        if self.context_range != "environment":
            low, high = self.context_range
        else:
            view = self.view if view is None else self.learner_view_from(view)
            low, high = view.context_low, view.context_high
        m = self.n_bins
        return low + (high - low) * (np.arange(m) + 0.5) / m
