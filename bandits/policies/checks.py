"""``check_policy``: the policy contract turned into a test, in the spirit of scikit-learn's
``check_estimator``. Every policy of every setting must pass it."""

from __future__ import annotations

import copy
import pickle

import numpy as np
from gymnasium import spaces

from bandits.policies.base import Policy

__all__ = [
    "check_policy",
    "check_classic_policy",
    "check_cascading_policy",
    "register_policy_check",
    "SETTING_CHECKS",
    "PolicyCheckError",
]


class PolicyCheckError(AssertionError):
    """Raised by :func:`check_policy`; the message names the check that failed."""


def _fail(policy, check, message):
    raise PolicyCheckError(f"{type(policy).__name__}: {check}: {message}")


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
    return pickle.dumps(policy.kernel_hyper(n_arms, horizon))


def _play(policy, n_arms, n_steps, seed, horizon, rewards):
    policy.reset(n_arms, seed=seed, horizon=horizon)
    actions = []
    for t in range(n_steps):
        arm = policy.select()
        if not (isinstance(arm, (int, np.integer)) and not isinstance(arm, bool) and 0 <= arm < n_arms):
            _fail(policy, "valid actions", f"returned {arm!r} at step {t} for {n_arms} arms")
        actions.append(arm)
        policy.update(arm, rewards[t])
    return actions


#: setting -> conformance check of that setting's policies (see :func:`register_policy_check`).
SETTING_CHECKS: dict = {}


def register_policy_check(setting: str, check) -> None:
    """Make :func:`check_policy` run ``check(policy, seed=...)`` on policies whose ``setting``
    class attribute is ``setting``."""
    SETTING_CHECKS[setting] = check


def check_policy(policy, *, seed: int = 12345, **options) -> None:
    """Check that ``policy`` honours the policy contract of its setting; raise
    :class:`PolicyCheckError` if not.

    Dispatches on ``policy.setting``: classic policies get :func:`check_classic_policy`,
    cascading policies :func:`check_cascading_policy`, other settings the check they registered
    with :func:`register_policy_check`. ``options`` go to that check.
    """
    setting = getattr(policy, "setting", None)
    if setting == "classic":
        return check_classic_policy(policy, seed=seed, **options)
    if setting == "cascading":
        return check_cascading_policy(policy, seed=seed, **options)
    if setting in SETTING_CHECKS:
        return SETTING_CHECKS[setting](policy, seed=seed, **options)
    raise PolicyCheckError(f"{policy!r}: no conformance check for setting {setting!r}")


def _check_params_and_reset(policy):
    """Checks shared by every setting: parameters live in the constructor, and ``select``
    before ``reset`` raises ``RuntimeError``. Returns the parameters."""
    params = policy.get_params()
    try:
        clone = type(policy)(**params)
    except Exception as error:  # pragma: no cover - reported as a failure
        _fail(policy, "get_params", f"cannot rebuild from {params!r}: {error}")
    if clone.get_params() != params:
        _fail(policy, "get_params", f"rebuilt policy has {clone.get_params()!r}, expected {params!r}")
    fresh = type(policy)(**params)
    try:
        fresh.select()
    except RuntimeError:
        pass
    else:
        _fail(policy, "reset", "select() before reset() did not raise RuntimeError")
    return params


