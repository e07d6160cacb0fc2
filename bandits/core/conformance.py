"""``check_policy``: the policy contract turned into a test, in the spirit of scikit-learn's
``check_estimator``.

:func:`check_policy` runs the conformance check that the policy's setting registers
(:attr:`bandits.core.registry.Setting.policy_check`). The checks shared by every setting live
here: parameters live in the constructor (``get_params`` rebuilds an equal policy) and
``select`` before ``reset`` raises ``RuntimeError``.
"""

from __future__ import annotations

from bandits.core.registry import resolve, setting_of

__all__ = ["check_policy", "PolicyCheckError", "fail", "check_params_and_reset"]


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


def check_policy(policy, *, seed: int = 12345, **options) -> None:
    """Check that ``policy`` honours the policy contract of its setting; raise
    :class:`PolicyCheckError` if not.

    Runs the check registered by the policy's setting (for example
    :func:`bandits.policies.classic.check_classic_policy`); ``options`` go to that check.
    """
    try:
        setting = setting_of(policy)
    except ValueError as error:
        raise PolicyCheckError(f"{policy!r}: {error}") from None
    if setting.policy_check is None:
        raise PolicyCheckError(f"{policy!r}: setting {setting.name!r} registers no conformance check")
    return resolve(setting.policy_check)(policy, seed=seed, **options)
