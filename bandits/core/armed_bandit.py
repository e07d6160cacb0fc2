"""The K-armed protocol several settings share: a learner that pulls one of K arms per step and
learns from that arm's reward (the classic stochastic bandit; weighted tallying bandits, whose
losses depend on the learner's own past plays, with the same learner-side protocol).

- :class:`ArmedBanditView`: what such a learner may know, the number of arms (and the first
  action index of the environment's ``Discrete`` action space); the feedback of a step is its
  reward.
- :class:`KArmedPolicy`: the face of such policies over three numba kernels::

      init(n_arms, hyper) -> state
      select(state, hyper, t, rng) -> arm          # t: the round, 1-based; ties at random
      update(state, hyper, arm, reward, t)         # accepted after any valid arm

  A setting's fused loop calls the kernels inside one compiled loop; the face calls the very same
  kernels one step at a time.
- :func:`check_k_armed_policy`: the conformance check of such policies.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from gymnasium import spaces

from bandits.core.conformance import (
    ScriptedShell,
    check_params_and_reset,
    check_same_actions,
    expect_value_error,
    fail,
    parameters_unchanged,
    play,
    require_compatible_problem,
    state_stays_finite,
)
from bandits.core.kernels import compiled_entry_point
from bandits.core.policy import Policy
from bandits.core.validation import ParameterError, check_integer

__all__ = ["ArmedBanditView", "KArmedPolicy", "arm_of_action", "check_k_armed_policy"]


def arm_of_action(action, n_arms: int) -> int:
    """The arm of a Gymnasium ``Discrete(K)`` action (an int or a 0-d integer array);
    :class:`~bandits.core.validation.ParameterError` naming ``action`` unless it is an integer in
    ``[0, K)``. What every K-armed shell's ``step`` checks."""
    if isinstance(action, np.ndarray) and action.ndim == 0:
        action = action.item()
    if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)) or not 0 <= int(action) < n_arms:
        raise ParameterError("action", action, f"must be an integer arm index in [0, {n_arms - 1}]")
    return int(action)


@dataclass(frozen=True)
class ArmedBanditView:
    """The learner view of a K-armed bandit.

    Attributes
    ----------
    n_arms : int
        Number of arms K, ``>= 1``.
    start : int, default 0
        The first action of the environment's action space (``gymnasium.spaces.Discrete(K,
        start=s)`` has actions ``s, ..., s + K - 1``); policies return actions in that range.
    """

    n_arms: int
    start: int = 0

    def __post_init__(self):
        object.__setattr__(self, "n_arms", check_integer("n_arms", self.n_arms, low=1))
        if isinstance(self.start, bool):
            raise ParameterError("start", self.start, "must be an integer")
        object.__setattr__(self, "start", check_integer("start", self.start))

    def feedback(self, reward, info):
        """The feedback of one Gymnasium step: the reward itself."""
        return reward


