"""Crank-Nicolson helpers of the 2-D heat-equation sequence (Khodak, Chow, Balcan & Talwalkar,
*Learning to Relax*, ICLR 2024, arXiv:2310.02246, Appendix G.2), in numpy, validated: an
independent path to the compiled heat kernels of :mod:`environments.solver_tuning.heat_dynamics`.

``u_t = kappa(t) Lap u + f(t, x)`` on the unit square, zero Dirichlet boundary, grid ``nx``,
``dx = 1/nx``, ``(nx - 1)^2`` interior points ``(i dx, j dx)`` ordered i-outer, j-inner.
Crank-Nicolson at ``t + dt/2``: ``A_t = I - kappa dt/2 L_h`` (stencil ``diag = 1 + 2 kappa dt /
dx^2``, ``off = -kappa dt / (2 dx^2)``) and ``b_t = (I + kappa dt/2 L_h) u + dt f(t + dt/2, x)``.
``kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t)``; ``bump(x; c, r) = exp(1 - 1/(1 - |x-c|^2/r^2))``
(peak 1); ``f = 32 bump(x; (1/2 + cos(16 pi t)/4, 1/2 + sin(16 pi t)/4), 1/8)``;
``u_0 = bump(x; (1/2, 1/2), 1/4)``. These are the official code's conventions; the paper's text
differs (kappa coefficient 0.01, bump peak 1/e, cos in both coordinates of the forcing centre).
"""

from __future__ import annotations

import math

import numpy as np

from bandits.core.validation import check_integer, check_real, check_real_vector
from environments.solver_tuning.linear_solvers.stencil import stencil_matvec_kernel
from environments.solver_tuning.linear_solvers.validation import _check_vector

__all__ = [
    "heat_kappa",
    "bump",
    "heat_grid_points",
    "heat_forcing",
    "heat_initial_condition",
    "heat_cn_stencil",
    "heat_rhs",
]


def heat_kappa(t, coefficient=0.1):
    """``kappa(t) = max(coefficient sin 2 pi t, -10 sin 2 pi t)`` (the code's 0.1; the paper text
    says 0.01). Scalar or array ``t``."""
    coefficient = check_real("coefficient", coefficient, low=0.0)
    t = np.asarray(t, dtype=np.float64)
    if not np.isfinite(t).all():
        raise ValueError(f"t: must be finite, got {t!r}")
    s = np.sin(2.0 * np.pi * t)
    result = np.maximum(coefficient * s, -10.0 * s)
    return float(result) if result.ndim == 0 else result


def bump(points, centre, radius):
    """``exp(1 - 1/(1 - |x - centre|^2 / radius^2))`` inside the open ball, 0 outside: the code's
    bump with peak 1 at ``centre`` (the paper's ``exp(-1/(1 - .))`` peaks at 1/e).
    ``points`` has shape ``(..., 2)``."""
    radius = check_real("radius", radius, low=0.0, low_open=True)
    centre = check_real_vector("centre", centre)
    p = np.asarray(points, dtype=np.float64)
    if p.ndim < 1 or p.shape[-1] != centre.size:
        raise ValueError(f"points: must have shape (..., {centre.size}), got {p.shape}")
    q = np.sum((p - centre) ** 2, axis=-1) / (radius * radius)
    inside = q < 1.0
    out = np.zeros(q.shape)
    out[inside] = np.exp(1.0 - 1.0 / (1.0 - q[inside]))
    return out


def heat_grid_points(nx):
    """The ``(nx - 1)^2`` interior points ``(i dx, j dx)``, ``dx = 1/nx``, i-outer, j-inner, as an
    array of shape ``((nx - 1)^2, 2)``."""
    nx = check_integer("nx", nx, low=2)
    coordinate = np.arange(1, nx) / nx
    x, y = np.meshgrid(coordinate, coordinate, indexing="ij")
    return np.stack([x.ravel(), y.ravel()], axis=1)


def heat_forcing(t, points):
    """``f(t, x) = 32 bump(x; (1/2 + cos(16 pi t)/4, 1/2 + sin(16 pi t)/4), 1/8)`` (the code's
    forcing; the paper writes cos twice)."""
    t = check_real("t", t)
    centre = (0.5 + math.cos(16.0 * math.pi * t) / 4.0, 0.5 + math.sin(16.0 * math.pi * t) / 4.0)
    return 32.0 * bump(points, centre, 0.125)


def heat_initial_condition(nx):
    """``u_0 = bump(x; (1/2, 1/2), 1/4)`` on the interior grid of :func:`heat_grid_points`."""
    return bump(heat_grid_points(nx), (0.5, 0.5), 0.25)


def heat_cn_stencil(kappa, dt, nx):
    """The Crank-Nicolson matrix ``A_t = I - kappa dt/2 L_h`` as a stencil ``(n_side, diag,
    off) = (nx - 1, 1 + 2 kappa dt / dx^2, -kappa dt / (2 dx^2))``, ``dx = 1/nx``."""
    kappa = check_real("kappa", kappa, low=0.0)
    dt = check_real("dt", dt, low=0.0, low_open=True)
    nx = check_integer("nx", nx, low=2)
    a = 0.5 * kappa * dt * nx * nx  # kappa dt / (2 dx^2)
    return nx - 1, 1.0 + 4.0 * a, -a


def heat_rhs(u, kappa, t_half, dt, nx):
    """``b_t = (I + kappa dt/2 L_h) u + dt f(t_half, x)`` on the interior grid (``t_half`` the
    half step ``t + dt/2``)."""
    kappa = check_real("kappa", kappa, low=0.0)
    t_half = check_real("t_half", t_half)
    dt = check_real("dt", dt, low=0.0, low_open=True)
    nx = check_integer("nx", nx, low=2)
    n_side = nx - 1
    u = _check_vector("u", u, n_side * n_side)
    a = 0.5 * kappa * dt * nx * nx
    explicit = np.empty(n_side * n_side)
    stencil_matvec_kernel(n_side, 1.0 - 4.0 * a, a, u, explicit)
    return explicit + dt * heat_forcing(t_half, heat_grid_points(nx))
