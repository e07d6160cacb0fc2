"""Online tuning of the SOR / SSOR-PCG relaxation parameter omega (Khodak, Chow, Balcan & Talwalkar,
*Learning to Relax*, ICLR 2024, arXiv:2310.02246): Tsallis-INF, Tsallis-INF-CB, ChebCB and a
fixed-omega comparator.

Every policy has the face of :class:`bandits.core.policy.Policy`::

    policy.reset(view, seed=..., horizon=...)   # an OmegaGridView, a problem or an environment
    index = policy.select(observation)          # the round's context (required by contextual policies)
    policy.update(index, view.feedback(reward, info))   # the iteration count of the solve

Modules
-------
:mod:`.kernel_protocol`
    The kernel signatures (``init``, ``select``, ``update``) and what the kernel sets share.
:mod:`.face`
    :class:`SolverTuningPolicy`, the base class of the faces.
:mod:`.tsallis`
    :class:`OmegaTsallisINF` and :class:`OmegaTsallisINFCB` (Algorithms 2, 4 and 5).
:mod:`.chebcb`
    :class:`ChebCB` (Algorithm 3 / 7).
:mod:`.least_squares`
    Jacobi eigen-decomposition, minimum-norm PSD solve, box-constrained least squares (ChebCB).
:mod:`.fixed_omega`
    :class:`FixedOmega`, the fixed-omega comparator.
:mod:`.checks`
    :func:`check_solver_tuning_policy`, the setting's conformance check, and
    :func:`synthetic_costs`.
"""

from bandits.policies.solver_tuning.chebcb import ChebCB, chebcb_init, chebcb_select, chebcb_update, chebyshev_features
from bandits.policies.solver_tuning.checks import check_solver_tuning_policy, synthetic_costs
from bandits.policies.solver_tuning.face import SolverTuningPolicy
from bandits.policies.solver_tuning.fixed_omega import (
    FixedOmega,
    fixed_omega_init,
    fixed_omega_select,
    fixed_omega_update,
)
from bandits.policies.solver_tuning.least_squares import box_constrained_least_squares, min_norm_psd_solve
from bandits.policies.solver_tuning.tsallis import (
    OmegaTsallisINF,
    OmegaTsallisINFCB,
    tsallis_bin_of,
    tsallis_init,
    tsallis_select,
    tsallis_update,
)
from environments.solver_tuning import DEFAULT_OMEGA_GRID, MAX_COST, OmegaGridView

__all__ = [
    "SolverTuningPolicy",
    "OmegaTsallisINF",
    "OmegaTsallisINFCB",
    "ChebCB",
    "FixedOmega",
    "check_solver_tuning_policy",
    "synthetic_costs",
    "OmegaGridView",
    "DEFAULT_OMEGA_GRID",
    "MAX_COST",
    "tsallis_init",
    "tsallis_select",
    "tsallis_update",
    "tsallis_bin_of",
    "chebcb_init",
    "chebcb_select",
    "chebcb_update",
    "chebyshev_features",
    "min_norm_psd_solve",
    "box_constrained_least_squares",
    "fixed_omega_init",
    "fixed_omega_select",
    "fixed_omega_update",
]
