"""The Gymnasium shells of the cascading setting, over any cascading problem.

:class:`CascadingBanditShell` (the cascading bandit of Kveton, Szepesvari, Wen & Ashkan, ICML
2015, arXiv:1502.02763: continuing, one step per time unit) and :class:`CascadingMDPShell`
(cascading RL, Du, Srikant & Chen, ICLR 2024, arXiv:2401.08961: episodes of H steps) call the
dynamics kernels of :mod:`environments.cascading.dynamics`, the very kernels of the fused loop,
through compiled entry points on a :class:`bandits.core.rng.RandomStream` over
``self.np_random`` (one boxing per generator, not per step). The registered environments
``regretlab/CascadingBandit-v0`` and ``regretlab/CascadingMDP-v0`` build them from parameters
(:mod:`environments.cascading.gym_entry_points`); ``problem.make_env(horizon)`` builds them
over a problem.

For the generic Gymnasium driver (:func:`bandits.gym_driver.rollout`) a shell exposes
``learner_view`` (the problem's), ``elapsed`` (episodes completed since the last
``reset(seed=...)``; time steps for the bandit) and ``step_regret(info, policy)``: the fused
loop's per-episode pseudo-regret ``V* - V^pi`` of the policy's plan, at an episode's first step.
"""

from __future__ import annotations

from typing import ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from bandits.core.kernels import compiled_entry_point
from bandits.core.rng import make_random_stream
from bandits.core.validation import ParameterError, check_integer
from environments.cascading.dynamics import cascade_initial_state, cascade_step
from environments.cascading.planning import cascade_list_value
from environments.cascading.protocol import CascadeLearnerView, parse_item_list

__all__ = ["ItemListSpace", "CascadeShell", "CascadingBanditShell", "CascadingMDPShell"]


class ItemListSpace(spaces.MultiDiscrete):
    """``MultiDiscrete([N+1] * m)`` restricted to valid item lists: 1..m distinct items, the value
    N marking empty slots, only at the end. ``sample`` draws a uniformly random length and then
    uniformly random distinct items; ``contains`` checks validity, so agents that sample the
    action space (and ``gymnasium.utils.env_checker.check_env``) only produce valid lists."""

    def __init__(self, n_items: int, list_length: int, seed=None):
        super().__init__([n_items + 1] * list_length, dtype=np.int64, seed=seed)
        self.n_items = int(n_items)
        self.list_length = int(list_length)

    def sample(self, mask=None, probability=None):
        if mask is not None or probability is not None:
            raise ValueError("mask/probability: not supported by ItemListSpace.sample")
        length = int(self.np_random.integers(1, self.list_length + 1))
        action = np.full(self.list_length, self.n_items, np.int64)
        action[:length] = self.np_random.permutation(self.n_items)[:length]
        return action

    def contains(self, x) -> bool:
        if not super().contains(x):
            return False
        try:
            parse_item_list(np.asarray(x, dtype=np.int64), self.n_items, self.list_length)
        except ValueError:
            return False
        return True

    def __repr__(self):
        return f"ItemListSpace(n_items={self.n_items}, list_length={self.list_length})"


