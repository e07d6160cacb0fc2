"""The Gymnasium shell of weighted tallying bandits (Malik, Igoe, Li & Singh, arXiv:2305.02955):
:class:`WeightedTallyingShell` over a problem. It calls the kernels of the fused loop
(:mod:`environments.tallying.dynamics`) through compiled entry points on a
:class:`bandits.core.rng.RandomStream` over ``self.np_random``, so stepping it with a policy
reproduces the fused runner bit for bit. The registered ``regretlab/WeightedTallying-v0`` builds
it from parameters (:mod:`environments.tallying.gym_entry_points`).
"""

from __future__ import annotations

from typing import ClassVar

import gymnasium as gym
from gymnasium import spaces

from bandits.core.armed_bandit import ArmedBanditView, arm_of_action
from bandits.core.kernels import compiled_entry_point
from bandits.core.rng import make_random_stream
from bandits.core.validation import ParameterError, check_integer
from environments.tallying.dynamics import tally_env_init, tally_step

__all__ = ["WeightedTallyingShell"]

#: Steps of comparator increments computed ahead when the shell has no horizon.
_AHEAD = 4096


class WeightedTallyingShell(gym.Env):
    """Gymnasium shell over a weighted tallying problem (continuing task).

    * observation: always 0 (``Discrete(1)``): the tallies and m are hidden from the learner;
    * action: ``Discrete(K)``, the action to play (anything else raises ``ValueError``);
    * reward: ``-loss`` or ``1 - loss`` (the problem's ``reward_form``); Gymnasium maximises;
    * ``info``: ``loss`` (observed), ``mean_loss`` (expected), ``tally`` (the action's tally at
      this step), ``comparator_loss`` (the comparator's expected loss at this step).

    With a ``horizon`` the step that completes it returns ``truncated=True``; it never terminates.

    Parameters
    ----------
    problem : WeightedTallyingBandit
    horizon : int, optional
        Steps of the run; None: never truncate.
    """

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, problem, horizon=None):
        if getattr(problem, "setting", None) != "tallying":
            raise ParameterError("problem", problem, "must be a weighted tallying problem (WeightedTallyingBandit)")
        self.problem = problem
        self.horizon = None if horizon is None else check_integer("horizon", horizon, low=1)
        self.action_space = spaces.Discrete(problem.n_arms)
        self.observation_space = spaces.Discrete(1)
        self._params = problem.kernel_params
        self._prefix, self._cycle = problem.comparator_increments(self.horizon or _AHEAD)
        self._cycle_known = problem.comparator != "exact" or self.horizon is not None
        self._env_state = None
        self._stream = None
        self._stream_source = None
        self._step_entry = None
        self._elapsed = 0

    # -- what the generic driver reads ---------------------------------------------------------
    @property
    def learner_view(self) -> ArmedBanditView:
        """What a learner may know: the number of actions."""
        return ArmedBanditView(self.problem.n_arms, int(self.action_space.start))

    @property
    def elapsed(self) -> int:
        """Steps since the last ``reset``."""
        return self._elapsed

    def step_regret(self, info: dict, policy=None) -> float:
        """Complete policy regret of the step just taken, as the fused loop adds it:
        ``mean_loss - comparator_loss``."""
        return info["mean_loss"] - info["comparator_loss"]

    def _comparator_at(self, t: int) -> float:
        if t <= self._prefix.size:
            return float(self._prefix[t - 1])
        if self.problem.comparator == "exact" and not self._cycle_known:
            # beyond the increments computed so far: compute further; when the optimum's
            # increments are periodic the prefix stops growing and the cycle holds from there on
            self._prefix, self._cycle = self.problem.comparator_increments(2 * t)
            if t <= self._prefix.size:
                return float(self._prefix[t - 1])
            self._cycle_known = True  # the prefix stopped short of 2t: a period was found
        return float(self._cycle[(t - self._prefix.size - 1) % self._cycle.size])

    # -- Gymnasium -----------------------------------------------------------------------------
    def _current_stream(self):
        generator = self.np_random
        if generator is not self._stream_source:
            self._stream = make_random_stream(generator)
            self._stream_source = generator
            self._step_entry = compiled_entry_point(tally_step, (self._params, tally_env_init(self._params), 0,
                                                                 self._stream))
        return self._stream

    def reset(self, *, seed=None, options=None):
        """Start a run from the problem's initial history."""
        super().reset(seed=seed)
        self._current_stream()
        self._env_state = tally_env_init(self._params)
        self._elapsed = 0
        return 0, {}

    def step(self, action):
        """Play ``action``; see the class docstring for the returned tuple."""
        if self._env_state is None:
            raise RuntimeError("WeightedTallyingShell: call reset() before step()")
        arm = arm_of_action(action, self.problem.n_arms)
        stream = self._current_stream()
        reward, loss, mean_loss, tally = self._step_entry(self._params, self._env_state, arm, stream)
        self._elapsed += 1
        info = {"loss": loss, "mean_loss": mean_loss, "tally": tally,
                "comparator_loss": self._comparator_at(self._elapsed)}
        truncated = self.horizon is not None and self._elapsed >= self.horizon
        return 0, reward, False, truncated, info
