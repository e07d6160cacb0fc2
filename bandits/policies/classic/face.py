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
one compiled loop; :class:`ArmedBanditPolicy` calls the very same kernels one step at a time::

    policy = UCB1().reset(env, seed=1)          # or reset(n_arms) / reset(env.action_space)
    obs, info = env.reset(seed=0)
    for t in range(1000):
        arm = policy.select()
        obs, reward, terminated, truncated, info = env.step(arm)
        policy.update(arm, reward)
"""

from __future__ import annotations

import numbers
from typing import ClassVar

import numpy as np
from gymnasium import spaces

from bandits.core.kernels import compiled_entry_point
from bandits.core.policy import Policy
from bandits.core.validation import ParameterError
from environments.classic import ArmedBanditView

__all__ = ["ArmedBanditPolicy"]


class ArmedBanditPolicy(Policy):
    """Base class of the classic-bandit policies' faces.

    The learner view is an :class:`environments.classic.ArmedBanditView`; :meth:`reset` also
    takes a number of arms, a ``gymnasium.spaces.Discrete`` action space (its ``start`` offset is
    honoured), or a classic problem or environment. The feedback of a step is its reward.
    Subclasses set the three kernels and implement :meth:`kernel_hyper`.
    """

    setting: ClassVar[str] = "classic"
    view_type: ClassVar[type] = ArmedBanditView
    init_kernel: ClassVar[object] = None
    select_kernel: ClassVar[object] = None
    update_kernel: ClassVar[object] = None

    def kernel_hyper(self, view: ArmedBanditView, horizon: int | None) -> tuple:
        """The hyper-parameter tuple handed to the kernels for ``view.n_arms`` arms."""
        raise NotImplementedError

    def learner_view_from(self, source) -> ArmedBanditView:
        """An :class:`ArmedBanditView` from a view, a number of arms, a ``Discrete`` action space,
        or a classic problem or environment."""
        if isinstance(source, spaces.Discrete):
            return ArmedBanditView(int(source.n), int(source.start))
        if isinstance(source, spaces.Space):
            raise ParameterError("view", source, "must be a gymnasium.spaces.Discrete action space")
        if isinstance(source, numbers.Integral):
            return ArmedBanditView(source)
        return super().learner_view_from(source)

    def _start(self, view: ArmedBanditView) -> None:
        self._hyper = self.kernel_hyper(view, self._horizon)
        self._state = type(self).init_kernel(view.n_arms, self._hyper)
        self._t = 1

    def _bind_entry_points(self):
        """Native entry points of select/update for this state's types: skips numba's per-call
        type dispatch (a few microseconds per step)."""
        cls = type(self)
        self._select_entry = compiled_entry_point(cls.select_kernel, (self._state, self._hyper, 1, self._stream))
        self._update_entry = compiled_entry_point(cls.update_kernel, (self._state, self._hyper, 0, 0.0, 1))

    def select(self, observation=None) -> int:
        """The arm for the current round, as an action of the environment's action space (the
        observation of a classic bandit carries nothing and is ignored)."""
        self._require_reset()
        arm = self._select_entry(self._state, self._hyper, self._t, self._stream)
        return arm + self._view.start

    def update(self, action, feedback) -> None:
        """Record the reward ``feedback`` of ``action`` and advance the round counter."""
        self._require_reset()
        arm = self._check_action(action)
        value = self._check_reward(feedback)
        self._update_entry(self._state, self._hyper, arm, value, self._t)
        self._t += 1

    def _check_action(self, action) -> int:
        if isinstance(action, np.ndarray) and action.ndim == 0:
            action = action.item()
        low, high = self._view.start, self._view.start + self._view.n_arms - 1
        if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)) or not (
            low <= int(action) <= high
        ):
            raise ParameterError("action", action, f"must be an integer in [{low}, {high}]")
        return int(action) - self._view.start

    @property
    def t(self) -> int:
        """The current round (1-based): the number of updates so far plus one."""
        self._require_reset()
        return self._t
