"""The face shared by the cascading policies: :class:`CascadingPolicy`.

Cascading bandits: Kveton, Szepesvari, Wen & Ashkan, ICML 2015, arXiv:1502.02763 (CascadeUCB1,
CascadeKL-UCB). Cascading RL: Du, Srikant & Chen, ICLR 2024, arXiv:2401.08961 (CascadingVI,
CascadingBPI and the baselines CascadingVI-Oracle, CascadingVI-Bonus, AdaptVI).

Kernels
-------
A cascading policy acts once per episode by writing a Markov *plan* (a list for every step and
state), so that the fused loop (:func:`environments.cascading.run_cascading_replication`) can
evaluate ``V^{pi_k}`` exactly and record pseudo-regret on values::

    init(n_states, n_items, episode_length, list_length, hyper) -> state
    plan(state, hyper, k, rng, plan_items int64[H, S, m], plan_length int64[H, S]) -> stop
    update(state, hyper, k, h, s, items int64[m], length, click, next_state, reward)

``click`` is the position of the clicked item in ``items`` or ``-1`` (no click): items before it
were examined and not attractive, ``items[click]`` attractive, later items unobserved. ``stop =
1`` means "this plan is my recommendation, do not play it" (best-policy identification); regret
policies always return 0. ``kernel_hyper(view, horizon)`` builds ``hyper`` from the learner view
(:class:`environments.cascading.CascadeLearnerView`) and the number of episodes K.
"""

from __future__ import annotations

import numbers
from typing import ClassVar

import numpy as np

from bandits.core.kernels import compiled_entry_point
from bandits.core.policy import Policy
from bandits.core.validation import ParameterError
from environments.cascading import CascadeFeedback, CascadeLearnerView, parse_item_list

__all__ = ["CascadingPolicy", "parse_item_list"]

_FEEDBACK_RULE = (
    "must be a CascadeFeedback(step, state, click_position, next_state, reward), as returned by "
    "view.feedback(reward, info)"
)


