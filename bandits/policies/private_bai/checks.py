"""The conformance check of the fixed-budget best-arm identification policies
(:func:`check_private_bai_policy`), run by :func:`bandits.check_policy` for every policy whose
setting is ``"private_bai"``."""

from __future__ import annotations

import pickle

import numpy as np

from bandits.core.conformance import (
    check_params_and_reset,
    check_same_actions,
    expect_value_error,
    fail,
    parameters_unchanged,
    require_compatible_problem,
)
from bandits.policies.private_bai.driving import identify

__all__ = ["check_private_bai_policy"]


def _default_problem():
    from environments.private_bai import random_unit_arms

    return random_unit_arms(n_arms=12, dimension=2, instance_seed=1)


def check_private_bai_policy(policy, *, seed: int = 12345, problem=None, horizon: int = 400) -> None:
    """Check that a fixed-budget ``policy`` honours the policy contract; raise
    :class:`~bandits.core.conformance.PolicyCheckError` if not.

    Runs on ``problem`` (default: 12 random unit arms in R^2 plus a constant coordinate) with a
    budget of ``horizon`` pulls (at least the policy's minimum budget). Checks, in order:

    1. ``get_params`` returns the constructor arguments, and rebuilding from them gives an equal
       policy; ``select`` before ``reset`` raises ``RuntimeError``;
    2. every pull is an arm, at most ``horizon`` pulls are made, the pulls of each phase stay
       within its budget, and the recommendation is an arm;
    3. the same seeds give the same pulls and recommendation; hyper-parameters are unchanged;
    4. ``update`` with another arm than the current batch's, or a reward outside ``[0, 1]``,
       raises ``ValueError``;
    5. a pickled policy resumes exactly (same remaining pulls and recommendation).
    """
    require_compatible_problem(policy, problem)
    problem = _default_problem() if problem is None else problem
    view = problem.learner_view
    horizon = max(int(horizon), policy.minimum_budget(view))
    env = problem.make_env(horizon)
    params = check_params_and_reset(policy)

    with parameters_unchanged(policy, view, horizon):
        first = identify(env, policy, horizon=horizon, seed=seed)
        second = identify(env, type(policy)(**params), horizon=horizon, seed=seed)
    used = first.samples_used
    if used > horizon or np.any(first.pulls[:used] < 0) or np.any(first.pulls[:used] >= view.n_arms):
        fail(policy, "valid actions", f"pulls outside [0, {view.n_arms - 1}] or more than T = {horizon}")
    if not 0 <= first.recommendation < view.n_arms:
        fail(policy, "valid actions", f"recommended {first.recommendation} for {view.n_arms} arms")
    budgets = policy.kernel_hyper(view, horizon)[4]
    if np.any(first.phase_sizes[: budgets.size] > budgets):
        fail(policy, "budget", f"phase pulls {first.phase_sizes.tolist()} exceed the phase budgets {budgets.tolist()}")
    check_same_actions(policy, [*first.pulls.tolist(), first.recommendation],
                       [*second.pulls.tolist(), second.recommendation], unit="pull")

    # 4. invalid input
    policy.reset(view, seed=seed, horizon=horizon)
    arm = policy.select(0)
    other = (arm + 1) % view.n_arms
    if view.n_arms > 1:
        expect_value_error(policy, "invalid action", f"update({other}, ...) during a batch of arm {arm}",
                           policy.update, other, 1.0)
    for reward in (np.nan, -0.5, 1.5):
        expect_value_error(policy, "invalid reward", f"update({arm}, {reward!r})", policy.update, arm, reward)

    # 5. pickling mid-run
    policy.reset(view, seed=seed, horizon=horizon)
    rewards = np.random.default_rng(seed).random(horizon) < 0.5
    half = horizon // 2
    twin = None
    pulls, twin_pulls = [], []
    for t in range(horizon + 1):
        if t == half:
            twin = pickle.loads(pickle.dumps(policy))
        observation = 1 if t == horizon else 0
        arm = policy.select(observation)
        pulls.append(arm)
        if twin is not None:
            twin_pulls.append(twin.select(observation))
            if twin_pulls[-1] != arm:
                fail(policy, "pickling", f"unpickled copy chose {twin_pulls[-1]}, original {arm}, at pull {t}")
        if policy.stopped:
            break
        policy.update(arm, float(rewards[t]))
        if twin is not None:
            twin.update(arm, float(rewards[t]))
