"""The conformance check of the solver-tuning policies (the ``policy_check`` of the setting's
registry record, run by :func:`bandits.check_policy`), and the synthetic cost sequence it and the
tests play on. The setting is the one of Khodak, Chow, Balcan & Talwalkar (*Learning to Relax*,
ICLR 2024, arXiv:2310.02246).
"""

from __future__ import annotations

import numpy as np

from bandits.core.conformance import (ScriptedShell, check_params_and_reset, check_same_actions, expect_value_error,
                                      fail, parameters_unchanged, play, require_compatible_problem,
                                      state_stays_finite)
from bandits.policies.solver_tuning.fixed_omega import FixedOmega
from environments.solver_tuning import MAX_COST, OmegaGridView, SORTuning

__all__ = ["check_solver_tuning_policy", "synthetic_costs"]

#: The check's horizons: rounds of its synthetic sequence, and linear systems of a problem's
#: shell (each a real solve).
DEFAULT_HORIZON, PROBLEM_HORIZON = 400, 60


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


def _scripted(view, contexts, costs):
    """A stand-in shell over ``view`` that reveals ``contexts[t]`` and costs ``costs[t, index]``."""
    return ScriptedShell(view, contexts.size, lambda t, index: (-costs[t, index], {"iterations": costs[t, index]}),
                         observe=lambda t: contexts[t])


def _play_solver(policy, env, policy_seed, seed, twin_at=None, check="valid actions"):
    """The indices ``policy`` picks driven through ``env``, each an int index of the shell's grid
    (else ``check`` fails)."""
    view = env.unwrapped.learner_view

    def check_index(index, step):
        if not (isinstance(index, int) and 0 <= index < view.n_omegas):
            fail(policy, check, f"returned {index!r} at round {step} for {view.n_omegas} grid points")

    return play(policy, env, seed=seed, policy_seed=policy_seed, horizon=env.unwrapped.horizon,
                check_action=check_index, unit="round", twin_at=twin_at)[0]


def check_solver_tuning_policy(policy, *, n_omegas: int = 20, horizon: int | None = None, seed: int = 12345,
                               problem=None) -> None:
    """Check that a solver-tuning ``policy`` honours the contract of
    :mod:`bandits.policies.solver_tuning`; raise :class:`bandits.core.conformance.PolicyCheckError`
    if not.

    The runs play ``horizon`` rounds on the Gymnasium shell ``problem.make_env(horizon)`` of
    ``problem`` (a solver-tuning problem whose grid the policy fits; its learner view: grid and
    context interval; ``horizon`` 60 by default), or, if None, on :func:`synthetic_costs`
    (``horizon`` rounds, 400 by default; ``n_omegas`` grid points ``linspace(1, 1.95, d)``,
    contexts in ``[-0.15, 0.45]``; ``n_omegas`` is unused with a ``problem``). Checks:

    1. ``get_params`` rebuilds an equal policy; ``select`` before ``reset`` raises RuntimeError;
    2. every index is an int in ``[0, d)``;
    3. the same seed gives the same indices;
    4. parameters and kernel hyper-parameters are unchanged by running;
    5. ``update`` accepts any valid index (not only the selected one) and costs 0, 1 and 10000,
       and the state stays finite where it was finite;
    6. invalid indices, costs and contexts raise ValueError (and a contextual policy's
       ``select()`` without a context);
    7. a pickled policy resumes exactly where the original is;
    8. the policy runs on a Gymnasium shell (``problem``'s, or that of a small ``SORTuning``
       problem with this grid): it takes the shell's learner view, the observation as the
       context and ``view.feedback(reward, info)`` as the cost;
    9. a one-point grid is handled (learners only; a FixedOmega is tied to its grid).

    A ``problem`` the policy cannot run on raises ``ValueError`` naming ``problem``.
    """
    require_compatible_problem(policy, problem)
    params = check_params_and_reset(policy)
    policy_seed = seed + 1  # not the instance's seed: the policy's uniforms must not be the contexts' draws
    if problem is None:
        horizon = DEFAULT_HORIZON if horizon is None else horizon
        grid = tuple(float(x) for x in np.linspace(1.0, 1.95, n_omegas))
        view = OmegaGridView(grid, -0.15, 0.45)
        contexts, costs = synthetic_costs(horizon, n_omegas, seed)
        env = _scripted(view, contexts, costs)
        shell = SORTuning(grid_size=4, omega_grid=grid).make_env(20)
    else:
        horizon = PROBLEM_HORIZON if horizon is None else horizon
        env = shell = problem.make_env(horizon)
        view = env.unwrapped.learner_view
        n_omegas = view.n_omegas
        # off-policy updates and the one-point grid read contexts of the problem's interval
        contexts, costs = synthetic_costs(horizon, n_omegas, seed, (view.context_low, view.context_high))

    # 2 + 3 + 4. valid, reproducible indices; hyper-parameters never mutated
    with parameters_unchanged(policy, view, horizon):
        first = _play_solver(policy, env, policy_seed, seed)
        second = _play_solver(type(policy)(**params), env, policy_seed, seed)
        check_same_actions(policy, first, second, what="index", unit="round")

    # 5. any valid index, edge costs
    policy.reset(view, seed=policy_seed, horizon=horizon)
    with state_stays_finite(policy, "update after any index"):
        for index in range(n_omegas):
            for cost in (0.0, 1.0, 10000.0):
                policy.select(float(contexts[index % horizon]))
                policy.update(index, cost)
        for t in range(5):
            index = policy.select(contexts[t])
            if not 0 <= index < n_omegas:
                fail(policy, "update after any index", f"select returned {index} after off-policy updates")
            policy.update((index + 1) % n_omegas, 10000.0)

    # 6. invalid input
    for action in (-1, n_omegas, 1.5, "0", True):
        expect_value_error(policy, "invalid action", f"update({action!r}, ...)", policy.update, action, 30.0)
    for cost in (np.nan, np.inf, -1.0, 2 * MAX_COST, "many"):
        expect_value_error(policy, "invalid cost", f"update(0, {cost!r})", policy.update, 0, cost)
    for context in (np.nan, np.inf, "x", np.zeros(2)):
        expect_value_error(policy, "invalid context", f"select({context!r})", policy.select, context)
    if policy.contextual:
        expect_value_error(policy, "invalid context", "select() without a context", policy.select)

    # 7. pickling mid-run
    _play_solver(policy, env, policy_seed, seed, twin_at=horizon // 2)

    # 8. on a Gymnasium shell
    _play_solver(policy, shell, policy_seed, seed)
    if policy.view != shell.unwrapped.learner_view:
        fail(policy, "learner view", f"reset(env) ran on {policy.view!r}, not the shell's learner view")

    # 9. a one-point grid
    if not isinstance(policy, FixedOmega) and params.get("grid") is None:
        single = OmegaGridView((1.5,), view.context_low, view.context_high)
        _play_solver(type(policy)(**params), _scripted(single, contexts[:30], costs[:30, :1]), policy_seed, seed,
                     check="one-point grid")