class CascadingPolicy(Policy):
    """Base class of the cascading policies' Python faces.

    A face drives its kernels on any cascading problem or Gymnasium environment
    (``regretlab/CascadingBandit-v0``, ``regretlab/CascadingMDP-v0``);
    :func:`bandits.gym_driver.rollout` is the generic driver, which amounts to::

        obs, info = env.reset(seed=0)
        policy = CascadingVI().reset(env, seed=1, horizon=K)
        view = policy.view
        for k in range(K):
            if k:
                obs, info = env.reset()
            done = False
            while not done:
                action = policy.select(obs)
                obs, reward, done, truncated, info = env.step(action)
                policy.update(action, view.feedback(reward, info))

    ``select`` computes a new plan when it sees step ``h = 0`` of an episode (so draws come in
    the fused loop's order); :attr:`plan` exposes it, so that ``problem.plan_value`` (and the
    shell's ``step_regret``) can evaluate it exactly. The action is the list padded with ``N``
    (empty slots) to length m. Once a best-policy-identification policy has stopped
    (:attr:`stopped`), it plans no more: its plan is its recommendation.
    """

    setting: ClassVar[str] = "cascading"
    view_type: ClassVar[type] = CascadeLearnerView
    init_kernel: ClassVar[object] = None
    plan_kernel: ClassVar[object] = None
    update_kernel: ClassVar[object] = None
    needs_unit_rewards: ClassVar[bool] = False
    #: True for policies that may stop before the horizon (best-policy identification).
    can_stop: ClassVar[bool] = False
    reward_range = (0.0, 1.0)

    def kernel_hyper(self, view: CascadeLearnerView, horizon):
        """The hyper-parameter tuple handed to the kernels for ``view`` and ``horizon`` K."""
        raise NotImplementedError

    def check_view(self, view: CascadeLearnerView, path: str = "policy") -> None:
        """``ValueError`` if this policy cannot run on a problem with this learner view."""
        if self.needs_unit_rewards and not view.unit_rewards:
            raise ParameterError(
                path, view,
                f"{type(self).__name__} is a cascading-bandit algorithm; it needs a problem with "
                "S = H = 1 and unit rewards (CascadingBandit)",
                got=f"S={view.n_states}, H={view.episode_length}",
            )

    # -- Policy hooks --------------------------------------------------------------------------
    def _start(self, view: CascadeLearnerView) -> None:
        self.check_view(view)
        self._hyper = self.kernel_hyper(view, self._horizon)
        cls = type(self)
        self._state = cls.init_kernel(view.n_states, view.n_items, view.episode_length, view.list_length, self._hyper)
        self.plan = (
            np.zeros((view.episode_length, view.n_states, view.list_length), np.int64),
            np.zeros((view.episode_length, view.n_states), np.int64),
        )
        self._k = 0
        self._stopped = False

    def _bind_entry_points(self):
        cls = type(self)
        items, lengths = self.plan
        self._plan_entry = compiled_entry_point(
            cls.plan_kernel, (self._state, self._hyper, 1, self._stream, items, lengths)
        )
        row = items[0, 0]
        self._update_entry = compiled_entry_point(
            cls.update_kernel, (self._state, self._hyper, 1, 0, 0, row, 1, -1, 0, 0.0)
        )

    # -- the face ------------------------------------------------------------------------------
    def new_episode(self) -> bool:
        """Compute the plan of the next episode; return True if the policy stops (its plan is
        then its recommendation, not to be played; later calls keep it and return True)."""
        self._require_reset()
        if self._stopped:
            return True
        self._k += 1
        items, lengths = self.plan
        self._stopped = bool(self._plan_entry(self._state, self._hyper, self._k, self._stream, items, lengths))
        return self._stopped

    def _observation_to_step_state(self, observation):
        if observation is None or isinstance(observation, numbers.Integral) or (
            isinstance(observation, np.ndarray) and observation.ndim == 0
        ):
            return 0, 0
        values = np.asarray(observation).ravel()
        if values.size != 2:
            raise ParameterError("observation", observation, "must be (h, s), 0 or None")
        return int(values[0]), int(values[1])

    def select(self, observation=None):
        """The list for ``observation`` = ``(h, s)`` (MDP) or 0 / None (bandit: ``h = s = 0``), as
        a Gym action: int64 array of length m, padded with N. Plans a new episode at ``h = 0``."""
        self._require_reset()
        h, s = self._observation_to_step_state(observation)
        view = self._view
        if not (0 <= h < view.episode_length and 0 <= s < view.n_states):
            raise ParameterError(
                "observation", observation, f"(h, s) must be in [0, {view.episode_length}) x [0, {view.n_states})"
            )
        if h == 0:
            self.new_episode()
        items, lengths = self.plan
        action = np.full(view.list_length, view.n_items, np.int64)
        n = lengths[h, s]
        action[:n] = items[h, s, :n]
        return action

    def update(self, action, feedback) -> None:
        """Record the outcome of showing the list ``action``: ``feedback`` is a
        :class:`environments.cascading.CascadeFeedback` (``view.feedback(reward, info)`` of the
        Gymnasium step). Any valid list is accepted, with any consistent feedback; invalid
        lists, out-of-range feedback and rewards outside [0, 1] raise ``ValueError``."""
        self._require_reset()
        view = self._view
        items, length = parse_item_list(action, view.n_items, view.list_length)
        h, s, click, next_state, reward = self._check_feedback(feedback, length)
        self._update_entry(self._state, self._hyper, max(self._k, 1), h, s, items, length, click, next_state, reward)

    def _check_feedback(self, feedback, length):
        if not isinstance(feedback, tuple) or len(feedback) != len(CascadeFeedback._fields):
            raise ParameterError("feedback", feedback, _FEEDBACK_RULE)
        view = self._view
        values = []
        for name, value in zip(CascadeFeedback._fields[:4], feedback[:4]):
            if isinstance(value, np.ndarray) and value.ndim == 0:
                value = value.item()
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
                raise ParameterError(f"feedback.{name}", value, "must be an integer")
            values.append(int(value))
        h, s, click, next_state = values
        if not 0 <= h < view.episode_length:
            raise ParameterError("feedback.step", h, f"must be in [0, {view.episode_length})")
        if not -1 <= click < length:
            raise ParameterError("feedback.click_position", click, f"must be -1 or a position in [0, {length})")
        for name, value in (("state", s), ("next_state", next_state)):
            if not 0 <= value < view.n_states:
                raise ParameterError(f"feedback.{name}", value, f"must be in [0, {view.n_states})")
        return h, s, click, next_state, self._check_reward(feedback[4], name="feedback.reward")

    @property
    def episode(self) -> int:
        """Episodes planned so far."""
        self._require_reset()
        return self._k

    @property
    def stopped(self) -> bool:
        """True once a best-policy-identification policy has stopped."""
        return bool(getattr(self, "_stopped", False))
