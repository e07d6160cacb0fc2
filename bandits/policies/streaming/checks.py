"""The conformance check of streaming policies (Chen Wang, ICML 2023, arXiv:2306.02208),
:func:`check_streaming_policy`, which :func:`bandits.check_policy` runs for them (the setting
registry names it)."""

from __future__ import annotations

from bandits.core.conformance import (check_params_and_reset, check_same_actions, expect_value_error, fail,
                                      parameters_unchanged, play, require_compatible_problem)
from environments.streaming import PULL, StreamingBandit, StreamingFeedback, StreamingLearnerView

__all__ = ["check_streaming_policy"]

#: The default horizon in pulls of the check's own 12-arm problem.
DEFAULT_HORIZON = 20_000


def _play_streaming(policy, env, seed, twin_at=None):
    """Drive ``policy`` through the shell until the horizon, as the generic driver does (reset
    the environment, then the policy with its learner view); return the list of
    (op, slot, count) and the final info. Invalid operations raise in the shell."""
    return play(policy, env, seed=seed, policy_seed=seed + 1, horizon=env.horizon,
                record=lambda action: (action["op"], action["slot"], action["count"]), invalid="valid operations",
                unit="operation", twin_at=twin_at, max_steps=100_000)


def check_streaming_policy(policy, *, n_arms: int = 12, horizon: int | None = None, seed: int = 12345,
                           problem=None) -> None:
    """Check that a streaming ``policy`` honours the contract of
    :mod:`bandits.policies.streaming`; raise :class:`bandits.core.conformance.PolicyCheckError`
    if not.

    The runs go through the Gymnasium shell (batch pulls) of ``problem`` (a streaming problem the
    policy fits in: its K arms, its memory M, ``problem.make_env(horizon)``), or, if None, of an
    ``n_arms``-arm mix-in stream (``n_arms`` is unused with a ``problem``) whose M is exactly the
    policy's ``memory_required``. ``horizon`` (T, in pulls) is 20000 by default, and
    ``min(20000, 1000 K)`` on a ``problem`` (with batch pulls a run takes a few operations per
    arm it reads, whatever T). Checks:

    1. ``get_params`` rebuilds an equal policy; ``select`` before ``reset`` raises RuntimeError;
    2. every operation is valid (the shell raises on an occupied or empty slot, a discarded
       arm, a read past the stream's end or a count < 1), and the run uses exactly T pulls;
    3. memory: the shell's peak memory never exceeds ``memory_required``, and a smaller M is
       refused by ``reset``;
    4. the same seeds give the same operations;
    5. parameters and kernel hyper-parameters are unchanged by running;
    6. invalid actions and feedback raise ValueError;
    7. a pickled policy resumes exactly where the original is;
    8. a single-arm stream is handled (regret 0 there).

    A ``problem`` the policy cannot run on raises ``ValueError`` naming ``problem``.
    """
    require_compatible_problem(policy, problem)
    params = check_params_and_reset(policy)
    if problem is None:
        horizon = DEFAULT_HORIZON if horizon is None else horizon
        problem = StreamingBandit(arms="mix-in", n_arms=n_arms, memory=policy.memory_required(n_arms))
    else:
        n_arms = problem.n_arms
        horizon = min(DEFAULT_HORIZON, 1000 * n_arms) if horizon is None else horizon
    memory = policy.memory_required(n_arms)
    env = problem.make_env(horizon)
    env.reset(seed=seed)
    view = env.learner_view  # with the oracle gap of the replication's draw
    with parameters_unchanged(policy, view, horizon):
        first, info = _play_streaming(policy, env, seed)
        if info["pulls_used"] != horizon:
            fail(policy, "exactly T pulls", f"run ended with {info['pulls_used']} pulls, T = {horizon}")
        if env.peak_memory > memory:
            fail(policy, "memory", f"peak memory {env.peak_memory} > memory_required {memory}")
        second, _ = _play_streaming(type(policy)(**params), env, seed)
        check_same_actions(policy, first, second, what="operation")
    if memory > 1:
        smaller = StreamingLearnerView(n_arms, memory - 1, oracle_gap=0.1)
        expect_value_error(policy, "memory", f"reset with memory {memory - 1} < {memory}",
                           lambda: type(policy)(**params).reset(smaller, horizon=horizon))

    # invalid input
    policy.reset(view, horizon=horizon, seed=seed)
    nothing = StreamingFeedback(successes=0, status=0, pulls_done=0)
    for action in ({"op": 4, "slot": 0, "count": 0}, {"op": 0, "slot": view.memory, "count": 0},
                   {"op": 0.5, "slot": 0}, [0, 0, 0]):
        expect_value_error(policy, "invalid action", f"update({action!r}, ...)", policy.update, action, nothing)
    pull = {"op": PULL, "slot": 0, "count": 5}
    for reward, bad in ((6, {"status": 0, "pulls_done": 5}), (-1, {"status": 0, "pulls_done": 5}),
                        (0.5, {"status": 0, "pulls_done": 5}), (0, {"status": -4, "pulls_done": 0}),
                        (0, {"pulls_done": 5}), (0, {"status": 0, "pulls_done": horizon + 1})):
        expect_value_error(policy, "invalid feedback", f"update(PULL, view.feedback({reward!r}, {bad!r}))",
                           lambda reward=reward, bad=bad: policy.update(pull, view.feedback(reward, bad)))
    expect_value_error(policy, "invalid feedback", "update(PULL, 3) (not a StreamingFeedback)",
                       policy.update, pull, 3)

    # pickling mid-run
    _play_streaming(type(policy)(**params), env, seed, twin_at=max(1, len(first) // 2))

    # a single arm
    single = StreamingBandit(arms="explicit", means=[0.3], memory=policy.memory_required(1)).make_env(1000)
    _, info = _play_streaming(type(policy)(**params), single, seed)
    if single.regret != 0.0 or info["pulls_used"] != 1000:
        fail(policy, "single arm", f"regret {single.regret}, pulls {info['pulls_used']} on a single arm, T = 1000")
