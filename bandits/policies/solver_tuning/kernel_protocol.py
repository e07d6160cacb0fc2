"""The kernel protocol of the solver-tuning policies (Khodak, Chow, Balcan & Talwalkar, *Learning to
Relax*, ICLR 2024, arXiv:2310.02246), and what the kernel sets share.

Each round t a linear system arrives; its scalar *context* ``c_t`` (the diagonal shift, or the
diffusion coefficient kappa of the heat equation) is revealed first; the policy picks an index
``i_t`` into an omega grid (default ``np.linspace(1, 1.95, 20)``, the official code's grid); the
environment runs the solver with ``omega = grid[i_t]`` and returns its iteration count
``cost >= 0`` (capped at 10000 by the environment). Only the played omega's cost is seen (bandit
feedback). Costs enter the kernels unchanged; every normalisation of the costs happens inside the
policies.

Kernel protocol
---------------
Module-level ``@nb.njit(cache=True, nogil=True)`` functions over tuples of numpy arrays; the
state is mutated in place, ``hyper`` (a tuple of int64 / float64 scalars with fixed types per
kernel set) never is.

``init(n_omegas, horizon, context_low, context_high, hyper) -> state``
    Fresh state for a grid of ``n_omegas`` points. ``horizon`` is the number of rounds T, or
    0 when unknown (as the official code's ``T = 0``); only ``step="fixed"`` reads it.
    ``[context_low, context_high]`` is the environment's context interval; a policy whose
    ``context_range`` is ``"environment"`` uses it (the heat runs' ``[cmin, cmax]``), the others ignore it
    (NaN is accepted then).
``select(state, hyper, context, rng) -> int``
    The omega index for the round whose context is ``context`` (float64; NaN for the
    non-contextual policies, which ignore it). ``rng`` is the policy's own stream, a
    :class:`bandits.core.rng.RandomStream` or a :class:`numpy.random.Generator`; kernels call
    :func:`bandits.core.rng.generator_of` and draw exactly one uniform per select
    (:func:`bandits.core.selection.sample_categorical`), except the fixed-omega kernels, which
    draw nothing.
``update(state, hyper, context, index, cost)``
    Record the iteration count ``cost`` (float64, ``>= 0``) of omega index ``index`` on the
    round with context ``context``. Accepted after any valid index (importance weights use the
    probability of ``index`` under the last distribution of the context's bin, as the EXP3-style
    kernels of :mod:`bandits.policies.classic` do).

Kernels never raise on invalid input; the Python faces validate
(:class:`~bandits.core.validation.ParameterError`, a ``ValueError`` naming the parameter, the rule
and the value) before calling them. Three kernel sets exist, so a fused
loop is compiled at most three times for this setting: ``tsallis_*`` (Tsallis-INF is
Tsallis-INF-CB with one bin, so both classes share it, :mod:`.tsallis`), ``chebcb_*``
(:mod:`.chebcb`) and ``fixed_omega_*`` (:mod:`.fixed_omega`).

The fused loops of :mod:`environments.solver_tuning.loop` drive them as::

    state = init(d, T, c_lo, c_hi, hyper)
    for t in 1..T:
        i = select(state, hyper, c_t, policy_rng)
        update(state, hyper, c_t, i, iterations_t(omega_grid[i]))
"""

from __future__ import annotations

import math

import numba as nb

__all__ = [
    "STEP_ANYTIME",
    "STEP_FIXED",
    "NORMALISATION_CODE",
    "NORMALISATION_THEORY",
    "context_interval",
]

#: ``hyper`` codes of the Tsallis step size: ``eta_t = 2/sqrt(t)`` (anytime) or ``1/sqrt(T)``.
STEP_ANYTIME, STEP_FIXED = 0, 1
#: ``hyper`` codes of the cost normalisation: the official code's running scales, or the
#: theory's fixed scale.
NORMALISATION_CODE, NORMALISATION_THEORY = 0, 1


@nb.njit(cache=True, nogil=True)
def context_interval(hyper_low, hyper_high, context_low, context_high):
    """The policy's interval if finite (its ``context_range``), else the environment's."""
    if math.isfinite(hyper_low) and math.isfinite(hyper_high):
        return hyper_low, hyper_high
    return context_low, context_high
