"""The Gymnasium shell of the classic bandit (the registered ``regretlab/BernoulliBandit-v0`` and
``regretlab/GaussianBandit-v0`` build it from parameters: :mod:`environments.classic.gym_entry_points`).

The shell calls the same reward kernels as the fused loop (:mod:`environments.classic.dynamics`)
through compiled entry points, on a :class:`bandits.core.rng.RandomStream` over ``self.np_random``
(one boxing per generator, not per step).
"""

from __future__ import annotations

from typing import ClassVar

import gymnasium as gym
from gymnasium import spaces

from bandits.core.armed_bandit import arm_of_action
from bandits.core.kernels import compiled_entry_point
from bandits.core.rng import make_random_stream
from environments.classic.view import ArmedBanditView

__all__ = ["ArmedBanditShell"]


class ArmedBanditShell(gym.Env):
    """Gymnasium shell over a classic bandit problem (stateless; the observation is always 0).

    ``step(action)`` pulls arm ``action`` and returns ``(0, reward, False, False, info)`` with
    ``info = {"expected_reward": means[action], "optimal_expected_reward": max(means)}``.
    The task is continuing: it never terminates; wrap it in a time limit
    (``gymnasium.make(..., max_episode_steps=T)``, or ``problem.make_env(T)``) to truncate it at a
    horizon.

    Parameters
    ----------
    problem : BernoulliBandit or GaussianBandit
    """

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, problem):
        self.problem = problem
        self.action_space = spaces.Discrete(problem.n_arms)
        self.observation_space = spaces.Discrete(1)
        self._stream = None
        self._stream_source = None
        self._pull = None
        self._means = problem.means.tolist()
        self._optimal = problem.optimal_expected_reward
        self._elapsed = 0
        self._started = False

    @property
    def learner_view(self) -> ArmedBanditView:
        """What a learner may know: the number of arms (and the action space's start, 0)."""
        return ArmedBanditView(self.problem.n_arms, int(self.action_space.start))

    @property
    def elapsed(self) -> int:
        """Steps taken since the last ``reset``."""
        return self._elapsed

    def step_regret(self, info: dict, policy=None) -> float:
        """Pseudo-regret of the step just taken: ``max_k means[k] - means[a]`` (as the fused loop
        adds it)."""
        return info["optimal_expected_reward"] - info["expected_reward"]

    def _current_stream(self):
        generator = self.np_random
        if generator is not self._stream_source:
            self._stream = make_random_stream(generator)
            self._stream_source = generator
            problem = self.problem
            self._pull = compiled_entry_point(problem.pull_kernel, (problem.kernel_params, 0, self._stream))
        return self._stream

    def reset(self, *, seed=None, options=None):
        """Reset the generator (if ``seed`` is given); the bandit itself has no state."""
        super().reset(seed=seed)
        self._current_stream()
        self._elapsed = 0
        self._started = True
        return 0, {}

    def step(self, action):
        """Pull arm ``action``; see the class docstring for the returned tuple."""
        if not self._started:
            raise RuntimeError(f"{type(self).__name__}: call reset() before step()")
        arm = arm_of_action(action, self.problem.n_arms)
        stream = self._current_stream()
        reward = self._pull(self.problem.kernel_params, arm, stream)
        info = {"expected_reward": self._means[arm], "optimal_expected_reward": self._optimal}
        self._elapsed += 1
        return 0, reward, False, False, info
