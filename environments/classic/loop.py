"""The fused loop of the classic bandit: environment and policy kernels in one compiled loop.

One call of :func:`run_classic_replication` runs one policy for ``horizon`` steps on one
environment stream; it is compiled once per (environment, policy) kernel combination
(``cache=True`` keeps it on disk) and releases the GIL, so :func:`bandits.runner.run` spreads
replications over threads.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from bandits.core.array_copy import copy_into
from bandits.core.kernels import kernel, kernel_reference
from bandits.core.protocols import FusedLoop

__all__ = ["run_classic_replication", "ClassicLoop"]


@nb.njit(cache=True, nogil=True)
def run_classic_replication(
    pull,
    env_params,
    expected_rewards,
    optimal_expected_reward,
    policy_init,
    policy_select,
    policy_update,
    hyper,
    horizon,
    record_points,
    env_stream,
    policy_stream,
    regret_out,
    reward_out,
    counts_out,
):
    """Run one policy for ``horizon`` steps; write cumulative pseudo-regret and realised reward
    after each step listed in ``record_points`` (1-based, increasing), and final pull counts.

    ``pull``, ``policy_init``, ``policy_select`` and ``policy_update`` are kernel references
    (string literals, :func:`bandits.core.kernels.kernel_reference`). Step ``t``:
    ``arm = select(state, hyper, t, policy_stream)``, ``reward = pull(env_params, arm, env_stream)``,
    ``update(state, hyper, arm, reward, t)``; regret grows by
    ``optimal_expected_reward - expected_rewards[arm]``.
    """
    n_arms = expected_rewards.size
    state = kernel(policy_init)(n_arms, hyper)
    cumulative_regret = 0.0
    cumulative_reward = 0.0
    next_record = 0
    n_records = record_points.size
    counts = np.zeros(n_arms, np.int64)  # local: rows of counts_out of other threads share cache lines
    for t in range(1, horizon + 1):
        arm = kernel(policy_select)(state, hyper, t, policy_stream)
        reward = kernel(pull)(env_params, arm, env_stream)
        kernel(policy_update)(state, hyper, arm, reward, t)
        cumulative_regret += optimal_expected_reward - expected_rewards[arm]
        cumulative_reward += reward
        counts[arm] += 1
        if next_record < n_records and t == record_points[next_record]:
            regret_out[next_record] = cumulative_regret
            reward_out[next_record] = cumulative_reward
            next_record += 1
    copy_into(counts_out, counts)


class ClassicLoop(FusedLoop):
    """:func:`run_classic_replication` for a classic problem (stateless ``pull`` kernel)."""

    loop = run_classic_replication

    def __init__(self, problem, policies, horizon, record_points):
        self.problem = problem
        self.horizon = horizon
        self.record_points = record_points
        view = problem.learner_view
        self.hypers = [p.kernel_hyper(view, horizon) for p in policies]
        self.expected = np.ascontiguousarray(problem.expected_rewards, dtype=np.float64)
        self.optimal = float(problem.optimal_expected_reward)
        self.pull_reference = kernel_reference(problem.pull_kernel)
        self.policy_references = self.policy_kernel_references(policies)

    def allocate(self, n_policies, n_replications):
        return self.core_outputs(n_policies, n_replications, self.record_points.size, self.problem.n_arms)

    def arguments(self, p, i, outputs, env_stream, policy_stream):
        return (
            self.pull_reference,
            self.problem.kernel_params,
            self.expected,
            self.optimal,
            *self.policy_references[p],
            self.hypers[p],
            self.horizon,
            self.record_points,
            env_stream,
            policy_stream,
            outputs["cumulative_regret"][p, i],
            outputs["cumulative_reward"][p, i],
            outputs["pull_counts"][p, i],
        )


