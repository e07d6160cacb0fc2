"""The face of fixed-budget best-arm identification policies (Chen, Karthik, Chee & Tan,
arXiv:2401.09073): :class:`PrivateBAIPolicy`, one pull per ``select``/``update`` over the batch
kernels of :mod:`bandits.policies.private_bai.phased_elimination`, then the recommendation.

::

    obs, info = env.reset(seed=env_seed)           # env: regretlab/PrivateLinearBAI-v0
    policy.reset(env, seed=policy_seed, horizon=T)
    while True:
        arm = policy.select(obs)                    # obs 1: the budget is spent
        if policy.stopped:                          # arm is the recommendation
            obs, reward, terminated, truncated, info = env.unwrapped.recommend(arm)
            break
        obs, reward, terminated, truncated, info = env.step(arm)
        policy.update(arm, reward)

(:func:`bandits.policies.private_bai.identify` is this loop.) A batch ``(arm, count)`` is fixed
before any of its rewards are seen, so ``update`` accepts only the arm of the current batch;
the kernels see the batch's reward sum when its last pull is in, exactly as in the fused loop.
"""

from __future__ import annotations

import math
import numbers
from typing import ClassVar

import numpy as np

from bandits.core.kernels import compiled_entry_point
from bandits.core.policy import Policy
from bandits.core.validation import ParameterError, check_integer
from bandits.policies.private_bai import phased_elimination as engine
from bandits.policies.private_bai.schedules import phase_budgets, survivors
from environments.private_bai.linear_algebra import span_basis
from environments.private_bai.loop import N_DIAGNOSTICS
from environments.private_bai.protocol import RECOMMEND, PrivateBAIView

__all__ = ["PrivateBAIPolicy", "check_epsilon", "rank_of"]


def rank_of(view: PrivateBAIView, tolerance: float) -> int:
    """The dimension of the span of the view's arm vectors (relative tolerance)."""
    d = view.dimension
    return int(span_basis(np.ascontiguousarray(view.features), float(tolerance), np.zeros((d, d))))