class CascadeShell(gym.Env):
    """Common part of the cascading shells: the item-list action space, the cascade step, the
    run's horizon and the driver's members.

    Parameters
    ----------
    problem : cascading problem
        A :class:`environments.cascading.CascadingMDP`, ``RandomCascadingMDP``,
        ``CascadingBandit`` or ``BLBCascadingBandit``.
    horizon : int, optional
        Length of the run in the problem's time unit (episodes; time steps for the bandit): the
        step that completes it returns ``truncated=True``. None: never truncate.
    """

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, problem, horizon=None):
        if getattr(problem, "setting", None) != "cascading":
            raise ParameterError("problem", problem, "must be a cascading problem")
        self.problem = problem
        self.horizon = None if horizon is None else check_integer("horizon", horizon, low=1)
        n, m = problem.n_items, problem.max_list_length
        self.action_space = ItemListSpace(n, m)
        self._stream = None
        self._stream_source = None
        self._h = 0
        self._s = 0
        self._elapsed = 0

    # -- what the generic driver reads -------------------------------------------------------
    @property
    def learner_view(self) -> CascadeLearnerView:
        """What a learner may know: the problem's learner view."""
        return self.problem.learner_view

    @property
    def elapsed(self) -> int:
        """Episodes completed since the last ``reset(seed=...)`` (time steps for the bandit)."""
        return self._elapsed

    def step_regret(self, info: dict, policy) -> float:
        """Pseudo-regret of the step just taken, in the fused loop's accounting: at an episode's
        first step (``info["step"] == 0``) ``V* - V^pi`` of the plan the policy committed to for
        the episode (``problem.optimal_value - problem.plan_value(*policy.plan)``), else 0.0.
        A policy that has stopped (best-policy identification, ``policy.stopped``) adds nothing,
        as the fused loop plays no more episodes after a stop."""
        if int(info["step"]) != 0 or getattr(policy, "stopped", False):
            return 0.0
        problem = self.problem
        return problem.optimal_value - problem.plan_value(*policy.plan)

    def _end_of_step(self, episode_done: bool) -> bool:
        """Count a completed episode; ``truncated``: the run's horizon is used up."""
        if episode_done:
            self._elapsed += 1
        return episode_done and self.horizon is not None and self._elapsed >= self.horizon

    # -- the cascade -------------------------------------------------------------------------
    def _current_stream(self):
        generator = self.np_random
        if generator is not self._stream_source:
            self._stream = make_random_stream(generator)
            self._stream_source = generator
            params = self.problem.kernel_params
            row = np.zeros(self.problem.max_list_length, np.int64)
            self._step_entry = compiled_entry_point(cascade_step, (params, 0, row, 1, self._stream))
            self._initial_entry = compiled_entry_point(cascade_initial_state, (params, self._stream))
        return self._stream

    def _start_run(self, seed):
        super().reset(seed=seed)
        self._started = True
        if seed is not None:
            self._elapsed = 0
        return self._current_stream()

    def _cascade(self, action):
        if not getattr(self, "_started", False):
            raise RuntimeError(f"{type(self).__name__}: call reset() before step()")
        problem = self.problem
        items, length = parse_item_list(action, problem.n_items, problem.max_list_length)
        stream = self._current_stream()
        h, s = self._h, self._s
        click, next_state, reward = self._step_entry(problem.kernel_params, s, items, length, stream)
        examined = items[: (click + 1 if click >= 0 else length)]
        outcomes = np.zeros(examined.size, np.int64)
        if click >= 0:
            outcomes[click] = 1
        info = {
            "step": h,
            "state": s,
            "click_position": int(click),
            "clicked_item": int(items[click]) if click >= 0 else -1,
            "examined_items": examined.copy(),
            "attraction_outcomes": outcomes,
            "next_state": int(next_state),
            "expected_immediate_reward": float(
                cascade_list_value(items, length, problem.attraction_table[s], problem.reward_table[s, :-1], 0.0)
            ),
            "list_value": problem.list_value(s, items[:length], h),
            "optimal_list_value": float(problem.optimal_values[h, s]),
        }
        return float(reward), info, int(next_state)


