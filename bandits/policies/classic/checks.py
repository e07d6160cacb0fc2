"""The conformance check of the classic-bandit policies (:func:`check_classic_policy`), run by
:func:`bandits.check_policy` for every policy whose setting is ``"classic"``."""

from __future__ import annotations

import copy
import pickle

import numpy as np
from gymnasium import spaces

from bandits.core.conformance import check_params_and_reset, fail
from environments.classic import ArmedBanditView

__all__ = ["check_classic_policy"]


def _rewards_for(policy, n_steps, seed):
    """Rewards inside the policy's reward range: 0/1 and fractional values for [0, 1]
    policies (the endpoints included), Gaussian values for unbounded ones."""
    rng = np.random.default_rng(seed)
    low, high = policy.reward_range
    if np.isfinite(low) and np.isfinite(high):
        values = rng.random(n_steps)
        values[rng.random(n_steps) < 0.5] = 0.0
        values[rng.random(n_steps) < 0.25] = 1.0
        return low + (high - low) * values
    return rng.normal(0.5, 1.0, n_steps)


def _hyper_snapshot(policy, n_arms, horizon):
    return pickle.dumps(policy.kernel_hyper(ArmedBanditView(n_arms), horizon))


def _play(policy, n_arms, n_steps, seed, horizon, rewards):
    policy.reset(n_arms, seed=seed, horizon=horizon)
    actions = []
    for t in range(n_steps):
        arm = policy.select()
        if not (isinstance(arm, (int, np.integer)) and not isinstance(arm, bool) and 0 <= arm < n_arms):
            fail(policy, "valid actions", f"returned {arm!r} at step {t} for {n_arms} arms")
        actions.append(arm)
        policy.update(arm, rewards[t])
    return actions


def check_classic_policy(policy, *, n_arms: int = 5, n_steps: int = 300, seed: int = 12345) -> None:
    """Check that a classic-bandit ``policy`` honours the policy contract; raise
    :class:`PolicyCheckError` if not.

    Checks, in order:

    1. ``get_params`` returns the constructor arguments, and rebuilding from them gives an equal
       policy (hyper-parameters live in the constructor only);
    2. ``select`` before ``reset`` raises ``RuntimeError``;
    3. every action is a valid arm, for ``n_arms`` arms and for a single arm;
    4. the same seed gives the same actions; actions depend on nothing but the seed and rewards;
    5. hyper-parameters (attributes and the kernel tuple) are unchanged by running;
    6. ``update`` accepts every valid arm, including arms ``select`` did not return, and rewards at
       both ends of the policy's reward range, and the state stays finite where it was;
    7. invalid actions and out-of-range rewards raise ``ValueError``;
    8. a ``Discrete(n, start=s)`` action space yields actions in ``[s, s + n)``;
    9. a pickled policy resumes exactly where the original is.
    """
    horizon = 10 * n_steps
    rewards = _rewards_for(policy, n_steps, seed)

    # 1 + 2. parameters live in the constructor; select before reset raises
    params = check_params_and_reset(policy)

    # 3 + 4. valid, reproducible actions
    params_before = copy.deepcopy(params)
    hyper_before = _hyper_snapshot(policy, n_arms, horizon)
    first = _play(policy, n_arms, n_steps, seed, horizon, rewards)
    second = _play(type(policy)(**params), n_arms, n_steps, seed, horizon, rewards)
    if first != second:
        step = next(i for i, (a, b) in enumerate(zip(first, second)) if a != b)
        fail(policy, "determinism", f"same seed, different action at step {step}")
    _play(type(policy)(**params), 1, 20, seed, horizon, rewards)

    # 5. hyper-parameters never mutated
    if policy.get_params() != params_before:
        fail(policy, "immutability", f"parameters changed from {params_before!r} to {policy.get_params()!r}")
    if _hyper_snapshot(policy, n_arms, horizon) != hyper_before:
        fail(policy, "immutability", "kernel hyper-parameters changed by running")

    # 6. update after any valid action, at the ends of the reward range
    low, high = policy.reward_range
    edge_rewards = [r for r in (low, high) if np.isfinite(r)] or [-3.0, 3.0]
    policy.reset(n_arms, seed=seed, horizon=horizon)
    finite_before = [np.all(np.isfinite(a)) for a in policy.state]
    for arm in range(n_arms):
        for reward in edge_rewards:
            policy.update(arm, reward)
    for _ in range(3):
        arm = policy.select()
        if not 0 <= arm < n_arms:
            fail(policy, "update after any action", f"select returned {arm} after off-policy updates")
        policy.update((arm + 1) % n_arms, edge_rewards[0])
    for position, (array, was_finite) in enumerate(zip(policy.state, finite_before)):
        if was_finite and not np.all(np.isfinite(array)):
            fail(policy, "update after any action", f"state[{position}] became non-finite: {array}")

    # 7. invalid input
    for action in (-1, n_arms, 1.5, "0"):
        try:
            policy.update(action, edge_rewards[0])
        except ValueError:
            pass
        else:
            fail(policy, "invalid action", f"update({action!r}, ...) did not raise ValueError")
    for reward in (np.nan, np.inf, low - 1.0 if np.isfinite(low) else None, high + 1.0 if np.isfinite(high) else None):
        if reward is None:
            continue
        try:
            policy.update(0, reward)
        except ValueError:
            pass
        else:
            fail(policy, "invalid reward", f"update(0, {reward!r}) did not raise ValueError")

    # 8. Discrete action space with a start offset
    shifted = type(policy)(**params).reset(spaces.Discrete(n_arms, start=7), seed=seed, horizon=horizon)
    for t in range(50):
        action = shifted.select()
        if not 7 <= action < 7 + n_arms:
            fail(policy, "Discrete(start)", f"returned {action} for Discrete({n_arms}, start=7)")
        shifted.update(action, rewards[t])

    # 9. pickling mid-run
    policy.reset(n_arms, seed=seed, horizon=horizon)
    for t in range(n_steps // 2):
        policy.update(policy.select(), rewards[t])
    restored = pickle.loads(pickle.dumps(policy))
    for t in range(n_steps // 2, n_steps):
        a, b = policy.select(), restored.select()
        if a != b:
            fail(policy, "pickling", f"unpickled copy chose {b}, original {a}, at step {t}")
        policy.update(a, rewards[t])
        restored.update(b, rewards[t])