def check_classic_policy(policy: Policy, *, n_arms: int = 5, n_steps: int = 300, seed: int = 12345) -> None:
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
    params = _check_params_and_reset(policy)

    # 3 + 4. valid, reproducible actions
    params_before = copy.deepcopy(params)
    hyper_before = _hyper_snapshot(policy, n_arms, horizon)
    first = _play(policy, n_arms, n_steps, seed, horizon, rewards)
    second = _play(type(policy)(**params), n_arms, n_steps, seed, horizon, rewards)
    if first != second:
        step = next(i for i, (a, b) in enumerate(zip(first, second)) if a != b)
        _fail(policy, "determinism", f"same seed, different action at step {step}")
    _play(type(policy)(**params), 1, 20, seed, horizon, rewards)

    # 5. hyper-parameters never mutated
    if policy.get_params() != params_before:
        _fail(policy, "immutability", f"parameters changed from {params_before!r} to {policy.get_params()!r}")
    if _hyper_snapshot(policy, n_arms, horizon) != hyper_before:
        _fail(policy, "immutability", "kernel hyper-parameters changed by running")

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
            _fail(policy, "update after any action", f"select returned {arm} after off-policy updates")
        policy.update((arm + 1) % n_arms, edge_rewards[0])
    for position, (array, was_finite) in enumerate(zip(policy.state, finite_before)):
        if was_finite and not np.all(np.isfinite(array)):
            _fail(policy, "update after any action", f"state[{position}] became non-finite: {array}")

    # 7. invalid input
    for action in (-1, n_arms, 1.5, "0"):
        try:
            policy.update(action, edge_rewards[0])
        except ValueError:
            pass
        else:
            _fail(policy, "invalid action", f"update({action!r}, ...) did not raise ValueError")
    for reward in (np.nan, np.inf, low - 1.0 if np.isfinite(low) else None, high + 1.0 if np.isfinite(high) else None):
        if reward is None:
            continue
        try:
            policy.update(0, reward)
        except ValueError:
            pass
        else:
            _fail(policy, "invalid reward", f"update(0, {reward!r}) did not raise ValueError")

    # 8. Discrete action space with a start offset
    shifted = type(policy)(**params).reset(spaces.Discrete(n_arms, start=7), seed=seed, horizon=horizon)
    for t in range(50):
        action = shifted.select()
        if not 7 <= action < 7 + n_arms:
            _fail(policy, "Discrete(start)", f"returned {action} for Discrete({n_arms}, start=7)")
        shifted.update(action, rewards[t])

    # 9. pickling mid-run
    policy.reset(n_arms, seed=seed, horizon=horizon)
    for t in range(n_steps // 2):
        policy.update(policy.select(), rewards[t])
    restored = pickle.loads(pickle.dumps(policy))
    for t in range(n_steps // 2, n_steps):
        a, b = policy.select(), restored.select()
        if a != b:
            _fail(policy, "pickling", f"unpickled copy chose {b}, original {a}, at step {t}")
        policy.update(a, rewards[t])
        restored.update(b, rewards[t])


# ---------------------------------------------------------------------------------------------
# Cascading policies
# ---------------------------------------------------------------------------------------------
def _cascading_problem_for(policy, seed):
    from environments.cascading import CascadingBandit, RandomCascadingMDP

    if policy.needs_unit_rewards:
        rng = np.random.default_rng(seed)
        return CascadingBandit(rng.uniform(0.0, 0.5, size=6), list_length=3)
    return RandomCascadingMDP(n_items=5, n_states=3, episode_length=2, list_length=3, instance_seed=seed)


def _play_cascading(policy, problem, n_episodes, seed, horizon):
    """Drive ``policy`` through the problem's Gymnasium shell; return the actions as lists."""
    from environments.cascading import CascadingBanditEnv, CascadingMDPEnv
    from environments.cascading import _CascadingBanditBase as CascadingBandit

    from bandits.policies.cascading import parse_item_list

    env = CascadingBanditEnv(problem) if isinstance(problem, CascadingBandit) else CascadingMDPEnv(problem)
    policy.reset(problem, seed=seed, horizon=horizon)
    actions = []
    observation, _ = env.reset(seed=seed + 1)
    for k in range(n_episodes):
        if k and not isinstance(problem, CascadingBandit):
            observation, _ = env.reset()
        for _ in range(problem.horizon_per_episode):
            action = policy.select(observation)
            try:
                parse_item_list(action, problem.n_items, problem.max_list_length)
            except ValueError as error:
                _fail(policy, "valid actions", f"episode {k}: {error}")
            actions.append(tuple(int(a) for a in action))
            observation, reward, _, _, info = env.step(action)
            policy.update(action, reward, info)
    return actions


def check_cascading_policy(policy, *, n_episodes: int = 150, seed: int = 12345) -> None:
    """Check that a cascading ``policy`` honours the contract of
    :mod:`bandits.policies.cascading`; raise :class:`PolicyCheckError` if not.

    Checks: parameters live in the constructor; ``select`` before ``reset`` raises; every action
    is a valid list (distinct items, 1..m of them, padding only at the end) on a small random
    problem of the policy's kind; the same seed gives the same actions; parameters and kernel
    hyper-parameters are unchanged by running; ``update`` accepts any valid list with any
    consistent feedback (and the state stays finite); invalid actions, rewards and feedback raise
    ``ValueError``; a pickled policy resumes exactly where the original is.
    """
    problem = _cascading_problem_for(policy, seed)
    horizon = n_episodes
    params = _check_params_and_reset(policy)
    params_before = copy.deepcopy(params)
    hyper_before = pickle.dumps(policy.kernel_hyper(problem.learner_view, horizon))
    first = _play_cascading(policy, problem, n_episodes, seed, horizon)
    second = _play_cascading(type(policy)(**params), problem, n_episodes, seed, horizon)
    if first != second:
        step = next(i for i, (a, b) in enumerate(zip(first, second)) if a != b)
        _fail(policy, "determinism", f"same seed, different action at step {step}")
    if policy.get_params() != params_before:
        _fail(policy, "immutability", f"parameters changed from {params_before!r} to {policy.get_params()!r}")
    if pickle.dumps(policy.kernel_hyper(problem.learner_view, horizon)) != hyper_before:
        _fail(policy, "immutability", "kernel hyper-parameters changed by running")

    # update after any valid list, with any consistent feedback
    rng = np.random.default_rng(seed)
    n, m, n_states = problem.n_items, problem.max_list_length, problem.n_states
    policy.reset(problem, seed=seed, horizon=horizon)
    finite_before = [np.all(np.isfinite(a)) for a in policy.state]
    observation = np.array([0, 0]) if problem.horizon_per_episode > 1 or n_states > 1 else 0
    for _ in range(50):
        policy.select(observation)
        length = int(rng.integers(1, m + 1))
        action = np.full(m, n, np.int64)
        action[:length] = rng.permutation(n)[:length]
        click = int(rng.integers(-1, length))
        info = {"step": 0, "state": int(rng.integers(n_states)), "click_position": click,
                "next_state": int(rng.integers(n_states))}
        policy.update(action, float(click >= 0), info)
    for position, (array, was_finite) in enumerate(zip(policy.state, finite_before)):
        if was_finite and not np.all(np.isfinite(array)):
            _fail(policy, "update after any action", f"state[{position}] became non-finite")

    # invalid input
    good = np.full(m, n, np.int64)
    good[0] = 0
    info = {"step": 0, "state": 0, "click_position": -1, "next_state": 0}
    bad_actions = [np.full(m, n, np.int64)]  # the all-empty list
    if m >= 2:
        duplicate = good.copy()
        duplicate[1] = 0
        gap = np.full(m, n, np.int64)
        gap[1] = 0
        bad_actions += [duplicate, gap]
    bad_actions.append(np.full(m, n + 1, np.int64))
    for action in bad_actions:
        try:
            policy.update(action, 0.0, info)
        except ValueError:
            pass
        else:
            _fail(policy, "invalid action", f"update({action.tolist()}, ...) did not raise ValueError")
    for reward in (np.nan, np.inf, -1.0, 2.0):
        try:
            policy.update(good, reward, info)
        except ValueError:
            pass
        else:
            _fail(policy, "invalid reward", f"update(..., {reward!r}, ...) did not raise ValueError")
    for bad_info in ({**info, "click_position": 1}, {**info, "next_state": n_states}, {"step": 0}):
        try:
            policy.update(good, 0.0, bad_info)
        except ValueError:
            pass
        else:
            _fail(policy, "invalid feedback", f"update(..., info={bad_info!r}) did not raise ValueError")

    # pickling mid-run
    from environments.cascading import CascadingBanditEnv, CascadingMDPEnv
    from environments.cascading import _CascadingBanditBase as CascadingBandit

    env = CascadingBanditEnv(problem) if isinstance(problem, CascadingBandit) else CascadingMDPEnv(problem)
    policy.reset(problem, seed=seed, horizon=horizon)
    observation, _ = env.reset(seed=seed)
    restored = None
    for k in range(n_episodes):
        if k and not isinstance(problem, CascadingBandit):
            observation, _ = env.reset()
        if k == n_episodes // 2:
            restored = pickle.loads(pickle.dumps(policy))
        for _ in range(problem.horizon_per_episode):
            action = policy.select(observation)
            if restored is not None:
                other = restored.select(observation)
                if not np.array_equal(action, other):
                    _fail(policy, "pickling", f"unpickled copy chose {other.tolist()}, original {action.tolist()}, episode {k}")
            observation, reward, _, _, info = env.step(action)
            policy.update(action, reward, info)
            if restored is not None:
                restored.update(action, reward, info)
