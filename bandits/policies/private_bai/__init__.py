"""Fixed-budget differentially private best-arm identification in linear bandits (Chen,
Karthik, Chee & Tan, *Fixed-Budget Differentially Private Best Arm Identification*, ICLR 2024,
arXiv:2401.09073): the policies.

=======================  ========================================================================
module                   holds
=======================  ========================================================================
``phased_elimination``   the kernels every policy runs: design, Laplace release, estimates,
                         elimination (batch protocol of :mod:`environments.private_bai.loop`)
``designs``              the G-optimal design (Frank-Wolfe) and apportionment of pulls
``schedules``            survivors per phase and phase budgets
``face``                 :class:`PrivateBAIPolicy`, the batch face
``dp_bai``               :class:`DPBAI` (Max-Det collections)
``od_linbai``            :class:`ODLinBAI` (G-optimal designs; private or not)
``uniform_sampling``     :class:`SequentialHalving`, :class:`UniformAllocation`
``driving``              :func:`identify`: a policy through the Gymnasium shell to its recommendation
``checks``               :func:`check_private_bai_policy`
=======================  ========================================================================
"""

from bandits.policies.private_bai.checks import check_private_bai_policy
from bandits.policies.private_bai.dp_bai import DPBAI
from bandits.policies.private_bai.driving import Identification, identify
from bandits.policies.private_bai.face import PrivateBAIPolicy
from bandits.policies.private_bai.od_linbai import ODLinBAI
from bandits.policies.private_bai.uniform_sampling import (
    SequentialHalving,
    UniformAllocation,
)

__all__ = [
    "DPBAI",
    "Identification",
    "ODLinBAI",
    "PrivateBAIPolicy",
    "SequentialHalving",
    "UniformAllocation",
    "check_private_bai_policy",
    "identify",
]
