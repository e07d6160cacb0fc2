"""The fused loop of weighted tallying bandits (Malik, Igoe, Li & Singh, arXiv:2305.02955): a
stateful environment (the last m actions) with the K-armed policy protocol
(:mod:`bandits.core.armed_bandit`: ``init(n_arms, hyper)``, ``select(state, hyper, t, rng)``,
``update(state, hyper, arm, reward, t)``), so the classic policies run here unchanged.

Complete policy regret grows by ``mean loss - c_t`` per step, where ``c_t`` is the comparator's
expected loss at step t, given as ``(prefix, cycle)`` (``problem.comparator_increments``):
``prefix[t - 1]`` for ``t <= len(prefix)``, then ``cycle`` repeated.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from bandits.core.array_copy import copy_into
from bandits.core.kernels import kernel
from bandits.core.protocols import FusedLoop
from environments.tallying.dynamics import tally_env_init, tally_step

__all__ = ["TallyingLoop", "run_tallying_replication"]


@nb.njit(cache=True, nogil=True)
def run_tallying_replication(
    params,
    comparator_prefix,
    comparator_cycle,
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
    loss_out,
    switches_out,
    counts_out,
):
    """Run one policy for ``horizon`` steps.

    Step ``t``: ``arm = select(state, hyper, t, policy_stream)``; :func:`tally_step` (one draw)
    gives the reward, the observed and the expected loss; ``update(state, hyper, arm, reward,
    t)``. Per record point: cumulative regret (complete policy regret), reward, expected loss and
    switches (steps whose action differs from the previous one); ``counts_out[a]``: plays of
    ``a``.
    """
    n_arms = params[2].shape[0]
    env_state = tally_env_init(params)
    state = kernel(policy_init)(n_arms, hyper)
    counts = np.zeros(n_arms, np.int64)
    n_prefix = comparator_prefix.size
    n_cycle = comparator_cycle.size
    regret = 0.0
    total_reward = 0.0
    total_loss = 0.0
    switches = 0
    previous = -1
    next_record = 0
    n_records = record_points.size
    for t in range(1, horizon + 1):
        arm = kernel(policy_select)(state, hyper, t, policy_stream)
        reward, _, mean_loss, _ = tally_step(params, env_state, arm, env_stream)
        kernel(policy_update)(state, hyper, arm, reward, t)
        if t <= n_prefix:
            compared = comparator_prefix[t - 1]
        else:
            compared = comparator_cycle[(t - n_prefix - 1) % n_cycle]
        regret += mean_loss - compared
        total_reward += reward
        total_loss += mean_loss
        if previous >= 0 and arm != previous:
            switches += 1
        previous = arm
        counts[arm] += 1
        if next_record < n_records and t == record_points[next_record]:
            regret_out[next_record] = regret
            reward_out[next_record] = total_reward
            loss_out[next_record] = total_loss
            switches_out[next_record] = switches
            next_record += 1
    copy_into(counts_out, counts)


class TallyingLoop(FusedLoop):
    """:func:`run_tallying_replication` for a weighted tallying problem. Metrics:
    ``expected_loss`` (P, R, J) cumulative expected loss; ``switches`` (P, R, J) int64;
    ``comparator_loss`` (P, R, J) the comparator's cumulative loss (the same for every policy)."""

    loop = run_tallying_replication

    def __init__(self, problem, policies, horizon, record_points):
        self.problem = problem
        self.horizon = horizon
        self.record_points = record_points
        view = problem.learner_view
        self.hypers = [p.kernel_hyper(view, horizon) for p in policies]
        self.references = self.policy_kernel_references(policies)
        self.prefix, self.cycle = problem.comparator_increments(horizon)

    def allocate(self, n_policies, n_replications):
        shape = (n_policies, n_replications, self.record_points.size)
        return {
            **self.core_outputs(n_policies, n_replications, self.record_points.size, self.problem.n_arms),
            "expected_loss": np.zeros(shape),
            "switches": np.zeros(shape, np.int64),
            "comparator_loss": np.broadcast_to(self._comparator_at_records(), shape).copy(),
        }

    def _comparator_at_records(self):
        points = self.record_points
        n_prefix = self.prefix.size
        cumulative_prefix = np.cumsum(self.prefix)
        out = np.empty(points.size)
        cycle_sum = np.cumsum(self.cycle)
        for j, t in enumerate(points.tolist()):
            if t <= n_prefix:
                out[j] = cumulative_prefix[t - 1]
            else:
                extra = t - n_prefix
                full, rest = divmod(extra, self.cycle.size)
                out[j] = (cumulative_prefix[-1] if n_prefix else 0.0) + full * cycle_sum[-1] + (
                    cycle_sum[rest - 1] if rest else 0.0)
        return out

    def arguments(self, p, i, outputs, env_stream, policy_stream):
        return (
            self.problem.kernel_params,
            self.prefix,
            self.cycle,
            *self.references[p],
            self.hypers[p],
            self.horizon,
            self.record_points,
            env_stream,
            policy_stream,
            outputs["cumulative_regret"][p, i],
            outputs["cumulative_reward"][p, i],
            outputs["expected_loss"][p, i],
            outputs["switches"][p, i],
            outputs["pull_counts"][p, i],
        )
