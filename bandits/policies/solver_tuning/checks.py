"""The conformance check of the solver-tuning policies (the ``policy_check`` of the setting's
registry record, run by :func:`bandits.check_policy`), and the synthetic cost sequence it and the
tests play on. The setting is the one of Khodak, Chow, Balcan & Talwalkar (*Learning to Relax*,
ICLR 2024, arXiv:2310.02246).
"""

from __future__ import annotations

import copy
import pickle

import numpy as np

from bandits.core.conformance import check_params_and_reset, fail
from bandits.policies.solver_tuning.fixed_omega import FixedOmega
from environments.solver_tuning import MAX_COST, OmegaGridView, SORTuning

__all__ = ["check_solver_tuning_policy", "synthetic_costs"]


def synthetic_costs(n_rounds, n_omegas, seed, context_range=(-0.15, 0.45)):
    """``(contexts float64[T], costs float64[T, d])`` of a synthetic instance: contexts uniform on
    ``context_range``, ``cost(omega, c) = round(30 + 200 (omega - w(c))^2 + N(0, 3^2))`` clipped
    to ``[0, 10000]``, ``w(c)`` linear from 1.1 to 1.9 over the range, omega on the default
    ``linspace(1, 1.95, d)``. For checks and tests, not a model of SOR."""
    rng = np.random.default_rng(seed)
    low, high = context_range
    contexts = rng.uniform(low, high, n_rounds)
    omegas = np.linspace(1.0, 1.95, n_omegas)
    target = 1.1 + 0.8 * (contexts - low) / (high - low)
    mean = 30.0 + 200.0 * (omegas[None, :] - target[:, None]) ** 2
    costs = np.clip(np.round(mean + rng.normal(0.0, 3.0, (n_rounds, n_omegas))), 0.0, 10000.0)
    return contexts, costs


def _play_solver(policy, n_omegas, contexts, costs, stop_after=None):
    actions = []
    for t in range(contexts.size if stop_after is None else stop_after):
        index = policy.select(contexts[t])
        if not (isinstance(index, int) and 0 <= index < n_omegas):
            fail(policy, "valid actions", f"returned {index!r} at round {t} for {n_omegas} grid points")
        actions.append(index)
        policy.update(index, costs[t, index])
    return actions


def _expect_value_error(policy, check, description, call):
    try:
        call()
    except ValueError:
        pass
    else:
        fail(policy, check, f"{description} did not raise ValueError")


