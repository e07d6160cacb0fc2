"""DP-BAI (Chen, Karthik, Chee & Tan, *Fixed-Budget Differentially Private Best Arm
Identification*, ICLR 2024, arXiv:2401.09073): phased elimination that pulls a Max-Det
collection of the active arms, releases Laplace-noised means and infers every other arm's mean
from its coordinates in that collection.

Only the paper's abstract and public reviews were available to us. Verified there: the
per-phase budget ``T'/M``, the Max-Det pulls ``T'/(M d_p)``, the projection onto the span of the
active arms (apparent dimension ``d_p``), Laplace-noised means, ``M = Theta(log d)`` and the
bound ``exp(-T' / (65 M H))``. Our reconstruction, each a parameter: the phase schedule, ``T'``,
the switch between the Max-Det and the uniform branch, the noise-scale convention and the Max-Det
search.
"""

from __future__ import annotations

from typing import ClassVar

from bandits.core.validation import check_choice, check_real
from bandits.policies.private_bai import phased_elimination as engine
from bandits.policies.private_bai.face import PrivateBAIPolicy, set_common_parameters

__all__ = ["DPBAI"]

_SWITCH_RULES = {"active_gt_d2": engine.SWITCH_ACTIVE_GT_D2, "always": engine.SWITCH_ALWAYS,
                 "never": engine.SWITCH_NEVER}
_MAX_DET = {"auto": engine.MAX_DET_AUTO, "exact": engine.MAX_DET_EXACT, "local": engine.MAX_DET_LOCAL}


class DPBAI(PrivateBAIPolicy):
    """DP-BAI: epsilon-differentially private fixed-budget best-arm identification with Max-Det
    collections (kernels: :mod:`bandits.policies.private_bai.phased_elimination`).

    Parameters
    ----------
    epsilon : float, default 1.0
        Privacy level, ``> 0``; ``inf`` releases exact means (non-private).
    schedule : str or list of int, default "halve_from_d2"
        Arms kept after each phase (:mod:`bandits.policies.private_bai.schedules`); the default
        is our reconstruction: cut to ``ceil(min(K, r^2) / 2)`` arms, then halve (r = the rank of
        the arm vectors).
    switch_rule : {"active_gt_d2", "always", "never"}, default "active_gt_d2"
        When a phase pulls a Max-Det collection instead of every active arm: when ``|A_p| >
        d_p^2`` (our reconstruction: below that, ``d_p`` pulls with coefficients up to 1 give no
        smaller error than uniform sampling), whenever ``|A_p| > d_p``, or never (private
        sequential halving on the schedule).
    max_det : {"auto", "exact", "local"}, default "auto"
        Exhaustive search when ``C(|A_p|, d_p) <= 2000`` ("auto") or always ("exact"), else
        local search, which guarantees ``|beta| <= 1 + max_det_slack`` (reported per run as the
        ``max_abs_coefficient`` metric).
    max_det_slack : float, default 0.0
        ``>= 0``: the local search swaps while some ``|beta| > 1 + max_det_slack``.
    noise_scale : {"per_phase", "composed"}, default "per_phase"
        Laplace scale ``1 / (epsilon n)`` per released mean (each reward table entry enters one
        released mean: parallel composition), or ``M / (epsilon n)`` (sequential composition
        over the M phases; private but needlessly noisy).
    noise_multiplier : float, default 1.0
        Multiplies the Laplace scale. Values below 1 void the epsilon-DP guarantee; they exist
        so that the privacy audit can be shown to catch a broken mechanism.
    reserved_pulls : int, default 0
        ``T' = T - reserved_pulls`` pulls are split equally among the phases.
    rank_tolerance : float, default 1e-10
        Relative tolerance of the span's dimension ``d_p``.
    """

    name: ClassVar[str] = "dp_bai"
    method: ClassVar[int] = engine.METHOD_MAX_DET

    def __init__(self, epsilon=1.0, schedule="halve_from_d2", switch_rule="active_gt_d2", max_det="auto",
                 max_det_slack=0.0, noise_scale="per_phase", noise_multiplier=1.0, reserved_pulls=0,
                 rank_tolerance=1e-10):
        set_common_parameters(self, epsilon, schedule, noise_scale, noise_multiplier, reserved_pulls, rank_tolerance)
        self.switch_rule = check_choice("switch_rule", switch_rule, tuple(_SWITCH_RULES))
        self.max_det = check_choice("max_det", max_det, tuple(_MAX_DET))
        self.max_det_slack = check_real("max_det_slack", max_det_slack, low=0.0)

    def _design_hyper(self, rank):
        return _MAX_DET[self.max_det], self.max_det_slack, _SWITCH_RULES[self.switch_rule], 0, 0.0

    def _required_pulls(self, n_active, rank):
        if self.switch_rule == "never":
            return n_active
        if self.switch_rule == "always":
            return min(n_active, rank)
        return n_active if n_active <= rank * rank else rank
