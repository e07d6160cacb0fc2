"""The conformance check of the classic-bandit policies (:func:`check_classic_policy`), run by
:func:`bandits.check_policy` for every policy whose setting is ``"classic"``."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from bandits.core.conformance import (ScriptedShell, check_params_and_reset, check_same_actions, expect_value_error,
                                      fail, parameters_unchanged, play, require_compatible_problem,
                                      state_stays_finite)
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


def _scripted(view, rewards, n_steps):
    """A stand-in shell over ``view`` whose step ``t`` pays ``rewards[t]`` whatever the arm."""
    return ScriptedShell(view, n_steps, lambda t, arm: (rewards[t], {}))


def _play(policy, env, seed, horizon, twin_at=None):
    """The arms ``policy`` pulls driven through ``env`` (each checked to be an arm of the
    shell's view)."""
    view = env.unwrapped.learner_view

    def check_arm(arm, step):
        if not (isinstance(arm, (int, np.integer)) and not isinstance(arm, bool)
                and view.start <= arm < view.start + view.n_arms):
            fail(policy, "valid actions", f"returned {arm!r} at step {step} for {view.n_arms} arms")

    return play(policy, env, seed=seed + 1, policy_seed=seed, horizon=horizon, check_action=check_arm,
                twin_at=twin_at)[0]


def check_classic_policy(policy, *, n_arms: int = 5, n_steps: int = 300, seed: int = 12345, problem=None) -> None:
    """Check that a classic-bandit ``policy`` honours the policy contract; raise
    :class:`PolicyCheckError` if not.

    The runs play ``n_steps`` steps on ``problem`` (a classic problem the policy can run on:
    its learner view, its number of arms, its Gymnasium shell ``problem.make_env(n_steps)``), or,
    if None, on ``n_arms`` arms (unused with a ``problem``) paying a fixed reward sequence that
    reaches both ends of the policy's reward range. Checks, in order:

    1. ``get_params`` returns the constructor arguments, and rebuilding from them gives an equal
       policy (hyper-parameters live in the constructor only);
    2. ``select`` before ``reset`` raises ``RuntimeError``;
    3. every action is a valid arm, for the problem's arms and for a single arm;
    4. the same seed gives the same actions; actions depend on nothing but the seed and rewards;
    5. hyper-parameters (attributes and the kernel tuple) are unchanged by running;
    6. ``update`` accepts every valid arm, including arms ``select`` did not return, and rewards at
       both ends of the policy's reward range, and the state stays finite where it was;
    7. invalid actions and out-of-range rewards raise ``ValueError``;
    8. a ``Discrete(n, start=s)`` action space yields actions in ``[s, s + n)``;
    9. a pickled policy resumes exactly where the original is.

    A ``problem`` the policy cannot run on raises ``ValueError`` naming ``problem``.
    """
    require_compatible_problem(policy, problem)
    horizon = 10 * n_steps
    rewards = _rewards_for(policy, n_steps, seed)
    if problem is None:
        env = _scripted(ArmedBanditView(n_arms), rewards, n_steps)
    else:
        env = problem.make_env(n_steps)
    view = env.unwrapped.learner_view
    n_arms = view.n_arms

    # 1 + 2. parameters live in the constructor; select before reset raises
    params = check_params_and_reset(policy)

    # 3 + 4 + 5. valid, reproducible actions; hyper-parameters never mutated
    with parameters_unchanged(policy, view, horizon):
        first = _play(policy, env, seed, horizon)
        second = _play(type(policy)(**params), env, seed, horizon)
        check_same_actions(policy, first, second)
        _play(type(policy)(**params), _scripted(ArmedBanditView(1), rewards, 20), seed, horizon)

    # 6. update after any valid action, at the ends of the reward range
    low, high = policy.reward_range
    edge_rewards = [r for r in (low, high) if np.isfinite(r)] or [-3.0, 3.0]
    policy.reset(view, seed=seed, horizon=horizon)
    with state_stays_finite(policy, "update after any action"):
        for arm in range(n_arms):
            for reward in edge_rewards:
                policy.update(arm, reward)
        for _ in range(3):
            arm = policy.select()
            if not 0 <= arm < n_arms:
                fail(policy, "update after any action", f"select returned {arm} after off-policy updates")
            policy.update((arm + 1) % n_arms, edge_rewards[0])

    # 7. invalid input
    for action in (-1, n_arms, 1.5, "0"):
        expect_value_error(policy, "invalid action", f"update({action!r}, ...)", policy.update, action, edge_rewards[0])
    for reward in (np.nan, np.inf, low - 1.0 if np.isfinite(low) else None, high + 1.0 if np.isfinite(high) else None):
        if reward is not None:
            expect_value_error(policy, "invalid reward", f"update(0, {reward!r})", policy.update, 0, reward)

    # 8. Discrete action space with a start offset
    shifted = type(policy)(**params).reset(spaces.Discrete(n_arms, start=7), seed=seed, horizon=horizon)
    for t in range(50):
        action = shifted.select()
        if not 7 <= action < 7 + n_arms:
            fail(policy, "Discrete(start)", f"returned {action} for Discrete({n_arms}, start=7)")
        shifted.update(action, rewards[t])

    # 9. pickling mid-run
    _play(policy, env, seed, horizon, twin_at=n_steps // 2)
