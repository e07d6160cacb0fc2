"""The conformance check of the weighted-tallying policies (:func:`check_tallying_policy`), run
by :func:`bandits.check_policy` for every policy whose setting is ``"tallying"``."""

from __future__ import annotations

from bandits.core.armed_bandit import check_k_armed_policy

__all__ = ["check_tallying_policy"]


def check_tallying_policy(policy, *, n_arms: int = 5, n_steps: int = 300, seed: int = 12345, problem=None) -> None:
    """:func:`bandits.core.armed_bandit.check_k_armed_policy` (its checks, in order, are listed
    there) on ``problem`` (a tallying problem the policy can run on) or on ``n_arms`` actions
    paying a fixed reward sequence at both ends of the policy's reward range."""
    check_k_armed_policy(policy, n_arms=n_arms, n_steps=n_steps, seed=seed, problem=problem)
