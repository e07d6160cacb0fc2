"""Cascading-bandit and cascading-RL policies: numba kernels plus Python faces.

References: Kveton, Szepesvari, Wen & Ashkan, *Cascading bandits*, ICML 2015, arXiv:1502.02763
(CascadeUCB1, CascadeKL-UCB); Du, Srikant & Chen, *Cascading reinforcement learning*, ICLR 2024,
arXiv:2401.08961 (CascadingVI, CascadingBPI and the baselines CascadingVI-Oracle,
CascadingVI-Bonus, AdaptVI). The planning oracles they use (BestPerm, exhaustive search, exact
plan evaluation) are the environment's: :mod:`environments.cascading.planning`.

===================  ============================================================================
module               holds
===================  ============================================================================
``face``             :class:`CascadingPolicy`, the face shared by every cascading policy
``tie_breaking``     the random priority order of the items (ties in index order and BestPerm)
``index_policies``   :class:`CascadeUCB1`, :class:`CascadeKLUCB` and their kernels
``value_iteration``  :class:`CascadingVI`, :class:`CascadingVIOracle`, :class:`CascadingVIBonus`,
                     :class:`CascadingBPI` and their kernels
``adapt_vi``         :class:`AdaptVI` (lists as atomic actions) and its kernels
``checks``           :func:`check_cascading_policy`, the setting's conformance check
===================  ============================================================================
"""

from bandits.policies.cascading.adapt_vi import AdaptVI
from bandits.policies.cascading.checks import check_cascading_policy
from bandits.policies.cascading.face import CascadingPolicy, parse_item_list
from bandits.policies.cascading.index_policies import CascadeKLUCB, CascadeUCB1
from bandits.policies.cascading.value_iteration import CascadingBPI, CascadingVI, CascadingVIBonus, CascadingVIOracle

__all__ = [
    "CascadingPolicy",
    "CascadeUCB1",
    "CascadeKLUCB",
    "CascadingVI",
    "CascadingVIOracle",
    "CascadingVIBonus",
    "CascadingBPI",
    "AdaptVI",
    "check_cascading_policy",
    "parse_item_list",
]
