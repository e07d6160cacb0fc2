"""OD-LinBAI (Yang & Tan, *Minimax Optimal Fixed-Budget Best Arm Identification in Linear
Bandits*, NeurIPS 2022, arXiv:2105.13017) and its private version, the baseline of Chen, Karthik,
Chee & Tan (arXiv:2401.09073): phased elimination over G-optimal designs with a weighted least
squares estimate.

Recalled from Yang & Tan (not checked against their text here): ``ceil(log2 d)`` phases keeping
``ceil(d / 2^p)`` arms, a G-optimal design on the projected active arms, OLS. Our choices, each a
parameter: Frank-Wolfe for the design, apportionment of the phase's pulls, equal phase budgets,
and, for the private version, a Laplace-noised mean per design arm with scale ``1 / (epsilon
n_a)`` fed to weighted least squares.
"""

from __future__ import annotations

from typing import ClassVar

from bandits.core.validation import check_integer, check_real
from bandits.policies.private_bai import phased_elimination as engine
from bandits.policies.private_bai.face import PrivateBAIPolicy, set_common_parameters

__all__ = ["ODLinBAI"]


class ODLinBAI(PrivateBAIPolicy):
    """OD-LinBAI over G-optimal designs; private with a finite ``epsilon``, the non-private
    method of Yang & Tan with ``epsilon = inf``.

    Parameters
    ----------
    epsilon : float, default 1.0
        Privacy level, ``> 0``; ``inf``: no noise (ordinary least squares on the design).
    schedule : str or list of int, default "od_linbai"
        ``ceil(log2 r)`` phases keeping ``ceil(r / 2^p)`` arms (r = rank of the arm vectors).
    design_tolerance : float, default 0.01
        Frank-Wolfe stops when ``max_i x_i^T V^{-1} x_i <= d_p (1 + design_tolerance)``.
    design_iterations : int, default 1000
        Frank-Wolfe iteration cap, in ``[1, 10^7]``.
    noise_scale, noise_multiplier, reserved_pulls, rank_tolerance
        As for :class:`~bandits.policies.private_bai.dp_bai.DPBAI`.
    """

    name: ClassVar[str] = "od_linbai"
    method: ClassVar[int] = engine.METHOD_G_OPTIMAL

    def __init__(self, epsilon=1.0, schedule="od_linbai", design_tolerance=0.01, design_iterations=1000,
                 noise_scale="per_phase", noise_multiplier=1.0, reserved_pulls=0, rank_tolerance=1e-10):
        set_common_parameters(self, epsilon, schedule, noise_scale, noise_multiplier, reserved_pulls, rank_tolerance)
        self.design_tolerance = check_real("design_tolerance", design_tolerance, low=0.0, low_open=True)
        self.design_iterations = check_integer("design_iterations", design_iterations, low=1, high=10**7)

    def _design_hyper(self, rank):
        return engine.MAX_DET_AUTO, 0.0, engine.SWITCH_NEVER, self.design_iterations, self.design_tolerance
