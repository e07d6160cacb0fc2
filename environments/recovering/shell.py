"""The Gymnasium shell of the recovering-rewards setting (Simchi-Levi, Zheng & Zhu,
arXiv:2106.14813): :class:`RecoveringBanditShell` over a problem, and its action space
:class:`PullSetSpace`.

The shell calls the kernels of the fused loop (:mod:`environments.recovering.dynamics`) through
compiled entry points on a :class:`bandits.core.rng.RandomStream` over ``self.np_random`` (one
boxing per generator, not per step), so stepping it with a policy reproduces the fused runner
bit for bit. The registered ``regretlab/RecoveringBandit-v0`` builds it from parameters
(:mod:`environments.recovering.gym_entry_points`).
"""

from __future__ import annotations

from typing import ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from bandits.core.kernels import compiled_entry_point
from bandits.core.rng import make_random_stream
from bandits.core.validation import ParameterError, check_integer
from environments.recovering.dynamics import recovering_env_init, recovering_step
from environments.recovering.protocol import RecoveringLearnerView, parse_pull_set

__all__ = ["PullSetSpace", "RecoveringBanditShell"]


class PullSetSpace(spaces.MultiBinary):
    """``MultiBinary(N)`` restricted to pull sets of at most K arms. ``sample`` draws a uniformly
    random size in ``0..K`` and then a uniformly random set of that size; ``contains`` checks the
    size, so agents that sample the action space (and ``gymnasium.utils.env_checker.check_env``)
    only produce valid actions."""

    def __init__(self, n_arms: int, max_pulls: int, seed=None):
        super().__init__(n_arms, seed=seed)
        self.n_arms = int(n_arms)
        self.max_pulls = int(max_pulls)

    def sample(self, mask=None, probability=None):
        if mask is not None or probability is not None:
            raise ValueError("mask/probability: not supported by PullSetSpace.sample")
        size = int(self.np_random.integers(0, self.max_pulls + 1))
        action = np.zeros(self.n_arms, np.int8)
        action[self.np_random.permutation(self.n_arms)[:size]] = 1
        return action

    def contains(self, x) -> bool:
        return bool(super().contains(x)) and int(np.asarray(x).sum()) <= self.max_pulls

    def __repr__(self):
        return f"PullSetSpace(n_arms={self.n_arms}, max_pulls={self.max_pulls})"

    def __eq__(self, other):
        return isinstance(other, PullSetSpace) and (self.n_arms, self.max_pulls) == (other.n_arms, other.max_pulls)


class RecoveringBanditShell(gym.Env):
    """Gymnasium shell over a recovering-rewards problem (continuing task).

    * observation: the capped idle times before the period, ``MultiDiscrete([d_max] * N,
      start=[1] * N)`` (int64, values ``1..d_max``);
    * action: :class:`PullSetSpace`, a ``MultiBinary(N)`` array with at most K ones (more, or
      anything but zeros and ones, raises ``ValueError`` naming the rule);
    * reward: the sum of the realised rewards of the pulled arms;
    * ``info``: ``expected_reward`` (of the period), ``rewards`` (float64[N], realised reward of
      each pulled arm, 0 elsewhere), ``idle_before`` (int64[N]), ``comparator``
      (``approximation_factor * UB*``).

    It never terminates; with a ``horizon`` the step that completes it returns
    ``truncated=True``.

    Parameters
    ----------
    problem : RecoveringBandit
    horizon : int, optional
        Periods of the run; None: never truncate.
    """

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, problem, horizon=None):
        if getattr(problem, "setting", None) != "recovering":
            raise ParameterError("problem", problem, "must be a recovering-rewards problem (RecoveringBandit)")
        self.problem = problem
        self.horizon = None if horizon is None else check_integer("horizon", horizon, low=1)
        n, d_max = problem.n_arms, problem.d_max
        self.action_space = PullSetSpace(n, problem.max_pulls)
        self.observation_space = spaces.MultiDiscrete(np.full(n, d_max), start=np.ones(n, np.int64), dtype=np.int64)
        self._params = problem.kernel_params
        self._means = np.ascontiguousarray(problem.mean_rewards)
        self._comparator = float(problem.comparator)
        self._env_state = None
        self._stream = None
        self._stream_source = None
        self._step_entry = None
        self._rewards = np.zeros(problem.max_pulls)
        self._elapsed = 0

    # -- what the generic driver reads ---------------------------------------------------------
    @property
    def learner_view(self) -> RecoveringLearnerView:
        """What a learner may know: the problem's learner view."""
        return self.problem.learner_view

    @property
    def elapsed(self) -> int:
        """Periods since the last ``reset``."""
        return self._elapsed

    def step_regret(self, info: dict, policy=None) -> float:
        """Regret of the period just played, as the fused loop adds it:
        ``comparator - expected_reward``."""
        return info["comparator"] - info["expected_reward"]

    # -- Gymnasium -----------------------------------------------------------------------------
    def _current_stream(self):
        generator = self.np_random
        if generator is not self._stream_source:
            self._stream = make_random_stream(generator)
            self._stream_source = generator
            state = recovering_env_init(self._params)
            pulled = np.zeros(self.problem.max_pulls, np.int64)
            self._step_entry = compiled_entry_point(
                recovering_step, (self._params, self._means, state, pulled, 0, self._stream, self._rewards)
            )
        return self._stream

    def reset(self, *, seed=None, options=None):
        """Start a run: every arm at its initial idle time (default fully recovered)."""
        super().reset(seed=seed)
        self._current_stream()
        self._env_state = recovering_env_init(self._params)
        self._elapsed = 0
        return self._env_state[0].copy(), {}

    def step(self, action):
        """Pull the arms marked 1 in ``action``; see the class docstring for the returned tuple."""
        if self._env_state is None:
            raise RuntimeError("RecoveringBanditShell: call reset() before step()")
        problem = self.problem
        pulled = parse_pull_set(action, problem.n_arms, problem.max_pulls)
        buffer = np.zeros(problem.max_pulls, np.int64)
        buffer[: pulled.size] = pulled
        stream = self._current_stream()
        idle_before = self._env_state[0].copy()
        expected = self._step_entry(self._params, self._means, self._env_state, buffer, pulled.size, stream,
                                    self._rewards)
        rewards = np.zeros(problem.n_arms)
        period_reward = 0.0
        for j, arm in enumerate(pulled.tolist()):  # summed in arm order, as the fused loop does
            rewards[arm] = self._rewards[j]
            period_reward += float(self._rewards[j])
        self._elapsed += 1
        truncated = self.horizon is not None and self._elapsed >= self.horizon
        info = {"expected_reward": expected, "rewards": rewards, "idle_before": idle_before,
                "comparator": self._comparator}
        return self._env_state[0].copy(), period_reward, False, truncated, info
