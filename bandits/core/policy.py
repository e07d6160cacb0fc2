"""The policy face shared by every setting: hyper-parameters in the constructor, randomness
through a seed, and three methods.

::

    policy.reset(view, *, seed=None, horizon=None)   # view: what a learner may know
    action = policy.select(observation)              # observation: optional in most settings
    policy.update(action, feedback)                  # feedback: view.feedback(reward, info)

``view`` is the setting's learner view (:class:`bandits.core.protocols.LearnerView`: sizes,
features, memory limit, omega grid, context interval; never the truth). :meth:`Policy.reset`
also accepts a problem or a Gymnasium environment of the setting and takes its
``learner_view``. ``feedback`` is what the setting's policies learn from one step: the reward
of the classic bandit, the click record of a cascade, the successes of a streaming batch, the
iteration count of a linear solve. One Gymnasium step becomes feedback through
``view.feedback(reward, info)``, so one driver (:func:`bandits.gym_driver.rollout`) runs any
policy on any environment of its setting::

    obs, info = env.reset(seed=env_seed)
    policy.reset(env, seed=policy_seed, horizon=T)
    view = policy.view
    while ...:
        action = policy.select(obs)
        obs, reward, terminated, truncated, info = env.step(action)
        policy.update(action, view.feedback(reward, info))

Kernels
-------
Behind every face, a policy's decision rule is a few numba kernels over a *state* (a tuple of
numpy arrays, mutated in place) and *hyper-parameters* (a tuple of scalars and arrays, never
mutated). The setting's fused loop calls the very same kernels inside one compiled loop, so the
face and the loop drive identical computations. Each setting documents its kernel signatures
in its policy package.

Conventions (checked by :func:`bandits.check_policy`)
-----------------------------------------------------
Hyper-parameters are set in the constructor only (validated there, stored as attributes under
the constructor's argument names, never changed), randomness comes only through the ``seed``
argument of :meth:`Policy.reset`, in the manner of scikit-learn estimators, and a policy
pickles mid-run and resumes exactly.
"""

from __future__ import annotations

import inspect
import math
from typing import ClassVar

from bandits.core.protocols import learner_view_of
from bandits.core.rng import as_generator, make_random_stream
from bandits.core.validation import ParameterError, check_integer

__all__ = ["Policy", "require_policy_of_setting"]


def require_policy_of_setting(policy, setting: str, path: str = "policy") -> None:
    """``ParameterError`` naming ``path`` unless ``policy`` is a :class:`Policy` of the setting
    called ``setting``: what every problem's ``check_policy_compatible`` checks first."""
    if not isinstance(policy, Policy) or policy.setting != setting:
        raise ParameterError(path, policy, f"must be a policy of the {setting!r} setting (see regretlab list)")


