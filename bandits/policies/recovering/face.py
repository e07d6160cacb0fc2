"""The face shared by the recovering-rewards policies: :class:`RecoveringPolicy`.

Recovering rewards: Simchi-Levi, Zheng & Zhu, *Offline Planning and Online Learning under
Recovering Rewards*, ICML 2021, arXiv:2106.14813.

Kernels
-------
A recovering-rewards policy pulls a set of at most K arms per period::

    init(n_arms, max_pulls, d_max, horizon, hyper) -> state
    select(state, hyper, t, idle int64[N], rng, pulled_out int64[K]) -> n_pulled
    update(state, hyper, t, pulled int64[K], n_pulled, idle_before int64[N], rewards float64[K])

``idle`` holds the capped idle times before period ``t`` (1-based); ``select`` writes distinct
arms into ``pulled_out[:n_pulled]``. ``update`` receives the pull set sorted ascending,
``rewards[j]`` the realised reward of arm ``pulled[j]`` and the idle times at which they were
paid. ``horizon`` is 0 when unknown. The fused loop
(:func:`environments.recovering.run_recovering_replication`) and this face call the very same
kernels.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from bandits.core.kernels import compiled_entry_point
from bandits.core.policy import Policy
from bandits.core.validation import ParameterError, check_real
from environments.recovering.loop import PULL_SET_RULES, canonical_pull_set
from environments.recovering.protocol import (
    RecoveringFeedback,
    RecoveringLearnerView,
    check_idle_times,
    next_idle_times,
    parse_pull_set,
)

__all__ = ["RecoveringPolicy"]

_FEEDBACK_RULE = "must be a RecoveringFeedback(rewards, idle_before), as returned by view.feedback(reward, info)"


class RecoveringPolicy(Policy):
    """Base class of the recovering-rewards policies' Python faces.

    ``select(observation)`` returns a ``MultiBinary(N)`` int8 array with at most K ones; the
    observation is the shell's capped idle times (if None, the face's own bookkeeping from the
    view's initial idle times and the feedback so far). ``update(action, feedback)`` takes a
    :class:`environments.recovering.RecoveringFeedback` (``view.feedback(reward, info)``)::

        env = gymnasium.make("regretlab/RecoveringBandit-v0", family="logistic", n_arms=8, max_pulls=2)
        obs, info = env.reset(seed=0)
        policy = PeriodicUCB().reset(env, seed=1, horizon=1000)
        for t in range(1000):
            action = policy.select(obs)
            obs, reward, terminated, truncated, info = env.step(action)
            policy.update(action, policy.view.feedback(reward, info))
    """

    setting: ClassVar[str] = "recovering"
    view_type: ClassVar[type] = RecoveringLearnerView
    init_kernel: ClassVar[object] = None
    select_kernel: ClassVar[object] = None
    update_kernel: ClassVar[object] = None
    #: True when the policy reads the true mean table (``view.oracle_recovery``): an offline
    #: baseline, flagged as an oracle in reports.
    uses_oracle: ClassVar[bool] = False

    def kernel_hyper(self, view: RecoveringLearnerView, horizon) -> tuple:
        """The hyper-parameter tuple handed to the kernels for ``view`` and ``horizon``."""
        raise NotImplementedError

    def check_view(self, view: RecoveringLearnerView, path: str = "policy") -> None:
        """``ValueError`` if this policy cannot run with this learner view (oracle policies need
        ``view.oracle_recovery``)."""
        if self.uses_oracle and view.oracle_recovery is None:
            raise ParameterError(
                path, view,
                f"{type(self).__name__} is an offline oracle baseline: it needs the true table "
                "(reset it with the problem or its environment, or a view with oracle_recovery)",
            )

    # -- Policy hooks --------------------------------------------------------------------------
    def _start(self, view: RecoveringLearnerView) -> None:
        self.check_view(view)
        self._hyper = self.kernel_hyper(view, self._horizon)
        horizon = 0 if self._horizon is None else self._horizon
        self._state = type(self).init_kernel(view.n_arms, view.max_pulls, view.d_max, horizon, self._hyper)
        self._t = 1
        self._idle = np.array(view.initial_idle, dtype=np.int64)
        self._pulled = np.zeros(view.max_pulls, np.int64)
        self._rewards = np.zeros(view.max_pulls)

    def _bind_entry_points(self):
        cls = type(self)
        idle = self._idle
        self._select_entry = compiled_entry_point(
            cls.select_kernel, (self._state, self._hyper, 1, idle, self._stream, self._pulled)
        )
        self._update_entry = compiled_entry_point(
            cls.update_kernel, (self._state, self._hyper, 1, self._pulled, 0, idle, self._rewards)
        )

    # -- the face ------------------------------------------------------------------------------
    def _idle_of(self, observation) -> np.ndarray:
        view = self._view
        if observation is None:
            return self._idle.copy()
        return check_idle_times("observation", observation, view.n_arms, view.d_max)

    def select(self, observation=None) -> np.ndarray:
        """The pull set of the current period as a ``MultiBinary(N)`` int8 array (at most K
        ones); ``observation``: the capped idle times before the period, or None."""
        self._require_reset()
        view = self._view
        idle = self._idle_of(observation)
        pulled = self._pulled
        n = self._select_entry(self._state, self._hyper, self._t, idle, self._stream, pulled)
        status = canonical_pull_set(pulled, n, view.n_arms, view.max_pulls)
        if status != 0:
            raise RuntimeError(f"{type(self).__name__}: its select kernel {PULL_SET_RULES[status]} at period {self._t}")
        action = np.zeros(view.n_arms, np.int8)
        action[pulled[:n]] = 1
        return action

    def update(self, action, feedback) -> None:
        """Learn from the period's pull set ``action`` (``MultiBinary(N)``, at most K ones) and
        its :class:`RecoveringFeedback`; then advance the period counter."""
        self._require_reset()
        view = self._view
        pulled = parse_pull_set(action, view.n_arms, view.max_pulls)
        rewards, idle_before = self._check_feedback(feedback, pulled)
        buffer = np.zeros(view.max_pulls, np.int64)
        buffer[: pulled.size] = pulled
        values = np.zeros(view.max_pulls)
        values[: pulled.size] = rewards
        self._update_entry(self._state, self._hyper, self._t, buffer, pulled.size, idle_before, values)
        self._idle = next_idle_times(idle_before, pulled, view.d_max)
        self._t += 1

    def _check_feedback(self, feedback, pulled):
        if not isinstance(feedback, tuple) or len(feedback) != len(RecoveringFeedback._fields):
            raise ParameterError("feedback", feedback, _FEEDBACK_RULE)
        view = self._view
        rule = f"must be N = {view.n_arms} realised rewards (one per arm; entries of arms not pulled are ignored)"
        try:
            rewards = np.asarray(feedback[0], dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError("feedback.rewards", feedback[0], rule) from None
        if rewards.shape != (view.n_arms,):
            raise ParameterError("feedback.rewards", feedback[0], rule)
        values = [self._check_reward(rewards[i], name=f"feedback.rewards[{i}]") for i in pulled.tolist()]
        idle = check_idle_times("feedback.idle_before", feedback[1], view.n_arms, view.d_max)
        return np.array(values, dtype=np.float64), idle

    @property
    def t(self) -> int:
        """The current period (1-based)."""
        self._require_reset()
        return self._t


def check_confidence(ucb_scale, delta) -> tuple:
    """``(ucb_scale, delta)`` validated for the UCB policies: ``ucb_scale >= 0`` and ``delta``
    None (the default ``1 / (N d_max T^2)``) or in ``(0, 1)``."""
    scale = check_real("ucb_scale", ucb_scale, low=0.0)
    if delta is not None:
        delta = check_real("delta", delta, low=0.0, high=1.0, low_open=True, high_open=True)
    return scale, delta


def log_confidence(delta, view: RecoveringLearnerView, horizon) -> float:
    """``log(1/delta)`` of the confidence radius, with the default ``delta = 1 / (N d_max T^2)``
    when ``delta`` is None (which needs the horizon T)."""
    if delta is None:
        return math.log(view.n_arms * view.d_max * float(horizon) ** 2)
    return -math.log(delta)
