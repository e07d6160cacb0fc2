"""The conformance check of streaming policies (Chen Wang, ICML 2023, arXiv:2306.02208),
:func:`check_streaming_policy`, which :func:`bandits.check_policy` runs for them (the setting
registry names it)."""

from __future__ import annotations

import copy
import pickle

from bandits.core.conformance import check_params_and_reset, fail
from environments.streaming import PULL, StreamingBandit, StreamingFeedback, StreamingLearnerView

__all__ = ["check_streaming_policy"]


def _play_streaming(policy, env, seed, policy_seed, stop_after=None):
    """Drive ``policy`` through the shell until the horizon, as the generic driver does (reset
    the environment, then the policy with its learner view); return the list of
    (op, slot, count) and the final info. Invalid operations raise in the shell."""
    observation, info = env.reset(seed=seed)
    policy.reset(env, seed=policy_seed, horizon=env.horizon)
    view = policy.view
    operations = []
    truncated = False
    while not truncated:
        action = policy.select(observation)
        try:
            observation, reward, terminated, truncated, info = env.step(action)
        except ValueError as error:
            fail(policy, "valid operations", f"operation {len(operations)} {action}: {error}")
        operations.append((action["op"], action["slot"], action["count"]))
        policy.update(action, view.feedback(reward, info))
        if stop_after is not None and len(operations) >= stop_after:
            break
        if len(operations) > 100_000:
            fail(policy, "termination", "more than 100000 operations on a 12-arm stream")
    return operations, info


def check_streaming_policy(policy, *, n_arms: int = 12, horizon: int = 20_000, seed: int = 12345) -> None:
    """Check that a streaming ``policy`` honours the contract of
    :mod:`bandits.policies.streaming`; raise :class:`bandits.core.conformance.PolicyCheckError`
    if not.

    Checks, on a ``n_arms``-arm mix-in stream through the Gymnasium shell (batch pulls):

    1. ``get_params`` rebuilds an equal policy; ``select`` before ``reset`` raises RuntimeError;
    2. every operation is valid (the shell raises on an occupied or empty slot, a discarded
       arm, a read past the stream's end or a count < 1), and the run uses exactly T pulls;
    3. memory: the shell's peak memory never exceeds ``memory_required`` (the environment's
       M is set to exactly that), and a smaller M is refused by ``reset``;
    4. the same seeds give the same operations;
    5. parameters and kernel hyper-parameters are unchanged by running;
    6. invalid actions and feedback raise ValueError;
    7. a pickled policy resumes exactly where the original is;
    8. a single-arm stream is handled (regret 0 there).
    """
    params = check_params_and_reset(policy)
    params_before = copy.deepcopy(params)
    memory = policy.memory_required(n_arms)
    view = StreamingLearnerView(n_arms, memory, oracle_gap=0.1)
    hyper_before = pickle.dumps(policy.kernel_hyper(view, horizon))
    problem = StreamingBandit(arms="mix-in", n_arms=n_arms, memory=memory)
    env = problem.make_env(horizon)
    first, info = _play_streaming(policy, env, seed, seed + 1)
    if info["pulls_used"] != horizon:
        fail(policy, "exactly T pulls", f"run ended with {info['pulls_used']} pulls, T = {horizon}")
    if env.peak_memory > memory:
        fail(policy, "memory", f"peak memory {env.peak_memory} > memory_required {memory}")
    second, _ = _play_streaming(type(policy)(**params), env, seed, seed + 1)
    if first != second:
        step = next((i for i, (a, b) in enumerate(zip(first, second)) if a != b), min(len(first), len(second)))
        fail(policy, "determinism", f"same seeds, different operation at step {step}")
    if policy.get_params() != params_before:
        fail(policy, "immutability", f"parameters changed from {params_before!r} to {policy.get_params()!r}")
    if pickle.dumps(policy.kernel_hyper(view, horizon)) != hyper_before:
        fail(policy, "immutability", "kernel hyper-parameters changed by running")
    if memory > 1:
        try:
            type(policy)(**params).reset(StreamingLearnerView(n_arms, memory - 1, oracle_gap=0.1), horizon=horizon)
        except ValueError:
            pass
        else:
            fail(policy, "memory", f"reset with memory {memory - 1} < {memory} did not raise ValueError")

    # invalid input
    policy.reset(view, horizon=horizon, seed=seed)
    nothing = StreamingFeedback(successes=0, status=0, pulls_done=0)
    for action in ({"op": 4, "slot": 0, "count": 0}, {"op": 0, "slot": memory, "count": 0}, {"op": 0.5, "slot": 0},
                   [0, 0, 0]):
        try:
            policy.update(action, nothing)
        except ValueError:
            pass
        else:
            fail(policy, "invalid action", f"update({action!r}, ...) did not raise ValueError")
    pull = {"op": PULL, "slot": 0, "count": 5}
    for reward, bad in ((6, {"status": 0, "pulls_done": 5}), (-1, {"status": 0, "pulls_done": 5}),
                        (0.5, {"status": 0, "pulls_done": 5}), (0, {"status": -4, "pulls_done": 0}),
                        (0, {"pulls_done": 5}), (0, {"status": 0, "pulls_done": horizon + 1})):
        try:
            policy.update(pull, view.feedback(reward, bad))
        except ValueError:
            pass
        else:
            fail(policy, "invalid feedback", f"update(PULL, view.feedback({reward!r}, {bad!r})) did not raise ValueError")
    try:
        policy.update(pull, 3)
    except ValueError:
        pass
    else:
        fail(policy, "invalid feedback", "update(PULL, 3) (not a StreamingFeedback) did not raise ValueError")

    # pickling mid-run
    policy_a = type(policy)(**params)
    operations, _ = _play_streaming(policy_a, env, seed, seed + 1, stop_after=max(1, len(first) // 2))
    policy_b = pickle.loads(pickle.dumps(policy_a))
    truncated = False
    steps = len(operations)
    while not truncated:
        action = policy_a.select()
        other = policy_b.select()
        if action != other:
            fail(policy, "pickling", f"unpickled copy chose {other}, original {action}, at operation {steps}")
        observation, reward, terminated, truncated, info = env.step(action)
        feedback = policy_a.view.feedback(reward, info)
        policy_a.update(action, feedback)
        policy_b.update(other, feedback)
        steps += 1

    # a single arm
    single = StreamingBandit(arms="explicit", means=[0.3], memory=policy.memory_required(1)).make_env(1000)
    _, info = _play_streaming(type(policy)(**params), single, seed, seed + 1)
    if single.regret != 0.0 or info["pulls_used"] != 1000:
        fail(policy, "single arm", f"regret {single.regret}, pulls {info['pulls_used']} on a single arm, T = 1000")
