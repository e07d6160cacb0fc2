"""Weighted tallying bandits (Malik, Igoe, Li & Singh, *Weighted Tallying Bandits: Overcoming
Intractability via Repeated Exposure Optimality*, ICML 2023, arXiv:2305.02955): the environment
side of the setting.

=====================  ==========================================================================
module                 holds
=====================  ==========================================================================
``dynamics``           the tally and loss kernels (:func:`tally_env_init`, :func:`tally_of`,
                       :func:`tally_step`), the window convention, noise and reward forms
``comparators``        repeated exposure optimality (:func:`repeated_exposure_optimal_action`),
                       attainable tallies, the "always a*" losses and the exact optimum OPT_t
``loop``               the fused loop :func:`run_tallying_replication`, :class:`TallyingLoop`
``shell``              :class:`WeightedTallyingShell`
``problem``            :class:`WeightedTallyingBandit`, :class:`SyntheticTallyingBandit`, weight presets
``gym_entry_points``   ``regretlab/WeightedTallying-v0``
=====================  ==========================================================================

The learner view is the K-armed one (:class:`bandits.core.armed_bandit.ArmedBanditView`) and the
feedback of a step its reward, so the classic policies run here unchanged.
"""

from environments.tallying.comparators import (
    always_action_losses,
    attainable_tallies,
    exact_optimal_losses,
    repeated_exposure_optimal_action,
)
from environments.tallying.dynamics import (
    NOISE_CODES,
    REWARD_FORMS,
    expected_loss,
    interpolate,
    tally_env_init,
    tally_of,
    tally_step,
)
from environments.tallying.gym_entry_points import WeightedTallyingEnv
from environments.tallying.loop import TallyingLoop, run_tallying_replication
from environments.tallying.problem import (
    MAX_EXACT_HISTORIES,
    MAX_MEMORY,
    SyntheticTallyingBandit,
    WeightedTallyingBandit,
    geometric_weights,
    unweighted_weights,
)
from environments.tallying.shell import WeightedTallyingShell

__all__ = [
    "MAX_EXACT_HISTORIES",
    "MAX_MEMORY",
    "NOISE_CODES",
    "REWARD_FORMS",
    "SyntheticTallyingBandit",
    "TallyingLoop",
    "WeightedTallyingBandit",
    "WeightedTallyingEnv",
    "WeightedTallyingShell",
    "always_action_losses",
    "attainable_tallies",
    "exact_optimal_losses",
    "expected_loss",
    "geometric_weights",
    "interpolate",
    "repeated_exposure_optimal_action",
    "run_tallying_replication",
    "tally_env_init",
    "tally_of",
    "tally_step",
    "unweighted_weights",
]
