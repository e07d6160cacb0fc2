"""Policies, one package per setting: numba kernels plus a Python face
(:class:`bandits.core.policy.Policy`).

``bandits.policies.classic``, ``bandits.policies.cascading``, ``bandits.policies.streaming`` and
``bandits.policies.solver_tuning`` hold the built-in settings' policies; the setting registry
(:mod:`bandits.core.registry`) maps every policy name used in experiment files and on the
command line to its class. Importing this package loads no setting; any registered policy class
is available by name, lazily::

    from bandits.policies import UCB1, CascadingVI, LogStarMemory, ChebCB
"""

from bandits.core.conformance import PolicyCheckError, check_policy
from bandits.core.policy import Policy
from bandits.core.registry import exported_names, find_exported, policy_class, policy_names

__all__ = ["Policy", "check_policy", "PolicyCheckError", "policy_class", "policy_names"]


def __getattr__(name):
    """A policy class of any registered setting, by class name."""
    try:
        return find_exported(name, kinds=("policies",))
    except AttributeError:
        raise AttributeError(f"module 'bandits.policies' has no attribute {name!r}") from None


def __dir__():
    return sorted(set(__all__) | set(exported_names(kinds=("policies",))))
