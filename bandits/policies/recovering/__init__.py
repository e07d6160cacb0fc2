"""Policies of the recovering-rewards setting (Simchi-Levi, Zheng & Zhu, *Offline Planning and
Online Learning under Recovering Rewards*, ICML 2021, arXiv:2106.14813).

=====================  ==========================================================================
module                 holds
=====================  ==========================================================================
``face``               :class:`RecoveringPolicy`, the face and the kernel protocol
``schedule``           the purely periodic schedule: LP, rounding, offsets, collisions; top-K
``periodic``           :class:`PurelyPeriodic` (offline, oracle) and :class:`PeriodicUCB` (online)
``baselines``          :class:`MyopicGreedy` (oracle), :class:`MyopicGreedyUCB`,
                       :class:`CombinatorialUCB` (idle-blind), :class:`RandomSubset`
``checks``             :func:`check_recovering_policy`, the conformance check
=====================  ==========================================================================
"""

from bandits.policies.recovering.baselines import (
    CombinatorialUCB,
    MyopicGreedy,
    MyopicGreedyUCB,
    RandomSubset,
)
from bandits.policies.recovering.checks import check_recovering_policy
from bandits.policies.recovering.face import RecoveringPolicy
from bandits.policies.recovering.periodic import PeriodicUCB, PurelyPeriodic

__all__ = [
    "CombinatorialUCB",
    "MyopicGreedy",
    "MyopicGreedyUCB",
    "PeriodicUCB",
    "PurelyPeriodic",
    "RandomSubset",
    "RecoveringPolicy",
    "check_recovering_policy",
]
