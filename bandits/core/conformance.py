"""``check_policy``: the policy contract turned into a test, in the spirit of scikit-learn's
``check_estimator``.

:func:`check_policy` runs the conformance check that the policy's setting registers
(:attr:`bandits.core.registry.Setting.policy_check`), on the check's own small default problem or
on a ``problem=`` of the setting. The blocks that every setting's check is made of live here, so
that the checks differ only in what is particular to their setting:

- :func:`require_compatible_problem`: a ``problem=`` argument is a problem of the policy's
  setting that the policy can run on (checked before any work);
- :func:`check_params_and_reset`: parameters live in the constructor (``get_params`` rebuilds an
  equal policy) and ``select`` before ``reset`` raises ``RuntimeError``;
- :func:`play`: drive a policy through a Gymnasium shell as :func:`bandits.gym_driver.rollout`
  does, checking every action; with ``twin_at``, a pickled copy taken mid-run must resume exactly
  where the original is ("pickling");
- :class:`ScriptedShell`: a stand-in shell over a scripted sequence (a fixed reward or cost
  sequence), for the default problems of checks that do not need a real environment;
- :func:`check_same_actions`: the same seeds give the same actions ("determinism");
- :func:`parameters_unchanged`: parameters and kernel hyper-parameters are unchanged by running
  ("immutability");
- :func:`state_stays_finite`: kernel state that was finite stays finite;
- :func:`expect_value_error`: invalid input raises ``ValueError``.

Each raises :class:`PolicyCheckError` through :func:`fail`, whose message names the policy and the
check (``"UCB1: determinism: same seed, different action at step 12"``).
"""

from __future__ import annotations

import copy
import pickle
from contextlib import contextmanager

import numpy as np

from bandits.core.registry import resolve, setting_of
from bandits.core.validation import ParameterError

__all__ = [
    "PolicyCheckError",
    "ScriptedShell",
    "check_params_and_reset",
    "check_policy",
    "check_same_actions",
    "expect_value_error",
    "fail",
    "parameters_unchanged",
    "play",
    "require_compatible_problem",
    "state_stays_finite",
]


class PolicyCheckError(AssertionError):
    """Raised by :func:`check_policy`; the message names the policy and the check that failed."""


def fail(policy, check: str, message: str):
    """Raise :class:`PolicyCheckError` for ``policy`` failing ``check``."""
    raise PolicyCheckError(f"{type(policy).__name__}: {check}: {message}")


def check_params_and_reset(policy) -> dict:
    """Checks shared by every setting: parameters live in the constructor, and ``select``
    before ``reset`` raises ``RuntimeError``. Returns the parameters."""
    params = policy.get_params()
    try:
        clone = type(policy)(**params)
    except Exception as error:  # reported as a failure
        fail(policy, "get_params", f"cannot rebuild from {params!r}: {error}")
    if clone.get_params() != params:
        fail(policy, "get_params", f"rebuilt policy has {clone.get_params()!r}, expected {params!r}")
    fresh = type(policy)(**params)
    try:
        fresh.select()
    except RuntimeError:
        pass
    else:
        fail(policy, "reset", "select() before reset() did not raise RuntimeError")
    return params


def require_compatible_problem(policy, problem) -> None:
    """Nothing if ``problem`` is None; else :class:`~bandits.core.validation.ParameterError` (a
    ``ValueError``) naming ``problem`` unless it is a problem (an instance with ``learner_view``,
    ``make_env`` and ``check_policy_compatible``) of a registered setting on which the policy can
    run (``problem.check_policy_compatible(policy, "problem")``: usually the policy's own setting;
    a weighted tallying problem also runs the classic K-armed policies). A setting's check calls
    it first, before any work."""
    if problem is None:
        return
    setting = getattr(policy, "setting", None)
    try:
        setting_of(problem)
    except ValueError:
        registered = False
    else:
        registered = True
    members = ("learner_view", "make_env", "check_policy_compatible")
    if isinstance(problem, type) or not registered or not all(hasattr(problem, m) for m in members):
        raise ParameterError(
            "problem", problem, f"must be a problem of a registered setting on which {type(policy).__name__} "
                                f"(a {setting!r} policy) can run"
        )
    problem.check_policy_compatible(policy, "problem")


