"""Fixed-budget differentially private best-arm identification in linear bandits (Chen, Karthik,
Chee & Tan, *Fixed-Budget Differentially Private Best Arm Identification*, ICLR 2024,
arXiv:2401.09073): the environment side of the setting.

Only the paper's abstract and public reviews were available; each module says which details are
our reconstruction. The policies are :mod:`bandits.policies.private_bai`; the empirical privacy
audit is :mod:`bandits.privacy_audit`.

=====================  ==========================================================================
module                 holds
=====================  ==========================================================================
``linear_algebra``     hand-written numba kernels: :func:`determinant`, :func:`solve`
                       (:func:`lu_factor`, :func:`lu_solve`), :func:`span_basis`, :func:`project`
``max_det``            Max-Det collections: :func:`max_det_exact`, :func:`max_det_local_search`,
                       :func:`coefficients`, :func:`max_det_collection`
``problem``            :class:`LinearBAIProblem`, :class:`RewardTableBAIProblem` (rewards read from a
                       table), :func:`reward_table`, :func:`neighbour`
``instances``          :class:`SoareBAIProblem`, :class:`RandomUnitArmsBAIProblem` and their
                       functions :func:`soare_instance`, :func:`random_unit_arms`
``protocol``           :class:`PrivateBAIView` (what a learner may know), the shell's observations
``dynamics``           :func:`bai_pull`: one reward, drawn or read from a reward table
``loop``               the fused loop :func:`run_bai_replication`, :class:`PrivateBAILoop`
``shell``              :class:`PrivateLinearBAIShell` (T pulls, then the recommendation)
``gym_entry_points``   ``regretlab/PrivateLinearBAI-v0``
=====================  ==========================================================================
"""

from environments.private_bai.dynamics import bai_pull
from environments.private_bai.gym_entry_points import PrivateLinearBAIEnv
from environments.private_bai.instances import (
    RandomUnitArmsBAIProblem,
    SoareBAIProblem,
    random_unit_arms,
    soare_instance,
)
from environments.private_bai.linear_algebra import (
    determinant,
    lu_factor,
    lu_solve,
    project,
    solve,
    span_basis,
)
from environments.private_bai.loop import PrivateBAILoop, run_bai_replication
from environments.private_bai.max_det import (
    MaxDetResult,
    coefficients,
    max_det_collection,
    max_det_exact,
    max_det_local_search,
)
from environments.private_bai.problem import (
    LinearBAIProblem,
    RewardTableBAIProblem,
    neighbour,
    reward_table,
)
from environments.private_bai.protocol import PrivateBAIView
from environments.private_bai.shell import PrivateLinearBAIShell

__all__ = [
    "LinearBAIProblem",
    "MaxDetResult",
    "PrivateBAILoop",
    "PrivateBAIView",
    "PrivateLinearBAIEnv",
    "PrivateLinearBAIShell",
    "RandomUnitArmsBAIProblem",
    "RewardTableBAIProblem",
    "SoareBAIProblem",
    "bai_pull",
    "coefficients",
    "determinant",
    "lu_factor",
    "lu_solve",
    "max_det_collection",
    "max_det_exact",
    "max_det_local_search",
    "neighbour",
    "project",
    "random_unit_arms",
    "reward_table",
    "run_bai_replication",
    "soare_instance",
    "solve",
    "span_basis",
]
