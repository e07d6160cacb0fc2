"""The Python face shared by the solver-tuning policies (Khodak, Chow, Balcan & Talwalkar, *Learning
to Relax*, ICLR 2024, arXiv:2310.02246): :class:`SolverTuningPolicy`, which drives a kernel set of
:mod:`.kernel_protocol` one round at a time::

    policy = ChebCB().reset(env, seed=1, horizon=5000)   # or an OmegaGridView, or a problem
    observation, info = env.reset(seed=0)
    for t in range(5000):
        index = policy.select(observation)              # the context, revealed before the choice
        observation, reward, terminated, truncated, info = env.step(index)
        policy.update(index, policy.view.feedback(reward, info))   # the iteration count

The learner view is an :class:`environments.solver_tuning.OmegaGridView` (the omega grid and the
environment's context interval); the feedback of a round is its iteration count, and the round's
context is the one of the last :meth:`SolverTuningPolicy.select`.
"""

from __future__ import annotations

import math
import numbers
from typing import ClassVar

import numpy as np

from bandits.core.kernels import compiled_entry_point
from bandits.core.policy import Policy
from bandits.core.validation import ParameterError, check_real, check_real_vector
from environments.solver_tuning import MAX_COST, OmegaGridView
from environments.solver_tuning.protocol import SETTING

__all__ = ["SolverTuningPolicy"]


def _check_grid(name, grid):
    if grid is None:
        return None
    values = check_real_vector(name, grid, low=0.0, high=2.0, low_open=True, high_open=True)
    return tuple(float(x) for x in values)


def _check_context_range(name, value):
    if value is None or (isinstance(value, str) and value == "environment"):
        # stored as "environment", the spelling of experiment files (TOML has no null), so that
        # labels and reports show what the file says
        return "environment"
    rule = "must be a pair (low, high) with low < high, or \"environment\" (None)"
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise ParameterError(name, value, rule)
    low = check_real(f"{name}[0]", value[0])
    high = check_real(f"{name}[1]", value[1])
    if not low < high:
        raise ParameterError(name, value, "must be a pair (low, high) with low < high")
    return (low, high)


def _scalar_of(name, value):
    """A real scalar from a number or a one-element array (a Gym ``Box`` observation)."""
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise ParameterError(name, value, "must be a real number or a one-element array", got=f"shape {value.shape}")
        value = value.reshape(-1)[0].item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ParameterError(name, value, "must be a real number")
    return float(value)


