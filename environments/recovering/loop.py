"""The fused loop of the recovering-rewards setting (Simchi-Levi, Zheng & Zhu, arXiv:2106.14813):
environment and policy kernels in one compiled loop.

Policy kernel protocol (one pull set per period; see :mod:`bandits.policies.recovering`)::

    init(n_arms, max_pulls, d_max, horizon, hyper) -> state
    select(state, hyper, t, idle int64[N], rng, pulled_out int64[K]) -> n_pulled
    update(state, hyper, t, pulled int64[K], n_pulled, idle_before int64[N], rewards float64[K])

``idle`` is a copy of the capped idle times before period ``t`` (the observation of the
Gymnasium shell). The loop checks the pull set (``0 <= n_pulled <= K``, arms in ``[0, N)``,
distinct), sorts it ascending (the Gymnasium shell's ``MultiBinary`` action has no order, so
both drivers hand the kernels the same order), plays it, and passes ``rewards[j]``, the realised
reward of arm ``pulled[j]``, to ``update``.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from bandits.core.array_copy import copy_into
from bandits.core.kernels import kernel
from bandits.core.protocols import FusedLoop
from environments.recovering.dynamics import recovering_env_init, recovering_step

__all__ = ["ERR_ARM_RANGE", "ERR_PULL_COUNT", "ERR_REPEATED_ARM", "PULL_SET_RULES", "RecoveringLoop", "canonical_pull_set", "run_recovering_replication"]

#: Status codes of an invalid pull set (``error_out[0]``).
ERR_PULL_COUNT = -1
ERR_ARM_RANGE = -2
ERR_REPEATED_ARM = -3
PULL_SET_RULES = {
    ERR_PULL_COUNT: "pulled a number of arms outside [0, K]",
    ERR_ARM_RANGE: "pulled an arm outside [0, N)",
    ERR_REPEATED_ARM: "pulled the same arm twice in one period",
}


@nb.njit(cache=True, nogil=True)
def canonical_pull_set(pulled, n_pulled, n_arms, max_pulls):
    """Sort ``pulled[:n_pulled]`` ascending in place; 0 if it is a valid pull set, else a
    negative status code."""
    if n_pulled < 0 or n_pulled > max_pulls:
        return ERR_PULL_COUNT
    for j in range(n_pulled):
        if pulled[j] < 0 or pulled[j] >= n_arms:
            return ERR_ARM_RANGE
    for j in range(1, n_pulled):  # insertion sort: K is small
        value = pulled[j]
        k = j - 1
        while k >= 0 and pulled[k] > value:
            pulled[k + 1] = pulled[k]
            k -= 1
        pulled[k + 1] = value
    for j in range(1, n_pulled):
        if pulled[j] == pulled[j - 1]:
            return ERR_REPEATED_ARM
    return 0


@nb.njit(cache=True, nogil=True)
def run_recovering_replication(
    params,
    mean_rewards,
    comparator,
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
    expected_out,
    counts_out,
    idle_counts_out,
    error_out,
):
    """Run one policy for ``horizon`` periods (record points count periods).

    Period ``t``: ``n = select(state, hyper, t, idle, policy_stream, pulled)``; the pull set is
    checked and sorted; :func:`recovering_step` draws the period's noise and pays the pulled arms;
    ``update(state, hyper, t, pulled, n, idle_before, rewards)``. Regret grows by ``comparator -
    expected reward of the period``.

    Outputs per record point: cumulative regret, realised reward and expected reward;
    ``counts_out[i]``: pulls of arm ``i``; ``idle_counts_out[i, d - 1]``: pulls of arm ``i`` at
    capped idle time ``d``. An invalid pull set writes ``(status, period)`` into ``error_out``
    and ends the run.
    """
    max_pulls = params[1]
    n_arms, d_max = mean_rewards.shape
    env_state = recovering_env_init(params)
    idle = env_state[0]
    state = kernel(policy_init)(n_arms, max_pulls, d_max, horizon, hyper)
    pulled = np.zeros(max_pulls, np.int64)
    rewards = np.zeros(max_pulls)
    idle_before = np.zeros(n_arms, np.int64)
    idle_seen = np.zeros(n_arms, np.int64)  # the policy's copy: a kernel that writes to it harms nothing
    counts = np.zeros(n_arms, np.int64)
    idle_counts = np.zeros((n_arms, d_max), np.int64)
    regret = 0.0
    total_reward = 0.0
    total_expected = 0.0
    next_record = 0
    n_records = record_points.size
    for t in range(1, horizon + 1):
        copy_into(idle_before, idle)
        copy_into(idle_seen, idle)
        n = kernel(policy_select)(state, hyper, t, idle_seen, policy_stream, pulled)
        status = canonical_pull_set(pulled, n, n_arms, max_pulls)
        if status != 0:
            error_out[0] = status
            error_out[1] = t
            return
        expected = recovering_step(params, mean_rewards, env_state, pulled, n, env_stream, rewards)
        kernel(policy_update)(state, hyper, t, pulled, n, idle_before, rewards)
        total_expected += expected
        regret += comparator - expected
        period_reward = 0.0
        for j in range(n):
            period_reward += rewards[j]
            counts[pulled[j]] += 1
            idle_counts[pulled[j], idle_before[pulled[j]] - 1] += 1
        total_reward += period_reward  # the shell's reward is period_reward, summed the same way
        if next_record < n_records and t == record_points[next_record]:
            regret_out[next_record] = regret
            reward_out[next_record] = total_reward
            expected_out[next_record] = total_expected
            next_record += 1
    copy_into(counts_out, counts)
    copy_into(idle_counts_out, idle_counts)


class RecoveringLoop(FusedLoop):
    """:func:`run_recovering_replication` for a recovering-rewards problem.

    Metrics: ``expected_reward`` (P, R, J), the cumulative expected reward (policy regret against
    another policy of the run is the difference of these curves, paired by replication);
    ``pulls_by_idle`` (P, R, N, d_max) int64, pulls of each arm at each capped idle time;
    ``fluid_upper_bound`` (P, R), UB* (the same for every policy).
    """

    loop = run_recovering_replication

    def __init__(self, problem, policies, horizon, record_points):
        self.problem = problem
        self.horizon = horizon
        self.record_points = record_points
        view = problem.learner_view
        self.hypers = [p.kernel_hyper(view, horizon) for p in policies]
        self.references = self.policy_kernel_references(policies)
        self.mean_rewards = np.ascontiguousarray(problem.mean_rewards)

    def allocate(self, n_policies, n_replications):
        problem = self.problem
        shape = (n_policies, n_replications)
        return {
            **self.core_outputs(n_policies, n_replications, self.record_points.size, problem.n_arms),
            "expected_reward": np.zeros((*shape, self.record_points.size)),
            "pulls_by_idle": np.zeros((*shape, problem.n_arms, problem.d_max), np.int64),
            "fluid_upper_bound": np.full(shape, problem.fluid_upper_bound),
            "_error": np.zeros((*shape, 2), np.int64),
        }

    def arguments(self, p, i, outputs, env_stream, policy_stream):
        return (
            self.problem.kernel_params,
            self.mean_rewards,
            float(self.problem.comparator),
            *self.references[p],
            self.hypers[p],
            self.horizon,
            self.record_points,
            env_stream,
            policy_stream,
            outputs["cumulative_regret"][p, i],
            outputs["cumulative_reward"][p, i],
            outputs["expected_reward"][p, i],
            outputs["pull_counts"][p, i],
            outputs["pulls_by_idle"][p, i],
            outputs["_error"][p, i],
        )

    def check_outputs(self, outputs, labels):
        error = outputs.pop("_error")
        bad = np.argwhere(error[:, :, 0] < 0)
        if bad.size:
            p, i = (int(x) for x in bad[0])
            status, period = (int(x) for x in error[p, i])
            raise ValueError(
                f"policy {labels[p]!r}: {PULL_SET_RULES.get(status, f'status {status}')} at period {period} "
                f"(a recovering-rewards policy pulls at most K = {self.problem.max_pulls} distinct arms per period)"
            )