class CascadingBanditShell(CascadeShell):
    """Gymnasium shell of a cascading bandit (Kveton et al., 2015, arXiv:1502.02763).

    Action ``MultiDiscrete([L+1] * K)``: a list of 1..K distinct items, ``L`` marking empty slots
    (only at the end). Observation ``Discrete(1)`` (stateless). Reward 1 on a click, else 0.
    ``info``: ``click_position`` (-1 for none), ``clicked_item``, ``examined_items`` and their
    ``attraction_outcomes`` (the feedback), ``expected_reward = 1 - prod(1 - w_bar)`` of the list
    and ``optimal_expected_reward``, plus the fields every cascading step reports (``step``,
    ``state``, ``next_state``). Continuing task: never terminates; truncates at ``horizon``.

    Parameters
    ----------
    problem : CascadingBandit or BLBCascadingBandit
    horizon : int, optional
        Time steps of the run (``truncated=True`` at the last); None: never truncate.
    """

    def __init__(self, problem, horizon=None):
        if not getattr(problem, "unit_rewards", False):
            raise ParameterError("problem", problem, "must be a cascading bandit (CascadingBandit, BLBCascadingBandit)")
        super().__init__(problem, horizon)
        self.observation_space = spaces.Discrete(1)

    def reset(self, *, seed=None, options=None):
        """Reset the generator (if ``seed`` is given, which also restarts the run's count)."""
        self._start_run(seed)
        self._h, self._s = 0, 0
        return 0, {"optimal_expected_reward": self.problem.optimal_expected_reward}

    def step(self, action):
        """Show the list ``action`` and observe the user's cascade of clicks; the class
        docstring describes the returned tuple and ``info``."""
        reward, info, _ = self._cascade(action)
        info["expected_reward"] = info["list_value"]
        info["optimal_expected_reward"] = self.problem.optimal_expected_reward
        truncated = self._end_of_step(True)
        return 0, reward, False, truncated, info


class CascadingMDPShell(CascadeShell):
    """Gymnasium shell of a cascading MDP (Du et al., 2024, arXiv:2401.08961).

    Action ``MultiDiscrete([N+1] * m)`` (N = empty slot, padding only at the end; duplicates,
    gaps and the all-empty list raise ``ValueError``). Observation ``MultiDiscrete([H+1, S])`` =
    ``(h, s)``; ``h = H`` only in the observation returned by the last step of an episode, which
    ends it with ``terminated=True`` (and ``truncated=True`` if it completes the run's
    ``horizon`` episodes). ``reset`` draws ``s_1 ~ rho`` (one uniform) and reports
    ``optimal_value``; a new episode is a new ``reset()`` (without a seed, to continue the
    stream, as the fused loop does). Step ``info``: ``step``, ``state``, ``click_position``,
    ``clicked_item``, ``examined_items``, ``attraction_outcomes``, ``next_state``,
    ``expected_immediate_reward`` ``f(A, q, r)``, ``list_value`` ``f(A, q, w*_h)`` and
    ``optimal_list_value`` ``V*_h(s)``. Exact episode regret needs the whole plan: policy faces
    expose ``.plan``, ``problem.plan_value(*plan)`` evaluates it and :meth:`step_regret` reports it.

    Parameters
    ----------
    problem : cascading problem
    horizon : int, optional
        Episodes of the run; None: never truncate.
    """

    def __init__(self, problem, horizon=None):
        super().__init__(problem, horizon)
        self.observation_space = spaces.MultiDiscrete([problem.horizon_per_episode + 1, problem.n_states])

    def _observation(self):
        return np.array([self._h, self._s], dtype=np.int64)

    def reset(self, *, seed=None, options=None):
        """Start an episode: draw ``s_1 ~ rho``. A ``seed`` reseeds the generator and restarts
        the run's count of episodes."""
        stream = self._start_run(seed)
        self._h = 0
        self._s = int(self._initial_entry(self.problem.kernel_params, stream))
        return self._observation(), {"optimal_value": self.problem.optimal_value}

    def step(self, action):
        """Show the list ``action`` at the episode's current step and move to the next state; the
        class docstring describes the observation, the two flags and ``info``."""
        if self._h >= self.problem.horizon_per_episode:
            raise RuntimeError("step: the episode has ended (terminated); call reset() to start the next one")
        reward, info, next_state = self._cascade(action)
        self._h += 1
        self._s = next_state
        terminated = self._h == self.problem.horizon_per_episode
        truncated = self._end_of_step(terminated)
        return self._observation(), reward, terminated, truncated, info
