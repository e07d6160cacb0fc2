"""The fused loop of the cascading setting: environment and policy kernels in one compiled loop.

Regret
------
Per episode ``V*_1(s_1) - V^{pi_k}_1(s_1)`` (``rho``-weighted), from exact policy evaluation of
the plan the policy committed to for the episode (Du, Srikant & Chen, 2024, arXiv:2401.08961,
define regret on these values; evaluating the plan exactly gives pseudo-regret without Monte
Carlo noise). For the cascading bandit (Kveton et al., 2015, arXiv:1502.02763) this is
``f(A*) - f(A_t)``. :func:`run_cascading_replication` drives the dynamics kernels
(:mod:`environments.cascading.dynamics`) and a policy's kernels (:mod:`bandits.policies.cascading`,
named by kernel references) for K episodes; the Gymnasium shells
(:mod:`environments.cascading.shell`) drive the same kernels one step at a time.

Policy kernel protocol (a policy acts once per episode by writing a Markov *plan*, so that the
loop can evaluate ``V^{pi_k}`` exactly)::

    init(n_states, n_items, episode_length, list_length, hyper) -> state
    plan(state, hyper, k, rng, plan_items int64[H, S, m], plan_length int64[H, S]) -> stop
    update(state, hyper, k, h, s, items int64[m], length, click, next_state, reward)

``click`` is the position of the clicked item in ``items`` or ``-1`` (no click). ``stop = 1``
means "this plan is my recommendation, do not play it" (best-policy identification); regret
policies always return 0.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from bandits.core.array_copy import copy_into
from bandits.core.kernels import kernel
from bandits.core.protocols import FusedLoop
from environments.cascading.dynamics import cascade_initial_state, cascade_step
from environments.cascading.planning import plan_values

__all__ = ["run_cascading_replication", "CascadingLoop"]


@nb.njit(cache=True, nogil=True)
def run_cascading_replication(
    params,
    optimal_value,
    policy_init,
    policy_plan,
    policy_update,
    hyper,
    n_episodes,
    record_points,
    env_stream,
    policy_stream,
    regret_out,
    reward_out,
    clicks_out,
    counts_out,
    stop_out,
):
    """Run one policy for ``n_episodes`` episodes (record points count episodes).

    Episode k: ``stop = plan(state, hyper, k, policy_stream, plan_items, plan_length)``; the plan's
    exact value ``v = rho^T V^pi_0`` (:func:`environments.cascading.planning.plan_values`); if
    ``stop``, record ``episodes_used = k - 1`` and ``final_gap = V* - v`` and end (later record
    points keep the final values); otherwise draw ``s_1`` and play H steps, updating the policy
    after each, and add ``V* - v`` to the regret. ``stop_out = [episodes_used, stopped, final_gap]`` (the
    final gap of the last plan when the policy never stops).

    Outputs per record point: cumulative regret, realised reward and clicks; ``counts_out[a]``:
    how often item ``a`` was listed.
    """
    attraction, reward, transition, transition_cdf, initial_cdf, initial, n_steps, m = params
    n_states, n_items = attraction.shape
    state = kernel(policy_init)(n_states, n_items, n_steps, m, hyper)
    plan_items = np.zeros((n_steps, n_states, m), np.int64)
    plan_length = np.ones((n_steps, n_states), np.int64)
    values = np.zeros((n_steps + 1, n_states))
    counts = np.zeros(n_items, np.int64)
    regret = 0.0
    total_reward = 0.0
    clicks = 0.0
    next_record = 0
    n_records = record_points.size
    episodes_used = n_episodes
    stopped = 0
    last_gap = 0.0
    for k in range(1, n_episodes + 1):
        stop = kernel(policy_plan)(state, hyper, k, policy_stream, plan_items, plan_length)
        value = plan_values(attraction, reward, transition, initial, plan_items, plan_length, values)
        last_gap = optimal_value - value
        if stop != 0:
            episodes_used = k - 1
            stopped = 1
            break
        s = cascade_initial_state(params, env_stream)
        for h in range(n_steps):
            items = plan_items[h, s]
            length = plan_length[h, s]
            click, next_state, r = cascade_step(params, s, items, length, env_stream)
            kernel(policy_update)(state, hyper, k, h, s, items, length, click, next_state, r)
            total_reward += r
            if click >= 0:
                clicks += 1.0
            for i in range(length):
                counts[items[i]] += 1
            s = next_state
        regret += last_gap
        if next_record < n_records and k == record_points[next_record]:
            regret_out[next_record] = regret
            reward_out[next_record] = total_reward
            clicks_out[next_record] = clicks
            next_record += 1
    while next_record < n_records:
        regret_out[next_record] = regret
        reward_out[next_record] = total_reward
        clicks_out[next_record] = clicks
        next_record += 1
    copy_into(counts_out, counts)
    stop_out[0] = episodes_used
    stop_out[1] = stopped
    stop_out[2] = last_gap



class CascadingLoop(FusedLoop):
    """:func:`run_cascading_replication` for a cascading problem (see
    :class:`bandits.core.protocols.FusedLoop`). Metrics: ``clicks`` (P, R, J) cumulative clicks;
    ``episodes_used`` (P, R) int64 (K unless the policy stopped); ``stopped`` (P, R) int64;
    ``final_gap`` (P, R), ``V* - V^pi`` of the last plan (the output of a BPI policy)."""

    loop = run_cascading_replication

    def __init__(self, problem, policies, horizon, record_points):
        self.problem = problem
        self.horizon = horizon
        self.record_points = record_points
        view = problem.learner_view
        self.hypers = [p.kernel_hyper(view, horizon) for p in policies]
        self.references = self.policy_kernel_references(policies, ("init_kernel", "plan_kernel", "update_kernel"))

    def allocate(self, n_policies, n_replications):
        shape = (n_policies, n_replications, self.record_points.size)
        return {
            **self.core_outputs(n_policies, n_replications, self.record_points.size, self.problem.n_items),
            "clicks": np.zeros(shape),
            "_stop": np.zeros((n_policies, n_replications, 3)),
        }

    def arguments(self, p, i, outputs, env_stream, policy_stream):
        return (
            self.problem.kernel_params,
            self.problem.optimal_value,
            *self.references[p],
            self.hypers[p],
            self.horizon,
            self.record_points,
            env_stream,
            policy_stream,
            outputs["cumulative_regret"][p, i],
            outputs["cumulative_reward"][p, i],
            outputs["clicks"][p, i],
            outputs["pull_counts"][p, i],
            outputs["_stop"][p, i],
        )

    def check_outputs(self, outputs, labels):
        stop = outputs.pop("_stop")
        outputs["episodes_used"] = stop[:, :, 0].astype(np.int64)
        outputs["stopped"] = stop[:, :, 1].astype(np.int64)
        outputs["final_gap"] = stop[:, :, 2].copy()

