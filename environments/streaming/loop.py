"""The fused loop of single-pass streaming bandits (Chen Wang, ICML 2023, arXiv:2306.02208):
environment and policy kernels in one compiled replication, and its :class:`FusedLoop` for the
runner.

Regret
------
Pseudo-regret ``sum over pulls (mu* - mu_pulled)``, added per batch as ``n (mu* - mu)`` (exact
inside a batch, where the gap is constant). The *official accounting* charges the challengers of
the level algorithms (L1, L2, L*) at their champion's mean, as the official code of the paper
does (its ``regret_eval`` calls after a challenger's batch); the fused loop computes both on the
same trajectory and records the one the policy asks for (``paper_accounting``) as the regret
curve.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from bandits.core.array_copy import copy_into
from bandits.core.kernels import kernel
from bandits.core.protocols import FusedLoop
from bandits.core.validation import check_integer
from environments.streaming.dynamics import (
    ENV_NEXT_ARM,
    ENV_PEAK_MEMORY,
    ENV_PULLS_USED,
    stream_apply,
    stream_env_init,
)
from environments.streaming.protocol import (
    COMMIT,
    ERR_TOO_MANY_OPERATIONS,
    MAX_COUNT,
    OPERATION_NAMES,
    PULL,
    STATUS_MESSAGES,
)

__all__ = ["run_streaming_replication", "StreamingLoop"]

# indices of the loop's float_out and int_out
_F_EXACT, _F_OFFICIAL, _F_EXPLORE_REGRET, _F_COMMITTED_GAP, _F_INSTANCE_GAP = 0, 1, 2, 3, 4
_I_PEAK, _I_READ, _I_EXPLORE_PULLS, _I_OPERATIONS = 0, 1, 2, 3


@nb.njit(cache=True, nogil=True)
def run_streaming_replication(
    params,
    horizon,
    policy_init,
    policy_select,
    policy_update,
    hyper,
    headline_official,
    max_operations,
    record_points,
    env_stream,
    policy_stream,
    regret_out,
    reward_out,
    counts_out,
    float_out,
    int_out,
    error_out,
):
    """Run one streaming policy until T pulls are used (record points count pulls).

    ``state = init(K, T, M, oracle_gap, hyper)`` after :func:`stream_env_init`; then repeatedly
    ``op, slot, count, charged = select(state, hyper, policy_stream)``,
    :func:`stream_apply`, ``update(state, hyper, op, slot, status, n, successes)``. A batch of
    ``n`` pulls starting after ``u`` pulls adds ``(p - u) * gap`` to the regret at every record
    point ``p`` in ``(u, u + n]`` (exact: the gap is constant within a batch); the realised
    reward at a point inside a batch is the value after the last completed operation.

    The regret curve is exact pseudo-regret, or the official accounting (the batch charged at
    the mean of the arm in ``charged``) when ``headline_official``. Final values:
    ``float_out = (exact regret, official regret, exact regret before the commit, gap of the
    committed arm (NaN if none), instance gap)``, ``int_out = (peak memory, arms read, pulls
    before the commit (T if none), operations)``; ``counts_out[i]`` pulls of the i-th arriving
    arm (if it has room). On a refused operation ``error_out = (status, operation index, op)``
    and the run stops.
    """
    env_state = stream_env_init(params, horizon, env_stream)
    means, slots, counters, instance = env_state
    n_arms = means.size
    memory = slots.size
    mu_star = instance[0]
    state = kernel(policy_init)(n_arms, horizon, memory, instance[1], hyper)
    exact = 0.0
    official = 0.0
    reward = 0.0
    operations = 0
    explore_pulls = horizon
    explore_regret = -1.0
    committed_gap = np.nan
    next_record = 0
    n_records = record_points.size
    keep_counts = counts_out.size == n_arms
    counts = np.zeros(n_arms if keep_counts else 0, np.int64)
    while counters[ENV_PULLS_USED] < horizon:
        op, slot, count, charged = kernel(policy_select)(state, hyper, policy_stream)
        start = counters[ENV_PULLS_USED]
        charged_gap = 0.0
        if op == PULL and charged != slot and 0 <= charged < memory and slots[charged] >= 0:
            charged_gap = mu_star - means[slots[charged]]
            differs = True
        else:
            differs = False
        status, n, s, gap = stream_apply(params, env_state, op, slot, count, env_stream)
        operations += 1
        if status < 0 or operations > max_operations:
            error_out[0] = status if status < 0 else ERR_TOO_MANY_OPERATIONS
            error_out[1] = operations - 1
            error_out[2] = op
            return
        kernel(policy_update)(state, hyper, op, slot, status, n, s)
        if n > 0:
            if not differs:
                charged_gap = gap
            headline = official if headline_official != 0 else exact
            headline_gap = charged_gap if headline_official != 0 else gap
            stop = start + n
            while next_record < n_records and record_points[next_record] <= stop:
                point = record_points[next_record]
                regret_out[next_record] = headline + (point - start) * headline_gap
                reward_out[next_record] = reward + (s if point == stop else 0)
                next_record += 1
            if op == COMMIT:
                explore_pulls = start
                explore_regret = exact
                committed_gap = gap
            exact += n * gap
            official += n * charged_gap
            reward += s
            if keep_counts:
                counts[status] += n
    if explore_regret < 0.0:
        explore_regret = exact
    while next_record < n_records:  # only when record points exceed T (not for the runner)
        regret_out[next_record] = official if headline_official != 0 else exact
        reward_out[next_record] = reward
        next_record += 1
    if keep_counts:
        copy_into(counts_out, counts)
    float_out[_F_EXACT] = exact
    float_out[_F_OFFICIAL] = official
    float_out[_F_EXPLORE_REGRET] = explore_regret
    float_out[_F_COMMITTED_GAP] = committed_gap
    float_out[_F_INSTANCE_GAP] = instance[1]
    int_out[_I_PEAK] = counters[ENV_PEAK_MEMORY]
    int_out[_I_READ] = counters[ENV_NEXT_ARM]
    int_out[_I_EXPLORE_PULLS] = explore_pulls
    int_out[_I_OPERATIONS] = operations


class StreamingLoop(FusedLoop):
    """:func:`run_streaming_replication` for a :class:`environments.streaming.StreamingBandit`.

    The policies are streaming policies (:class:`bandits.policies.streaming.StreamingPolicy`):
    the loop reads their kernels (``init_kernel``, ``select_kernel``, ``update_kernel``),
    ``kernel_hyper(problem.learner_view, horizon)`` and ``paper_accounting``.

    Outputs: ``cumulative_regret`` (P, R, J) (exact, or official accounting for policies with
    ``paper_accounting=True``), ``cumulative_reward`` (P, R, J) successes, ``pull_counts``
    (P, R, K) pulls per arm in arrival order (or (P, R, 0)). Metrics (P, R): ``exact_regret``,
    ``official_regret`` (final regret under each accounting, same trajectory),
    ``exploration_regret`` (exact regret before the commit), ``committed_gap`` (NaN if the
    horizon ran out before a commit), ``instance_gap`` (best minus second-best mean),
    ``peak_memory``, ``arms_read``, ``exploration_pulls`` (pulls before the commit, T if none),
    ``operations`` (int64).
    """

    loop = run_streaming_replication

    def __init__(self, problem, policies, horizon, record_points):
        horizon = check_integer("horizon", horizon, low=1, high=MAX_COUNT)
        self.problem = problem
        self.horizon = horizon
        self.record_points = record_points
        self.labels = [p.label for p in policies]
        view = problem.learner_view
        self.hypers = [p.kernel_hyper(view, horizon) for p in policies]
        self.headline = [np.int64(1 if p.paper_accounting else 0) for p in policies]
        self.references = self.policy_kernel_references(policies)
        self.max_operations = np.int64(200 * problem.n_arms + 10_000)

    def allocate(self, n_policies, n_replications):
        n_counts = self.problem.n_arms if self.problem.record_pull_counts else 0
        return {
            **self.core_outputs(n_policies, n_replications, self.record_points.size, n_counts),
            "_float": np.zeros((n_policies, n_replications, 5)),
            "_int": np.zeros((n_policies, n_replications, 4), np.int64),
            "_error": np.zeros((n_policies, n_replications, 3), np.int64),
        }

    def arguments(self, p, i, outputs, env_stream, policy_stream):
        return (
            self.problem.kernel_params,
            np.int64(self.horizon),
            *self.references[p],
            self.hypers[p],
            self.headline[p],
            self.max_operations,
            self.record_points,
            env_stream,
            policy_stream,
            outputs["cumulative_regret"][p, i],
            outputs["cumulative_reward"][p, i],
            outputs["pull_counts"][p, i],
            outputs["_float"][p, i],
            outputs["_int"][p, i],
            outputs["_error"][p, i],
        )

    def check_outputs(self, outputs, labels):
        error = outputs.pop("_error")
        bad = np.argwhere(error[:, :, 0] < 0)
        if bad.size:
            p, i = (int(x) for x in bad[0])
            status, index, op = (int(x) for x in error[p, i])
            name = OPERATION_NAMES[op] if 0 <= op < 4 else str(op)
            raise ValueError(
                f"policies[{p}]: {labels[p]} made an invalid operation {name} (number {index}) in replication slot {i}: "
                f"{STATUS_MESSAGES.get(status, status)}"
            )
        values = outputs.pop("_float")
        counters = outputs.pop("_int")
        for name, k in (("exact_regret", _F_EXACT), ("official_regret", _F_OFFICIAL),
                        ("exploration_regret", _F_EXPLORE_REGRET), ("committed_gap", _F_COMMITTED_GAP),
                        ("instance_gap", _F_INSTANCE_GAP)):
            outputs[name] = values[:, :, k].copy()
        for name, k in (("peak_memory", _I_PEAK), ("arms_read", _I_READ), ("exploration_pulls", _I_EXPLORE_PULLS),
                        ("operations", _I_OPERATIONS)):
            outputs[name] = counters[:, :, k].copy()
