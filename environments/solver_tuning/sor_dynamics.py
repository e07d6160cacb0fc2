"""Compiled dynamics of the synthetic SOR sequence (Khodak, Chow, Balcan & Talwalkar, *Learning to
Relax*, ICLR 2024, arXiv:2310.02246; the official scripts ``learning.m`` and ``contextual.m``):
drawing an instance, Young's instance-optimal omega, and the cost of one solve.

Instance t is the shifted 2-D Laplacian ``A_t = A + c_t I`` (``A`` the unscaled 5-point stencil on
an N x N interior grid) with right-hand side ``b_t``; ``c_t = shift_low + shift_width * Beta(a, b)``;
``b_t ~ N(0, I_n)`` conditioned on ``||b_t|| <= rhs_norm_bound``.

Draw discipline
---------------
Per instance, from the environment stream: one Beta draw (the shift), then blocks of ``n``
standard normals until one has norm ``<= rhs_norm_bound``. Solvers draw nothing. The fused loop
and the Gymnasium shell draw in this order, so the same seed gives the same instances.
"""

from __future__ import annotations

import math

import numba as nb

from bandits.core.rng import generator_of
from environments.solver_tuning.linear_solvers.stencil import sor_stencil_kernel

__all__ = ["SHIFT_DISTRIBUTIONS", "draw_instance", "omega_star_of_shift", "sor_cost"]

#: Beta parameters of the paper's shift distributions: c = -0.15 + 0.6 Beta(a, b) ("high" variance
#: Beta(1/2, 3/2), "low" variance Beta(2, 6); both have E[c] = 0 and c in [-0.15, 0.45]).
SHIFT_DISTRIBUTIONS = {"high": (0.5, 1.5), "low": (2.0, 6.0)}


@nb.njit(cache=True, nogil=True)
def draw_instance(params, rng, rhs):
    """Draw the next instance into ``rhs`` (float64[n]) and return its shift ``c_t``; see the
    module's draw discipline. ``params`` is :attr:`SORTuning.kernel_params`."""
    n_side, beta_a, beta_b, shift_low, shift_width, rhs_norm_bound = params[0], params[1], params[2], params[3], params[4], params[5]
    g = generator_of(rng)
    shift = shift_low + shift_width * g.beta(beta_a, beta_b)
    n = n_side * n_side
    while True:
        total = 0.0
        for k in range(n):
            value = g.standard_normal()
            rhs[k] = value
            total += value * value
        if math.sqrt(total) <= rhs_norm_bound:
            return shift


@nb.njit(cache=True, nogil=True)
def omega_star_of_shift(n_side, shift):
    """Young's optimal omega of ``A + shift I``: ``2 / (1 + sqrt(1 - beta^2))`` with the Jacobi
    spectral radius ``beta = 4 cos(pi / (N + 1)) / (4 + shift)`` (closed form)."""
    beta = 4.0 * math.cos(math.pi / (n_side + 1)) / (4.0 + shift)
    return 2.0 / (1.0 + math.sqrt(1.0 - beta * beta))


@nb.njit(cache=True, nogil=True)
def sor_cost(params, shift, rhs, omega):
    """The cost of one instance: SOR iterations from ``x = 0`` on ``(A + shift I) x = rhs`` with
    relaxation ``omega``, tolerance ``params[6]`` relative to ``||rhs||``, capped at ``params[7]``
    (the stencil kernel :func:`~environments.solver_tuning.linear_solvers.sor_stencil_kernel`)."""
    n_side, tol, max_iter = params[0], params[6], params[7]
    iterations, _ = sor_stencil_kernel(n_side, 4.0 + shift, -1.0, rhs, omega, tol, max_iter)
    return iterations