class Policy:
    """Base class of every policy's Python face (see the module docstring).

    A setting's base class (one per setting) sets :attr:`view_type` and implements
    :meth:`_start`, :meth:`_bind_entry_points`, :meth:`select` and :meth:`update`; the concrete
    policies set the class attributes below and their hyper-parameters.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"ucb1"``.
    setting : str
        The registry name of the setting whose environments the policy acts on.
    view_type : type
        The setting's learner view class; :meth:`reset` refuses other views.
    reward_range : (float, float)
        Rewards (or costs) the policy's model accepts.
    needs_horizon : bool
        True when a default hyper-parameter depends on the horizon T (then :meth:`reset`
        needs ``horizon``).
    regret_exponent : float or None
        The theoretical growth of regret on a fixed stochastic instance, for reports: 0 for
        logarithmic (``O(log T)``), ``a`` for ``T^a``; None if not declared.
    """

    name: ClassVar[str] = ""
    setting: ClassVar[str] = ""
    view_type: ClassVar[type | None] = None
    reward_range: ClassVar[tuple[float, float]] = (-math.inf, math.inf)
    needs_horizon: ClassVar[bool] = False
    regret_exponent: ClassVar[float | None] = None

    # -- hyper-parameters -------------------------------------------------------------------
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
                raise ParameterError(
                    "horizon", None,
                    f"is required by {type(self).__name__} with these hyper-parameters (pass horizon=T "
                    "to reset() or set the horizon-free hyper-parameter)",
                )
            return None
        return check_integer("horizon", horizon, low=1)

    # -- the face ---------------------------------------------------------------------------
    def learner_view_from(self, source):
        """The learner view to run on: ``source`` itself, or the ``learner_view`` of a problem
        or Gymnasium environment; ``ValueError`` unless it is a :attr:`view_type`. A setting may
        accept more (the classic bandit takes a number of arms or a ``Discrete`` space)."""
        view = learner_view_of(source)
        if self.view_type is not None and not isinstance(view, self.view_type):
            raise ParameterError(
                "view", view, f"must be a {self.view_type.__name__} ({type(self).__name__} is a {self.setting} policy)"
            )
        return view

    def reset(self, view, *, seed=None, horizon=None):
        """Start a fresh run.

        Parameters
        ----------
        view : learner view, problem or gymnasium.Env
            What the learner may know (the setting's learner view), or a problem or environment
            of the setting, whose ``learner_view`` is taken.
        seed : None, int, SeedSequence or Generator
            The policy's own random stream.
        horizon : int, optional
            The horizon T in the setting's time unit, for policies whose defaults depend on it.

        Returns
        -------
        Policy
            ``self``, so that ``policy = UCB1().reset(env, seed=0)`` works.
        """
        view = self.learner_view_from(view)
        horizon = self.check_horizon(horizon)
        generator = as_generator(seed)
        before = dict(self.__dict__)
        try:  # all or nothing: a reset that fails leaves the policy as it was
            self._horizon = horizon
            self._start(view)
            self._view = view
            self._generator = generator
            self._stream = make_random_stream(generator)
            self._bind_entry_points()
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise
        return self

    def _start(self, view) -> None:
        """Validate ``view`` against the hyper-parameters and build the kernel state (setting
        bases implement this; ``self._horizon`` is set)."""
        raise NotImplementedError

    def _bind_entry_points(self) -> None:
        """Bind the compiled entry points of the kernels for this state's types (setting bases
        implement this; every attribute named ``_*_entry`` is rebuilt after unpickling)."""
        raise NotImplementedError

    def select(self, observation=None):
        """The action for the current step (an element of the environment's action space)."""
        raise NotImplementedError

    def update(self, action, feedback) -> None:
        """Learn from the outcome of ``action``: ``feedback`` is the setting's feedback
        (``view.feedback(reward, info)`` of the Gymnasium step)."""
        raise NotImplementedError

    def _check_reward(self, reward, name: str = "reward") -> float:
        """``reward`` as a float, or ``ParameterError`` (named ``name``) unless it is a finite
        number inside :attr:`reward_range`."""
        try:
            value = float(reward)
        except (TypeError, ValueError):
            raise ParameterError(name, reward, "must be a real number") from None
        low, high = self.reward_range
        if not math.isfinite(value) or not low <= value <= high:
            raise ParameterError(name, reward, f"{type(self).__name__} needs finite rewards in [{low:g}, {high:g}]")
        return value

    def _require_reset(self):
        if not hasattr(self, "_state"):
            raise RuntimeError(f"{type(self).__name__}: call reset(view, seed=...) before select()/update()")

    @property
    def stopped(self) -> bool:
        """True once a policy that identifies rather than plays (e.g. best-policy
        identification) has stopped: its last ``select`` is its recommendation, not an action to
        play. Always False for policies that play to the horizon."""
        return False

    @property
    def view(self):
        """The learner view of the current run."""
        self._require_reset()
        return self._view

    @property
    def state(self) -> tuple:
        """The kernel state tuple (arrays; read them, do not modify them)."""
        self._require_reset()
        return self._state

    # -- pickling: the numba stream handle and the compiled entry points (every ``_*_entry``
    # attribute, bound in ``_bind_entry_points``) are rebuilt after loading -------------------
    def __getstate__(self):
        return {
            k: v for k, v in self.__dict__.items()
            if k != "_stream" and not (k.startswith("_") and k.endswith("_entry"))
        }

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "_generator" in state:
            self._stream = make_random_stream(self._generator)
            self._bind_entry_points()
