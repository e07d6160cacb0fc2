"""The Gymnasium shell of fixed-budget linear best-arm identification (Chen, Karthik, Chee & Tan,
arXiv:2401.09073): :class:`PrivateLinearBAIShell`, T pull steps and then one recommendation
step.

It draws rewards with the fused loop's kernel (:func:`environments.private_bai.dynamics.bai_pull`)
on a :class:`bandits.core.rng.RandomStream` over ``self.np_random``, so a policy driven through it
pulls the same arms, sees the same rewards and recommends the same arm as in the fused runner,
bit for bit. Given a ``reward_table`` it reads rewards from it instead and, with
``record_reads=True``, logs every ``(t, k)`` entry it reads (data-use audits).
"""

from __future__ import annotations

from typing import ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from bandits.core.armed_bandit import arm_of_action
from bandits.core.kernels import compiled_entry_point
from bandits.core.rng import make_random_stream
from bandits.core.validation import ParameterError, check_integer
from environments.private_bai.dynamics import bai_pull, check_reward_table
from environments.private_bai.protocol import PULL, RECOMMEND

__all__ = ["PrivateLinearBAIShell"]


class PrivateLinearBAIShell(gym.Env):
    """Gymnasium shell over a linear best-arm identification problem with a budget of T pulls.

    * action: ``Discrete(K)``;
    * observation: ``Discrete(2)``: 0 while pulls remain, 1 once the budget is spent (the next
      action is the recommendation);
    * steps ``1..T`` pull the action's arm: reward 0 or 1, ``info = {"expected_reward",
      "pulls_left", "gap"}`` (``gap = mu* - mu_arm``), never terminated or truncated;
    * step ``T + 1`` reads the action as the recommendation: reward ``-1`` if it is not the best
      arm, else 0, ``terminated=True``, ``info = {"recommendation", "error", "simple_regret",
      "best_arm", "samples_used"}``. :meth:`recommend` ends the run the same way before the
      budget is spent (a policy that stops early); any step after that raises ``RuntimeError``.

    Parameters
    ----------
    problem : LinearBAIProblem
    horizon : int
        The budget T >= 1.
    reward_table : array of shape (T, K), optional
        Read the reward of pulling ``k`` at time ``t`` from ``reward_table[t - 1, k]`` (entries
        0 or 1) instead of drawing it.
    record_reads : bool, default False
        Log every table entry read in :attr:`reads` (a list of ``(t, k)``, t 1-based).
    """

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, problem, horizon, reward_table=None, record_reads=False):
        if getattr(problem, "setting", None) != "private_bai":
            raise ParameterError("problem", problem, "must be a linear best-arm identification problem (LinearBAIProblem)")
        self.problem = problem
        self.horizon = check_integer("horizon", horizon, low=1)
        self.action_space = spaces.Discrete(problem.n_arms)
        self.observation_space = spaces.Discrete(2)
        if reward_table is None:
            self._table = np.zeros((0, problem.n_arms))
        else:
            self._table = check_reward_table(reward_table, self.horizon, problem.n_arms, "reward_table")
        self.record_reads = bool(record_reads)
        self.reads: list[tuple[int, int]] = []
        self._means = np.ascontiguousarray(problem.means)
        self._stream = None
        self._stream_source = None
        self._pull_entry = None
        self._elapsed = 0
        self._done = True

    # -- what the generic driver reads ---------------------------------------------------------
    @property
    def learner_view(self):
        """What a learner may know: the arm vectors."""
        return self.problem.learner_view

    @property
    def elapsed(self) -> int:
        """Pulls since the last ``reset``."""
        return self._elapsed

    def step_regret(self, info: dict, policy=None) -> float:
        """Pull regret of the step just taken (``mu* - mu_arm``; 0 for the recommendation step),
        as the fused loop sums it."""
        return info.get("gap", 0.0)

    # -- Gymnasium -----------------------------------------------------------------------------
    def _current_stream(self):
        generator = self.np_random
        if generator is not self._stream_source:
            self._stream = make_random_stream(generator)
            self._stream_source = generator
            self._pull_entry = compiled_entry_point(bai_pull, (self._means, self._table, 1, 0, self._stream))
        return self._stream

    def reset(self, *, seed=None, options=None):
        """Start a new budget of T pulls."""
        super().reset(seed=seed)
        self._current_stream()
        self._elapsed = 0
        self._done = False
        self.reads = []
        return PULL, {}

    def step(self, action):
        """A pull while the budget lasts, then the recommendation (see the class docstring)."""
        if self._done:
            raise RuntimeError("PrivateLinearBAIShell: the run has ended (or not started): call reset()")
        arm = arm_of_action(action, self.problem.n_arms)
        if self._elapsed >= self.horizon:
            return self._recommendation_step(arm)
        stream = self._current_stream()
        t = self._elapsed + 1
        reward = float(self._pull_entry(self._means, self._table, t, arm, stream))
        if self.record_reads and self._table.shape[0]:
            self.reads.append((t, arm))
        self._elapsed = t
        info = {"expected_reward": float(self._means[arm]), "pulls_left": self.horizon - t,
                "gap": float(self._means[self.problem.best_arm] - self._means[arm])}
        observation = RECOMMEND if t == self.horizon else PULL
        return observation, reward, False, False, info

    def recommend(self, action):
        """End the run now with ``action`` as the recommendation (the step ``T + 1`` result)."""
        if self._done:
            raise RuntimeError("PrivateLinearBAIShell: the run has ended (or not started): call reset()")
        return self._recommendation_step(arm_of_action(action, self.problem.n_arms))

    def _recommendation_step(self, arm):
        best = self.problem.best_arm
        error = int(arm != best)
        self._done = True
        info = {"recommendation": arm, "error": error, "best_arm": best, "samples_used": self._elapsed,
                "simple_regret": float(self._means[best] - self._means[arm])}
        return RECOMMEND, -float(error), True, False, info
