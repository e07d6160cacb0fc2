"""The conformance check of the classic-bandit policies (:func:`check_classic_policy`), run by
:func:`bandits.check_policy` for every policy whose setting is ``"classic"``."""

from __future__ import annotations

from bandits.core.armed_bandit import check_k_armed_policy

__all__ = ["check_classic_policy"]


def check_classic_policy(policy, *, n_arms: int = 5, n_steps: int = 300, seed: int = 12345, problem=None) -> None:
    """The conformance check of the classic policies: :func:`bandits.core.armed_bandit.check_k_armed_policy`
    (its checks, in order, are listed there) on ``problem`` (a classic problem) or on ``n_arms``
    arms paying a fixed reward sequence."""
    check_k_armed_policy(policy, n_arms=n_arms, n_steps=n_steps, seed=seed, problem=problem)
