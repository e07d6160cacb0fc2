"""The two-coin problem: arm k pays 1 with probability ``means[k]``; regret against the better
coin. Problem, learner view, reward kernel, fused loop and Gymnasium shell."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import gymnasium as gym
import numba as nb
import numpy as np
from gymnasium import spaces
from gymnasium.wrappers import TimeLimit

from bandits.core.kernels import compiled_entry_point, kernel, kernel_reference
from bandits.core.policy import Policy
from bandits.core.protocols import FusedLoop
from bandits.core.rng import generator_of, make_random_stream
from bandits.core.validation import ParameterError, check_real_vector


@dataclass(frozen=True)
class CoinView:
    """What a learner knows: nothing but that there are two coins. Feedback: the reward."""

    n_arms: int = 2

    def feedback(self, reward, info):
        return reward


@nb.njit(cache=True, nogil=True)
def toss(means, arm, rng):
    """One uniform draw; 1.0 if it falls below the coin's mean."""
    return 1.0 if generator_of(rng).random() < means[arm] else 0.0


@nb.njit(cache=True, nogil=True)
def run_coin_replication(toss_ref, select_ref, update_ref, means, hyper, horizon, record_points,
                         env_stream, policy_stream, regret_out, reward_out, counts_out):
    state = np.zeros(4)
    best = max(means[0], means[1])
    regret = reward_sum = 0.0
    j = 0
    for t in range(1, horizon + 1):
        arm = kernel(select_ref)(state, hyper, t, policy_stream)
        reward = kernel(toss_ref)(means, arm, env_stream)
        kernel(update_ref)(state, hyper, arm, reward, t)
        regret += best - means[arm]
        reward_sum += reward
        counts_out[arm] += 1
        if j < record_points.size and t == record_points[j]:
            regret_out[j] = regret
            reward_out[j] = reward_sum
            j += 1


class CoinLoop(FusedLoop):
    loop = run_coin_replication

    def __init__(self, problem, policies, horizon, record_points):
        self.problem, self.horizon, self.record_points = problem, horizon, record_points
        self.references = [(kernel_reference(type(p).select_kernel), kernel_reference(type(p).update_kernel))
                           for p in policies]
        self.hypers = [p.kernel_hyper(problem.learner_view, horizon) for p in policies]

    def allocate(self, n_policies, n_replications):
        return self.core_outputs(n_policies, n_replications, self.record_points.size, 2)

    def arguments(self, p, i, outputs, env_stream, policy_stream):
        return (kernel_reference(toss), *self.references[p], self.problem.means, self.hypers[p], self.horizon,
                self.record_points, env_stream, policy_stream, outputs["cumulative_regret"][p, i],
                outputs["cumulative_reward"][p, i], outputs["pull_counts"][p, i])


class CoinEnv(gym.Env):
    """The Gymnasium shell: action 0 or 1, reward 0 or 1, observation always 0."""

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, means=(0.4, 0.6)):
        self.problem = means if isinstance(means, TwoCoins) else TwoCoins(means)
        self.action_space = spaces.Discrete(2)
        self.observation_space = spaces.Discrete(1)
        self._elapsed = 0
        self._source = None

    learner_view = property(lambda self: CoinView())
    elapsed = property(lambda self: self._elapsed)

    def step_regret(self, info, policy=None):
        return info["regret"]

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._elapsed = 0
        return 0, {}

    def step(self, action):
        if self._source is not self.np_random:
            self._source = self.np_random
            self._stream = make_random_stream(self.np_random)
            self._toss = compiled_entry_point(toss, (self.problem.means, 0, self._stream))
        arm = int(action)
        reward = self._toss(self.problem.means, arm, self._stream)
        self._elapsed += 1
        best = max(self.problem.means[0], self.problem.means[1])
        return 0, reward, False, False, {"regret": best - self.problem.means[arm]}


@dataclass(frozen=True, eq=False)
class TwoCoins:
    """Two coins with the given means (each in [0, 1])."""

    means: tuple = (0.4, 0.6)

    name: ClassVar[str] = "TwoCoins"
    time_unit: ClassVar[str] = "toss"

    def __post_init__(self):
        means = check_real_vector("means", self.means, low=0.0, high=1.0)
        if means.size != 2:
            raise ParameterError("means", list(self.means), "must hold exactly two coins")
        object.__setattr__(self, "means", means)

    learner_view = property(lambda self: CoinView())

    def check_policy_compatible(self, policy, path="policy"):
        if not isinstance(policy, Policy) or policy.setting != "toy":
            raise ParameterError(path, policy, "must be a toy-setting policy")

    def fused_loop(self, policies, horizon, record_points):
        return CoinLoop(self, policies, horizon, record_points)

    def make_env(self, horizon):
        return TimeLimit(CoinEnv(self), max_episode_steps=horizon)

    def to_dict(self):
        return {"means": self.means.tolist()}
