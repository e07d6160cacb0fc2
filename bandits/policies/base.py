"""The policy protocol: numba kernels over plain arrays, and the Python face that drives them.

Kernels
-------
A policy is three jitted functions over a *state* (a tuple of numpy arrays, mutated in place)
and *hyper-parameters* (a tuple of scalars and arrays, never mutated):

``init(n_arms, hyper) -> state``
    Fresh state for ``n_arms`` arms.
``select(state, hyper, t, rng) -> int``
    The arm to pull at round ``t`` (1-based). All randomness comes from ``rng``, the policy's own
    stream: a :class:`bandits.rng.RandomStream` (or a plain :class:`numpy.random.Generator`;
    kernels call :func:`bandits.rng.generator_of` to get the Generator). Ties are broken uniformly at random with it.
``update(state, hyper, arm, reward, t) -> None``
    Record the reward of ``arm`` at round ``t``. Accepted after any valid arm, not only the one
    ``select`` returned.

The fused runner calls these kernels inside one compiled loop; the :class:`Policy` face calls the
very same kernels one step at a time, so both drive identical computations.

Python face
-----------
Hyper-parameters are set in the constructor only (validated there, stored as attributes, never
changed), randomness comes only through the ``seed`` argument of :meth:`Policy.reset`, in the
manner of scikit-learn estimators. A policy can drive any Gymnasium environment whose action
space is :class:`gymnasium.spaces.Discrete`::

    policy = UCB1().reset(env.action_space, seed=1)
    obs, info = env.reset(seed=0)
    for t in range(1000):
        arm = policy.select()
        obs, reward, terminated, truncated, info = env.step(arm)
        policy.update(arm, reward)
"""

from __future__ import annotations

import inspect
import math
from typing import ClassVar

import numba as nb
import numpy as np
from gymnasium import spaces

from bandits.kernels import compiled_entry_point
from bandits.rng import as_generator, generator_of, make_random_stream
from bandits.validation import check_integer

__all__ = ["Policy", "argmax_random_tie", "argmax_count", "nth_maximum", "sample_categorical"]


@nb.njit(cache=True, nogil=True)
def argmax_count(values):
    """``(index of the first maximum of values, number of entries equal to the maximum)``."""
    best = values[0]
    best_index = 0
    n_best = 1
    for k in range(1, values.size):
        v = values[k]
        if v > best:
            best = v
            best_index = k
            n_best = 1
        elif v == best:
            n_best += 1
    return best_index, n_best


@nb.njit(cache=True, nogil=True)
def nth_maximum(values, first_index, n):
    """Index of the ``n``-th (0-based) entry equal to ``values[first_index]``, scanning from it."""
    best = values[first_index]
    for k in range(first_index, values.size):
        if values[k] == best:
            if n == 0:
                return k
            n -= 1
    return -1  # unreachable when n < number of maxima


@nb.njit(cache=True, nogil=True)
def argmax_random_tie(values, rng):
    """Index of the largest entry of ``values``; among exact ties, one chosen uniformly at random.

    ``rng`` (a Generator or a RandomStream) is drawn from only when there is a tie: one
    ``integers(0, n_ties)`` draw. Kernels on a hot path inline this logic with
    :func:`argmax_count` so that the generator is touched only in the tie branch.
    """
    best_index, n_best = argmax_count(values)
    if n_best == 1:
        return best_index
    return nth_maximum(values, best_index, generator_of(rng).integers(0, n_best))


@nb.njit(cache=True, nogil=True)
def sample_categorical(probabilities, rng):
    """Draw an index from ``probabilities`` (non-negative, summing to 1) by inverse CDF.

    Uses exactly one uniform draw from ``rng`` (a Generator or a RandomStream).
    Indices with zero probability are never returned.
    """
    u = generator_of(rng).random()
    cumulative = 0.0
    last_positive = -1
    for k in range(probabilities.size):
        p = probabilities[k]
        if p > 0.0:
            cumulative += p
            last_positive = k
            if u < cumulative:
                return k
    return last_positive  # rounding: u >= sum(p) only when sum(p) < 1 by a few ulps