class PrivateBAIPolicy(Policy):
    """Base class of the fixed-budget policies: the batch face over the phased-elimination
    kernels. Subclasses set :attr:`method` and implement :meth:`_design_hyper`.

    Every policy needs the budget (``reset(..., horizon=T)``) and accepts rewards in ``[0, 1]``
    (the Laplace mechanism's sensitivity ``1 / n`` relies on it).
    """

    setting: ClassVar[str] = "private_bai"
    view_type: ClassVar[type] = PrivateBAIView
    reward_range: ClassVar[tuple[float, float]] = (0.0, 1.0)
    needs_horizon: ClassVar[bool] = True
    init_kernel: ClassVar[object] = engine.phased_init
    select_batch_kernel: ClassVar[object] = engine.phased_select_batch
    update_batch_kernel: ClassVar[object] = engine.phased_update_batch
    recommend_kernel: ClassVar[object] = engine.phased_recommend
    #: One of the ``METHOD_*`` codes of :mod:`~bandits.policies.private_bai.phased_elimination`.
    method: ClassVar[int] = engine.METHOD_UNIFORM

    # -- hyper-parameters ----------------------------------------------------------------------
    def _design_hyper(self, rank: int) -> tuple:
        """``(max_det_mode, max_det_slack, switch_rule, design_iterations, design_tolerance)``."""
        return engine.MAX_DET_AUTO, 0.0, engine.SWITCH_NEVER, 0, 0.0

    def _required_pulls(self, n_active: int, rank: int) -> int:
        """The fewest pulls a phase over ``n_active`` arms needs (one per pulled arm)."""
        return n_active

    def _plan(self, view, horizon):
        rank = rank_of(view, self.rank_tolerance)
        kept = survivors(self.schedule, view.n_arms, rank)
        budgets = phase_budgets(horizon, kept.size, self.reserved_pulls)
        return rank, kept, budgets

    def planned_phases(self, view, horizon) -> int:
        """M, the number of phases on these arms (0 for a single arm)."""
        return int(self._plan(view, horizon)[1].size)

    def minimum_budget(self, view) -> int:
        """The smallest budget T on which every phase can pull each arm it plans to pull once."""
        rank = rank_of(view, self.rank_tolerance)
        kept = survivors(self.schedule, view.n_arms, rank)
        if kept.size == 0:
            return 1
        active = [view.n_arms, *kept[:-1].tolist()]
        need = max(self._required_pulls(n, rank) for n in active)
        return self.reserved_pulls + kept.size * need

    def kernel_hyper(self, view: PrivateBAIView, horizon: int) -> tuple:
        """The hyper-parameter tuple of the kernels for these arms and budget ``horizon``.

        Raises
        ------
        ParameterError
            Naming ``horizon`` when it is below :meth:`minimum_budget`.
        """
        horizon = check_integer("horizon", horizon, low=1)
        rank, kept, budgets = self._plan(view, horizon)
        smallest = self.minimum_budget(view)
        if horizon < smallest:
            raise ParameterError(
                "horizon", horizon,
                f"must be at least {smallest} for {type(self).__name__} on K = {view.n_arms} arms of rank {rank}: "
                f"its schedule has M = {kept.size} phases of floor((T - reserved_pulls) / M) pulls and every phase "
                "must pull each arm it samples at least once")
        factor = float(self.noise_multiplier) * (kept.size if self.noise_scale == "composed" else 1)
        max_det_mode, slack, switch, iterations, tolerance = self._design_hyper(rank)
        epsilon = float(self.epsilon)
        return (np.int64(self.method), epsilon, factor, kept, budgets, np.int64(max_det_mode), float(slack),
                float(self.rank_tolerance), np.int64(switch), np.int64(iterations), float(tolerance))

    # -- the face ------------------------------------------------------------------------------
    def _start(self, view: PrivateBAIView) -> None:
        self._hyper = self.kernel_hyper(view, self._horizon)
        self._state = type(self).init_kernel(np.ascontiguousarray(view.features), self._horizon, self._hyper)
        self._pulls = 0
        self._batch = (-1, 0, 0, 0)  # arm, count, first pull, phase
        self._left = 0
        self._sum = 0.0
        self._recommendation = None
        self._early = False
        self._diagnostics = np.zeros(N_DIAGNOSTICS)
        self._phase_sizes = np.zeros(max(1, len(self._hyper[3])), np.int64)

    def _bind_entry_points(self):
        cls = type(self)
        self._select_entry = compiled_entry_point(cls.select_batch_kernel, (self._state, self._hyper, 1, self._stream))
        self._update_entry = compiled_entry_point(cls.update_batch_kernel, (self._state, self._hyper, 0, 1, 0.0, 1))
        self._recommend_entry = compiled_entry_point(
            cls.recommend_kernel, (self._state, self._hyper, self._stream, self._diagnostics))

    def _recommend(self) -> int:
        self._recommendation = int(self._recommend_entry(self._state, self._hyper, self._stream, self._diagnostics))
        return self._recommendation

    def select(self, observation=None) -> int:
        """The arm to pull now, or, once the budget is spent (``observation == 1``) or the
        policy has stopped, its recommendation (then :attr:`stopped` is True)."""
        self._require_reset()
        if self._recommendation is not None:
            return self._recommendation
        if observation == RECOMMEND or self._pulls >= self._horizon:
            return self._recommend()
        if self._left == 0:
            arm, count, phase = self._select_entry(self._state, self._hyper, self._pulls + 1, self._stream)
            if count == 0:
                self._early = True
                return self._recommend()
            count = min(int(count), self._horizon - self._pulls)
            self._batch = (int(arm), count, self._pulls + 1, int(phase))
            self._left = count
            self._sum = 0.0
        return self._batch[0]

    def update(self, action, feedback) -> None:
        """Record the reward of one pull of the current batch's arm."""
        self._require_reset()
        if self._recommendation is not None:
            raise ValueError(f"action: {type(self).__name__} has already recommended arm {self._recommendation}; "
                             "reset() for a new run")
        arm, count, first, phase = self._batch
        if self._left == 0:
            raise ValueError(f"action: {type(self).__name__} has no batch in progress: call select() before update()")
        if isinstance(action, np.ndarray) and action.ndim == 0:
            action = action.item()
        if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)) or int(action) != arm:
            raise ParameterError("action", action, f"must be arm {arm}, the arm of the current batch (a fixed-budget "
                                                   "policy commits to a phase's pulls before seeing their rewards)")
        self._sum += self._check_reward(feedback)
        self._left -= 1
        self._pulls += 1
        if self._left == 0:
            self._update_entry(self._state, self._hyper, arm, count, self._sum, first)
            self._phase_sizes[phase] += count

    # -- what a run produced -------------------------------------------------------------------
    @property
    def stopped(self) -> bool:
        """True once the policy has recommended (the budget is spent or its phases are done)."""
        return getattr(self, "_recommendation", None) is not None

    @property
    def recommendation(self):
        """The recommended arm, or None before the recommendation."""
        self._require_reset()
        return self._recommendation

    @property
    def pulls(self) -> int:
        """Pulls so far."""
        self._require_reset()
        return self._pulls

    @property
    def phase_sizes(self) -> np.ndarray:
        """Pulls per phase so far (completed batches)."""
        self._require_reset()
        return self._phase_sizes.copy()

    @property
    def max_abs_coefficient(self) -> float:
        """The largest ``|beta|`` of the run's Max-Det phases (0 if none; known after the
        recommendation)."""
        self._require_reset()
        return float(self._diagnostics[0])


def check_epsilon(epsilon) -> float:
    """``epsilon > 0`` (``math.inf``: no noise, the non-private variant)."""
    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real):
        raise ParameterError("epsilon", epsilon, "must be a real number > 0 (inf for the non-private variant)")
    value = float(epsilon)
    if math.isnan(value) or value <= 0.0:
        raise ParameterError("epsilon", epsilon, "must be > 0 (inf for the non-private variant)")
    return value



NOISE_SCALES = ("per_phase", "composed")
#: For :func:`set_common_parameters`: a parameter the policy class fixes (not a constructor argument).
FIXED_BY_CLASS = object()


def set_common_parameters(policy, epsilon, schedule, noise_scale, noise_multiplier, reserved_pulls, rank_tolerance):
    """Validate and store the hyper-parameters every fixed-budget policy has (see
    :class:`~bandits.policies.private_bai.dp_bai.DPBAI` for their meaning); a ``schedule`` or
    ``noise_scale`` of :data:`FIXED_BY_CLASS` leaves the class attribute in force."""
    from bandits.core.validation import check_choice, check_real
    from bandits.policies.private_bai.schedules import check_schedule

    policy.epsilon = check_epsilon(epsilon)
    if schedule is not FIXED_BY_CLASS:  # uniform allocation fixes its one-phase schedule
        policy.schedule = check_schedule(schedule)
    if noise_scale is not FIXED_BY_CLASS:
        policy.noise_scale = check_choice("noise_scale", noise_scale, NOISE_SCALES)
    policy.noise_multiplier = check_real("noise_multiplier", noise_multiplier, low=0.0, low_open=True)
    policy.reserved_pulls = check_integer("reserved_pulls", reserved_pulls, low=0)
    policy.rank_tolerance = check_real("rank_tolerance", rank_tolerance, low=0.0, high=1.0, low_open=True, high_open=True)
