"""Test oracles of the solver-tuning setting (Khodak, Chow, Balcan & Talwalkar, *Learning to Relax*,
ICLR 2024, arXiv:2310.02246): NumPy re-implementations that the tests compare the compiled
environments with, and that no source module needs. pytest puts this folder on ``sys.path``, so
the tests import it as ``solver_tuning_oracles``.

Closed forms of SOR theory
--------------------------
For the shifted 5-point Laplacian (Young 1971; the oracles of Khodak, Chow, Balcan & Talwalkar, *Learning to Relax*, ICLR 2024, arXiv:2310.02246).

``jacobi_radius_shifted_laplacian(n_side, shift) = 4 cos(pi h) / (4 + c)``, ``h = 1/(n_side+1)``
(the Jacobi spectral radius beta(c)); ``optimal_omega(beta) = 2 / (1 + sqrt(1 - beta^2))``
(Young's omega*); ``sor_spectral_radius(omega, beta)``: Young's formula
``(omega beta + sqrt(omega^2 beta^2 - 4 (omega - 1)))^2 / 4`` for ``omega <= omega*`` and
``omega - 1`` above.

The compiled environments use their own closed form
(:func:`environments.solver_tuning.sor_dynamics.omega_star_of_shift`).

Crank-Nicolson helpers of the heat equation
-------------------------------------------
Of the 2-D heat-equation sequence (Khodak, Chow, Balcan & Talwalkar,
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

from bandits.core.validation import ParameterError, check_integer, check_real, check_real_vector
from environments.solver_tuning.linear_solvers.stencil import stencil_matvec_kernel
from environments.solver_tuning.linear_solvers.validation import _check_vector

__all__ = [
    # closed forms of SOR theory
    "jacobi_radius_shifted_laplacian",
    "optimal_omega",
    "sor_spectral_radius",
    # the heat equation in numpy
    "heat_kappa",
    "bump",
    "heat_grid_points",
    "heat_forcing",
    "heat_initial_condition",
    "heat_cn_stencil",
    "heat_rhs",
]


# ---------------------------------------------------------------------------------------------
# Closed forms of SOR theory (Young 1971)
# ---------------------------------------------------------------------------------------------
def jacobi_radius_shifted_laplacian(n_side, shift=0.0):
    """``beta(c) = rho(I - D^{-1}(A + cI)) = 4 cos(pi h) / (4 + c)``, ``h = 1/(n_side + 1)``, for
    the unscaled 5-point Laplacian ``A`` on an ``n_side x n_side`` grid (the model problem's
    closed form; Young 1971, as used by Khodak et al., arXiv:2310.02246).

    ``A + cI`` is SPD, equivalently ``beta < 1``, iff ``c > -(4 - 4 cos(pi h))``; other shifts are
    rejected.
    """
    n_side = check_integer("n_side", n_side, low=1)
    h = 1.0 / (n_side + 1)
    lowest = -(4.0 - 4.0 * math.cos(math.pi * h))
    shift = check_real("shift", shift, low=lowest, low_open=True)
    return 4.0 * math.cos(math.pi * h) / (4.0 + shift)


def _check_beta(beta):
    array = np.asarray(beta, dtype=np.float64)
    bad = ~(np.isfinite(array) & (array >= 0.0) & (array < 1.0))
    if bad.any():
        value = array if array.ndim == 0 else array[np.unravel_index(int(np.argmax(bad)), array.shape)]
        raise ParameterError("beta", float(value), "must be in [0, 1)")
    return array


def optimal_omega(beta):
    """Young's optimal relaxation ``omega* = 2 / (1 + sqrt(1 - beta^2))`` (``beta`` the Jacobi
    spectral radius, in [0, 1); scalar or array)."""
    b = _check_beta(beta)
    result = 2.0 / (1.0 + np.sqrt(1.0 - b * b))
    return float(result) if result.ndim == 0 else result


def sor_spectral_radius(omega, beta):
    """Young's formula for ``rho(C_omega)`` of a consistently ordered SPD matrix with Jacobi
    spectral radius ``beta`` (Young 1971), vectorised over ``omega`` in (0, 2):
    ``(omega beta + sqrt(omega^2 beta^2 - 4 (omega - 1)))^2 / 4`` for ``omega <= omega*``, and
    ``omega - 1`` for ``omega >= omega*``."""
    b = float(_check_beta(check_real("beta", beta)))
    w = np.asarray(omega, dtype=np.float64)
    bad = ~(np.isfinite(w) & (w > 0.0) & (w < 2.0))
    if bad.any():
        value = w if w.ndim == 0 else w[np.unravel_index(int(np.argmax(bad)), w.shape)]
        raise ParameterError("omega", float(value), "must be in (0, 2)")
    w_opt = 2.0 / (1.0 + math.sqrt(1.0 - b * b))
    below = w <= w_opt
    disc = np.where(below, w * w * b * b - 4.0 * (w - 1.0), 0.0)
    young = 0.25 * (w * b + np.sqrt(np.maximum(disc, 0.0))) ** 2
    result = np.where(below, young, w - 1.0)
    return float(result) if result.ndim == 0 else result


# ---------------------------------------------------------------------------------------------
# The heat equation's Crank-Nicolson systems in numpy
# ---------------------------------------------------------------------------------------------
def heat_kappa(t, coefficient=0.1):
    """``kappa(t) = max(coefficient sin 2 pi t, -10 sin 2 pi t)`` (the code's 0.1; the paper text
    says 0.01). Scalar or array ``t``."""
    coefficient = check_real("coefficient", coefficient, low=0.0)
    t = np.asarray(t, dtype=np.float64)
    if not np.isfinite(t).all():
        raise ParameterError("t", t, "must be finite")
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
        raise ParameterError("points", points, f"must have shape (..., {centre.size})", got=str(p.shape))
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