class SolverTuningPolicy(Policy):
    """Base class of the solver-tuning policies' Python faces (see the module docstring).

    A subclass sets ``init_kernel``, ``select_kernel`` and ``update_kernel`` (a kernel set of
    :mod:`.kernel_protocol`) and implements :meth:`_kernel_hyper`. The constructor parameter
    below is common to every policy of the setting.

    Parameters
    ----------
    grid : sequence of float in (0, 2), optional
        The omega values the policy believes the environment's grid holds. None (default): the
        grid of the learner view handed to :meth:`reset`. When given, the view's grid must equal
        it (within 1e-12). The learners only use its size (they learn per index);
        :class:`FixedOmega` uses it to find ``omega``.
    """

    setting: ClassVar[str] = SETTING
    view_type: ClassVar[type] = OmegaGridView
    #: True when ``select`` needs the context (contextual policies).
    contextual: ClassVar[bool] = False
    #: True for comparators that play one fixed omega (:class:`FixedOmega`): reports compare the
    #: other policies with the best of them.
    is_fixed_comparator: ClassVar[bool] = False
    #: Accepted costs (iteration counts; the environment caps them at 10000). The upper limit
    #: keeps importance-weighted sums ``(cost - 1)/p`` and squared targets far from overflow.
    reward_range = (0.0, MAX_COST)
    regret_exponent: ClassVar[float | None] = 0.5

    init_kernel: ClassVar = None
    select_kernel: ClassVar = None
    update_kernel: ClassVar = None

    # -- hyper-parameters -------------------------------------------------------------------
    def kernel_hyper(self, view: OmegaGridView, horizon: int | None) -> tuple:
        """Hyper-parameter tuple for the learner view ``view`` and horizon T (None if unknown);
        :class:`~bandits.core.validation.ParameterError` if the policy does not fit the view (its
        ``grid``, ``omega``...)."""
        return self._kernel_hyper(self._grid_values(view), horizon)

    def _kernel_hyper(self, omega_values: np.ndarray, horizon: int | None) -> tuple:
        """:meth:`kernel_hyper` on the grid's omega values, already checked against ``grid``
        (subclasses implement this)."""
        raise NotImplementedError

    @property
    def needs_horizon(self) -> bool:  # type: ignore[override]
        return getattr(self, "step", None) == "fixed"

    def _grid_values(self, view: OmegaGridView) -> np.ndarray:
        """The omega values of the grid the policy plays on: its own ``grid`` if given (which
        must equal the view's within 1e-12), else the view's."""
        own = getattr(self, "grid", None)
        if own is None:
            return np.array(view.omega_grid)
        if len(own) != view.n_omegas or not np.allclose(view.omega_grid, own, rtol=0.0, atol=1e-12):
            raise ParameterError("omega_grid", list(view.omega_grid), f"must equal the policy's grid {list(own)!r}")
        return np.array(own)

    # -- driving the kernels one step at a time --------------------------------------------
    def _start(self, view: OmegaGridView) -> None:
        horizon = self._horizon
        self._hyper = self.kernel_hyper(view, horizon)
        self._omega_values = self._grid_values(view)
        self._state = type(self).init_kernel(
            view.n_omegas, 0 if horizon is None else horizon, view.context_low, view.context_high, self._hyper
        )
        self._context = None

    def _bind_entry_points(self) -> None:
        cls = type(self)
        self._select_entry = compiled_entry_point(cls.select_kernel, (self._state, self._hyper, 0.0, self._stream))
        self._update_entry = compiled_entry_point(cls.update_kernel, (self._state, self._hyper, 0.0, 0, 0.0))

    def _check_context(self, observation) -> float:
        if observation is None:
            if self.contextual:
                raise ParameterError("context", None, f"{type(self).__name__} is contextual; pass the round's context")
            return math.nan
        value = _scalar_of("context", observation)
        if not math.isfinite(value):
            raise ParameterError("context", observation, "must be finite")
        return value

    def _check_action(self, action) -> int:
        if isinstance(action, np.ndarray) and action.ndim == 0:
            action = action.item()
        high = self._view.n_omegas - 1
        if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)) or not 0 <= action <= high:
            raise ParameterError("action", action, f"must be an integer in [0, {high}]")
        return int(action)

    def _check_feedback(self, feedback) -> float:
        """The iteration count ``feedback`` as a float: a number (not a bool) that
        :meth:`~bandits.core.policy.Policy._check_reward` accepts (finite, in :attr:`reward_range`
        = ``[0, MAX_COST]``)."""
        if isinstance(feedback, (bool, np.bool_)):
            raise ParameterError("feedback", feedback, "must be an iteration count (a real number)")
        return self._check_reward(feedback, "feedback")

    def select(self, observation=None) -> int:
        """The omega index for the round whose context is ``observation`` (the Gym observation,
        a one-element array, or a float; optional for the non-contextual policies)."""
        self._require_reset()
        value = self._check_context(observation)
        self._context = value
        return int(self._select_entry(self._state, self._hyper, value, self._stream))

    def update(self, action, feedback) -> None:
        """Record the iteration count ``feedback`` (in ``[0, 1e9]``: ``view.feedback(reward,
        info)`` of the Gym step, whose reward is ``-iterations``) of omega index ``action``, on
        the round whose context is the one of the last :meth:`select`."""
        self._require_reset()
        index = self._check_action(action)
        cost = self._check_feedback(feedback)
        if self._context is None:
            if self.contextual:
                raise ParameterError(
                    "context", None,
                    f"{type(self).__name__} is contextual and learns on the context of the last select(); no select() yet",
                )
            context = math.nan
        else:
            context = self._context
        self._update_entry(self._state, self._hyper, context, index, cost)

    @property
    def omega_values(self) -> np.ndarray:
        """The omega values of the grid of the current run."""
        self._require_reset()
        return self._omega_values

    @property
    def label(self) -> str:
        text = super().label
        grid = getattr(self, "grid", None)
        if grid is not None:
            text = text.replace(f"grid={grid!r}", f"grid=<{len(grid)} points in [{min(grid):g}, {max(grid):g}]>")
        return text
