"""The face shared by the classic-bandit policies.

Kernels
-------
A classic policy is three jitted functions over a *state* (a tuple of numpy arrays, mutated in
place) and *hyper-parameters* (a tuple of scalars and arrays, never mutated):

``init(n_arms, hyper) -> state``
    Fresh state for ``n_arms`` arms.
``select(state, hyper, t, rng) -> int``
    The arm to pull at round ``t`` (1-based). All randomness comes from ``rng``, the policy's own
    stream (a :class:`bandits.core.rng.RandomStream` or a :class:`numpy.random.Generator`;
    kernels call :func:`bandits.core.rng.generator_of`). Ties are broken uniformly at random.
``update(state, hyper, arm, reward, t) -> None``
    Record the reward of ``arm`` at round ``t``. Accepted after any valid arm, not only the one
    ``select`` returned.

The fused loop (:func:`environments.classic.run_classic_replication`) calls these kernels inside
one compiled loop; :class:`ArmedBanditPolicy` calls the very same kernels one step at a time
(the face is :class:`bandits.core.armed_bandit.KArmedPolicy`, shared with other K-armed settings)::

    policy = UCB1().reset(env, seed=1)          # or reset(n_arms) / reset(env.action_space)
    obs, info = env.reset(seed=0)
    for t in range(1000):
        arm = policy.select()
        obs, reward, terminated, truncated, info = env.step(arm)
        policy.update(arm, reward)
"""

from __future__ import annotations

from typing import ClassVar

from bandits.core.armed_bandit import KArmedPolicy

__all__ = ["ArmedBanditPolicy"]


class ArmedBanditPolicy(KArmedPolicy):
    """Base class of the classic-bandit policies' faces: :class:`~bandits.core.armed_bandit.KArmedPolicy`
    for the ``"classic"`` setting (the learner view is an
    :class:`~bandits.core.armed_bandit.ArmedBanditView`; the feedback of a step is its reward)."""

    setting: ClassVar[str] = "classic"
