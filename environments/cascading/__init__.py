"""Cascading bandits (Kveton, Szepesvari, Wen & Ashkan, ICML 2015, arXiv:1502.02763) and cascading
RL (Du, Srikant & Chen, ICLR 2024, arXiv:2401.08961): the environment side of the setting.

=====================  ==========================================================================
module                 holds
=====================  ==========================================================================
``protocol``           :class:`CascadeLearnerView` (what a learner may know),
                       :class:`CascadeFeedback` (what it learns from a step), :func:`parse_item_list`
``planning``           the oracles: :func:`cascade_list_value`, :func:`best_perm`, exhaustive search,
                       exact plan evaluation :func:`plan_values` and :func:`optimal_values` (``V*``)
``dynamics``           the cascade kernels :func:`cascade_initial_state`, :func:`cascade_step`
``loop``               the fused loop :func:`run_cascading_replication`, :class:`CascadingLoop`
``shell``              :class:`ItemListSpace` and the Gymnasium shells over a problem
``problem``            :class:`CascadingMDP`, :class:`RandomCascadingMDP`, :class:`CascadingBandit`,
                       :class:`BLBCascadingBandit`
``gym_entry_points``   ``regretlab/CascadingBandit-v0`` and ``regretlab/CascadingMDP-v0``
=====================  ==========================================================================
"""

from environments.cascading.dynamics import cascade_initial_state, cascade_step
from environments.cascading.gym_entry_points import CascadingBanditEnv, CascadingMDPEnv
from environments.cascading.loop import CascadingLoop, run_cascading_replication
from environments.cascading.planning import (
    all_item_lists,
    best_perm,
    cascade_list_value,
    exhaustive_best_list_by_priority,
    optimal_values,
    plan_values,
)
from environments.cascading.problem import BLBCascadingBandit, CascadingBandit, CascadingMDP, RandomCascadingMDP
from environments.cascading.protocol import CascadeFeedback, CascadeLearnerView, parse_item_list
from environments.cascading.shell import CascadeShell, CascadingBanditShell, CascadingMDPShell, ItemListSpace

__all__ = [
    "CascadingMDP",
    "RandomCascadingMDP",
    "CascadingBandit",
    "BLBCascadingBandit",
    "CascadeLearnerView",
    "CascadeFeedback",
    "parse_item_list",
    "CascadingBanditEnv",
    "CascadingMDPEnv",
    "CascadeShell",
    "CascadingBanditShell",
    "CascadingMDPShell",
    "ItemListSpace",
    "CascadingLoop",
    "run_cascading_replication",
    "cascade_initial_state",
    "cascade_step",
    "cascade_list_value",
    "best_perm",
    "all_item_lists",
    "exhaustive_best_list_by_priority",
    "plan_values",
    "optimal_values",
]
