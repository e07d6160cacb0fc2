"""``check_cascading_policy``: the contract of the cascading policies (Kveton et al., 2015,
arXiv:1502.02763; Du et al., 2024, arXiv:2401.08961) turned into a test, run by
:func:`bandits.check_policy` for every policy of the setting."""

from __future__ import annotations

import copy
import pickle

import numpy as np

from bandits.core.conformance import check_params_and_reset, fail
from environments.cascading import CascadeFeedback, CascadingBandit, RandomCascadingMDP, parse_item_list

__all__ = ["check_cascading_policy"]


def _problem_for(policy, seed):
    """A small random problem of the policy's kind: a cascading bandit for CascadeUCB1 and
    CascadeKL-UCB, a cascading MDP (S = 3, H = 2) otherwise."""
    if policy.needs_unit_rewards:
        rng = np.random.default_rng(seed)
        return CascadingBandit(rng.uniform(0.0, 0.5, size=6), list_length=3)
    return RandomCascadingMDP(n_items=5, n_states=3, episode_length=2, list_length=3, instance_seed=seed)


def _play(policy, problem, n_episodes, seed, horizon, restore_at=None):
    """Drive ``policy`` through the problem's Gymnasium shell for ``n_episodes`` episodes;
    return the actions as tuples. With ``restore_at``, a pickled copy taken at that episode
    acts alongside and must choose the same lists."""
    env = problem.make_env(n_episodes)
    observation, _ = env.reset(seed=seed + 1)
    policy.reset(env, seed=seed, horizon=horizon)
    view = policy.view
    actions = []
    restored = None
    for k in range(n_episodes):
        if k == restore_at:
            restored = pickle.loads(pickle.dumps(policy))
        for _ in range(problem.horizon_per_episode):
            action = policy.select(observation)
            try:
                parse_item_list(action, problem.n_items, problem.max_list_length)
            except ValueError as error:
                fail(policy, "valid actions", f"episode {k}: {error}")
            if restored is not None:
                other = restored.select(observation)
                if not np.array_equal(action, other):
                    fail(policy, "pickling", f"unpickled copy chose {other.tolist()}, original {action.tolist()}, episode {k}")
            actions.append(tuple(int(a) for a in action))
            observation, reward, terminated, _, info = env.step(action)
            feedback = view.feedback(reward, info)
            policy.update(action, feedback)
            if restored is not None:
                restored.update(action, feedback)
            if terminated:
                observation, _ = env.reset()
    return actions


def _expect_value_error(policy, check, call, description):
    try:
        call()
    except ValueError:
        return
    fail(policy, check, f"{description} did not raise ValueError")


def check_cascading_policy(policy, *, n_episodes: int = 150, seed: int = 12345) -> None:
    """Check that a cascading ``policy`` honours the contract of
    :mod:`bandits.policies.cascading`; raise :class:`bandits.core.conformance.PolicyCheckError`
    if not.

    Checks: parameters live in the constructor; ``select`` before ``reset`` raises; every action
    is a valid list (distinct items, 1..m of them, padding only at the end) on a small random
    problem of the policy's kind, driven through its Gymnasium shell; the same seed gives the
    same actions; parameters and kernel hyper-parameters are unchanged by running; ``update``
    accepts any valid list with any consistent feedback (and the state stays finite); invalid
    actions, rewards and feedback raise ``ValueError``; a pickled policy resumes exactly where
    the original is.
    """
    problem = _problem_for(policy, seed)
    view = problem.learner_view
    horizon = n_episodes
    params = check_params_and_reset(policy)
    params_before = copy.deepcopy(params)
    hyper_before = pickle.dumps(policy.kernel_hyper(view, horizon))
    first = _play(policy, problem, n_episodes, seed, horizon)
    second = _play(type(policy)(**params), problem, n_episodes, seed, horizon)
    if first != second:
        step = next(i for i, (a, b) in enumerate(zip(first, second)) if a != b)
        fail(policy, "determinism", f"same seed, different action at step {step}")
    if policy.get_params() != params_before:
        fail(policy, "immutability", f"parameters changed from {params_before!r} to {policy.get_params()!r}")
    if pickle.dumps(policy.kernel_hyper(view, horizon)) != hyper_before:
        fail(policy, "immutability", "kernel hyper-parameters changed by running")

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
        feedback = CascadeFeedback(0, int(rng.integers(n_states)), click, int(rng.integers(n_states)), float(click >= 0))
        policy.update(action, feedback)
    for position, (array, was_finite) in enumerate(zip(policy.state, finite_before)):
        if was_finite and not np.all(np.isfinite(array)):
            fail(policy, "update after any action", f"state[{position}] became non-finite")

    # invalid input
    good = np.full(m, n, np.int64)
    good[0] = 0
    no_click = CascadeFeedback(0, 0, -1, 0, 0.0)
    bad_actions = [np.full(m, n, np.int64)]  # the all-empty list
    if m >= 2:
        duplicate = good.copy()
        duplicate[1] = 0
        gap = np.full(m, n, np.int64)
        gap[1] = 0
        bad_actions += [duplicate, gap]
    bad_actions.append(np.full(m, n + 1, np.int64))
    for action in bad_actions:
        _expect_value_error(policy, "invalid action", lambda: policy.update(action, no_click), f"update({action.tolist()}, ...)")
    for reward in (np.nan, np.inf, -1.0, 2.0):
        _expect_value_error(
            policy, "invalid reward", lambda: policy.update(good, no_click._replace(reward=reward)),
            f"update(..., reward={reward!r})",
        )
    for bad in (no_click._replace(click_position=1), no_click._replace(next_state=n_states),
                no_click._replace(state=-1), no_click._replace(step=problem.horizon_per_episode),
                no_click._replace(click_position=0.5), {"step": 0}, (0, 0, -1)):
        _expect_value_error(policy, "invalid feedback", lambda: policy.update(good, bad), f"update(..., {bad!r})")
    _expect_value_error(
        policy, "invalid feedback", lambda: policy.view.feedback(0.0, {"step": 0}), "view.feedback(0.0, {'step': 0})"
    )

    # pickling mid-run
    _play(policy, problem, n_episodes, seed, horizon, restore_at=n_episodes // 2)