class ScriptedShell:
    """A stand-in for a setting's Gymnasium shell, for a check's default problem when a script
    serves better than an environment (a fixed reward sequence that reaches both ends of the
    reward range; a synthetic cost sequence).

    It has what :func:`play` and :meth:`bandits.core.policy.Policy.reset` read from a shell:
    ``unwrapped`` (itself), ``learner_view``, ``elapsed``, ``reset(seed=...)`` (the script ignores
    the seed) and ``step(action)``, which returns ``(observe(t + 1), reward, False, truncated,
    info)`` with ``(reward, info) = outcome(t, action)`` at step ``t``; it truncates after
    ``horizon`` steps and never terminates.

    Parameters
    ----------
    view : learner view
        What the policy is reset with.
    horizon : int
        Steps of the script.
    outcome : callable
        ``outcome(t, action) -> (reward, info)``; ``view.feedback(reward, info)`` must give the
        feedback the script means.
    observe : callable, optional
        ``observe(t)``: the observation before step ``t`` (``0 <= t < horizon``); 0 if None.
    """

    def __init__(self, view, horizon: int, outcome, observe=None):
        self._view = view
        self.horizon = int(horizon)
        self._outcome = outcome
        self._observe = observe if observe is not None else (lambda t: 0)
        self._t = 0

    @property
    def unwrapped(self):
        return self

    @property
    def learner_view(self):
        return self._view

    @property
    def elapsed(self) -> int:
        """Steps taken since the last ``reset``."""
        return self._t

    def step_regret(self, info, policy=None) -> float:
        return 0.0

    def reset(self, *, seed=None, options=None):
        self._t = 0
        return self._observe(0), {}

    def step(self, action):
        reward, info = self._outcome(self._t, action)
        self._t += 1
        truncated = self._t >= self.horizon
        return self._observe(min(self._t, self.horizon - 1)), reward, False, truncated, info


def play(policy, env, *, seed, policy_seed, horizon, check_action=None, record=None, invalid: str = "valid actions",
         unit: str = "step", twin_at=None, max_steps=None):
    """Drive ``policy`` through the Gymnasium shell ``env`` until the shell truncates, as
    :func:`bandits.gym_driver.rollout` does: ``env.reset(seed=seed)``, ``policy.reset(env,
    seed=policy_seed, horizon=horizon)``, then ``select(observation)``, ``env.step``,
    ``update(action, view.feedback(reward, info))``, and ``env.reset()`` (no seed) after an
    episode ends (``terminated``).

    Parameters
    ----------
    check_action : callable, optional
        ``check_action(action, step)`` before each step; it calls :func:`fail` on an invalid
        action. A ``ValueError`` raised by ``env.step`` fails the check ``invalid``.
    record : callable, optional
        The comparable form of an action (a tuple for an array or a dict); the action itself if
        None.
    unit : str
        What a step is called in messages ("step", "operation", "round").
    twin_at : int, optional
        At that step a pickled copy of the policy starts acting alongside, on the same
        observations and feedback, and must choose the same actions: a pickled policy resumes
        exactly where the original is (else the check "pickling" fails).
    max_steps : int, optional
        Fail the check "termination" after more steps than this.

    Returns
    -------
    (list, dict)
        The recorded actions and the ``info`` of the last step.
    """
    record = record if record is not None else (lambda action: action)
    observation, info = env.reset(seed=seed)
    policy.reset(env, seed=policy_seed, horizon=horizon)
    view = policy.view
    actions, twin = [], None
    while True:
        step = len(actions)
        if step == twin_at:
            twin = pickle.loads(pickle.dumps(policy))
        action = policy.select(observation)
        if check_action is not None:
            check_action(action, step)
        actions.append(record(action))
        if twin is not None:
            other = twin.select(observation)
            if record(other) != actions[-1]:
                fail(policy, "pickling",
                     f"unpickled copy chose {record(other)}, original {actions[-1]}, at {unit} {step}")
        try:
            observation, reward, terminated, truncated, info = env.step(action)
        except ValueError as error:
            fail(policy, invalid, f"{unit} {step} {action}: {error}")
        feedback = view.feedback(reward, info)
        policy.update(action, feedback)
        if twin is not None:
            twin.update(action, feedback)
        if truncated:
            return actions, info
        if max_steps is not None and len(actions) >= max_steps:
            fail(policy, "termination", f"more than {max_steps} {unit}s and the run has not ended")
        if terminated:
            observation, info = env.reset()


