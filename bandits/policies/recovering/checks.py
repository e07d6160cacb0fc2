"""The conformance check of the recovering-rewards policies (:func:`check_recovering_policy`), run
by :func:`bandits.check_policy` for every policy whose setting is ``"recovering"``."""

from __future__ import annotations

import numpy as np

from bandits.core.conformance import (
    check_params_and_reset,
    check_same_actions,
    expect_value_error,
    fail,
    parameters_unchanged,
    play,
    require_compatible_problem,
    state_stays_finite,
)
from environments.recovering import RandomRecoveringBandit, RecoveringFeedback

__all__ = ["check_recovering_policy"]


def _play(policy, env, seed, horizon, twin_at=None):
    view = env.unwrapped.learner_view

    def check_action(action, step):
        values = np.asarray(action)
        if values.shape != (view.n_arms,) or np.any((values != 0) & (values != 1)) or values.sum() > view.max_pulls:
            fail(policy, "valid actions",
                 f"returned {action!r} at period {step}: not a MultiBinary({view.n_arms}) set of at most {view.max_pulls} arms")

    return play(policy, env, seed=seed + 1, policy_seed=seed, horizon=horizon, check_action=check_action,
                record=lambda action: tuple(np.flatnonzero(action).tolist()), unit="period", twin_at=twin_at)[0]


def check_recovering_policy(policy, *, n_steps: int = 300, seed: int = 12345, problem=None) -> None:
    """Check that a recovering-rewards ``policy`` honours the policy contract; raise
    :class:`~bandits.core.conformance.PolicyCheckError` if not.

    Runs ``n_steps`` periods on ``problem`` (default: 6 logistic arms, d_max = 4, K = 2,
    Bernoulli rewards). Checks, in order: parameters live in the constructor; ``select`` before
    ``reset`` raises; every action is a ``MultiBinary(N)`` set of at most K arms; the same seeds
    give the same actions; hyper-parameters are unchanged by running; ``update`` accepts any
    valid pull set (not only the one selected) with rewards 0 and 1 at any idle time, and the
    state stays finite; invalid actions and feedback raise ``ValueError``; a pickled policy
    resumes exactly.
    """
    require_compatible_problem(policy, problem)
    if problem is None:
        problem = RandomRecoveringBandit("logistic", n_arms=6, d_max=4, max_pulls=2, instance_seed=1)
    horizon = n_steps
    env = problem.make_env(n_steps)
    view = problem.learner_view
    n_arms, max_pulls, d_max = view.n_arms, view.max_pulls, view.d_max

    params = check_params_and_reset(policy)
    with parameters_unchanged(policy, view, horizon):
        first = _play(policy, env, seed, horizon)
        second = _play(type(policy)(**params), env, seed, horizon)
        check_same_actions(policy, first, second, unit="period")

    # update after any valid pull set, rewards at both ends, any idle times
    policy.reset(view, seed=seed, horizon=horizon)
    rng = np.random.default_rng(seed)
    with state_stays_finite(policy, "update after any action"):
        for _ in range(30):
            action = np.zeros(n_arms, np.int8)
            action[rng.permutation(n_arms)[: int(rng.integers(0, max_pulls + 1))]] = 1
            rewards = np.where(action == 1, rng.integers(0, 2, n_arms).astype(float), 0.0)
            idle = rng.integers(1, d_max + 1, n_arms)
            policy.update(action, RecoveringFeedback(rewards, idle))
            chosen = policy.select(rng.integers(1, d_max + 1, n_arms))
            if np.asarray(chosen).sum() > max_pulls:
                fail(policy, "update after any action", f"select returned {chosen} after off-policy updates")

    # invalid input
    good = RecoveringFeedback(np.zeros(n_arms), np.full(n_arms, d_max))
    too_many = np.ones(n_arms, np.int8) if n_arms > max_pulls else None
    for action in (np.full(n_arms, 2), np.zeros(n_arms + 1, np.int8), too_many):
        if action is not None:
            expect_value_error(policy, "invalid action", f"update({action!r}, ...)", policy.update, action, good)
    one = np.zeros(n_arms, np.int8)
    one[0] = 1
    for feedback in (RecoveringFeedback(np.full(n_arms, np.nan), good.idle_before),
                     RecoveringFeedback(np.zeros(n_arms), np.zeros(n_arms, np.int64)),
                     RecoveringFeedback(np.zeros(n_arms), np.full(n_arms, d_max + 1)),
                     (0.0,)):
        expect_value_error(policy, "invalid feedback", f"update(..., {feedback!r})", policy.update, one, feedback)
    expect_value_error(policy, "invalid observation", "select(idle times of the wrong length)", policy.select,
                       np.ones(n_arms + 1, np.int64))

    # pickling mid-run
    _play(policy, env, seed, horizon, twin_at=n_steps // 2)
