"""``check_cascading_policy``: the contract of the cascading policies (Kveton et al., 2015,
arXiv:1502.02763; Du et al., 2024, arXiv:2401.08961) turned into a test, run by
:func:`bandits.check_policy` for every policy of the setting."""

from __future__ import annotations

import numpy as np

from bandits.core.conformance import (check_params_and_reset, check_same_actions, expect_value_error, fail,
                                      parameters_unchanged, play, require_compatible_problem, state_stays_finite)
from environments.cascading import CascadeFeedback, CascadingBandit, RandomCascadingMDP, parse_item_list

__all__ = ["check_cascading_policy"]


def _problem_for(policy, seed):
    """A small random problem of the policy's kind: a cascading bandit for CascadeUCB1 and
    CascadeKL-UCB, a cascading MDP (S = 3, H = 2) otherwise."""
    if policy.needs_unit_rewards:
        rng = np.random.default_rng(seed)
        return CascadingBandit(rng.uniform(0.0, 0.5, size=6), list_length=3)
    return RandomCascadingMDP(n_items=5, n_states=3, episode_length=2, list_length=3, instance_seed=seed)


def _play(policy, problem, n_episodes, seed, twin_at=None):
    """Drive ``policy`` through the problem's Gymnasium shell for ``n_episodes`` episodes
    (each action checked to be a valid list); return the actions as tuples. With ``twin_at``,
    a pickled copy taken at that step acts alongside and must choose the same lists."""
    env = problem.make_env(n_episodes)

    def check_list(action, step):
        try:
            parse_item_list(action, problem.n_items, problem.max_list_length)
        except ValueError as error:
            fail(policy, "valid actions", f"episode {env.unwrapped.elapsed}: {error}")

    return play(policy, env, seed=seed + 1, policy_seed=seed, horizon=n_episodes, check_action=check_list,
                record=lambda action: tuple(int(a) for a in action), twin_at=twin_at)[0]


def check_cascading_policy(policy, *, n_episodes: int = 150, seed: int = 12345, problem=None) -> None:
    """Check that a cascading ``policy`` honours the contract of
    :mod:`bandits.policies.cascading`; raise :class:`bandits.core.conformance.PolicyCheckError`
    if not.

    The runs play ``n_episodes`` episodes on ``problem`` (a cascading problem the policy can run
    on: its learner view, its sizes, its Gymnasium shell ``problem.make_env(n_episodes)``), or,
    if None, on a small random problem of the policy's kind. Checks: parameters live in the
    constructor; ``select`` before ``reset`` raises; every action is a valid list (distinct
    items, 1..m of them, padding only at the end), driven through the problem's Gymnasium shell;
    the same seed gives the same actions; parameters and kernel hyper-parameters are unchanged by
    running; ``update`` accepts any valid list with any consistent feedback (and the state stays
    finite); invalid actions, rewards and feedback raise ``ValueError``; a pickled policy resumes
    exactly where the original is. A ``problem`` the policy cannot run on raises ``ValueError``
    naming ``problem``.
    """
    require_compatible_problem(policy, problem)
    problem = _problem_for(policy, seed) if problem is None else problem
    horizon = n_episodes
    params = check_params_and_reset(policy)
    with parameters_unchanged(policy, problem.learner_view, horizon):
        first = _play(policy, problem, n_episodes, seed)
        second = _play(type(policy)(**params), problem, n_episodes, seed)
        check_same_actions(policy, first, second)

    # update after any valid list, with any consistent feedback
    rng = np.random.default_rng(seed)
    n, m, n_states = problem.n_items, problem.max_list_length, problem.n_states
    policy.reset(problem, seed=seed, horizon=horizon)
    observation = np.array([0, 0]) if problem.horizon_per_episode > 1 or n_states > 1 else 0
    with state_stays_finite(policy, "update after any action"):
        for _ in range(50):
            policy.select(observation)
            length = int(rng.integers(1, m + 1))
            action = np.full(m, n, np.int64)
            action[:length] = rng.permutation(n)[:length]
            click = int(rng.integers(-1, length))
            state, next_state = int(rng.integers(n_states)), int(rng.integers(n_states))
            policy.update(action, CascadeFeedback(0, state, click, next_state, float(click >= 0)))

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
        expect_value_error(policy, "invalid action", f"update({action.tolist()}, ...)", policy.update, action, no_click)
    for reward in (np.nan, np.inf, -1.0, 2.0):
        expect_value_error(policy, "invalid reward", f"update(..., reward={reward!r})",
                           policy.update, good, no_click._replace(reward=reward))
    for bad in (no_click._replace(click_position=1), no_click._replace(next_state=n_states),
                no_click._replace(state=-1), no_click._replace(step=problem.horizon_per_episode),
                no_click._replace(click_position=0.5), {"step": 0}, (0, 0, -1)):
        expect_value_error(policy, "invalid feedback", f"update(..., {bad!r})", policy.update, good, bad)
    expect_value_error(policy, "invalid feedback", "view.feedback(0.0, {'step': 0})",
                       policy.view.feedback, 0.0, {"step": 0})

    # pickling mid-run
    _play(policy, problem, n_episodes, seed, twin_at=len(first) // 2)