def check_same_actions(policy, first: list, second: list, *, what: str = "action", unit: str = "step") -> None:
    """The check "determinism": two runs with the same seeds (and the same feedback) chose the
    same actions; else :func:`fail` names the first ``unit`` at which they differ."""
    if first != second:
        step = next((i for i, (a, b) in enumerate(zip(first, second)) if a != b), min(len(first), len(second)))
        fail(policy, "determinism", f"same seed, different {what} at {unit} {step}")


@contextmanager
def parameters_unchanged(policy, view, horizon):
    """The check "immutability", around the runs of the ``with`` block: ``get_params()`` and the
    kernel hyper-parameters ``policy.kernel_hyper(view, horizon)`` (compared pickled) are the
    same after the runs as before."""
    params_before = copy.deepcopy(policy.get_params())
    hyper_before = pickle.dumps(policy.kernel_hyper(view, horizon))
    yield
    if policy.get_params() != params_before:
        fail(policy, "immutability", f"parameters changed from {params_before!r} to {policy.get_params()!r}")
    if pickle.dumps(policy.kernel_hyper(view, horizon)) != hyper_before:
        fail(policy, "immutability", "kernel hyper-parameters changed by running")


@contextmanager
def state_stays_finite(policy, check: str):
    """Around the updates of the ``with`` block (on a policy already reset): every array of
    ``policy.state`` that was finite before stays finite; else the check ``check`` fails."""
    finite_before = [bool(np.all(np.isfinite(array))) for array in policy.state]
    yield
    for position, (array, was_finite) in enumerate(zip(policy.state, finite_before)):
        if was_finite and not np.all(np.isfinite(array)):
            fail(policy, check, f"state[{position}] became non-finite: {array}")


def expect_value_error(policy, check: str, description: str, function, *args) -> None:
    """``function(*args)`` must raise ``ValueError`` (invalid input, e.g. ``policy.update`` with
    an invalid action); else the check ``check`` fails with ``"{description} did not raise
    ValueError"``."""
    try:
        function(*args)
    except ValueError:
        return
    fail(policy, check, f"{description} did not raise ValueError")


def check_policy(policy, *, seed: int = 12345, **options) -> None:
    """Check that ``policy`` honours the policy contract of its setting; raise
    :class:`PolicyCheckError` if not.

    Runs the check registered by the policy's setting (for example
    :func:`bandits.policies.classic.check_classic_policy`); ``options`` go to that check. The
    built-in settings' checks take ``problem=``: a problem of the setting, compatible with the
    policy, to run on instead of the check's own small default problem (a problem the policy
    cannot run on raises ``ValueError`` naming ``problem``).
    """
    try:
        setting = setting_of(policy)
    except ValueError as error:
        raise PolicyCheckError(f"{policy!r}: {error}") from None
    if setting.policy_check is None:
        raise PolicyCheckError(f"{policy!r}: setting {setting.name!r} registers no conformance check")
    return resolve(setting.policy_check)(policy, seed=seed, **options)