class KArmedPolicy(Policy):
    """Base class of the faces of K-armed policies: one arm per step, learnt from its reward.

    The learner view is an :class:`ArmedBanditView` (or a subclass a setting adds fields to);
    :meth:`reset` also takes a number of arms, a ``gymnasium.spaces.Discrete`` action space (its
    ``start`` offset is honoured), or a problem or environment of the policy's setting. The
    feedback of a step is its reward. A setting's base class sets :attr:`setting`; the
    policies set the three kernels and implement :meth:`kernel_hyper`.
    """

    view_type: ClassVar[type] = ArmedBanditView
    init_kernel: ClassVar[object] = None
    select_kernel: ClassVar[object] = None
    update_kernel: ClassVar[object] = None

    def kernel_hyper(self, view: ArmedBanditView, horizon: int | None) -> tuple:
        """The hyper-parameter tuple handed to the kernels for ``view.n_arms`` arms."""
        raise NotImplementedError

    def learner_view_from(self, source) -> ArmedBanditView:
        """An :class:`ArmedBanditView` from a view, a number of arms, a ``Discrete`` action space,
        or a problem or environment."""
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
        observation is ignored: a K-armed learner acts on its own history)."""
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


def _rewards_for(policy, n_steps, seed):
    """Rewards inside the policy's reward range: 0/1 and fractional values for [0, 1]
    policies (the endpoints included), Gaussian values for unbounded ones."""
    rng = np.random.default_rng(seed)
    low, high = policy.reward_range
    if np.isfinite(low) and np.isfinite(high):
        values = rng.random(n_steps)
        values[rng.random(n_steps) < 0.5] = 0.0
        values[rng.random(n_steps) < 0.25] = 1.0
        return low + (high - low) * values
    return rng.normal(0.5, 1.0, n_steps)


def _scripted(view, rewards, n_steps):
    """A stand-in shell over ``view`` whose step ``t`` pays ``rewards[t]`` whatever the arm."""
    return ScriptedShell(view, n_steps, lambda t, arm: (rewards[t], {}))


def _play(policy, env, seed, horizon, twin_at=None):
    """The arms ``policy`` pulls driven through ``env`` (each checked to be an arm of the
    shell's view)."""
    view = env.unwrapped.learner_view

    def check_arm(arm, step):
        if not (isinstance(arm, (int, np.integer)) and not isinstance(arm, bool)
                and view.start <= arm < view.start + view.n_arms):
            fail(policy, "valid actions", f"returned {arm!r} at step {step} for {view.n_arms} arms")

    return play(policy, env, seed=seed + 1, policy_seed=seed, horizon=horizon, check_action=check_arm,
                twin_at=twin_at)[0]


def check_k_armed_policy(policy, *, n_arms: int = 5, n_steps: int = 300, seed: int = 12345, problem=None) -> None:
    """Check that a K-armed ``policy`` (a :class:`KArmedPolicy`) honours the policy contract;
    raise :class:`~bandits.core.conformance.PolicyCheckError` if not.

    The runs play ``n_steps`` steps on ``problem`` (a problem the policy can run on:
    its learner view, its number of arms, its Gymnasium shell ``problem.make_env(n_steps)``) of the
    policy's setting, or,
    if None, on ``n_arms`` arms (unused with a ``problem``) paying a fixed reward sequence that
    reaches both ends of the policy's reward range. Checks, in order:

    1. ``get_params`` returns the constructor arguments, and rebuilding from them gives an equal
       policy (hyper-parameters live in the constructor only);
    2. ``select`` before ``reset`` raises ``RuntimeError``;
    3. every action is a valid arm, for the problem's arms and for a single arm;
    4. the same seed gives the same actions; actions depend on nothing but the seed and rewards;
    5. hyper-parameters (attributes and the kernel tuple) are unchanged by running;
    6. ``update`` accepts every valid arm, including arms ``select`` did not return, and rewards at
       both ends of the policy's reward range, and the state stays finite where it was;
    7. invalid actions and out-of-range rewards raise ``ValueError``;
    8. a ``Discrete(n, start=s)`` action space yields actions in ``[s, s + n)``;
    9. a pickled policy resumes exactly where the original is.

    A ``problem`` the policy cannot run on raises ``ValueError`` naming ``problem``.
    """
    require_compatible_problem(policy, problem)
    horizon = 10 * n_steps
    rewards = _rewards_for(policy, n_steps, seed)
    if problem is None:
        env = _scripted(ArmedBanditView(n_arms), rewards, n_steps)
    else:
        env = problem.make_env(n_steps)
    view = env.unwrapped.learner_view
    n_arms = view.n_arms

    # 1 + 2. parameters live in the constructor; select before reset raises
    params = check_params_and_reset(policy)

    # 3 + 4 + 5. valid, reproducible actions; hyper-parameters never mutated
    with parameters_unchanged(policy, view, horizon):
        first = _play(policy, env, seed, horizon)
        second = _play(type(policy)(**params), env, seed, horizon)
        check_same_actions(policy, first, second)
        _play(type(policy)(**params), _scripted(ArmedBanditView(1), rewards, 20), seed, horizon)

    # 6. update after any valid action, at the ends of the reward range
    low, high = policy.reward_range
    edge_rewards = [r for r in (low, high) if np.isfinite(r)] or [-3.0, 3.0]
    policy.reset(view, seed=seed, horizon=horizon)
    with state_stays_finite(policy, "update after any action"):
        for arm in range(n_arms):
            for reward in edge_rewards:
                policy.update(arm, reward)
        for _ in range(3):
            arm = policy.select()
            if not 0 <= arm < n_arms:
                fail(policy, "update after any action", f"select returned {arm} after off-policy updates")
            policy.update((arm + 1) % n_arms, edge_rewards[0])

    # 7. invalid input
    for action in (-1, n_arms, 1.5, "0"):
        expect_value_error(policy, "invalid action", f"update({action!r}, ...)", policy.update, action, edge_rewards[0])
    for reward in (np.nan, np.inf, low - 1.0 if np.isfinite(low) else None, high + 1.0 if np.isfinite(high) else None):
        if reward is not None:
            expect_value_error(policy, "invalid reward", f"update(0, {reward!r})", policy.update, 0, reward)

    # 8. Discrete action space with a start offset
    shifted = type(policy)(**params).reset(spaces.Discrete(n_arms, start=7), seed=seed, horizon=horizon)
    for t in range(50):
        action = shifted.select()
        if not 7 <= action < 7 + n_arms:
            fail(policy, "Discrete(start)", f"returned {action} for Discrete({n_arms}, start=7)")
        shifted.update(action, rewards[t])

    # 9. pickling mid-run
    _play(policy, env, seed, horizon, twin_at=n_steps // 2)
