"""Closed forms of SOR theory for the shifted 5-point Laplacian (Young 1971; the oracles of
Khodak, Chow, Balcan & Talwalkar, *Learning to Relax*, ICLR 2024, arXiv:2310.02246).

``jacobi_radius_shifted_laplacian(n_side, shift) = 4 cos(pi h) / (4 + c)``, ``h = 1/(n_side+1)``
(the Jacobi spectral radius beta(c)); ``optimal_omega(beta) = 2 / (1 + sqrt(1 - beta^2))``
(Young's omega*); ``sor_spectral_radius(omega, beta)``: Young's formula
``(omega beta + sqrt(omega^2 beta^2 - 4 (omega - 1)))^2 / 4`` for ``omega <= omega*`` and
``omega - 1`` above.
"""

from __future__ import annotations

import math

import numpy as np

from bandits.core.validation import check_integer, check_real

__all__ = ["jacobi_radius_shifted_laplacian", "optimal_omega", "sor_spectral_radius"]


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
        raise ValueError(f"beta: must be in [0, 1), got {float(value)!r}")
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
        raise ValueError(f"omega: must be in (0, 2), got {float(value)!r}")
    w_opt = 2.0 / (1.0 + math.sqrt(1.0 - b * b))
    below = w <= w_opt
    disc = np.where(below, w * w * b * b - 4.0 * (w - 1.0), 0.0)
    young = 0.25 * (w * b + np.sqrt(np.maximum(disc, 0.0))) ** 2
    result = np.where(below, young, w - 1.0)
    return float(result) if result.ndim == 0 else result
