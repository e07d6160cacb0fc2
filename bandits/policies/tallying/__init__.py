"""Policies of weighted tallying bandits (Malik, Igoe, Li & Singh, *Weighted Tallying Bandits:
Overcoming Intractability via Repeated Exposure Optimality*, ICML 2023, arXiv:2305.02955).

=========================  ======================================================================
module                     holds
=========================  ======================================================================
``face``                   :class:`TallyingPolicy`, the K-armed face for this setting
``burn_in_elimination``    :class:`SuccessiveEliminationBurnIn`, the paper's algorithm as we
                           reconstruct it: burn-in blocks, geometric block growth, elimination
``baselines``              :class:`BlockedEXP3` (Arora, Dekel & Tewari 2012), :class:`FixedArm`
``checks``                 :func:`check_tallying_policy`, the conformance check
=========================  ======================================================================

The classic policies (``ucb1``, ``exp3``, ``successive_elimination``, ...) run on tallying
problems unchanged: they are the switching baselines.
"""

from bandits.policies.tallying.baselines import BlockedEXP3, FixedArm
from bandits.policies.tallying.burn_in_elimination import SuccessiveEliminationBurnIn
from bandits.policies.tallying.checks import check_tallying_policy
from bandits.policies.tallying.face import TallyingPolicy

__all__ = ["BlockedEXP3", "FixedArm", "SuccessiveEliminationBurnIn", "TallyingPolicy", "check_tallying_policy"]
