"""Fixed-budget differentially private best-arm identification in linear bandits (Chen, Karthik,
Chee & Tan, *Fixed-Budget Differentially Private Best Arm Identification*, ICLR 2024,
arXiv:2401.09073): the environment side of the setting -- numerics and problems so far.

Only the paper's abstract and public reviews were available; each module says which details are
our reconstruction.

=====================  ==========================================================================
module                 holds
=====================  ==========================================================================
``linear_algebra``     hand-written numba kernels: :func:`determinant`, :func:`solve`
                       (:func:`lu_factor`, :func:`lu_solve`), :func:`span_basis`, :func:`project`
``max_det``            Max-Det collections: :func:`max_det_exact`, :func:`max_det_local_search`,
                       :func:`coefficients`, :func:`max_det_collection`
``problem``            :class:`LinearBAIProblem`, :func:`reward_table`, :func:`neighbour`
``instances``          :func:`soare_instance`, :func:`random_unit_arms`
=====================  ==========================================================================
"""

from environments.private_bai.instances import random_unit_arms, soare_instance
from environments.private_bai.linear_algebra import (
    determinant,
    lu_factor,
    lu_solve,
    project,
    solve,
    span_basis,
)
from environments.private_bai.max_det import (
    MaxDetResult,
    coefficients,
    max_det_collection,
    max_det_exact,
    max_det_local_search,
)
from environments.private_bai.problem import LinearBAIProblem, neighbour, reward_table

__all__ = [
    "LinearBAIProblem",
    "MaxDetResult",
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
    "soare_instance",
    "solve",
    "span_basis",
]