def check_solver_tuning_policy(policy, *, n_omegas: int = 20, horizon: int = 400, seed: int = 12345) -> None:
    """Check that a solver-tuning ``policy`` honours the contract of
    :mod:`bandits.policies.solver_tuning`; raise :class:`bandits.core.conformance.PolicyCheckError`
    if not.

    Checks, on :func:`synthetic_costs` (``horizon`` rounds, ``n_omegas`` grid points
    ``linspace(1, 1.95, d)``, contexts in ``[-0.15, 0.45]``):

    1. ``get_params`` rebuilds an equal policy; ``select`` before ``reset`` raises RuntimeError;
    2. every index is an int in ``[0, d)``;
    3. the same seed gives the same indices;
    4. parameters and kernel hyper-parameters are unchanged by running;
    5. ``update`` accepts any valid index (not only the selected one) and costs 0, 1 and 10000,
       and the state stays finite where it was finite;
    6. invalid indices, costs and contexts raise ValueError (and a contextual policy's
       ``select()`` without a context);
    7. a pickled policy resumes exactly where the original is;
    8. the policy runs on the Gymnasium shell of a small ``SORTuning`` problem with this grid:
       it takes the shell's learner view, the observation as the context and
       ``view.feedback(reward, info)`` as the cost;
    9. a one-point grid is handled (learners only; a FixedOmega is tied to its grid).
    """
    params = check_params_and_reset(policy)
    params_before = copy.deepcopy(params)
    grid = tuple(float(x) for x in np.linspace(1.0, 1.95, n_omegas))
    view = OmegaGridView(grid, -0.15, 0.45)
    hyper_before = pickle.dumps(policy.kernel_hyper(view, horizon))
    contexts, costs = synthetic_costs(horizon, n_omegas, seed)
    policy_seed = seed + 1  # not the instance's seed: the policy's uniforms must not be the contexts' draws

    # 2 + 3. valid, reproducible indices
    policy.reset(view, seed=policy_seed, horizon=horizon)
    first = _play_solver(policy, n_omegas, contexts, costs)
    second = _play_solver(type(policy)(**params).reset(view, seed=policy_seed, horizon=horizon), n_omegas, contexts,
                          costs)
    if first != second:
        step = next(i for i, (a, b) in enumerate(zip(first, second)) if a != b)
        fail(policy, "determinism", f"same seed, different index at round {step}")

    # 4. hyper-parameters never mutated
    if policy.get_params() != params_before:
        fail(policy, "immutability", f"parameters changed from {params_before!r} to {policy.get_params()!r}")
    if pickle.dumps(policy.kernel_hyper(view, horizon)) != hyper_before:
        fail(policy, "immutability", "kernel hyper-parameters changed by running")

    # 5. any valid index, edge costs
    policy.reset(view, seed=policy_seed, horizon=horizon)
    finite_before = [np.all(np.isfinite(a)) for a in policy.state]
    for index in range(n_omegas):
        for cost in (0.0, 1.0, 10000.0):
            policy.select(float(contexts[index % horizon]))
            policy.update(index, cost)
    for t in range(5):
        index = policy.select(contexts[t])
        if not 0 <= index < n_omegas:
            fail(policy, "update after any index", f"select returned {index} after off-policy updates")
        policy.update((index + 1) % n_omegas, 10000.0)
    for position, (array, was_finite) in enumerate(zip(policy.state, finite_before)):
        if was_finite and not np.all(np.isfinite(array)):
            fail(policy, "update after any index", f"state[{position}] became non-finite: {array}")

    # 6. invalid input
    for action in (-1, n_omegas, 1.5, "0", True):
        _expect_value_error(policy, "invalid action", f"update({action!r}, ...)", lambda: policy.update(action, 30.0))
    for cost in (np.nan, np.inf, -1.0, 2 * MAX_COST, "many"):
        _expect_value_error(policy, "invalid cost", f"update(0, {cost!r})", lambda: policy.update(0, cost))
    for context in (np.nan, np.inf, "x", np.zeros(2)):
        _expect_value_error(policy, "invalid context", f"select({context!r})", lambda: policy.select(context))
    if policy.contextual:
        _expect_value_error(policy, "invalid context", "select() without a context", lambda: policy.select())

    # 7. pickling mid-run
    policy.reset(view, seed=policy_seed, horizon=horizon)
    half = horizon // 2
    _play_solver(policy, n_omegas, contexts, costs, stop_after=half)
    restored = pickle.loads(pickle.dumps(policy))
    for t in range(half, horizon):
        a, b = policy.select(contexts[t]), restored.select(contexts[t])
        if a != b:
            fail(policy, "pickling", f"unpickled copy chose {b}, original {a}, at round {t}")
        policy.update(a, costs[t, a])
        restored.update(b, costs[t, b])

    # 8. on a Gymnasium shell
    env = SORTuning(grid_size=4, omega_grid=grid).make_env(20)
    observation, info = env.reset(seed=seed)
    policy.reset(env, seed=policy_seed, horizon=20)
    if policy.view != env.unwrapped.learner_view:
        fail(policy, "learner view", f"reset(env) ran on {policy.view!r}, not the shell's learner view")
    truncated = False
    while not truncated:
        action = policy.select(observation)
        if not (isinstance(action, int) and env.action_space.contains(action)):
            fail(policy, "valid actions", f"returned {action!r} on a shell with action space {env.action_space}")
        observation, reward, _, truncated, info = env.step(action)
        policy.update(action, policy.view.feedback(reward, info))

    # 9. a one-point grid
    if not isinstance(policy, FixedOmega) and params.get("grid") is None:
        single = type(policy)(**params).reset(OmegaGridView((1.5,), -0.15, 0.45), seed=policy_seed, horizon=horizon)
        for t in range(30):
            if single.select(contexts[t]) != 0:
                fail(policy, "one-point grid", "returned an index other than 0 on a one-point grid")
            single.update(0, costs[t, 0])
