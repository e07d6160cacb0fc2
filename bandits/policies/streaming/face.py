"""The Python face shared by the streaming policies (Chen Wang, ICML 2023, arXiv:2306.02208):
:class:`StreamingPolicy`, the accuracy ``epsilon = (K / T)^(1/3)`` and batch rounding.

Kernel protocol
---------------
``init(n_arms, horizon, memory, oracle_gap, hyper) -> state``
    Fresh state. ``oracle_gap`` is the true best/second-best gap of the instance; only
    :class:`~bandits.policies.streaming.GameOfArms` with ``gap_hint="oracle"`` reads it (oracle
    information, flagged in its label and in reports); every other policy ignores it.
``select(state, hyper, rng) -> (op, slot, count, charged_slot)``
    The next operation: ``op`` in READ = 0, PULL = 1, DISCARD = 2, COMMIT = 3; ``slot`` in
    ``[0, M)``; ``count`` the number of pulls (PULL only, ``>= 1``, never more than the pulls
    left). ``charged_slot`` is the slot whose arm the *official code* charges for this
    operation (its regret-accounting bug: challengers of the level algorithms are charged at the
    champion's mean); it equals ``slot`` except for those challenger batches. The environment
    always charges the arm actually pulled; the fused loop uses ``charged_slot`` only for the
    official accounting. Every algorithm decision is taken here (the policy stream ``rng`` is
    only drawn from by Game-of-Arms, one uniform per arriving arm).
``update(state, hyper, op, slot, status, pulls_done, successes)``
    Record the outcome: ``status`` the stream position of the arm (``>= 0``), ``pulls_done`` the
    pulls actually made (the last batch may be cut short at T), ``successes`` their sum
    (:func:`~bandits.policies.streaming.state.streaming_update`, common to every policy).

Batch sizes
-----------
The official code uses real-valued batch sizes. Every batch here is an integer
``max(1, ceil(x))`` (``batch_rounding="ceil"``, default) or ``max(1, floor(x))``
(``"floor"``: the number of Bernoulli draws the official ``batch_pull`` makes below 10^5 pulls),
computed once in :meth:`StreamingPolicy.kernel_hyper` and clamped to ``2**62``.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from bandits.core.kernels import compiled_entry_point
from bandits.core.policy import Policy
from bandits.core.validation import ParameterError, check_choice, check_integer
from bandits.policies.streaming.state import POLICY_PULLS_USED, streaming_update
from environments.streaming.protocol import DISCARD, MAX_COUNT, READ, StreamingFeedback, StreamingLearnerView

__all__ = ["StreamingPolicy", "epsilon_of", "batch_count"]


def epsilon_of(n_arms: int, horizon: int) -> float:
    """``epsilon = (K / T)^(1/3)``, the accuracy of the epsilon-best arm: committing to an
    epsilon-best arm costs at most ``T epsilon = K^(1/3) T^(2/3)`` (arXiv:2306.02208)."""
    return (n_arms / horizon) ** (1.0 / 3.0)


def batch_count(x: float, rounding: str) -> int:
    """A real batch size as an integer count ``>= 1``: ceil (default) or floor, clamped."""
    if not math.isfinite(x) or x >= MAX_COUNT:
        return MAX_COUNT
    value = math.ceil(x) if rounding == "ceil" else math.floor(x)
    return int(min(max(1, value), MAX_COUNT))


class StreamingPolicy(Policy):
    """Base class of the streaming policies' Python faces.

    The setting (:mod:`environments.streaming`): K arms arrive once, in a seeded order; an
    algorithm may READ the next arm into a free memory slot, PULL a stored arm ``n`` times at
    once (it sees the number of successes), DISCARD a stored arm (gone for ever) and COMMIT a
    stored arm for the rest of the horizon T. The memory limit M counts the arriving arm. Every
    algorithm finds an (approximately) best arm with ``epsilon = (K / T)^(1/3)`` and commits to
    it. A face drives its kernels through the Gymnasium shell
    (:class:`environments.streaming.StreamingBanditShell`, registered as
    ``regretlab/StreamingBandit-v0``) one operation per step::

        env = problem.make_env(T)                      # batch pulls
        obs, info = env.reset(seed=0)
        policy = LogStarMemory().reset(env, seed=1, horizon=T)   # the view: K, M, oracle gap
        view = policy.view
        truncated = False
        while not truncated:
            action = policy.select()
            obs, reward, terminated, truncated, info = env.step(action)
            policy.update(action, view.feedback(reward, info))

    ``reset(view, *, seed, horizon)`` takes a :class:`StreamingLearnerView` (or a problem or
    environment, whose view is taken) and the horizon T in pulls (required). Actions are dicts
    ``{"op", "slot", "count"}`` (op codes :data:`~environments.streaming.READ`,
    :data:`~environments.streaming.PULL`, :data:`~environments.streaming.DISCARD`,
    :data:`~environments.streaming.COMMIT`); the feedback is a :class:`StreamingFeedback`
    ``(successes, status, pulls_done)``. Hyper-parameters common to every algorithm:

    Parameters
    ----------
    paper_accounting : bool, default False
        False: the run's regret charges every pull at the pulled arm's own mean (exact
        pseudo-regret). True: the run's regret curve follows the official code's charging
        (challengers of L1/L2/L* charged at their level champion's mean), for comparison with
        the paper; the exact regret is still recorded (metric ``exact_regret``).
    official_quirks : bool, default False
        Reproduce the official code's quirks where they change decisions (the stale level-0
        benchmark, ``best_among_remaining`` returning the last positive level, the unset first
        benchmark of uniform exploration): see each algorithm.
    batch_rounding : {"ceil", "floor"}, default "ceil"
        How real-valued batch sizes become pull counts; "floor" draws as many Bernoulli samples
        as the official ``batch_pull`` does.
    """

    setting: ClassVar[str] = "streaming"
    view_type: ClassVar[type] = StreamingLearnerView
    update_kernel: ClassVar[object] = streaming_update
    needs_horizon: ClassVar[bool] = True
    reward_range = (0.0, math.inf)
    regret_exponent: ClassVar[float | None] = 2.0 / 3.0
    #: True when the algorithm reads the oracle gap; a policy whose use of it depends on its
    #: hyper-parameters makes it an instance property (Game-of-Arms with gap_hint="oracle").
    #: Reports flag such policies as oracle-assisted.
    uses_oracle_gap: ClassVar[bool] = False
    #: True for the baseline that reports compare the others against, per replication (uniform
    #: exploration, U: the others' regret is given relative to it).
    is_regret_baseline: ClassVar[bool] = False

    def _set_common(self, paper_accounting, official_quirks, batch_rounding):
        if not isinstance(paper_accounting, (bool, np.bool_)):
            raise ParameterError("paper_accounting", paper_accounting, "must be True or False")
        if not isinstance(official_quirks, (bool, np.bool_)):
            raise ParameterError("official_quirks", official_quirks, "must be True or False")
        self.paper_accounting = bool(paper_accounting)
        self.official_quirks = bool(official_quirks)
        self.batch_rounding = check_choice("batch_rounding", batch_rounding, ("ceil", "floor"))

    def kernel_hyper(self, view: StreamingLearnerView, horizon: int) -> tuple:
        """Hyper-parameter tuple for the view's K arms and horizon ``horizon`` (batch
        schedules)."""
        raise NotImplementedError

    def memory_required(self, n_arms: int) -> int:
        """Slots the algorithm ever holds at once, the arriving arm included."""
        raise NotImplementedError

    def _start(self, view):
        """Check the view (memory, oracle gap) and the horizon against the algorithm; build the
        kernel state (``init_kernel(K, T, M, oracle gap or 0, hyper)``)."""
        horizon = self._horizon
        if horizon > MAX_COUNT:
            raise ParameterError("horizon", horizon, "must be <= 2^62")
        n, m = view.n_arms, view.memory
        needed = self.memory_required(n)
        if m < needed:
            raise ParameterError("memory", m, f"{type(self).__name__} needs >= {needed} slots for {n} arms")
        if self.uses_oracle_gap and view.oracle_gap is None:
            raise ParameterError(
                "oracle_gap", None,
                f"{self.label} uses the true gap: reset it with the learner view of a reset environment "
                "(policy.reset(env, ...) after env.reset(seed=...)) or a StreamingLearnerView with oracle_gap",
            )
        gap = 0.0 if view.oracle_gap is None else view.oracle_gap
        self._memory = m
        self._hyper = self.kernel_hyper(view, horizon)
        self._state = type(self).init_kernel(n, horizon, m, gap, self._hyper)
        self._charged_slot = -1

    def _bind_entry_points(self):
        cls = type(self)
        self._select_entry = compiled_entry_point(cls.select_kernel, (self._state, self._hyper, self._stream))
        self._update_entry = compiled_entry_point(cls.update_kernel, (self._state, self._hyper, 0, 0, 0, 0, 0))

    def select(self, observation=None) -> dict:
        """The next operation as a Gym action ``{"op", "slot", "count"}`` (count 0 except for
        PULL). The observation is not needed (the policy tracks its own memory)."""
        self._require_reset()
        if self.pulls_used >= self._horizon:
            raise RuntimeError(f"{type(self).__name__}: all {self._horizon} pulls are used; the run is over")
        op, slot, count, charged = self._select_entry(self._state, self._hyper, self._stream)
        self._charged_slot = int(charged)
        return {"op": int(op), "slot": int(slot), "count": int(count)}

    @property
    def charged_slot(self) -> int:
        """Slot the official code charges for the last selected operation (its accounting)."""
        self._require_reset()
        return self._charged_slot

    def update(self, action, feedback) -> None:
        """Record the outcome of ``action``: ``feedback`` is a :class:`StreamingFeedback`
        ``(successes, status, pulls_done)`` (``view.feedback(reward, info)`` of the Gymnasium
        step). ``ValueError`` naming the rule for an invalid action or feedback."""
        self._require_reset()
        op, slot = _parse_operation(action, self._memory)
        if not isinstance(feedback, StreamingFeedback):
            raise ParameterError("feedback", feedback, "must be a StreamingFeedback(successes, status, pulls_done)")
        successes, status, pulls_done = feedback
        for name, value in (("status", status), ("pulls_done", pulls_done)):
            check_integer(f"feedback.{name}", value)
        status, pulls_done = int(status), int(pulls_done)
        if status < 0:
            raise ParameterError("feedback.status", status, "must be >= 0 (a successful operation)")
        if pulls_done < 0 or (op in (READ, DISCARD) and pulls_done != 0):
            raise ParameterError("feedback.pulls_done", pulls_done, "must be >= 0, and 0 for READ/DISCARD")
        if pulls_done > self._horizon - self.pulls_used:
            raise ParameterError(
                "feedback.pulls_done", pulls_done, f"must be <= the pulls left {self._horizon - self.pulls_used}"
            )
        try:
            value = float(successes)
        except (TypeError, ValueError):
            raise ParameterError("feedback.successes", successes, "must be a number of successes") from None
        if not (math.isfinite(value) and value == int(value) and 0 <= value <= pulls_done):
            raise ParameterError(
                "feedback.successes", successes, f"must be an integer number of successes in [0, {pulls_done}]"
            )
        self._update_entry(self._state, self._hyper, op, slot, status, pulls_done, int(value))

    @property
    def pulls_used(self) -> int:
        """Pulls made so far (as reported to :meth:`update`)."""
        self._require_reset()
        return int(self._state[0][POLICY_PULLS_USED])

    @property
    def label(self) -> str:
        text = super().label
        if self.uses_oracle_gap and "oracle" not in text:
            text += " [oracle gap]"
        return text


def _parse_operation(action, memory):
    """``(op, slot)`` of a Gym action dict, or ValueError naming the rule."""
    if not isinstance(action, dict) or not {"op", "slot"} <= set(action):
        raise ParameterError("action", action, "must be a dict with keys 'op', 'slot', 'count'")
    values = []
    for name in ("op", "slot"):
        value = action[name]
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise ParameterError(f"action['{name}']", value, "must be an integer")
        values.append(int(value))
    op, slot = values
    if not 0 <= op <= 3:
        raise ParameterError("action['op']", op, "must be in [0, 3] (READ, PULL, DISCARD, COMMIT)")
    if not 0 <= slot < memory:
        raise ParameterError("action['slot']", slot, f"must be in [0, {memory - 1}]")
    return op, slot