class Policy:
    """Base class of every policy's Python face.

    Subclasses set the class attributes below and implement :meth:`kernel_hyper`.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"ucb1"``.
    init_kernel, select_kernel, update_kernel
        The numba kernels (see the module docstring).
    reward_range : (float, float)
        Rewards the policy's model accepts; KL-UCB, Beta Thompson sampling and the
        adversarial algorithms need rewards in ``[0, 1]``.
    needs_horizon : bool
        True when a default hyper-parameter depends on the horizon T (then :meth:`reset`
        needs ``horizon``).
    regret_exponent : float or None
        The theoretical growth of regret on a fixed stochastic instance, for reports: 0 for
        logarithmic (``O(log T)``), ``a`` for ``T^a``; None if not declared.
    """

    name: ClassVar[str] = ""
    #: The setting whose environments the policy acts on ("classic", "cascading", ...).
    setting: ClassVar[str] = "classic"
    init_kernel: ClassVar[object] = None
    select_kernel: ClassVar[object] = None
    update_kernel: ClassVar[object] = None
    reward_range: ClassVar[tuple[float, float]] = (-math.inf, math.inf)
    needs_horizon: ClassVar[bool] = False
    regret_exponent: ClassVar[float | None] = None

    # -- hyper-parameters -------------------------------------------------------------------
    def kernel_hyper(self, n_arms: int, horizon: int | None) -> tuple:
        """The hyper-parameter tuple handed to the kernels for ``n_arms`` arms."""
        raise NotImplementedError

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [p for p in signature.parameters if p != "self"]

    def get_params(self) -> dict:
        """Constructor arguments as a dict (scikit-learn convention)."""
        return {name: getattr(self, name) for name in self._param_names()}

    @property
    def label(self) -> str:
        """Short display label: the name plus any non-default hyper-parameters."""
        defaults = {
            name: p.default for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if defaults.get(k) != v]
        return self.name if not changed else f"{self.name}({', '.join(changed)})"

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def check_horizon(self, horizon):
        """Validate ``horizon`` (None allowed unless :attr:`needs_horizon`)."""
        if horizon is None:
            if self.needs_horizon:
                raise ValueError(
                    f"horizon: {type(self).__name__} with these hyper-parameters needs the horizon T; "
                    "pass horizon=T to reset() or set the horizon-free hyper-parameter"
                )
            return None
        return check_integer("horizon", horizon, low=1)

    # -- driving the kernels one step at a time --------------------------------------------
    def reset(self, n_arms, *, seed=None, horizon=None):
        """Start a fresh run.

        Parameters
        ----------
        n_arms : int or gymnasium.spaces.Discrete
            Number of arms, or the environment's action space (its ``start`` offset is honoured).
        seed : None, int, SeedSequence or Generator
            The policy's own random stream.
        horizon : int, optional
            The horizon T, for policies whose defaults depend on it.

        Returns
        -------
        Policy
            ``self``, so that ``policy = UCB1().reset(env.action_space, seed=0)`` works.
        """
        if isinstance(n_arms, spaces.Discrete):
            self._action_start = int(n_arms.start)
            n = int(n_arms.n)
        elif isinstance(n_arms, spaces.Space):
            raise ValueError(
                f"n_arms: policies act on gymnasium.spaces.Discrete action spaces, got {n_arms!r}"
            )
        else:
            self._action_start = 0
            n = check_integer("n_arms", n_arms, low=1)
        self._horizon = self.check_horizon(horizon)
        self._n_arms = n
        self._hyper = self.kernel_hyper(n, self._horizon)
        self._generator = as_generator(seed)
        self._stream = make_random_stream(self._generator)
        self._state = type(self).init_kernel(n, self._hyper)
        self._t = 1
        self._bind_entry_points()
        return self

    def _bind_entry_points(self):
        """Native entry points of select/update for this state's types: skips numba's per-call
        type dispatch (a few microseconds per step in the Python face)."""
        cls = type(self)
        self._select_entry = compiled_entry_point(cls.select_kernel, (self._state, self._hyper, 1, self._stream))
        self._update_entry = compiled_entry_point(cls.update_kernel, (self._state, self._hyper, 0, 0.0, 1))

    def _require_reset(self):
        if not hasattr(self, "_state"):
            raise RuntimeError(f"{type(self).__name__}: call reset(n_arms, seed=...) before select()/update()")

    def select(self) -> int:
        """The action for the current round (an element of the action space)."""
        self._require_reset()
        arm = self._select_entry(self._state, self._hyper, self._t, self._stream)
        return arm + self._action_start

    def update(self, action, reward) -> None:
        """Record ``reward`` for ``action`` and advance the round counter."""
        self._require_reset()
        arm = self._check_action(action)
        value = self._check_reward(reward)
        self._update_entry(self._state, self._hyper, arm, value, self._t)
        self._t += 1

    def _check_action(self, action) -> int:
        if isinstance(action, np.ndarray) and action.ndim == 0:
            action = action.item()
        low, high = self._action_start, self._action_start + self._n_arms - 1
        if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)) or not (
            low <= int(action) <= high
        ):
            raise ValueError(f"action: must be an integer in [{low}, {high}], got {action!r}")
        return int(action) - self._action_start

    def _check_reward(self, reward) -> float:
        try:
            value = float(reward)
        except (TypeError, ValueError):
            raise ValueError(f"reward: must be a real number, got {reward!r}") from None
        low, high = self.reward_range
        if not math.isfinite(value) or not low <= value <= high:
            raise ValueError(
                f"reward: {type(self).__name__} needs finite rewards in [{low:g}, {high:g}], got {reward!r}"
            )
        return value

    @property
    def t(self) -> int:
        """The current round (1-based): the number of updates so far plus one."""
        self._require_reset()
        return self._t

    @property
    def state(self) -> tuple:
        """The kernel state tuple (arrays; read them, do not modify them)."""
        self._require_reset()
        return self._state

    # -- pickling: the numba stream handle and the compiled entry points (every ``_*_entry``
    # attribute, which subclasses bind in ``_bind_entry_points``) are rebuilt after loading ------
    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_stream" and not (k.startswith("_") and k.endswith("_entry"))}

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "_generator" in state:
            self._stream = make_random_stream(self._generator)
            self._bind_entry_points()
