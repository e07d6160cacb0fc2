"""Compiled dynamics of the 2-D heat-equation sequence (Khodak, Chow, Balcan & Talwalkar, *Learning
to Relax*, ICLR 2024, arXiv:2310.02246, Appendix G.2; the official script ``h2d.m``): the
Crank-Nicolson system of each time step and its warm-started SSOR-PCG (or CG) solve.

``u_t = kappa(t) Lap u + f(t, x)`` on the unit square, zero Dirichlet boundary, grid ``nx``,
``dx = 1/nx``, interior points ``(i / nx, j / nx)`` i-outer, j-inner. The tests build the same
systems by an independent numpy path (the oracle helpers ``heat_rhs``, ``heat_cn_stencil``... of
``tests/settings/solver_tuning/solver_tuning_oracles.py``).
"""

from __future__ import annotations

import math

import numba as nb

from environments.solver_tuning.linear_solvers.pcg import pcg_stencil_kernel
from environments.solver_tuning.linear_solvers.stencil import stencil_matvec_kernel

__all__ = ["HEAT_PRESETS", "heat_kappa_kernel", "heat_bump_kernel", "heat_step_system", "heat_solve"]

#: preset -> (kappa coefficient, bump peak): "code" is the official code that produced the plots
#: (kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t), bumps of peak 1), "paper" the text's 0.01 and
#: peak 1/e.
HEAT_PRESETS = {"code": (0.1, 1.0), "paper": (0.01, math.exp(-1.0))}


@nb.njit(cache=True, nogil=True)
def heat_kappa_kernel(t, coefficient):
    """``kappa(t) = max(coefficient sin 2 pi t, -10 sin 2 pi t)`` (code: coefficient 0.1)."""
    s = math.sin(2.0 * math.pi * t)
    return max(coefficient * s, -10.0 * s)


@nb.njit(cache=True, nogil=True)
def heat_bump_kernel(nx, cx, cy, radius, peak, out):
    """``out[k] = peak * exp(1 - 1 / (1 - |x_k - c|^2 / r^2))`` inside the ball, 0 outside, on the
    interior points ``(i / nx, j / nx)``, i-outer, j-inner (peak 1: the code's bump)."""
    n_side = nx - 1
    for i in range(n_side):
        x = (i + 1) / nx
        for j in range(n_side):
            y = (j + 1) / nx
            q = ((x - cx) ** 2 + (y - cy) ** 2) / (radius * radius)
            out[i * n_side + j] = peak * math.exp(1.0 - 1.0 / (1.0 - q)) if q < 1.0 else 0.0


@nb.njit(cache=True, nogil=True)
def heat_step_system(params, u, t, rhs, forcing):
    """Build the Crank-Nicolson system of the step starting at time ``t``: write ``b_t`` into
    ``rhs`` (``forcing`` is scratch) and return ``(diag, off)`` of ``A_t`` and the context.
    ``A_t = I - kappa(h) dt / 2 L_h`` and ``b_t = (I + kappa(h) dt / 2 L_h) u + dt f(h, x)`` at
    ``h = t + dt / 2``; the context is kappa at ``t`` (code) or at ``h`` (paper)."""
    nx, dt, coefficient, peak, context_midpoint = params[0], params[1], params[2], params[3], params[4]
    h = t + 0.5 * dt
    kappa = heat_kappa_kernel(h, coefficient)
    a = 0.5 * kappa * dt * nx * nx  # kappa dt / (2 dx^2)
    stencil_matvec_kernel(nx - 1, 1.0 - 4.0 * a, a, u, rhs)
    heat_bump_kernel(nx, 0.5 + math.cos(16.0 * math.pi * h) / 4.0, 0.5 + math.sin(16.0 * math.pi * h) / 4.0,
                     0.125, 32.0 * peak, forcing)
    for k in range(rhs.size):
        rhs[k] += dt * forcing[k]
    context = heat_kappa_kernel(h if context_midpoint else t, coefficient)
    return 1.0 + 4.0 * a, -a, context


@nb.njit(cache=True, nogil=True)
def heat_solve(params, diag, off, rhs, u, omega):
    """SSOR-PCG (or CG) from the warm start ``u``; returns ``(iterations, x)``."""
    nx, tol, max_iter, precondition = params[0], params[5], params[6], params[7]
    return pcg_stencil_kernel(nx - 1, diag, off, rhs, u, omega, tol, max_iter, precondition)
