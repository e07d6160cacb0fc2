"""The fused loop of fixed-budget best-arm identification (Chen, Karthik, Chee & Tan,
arXiv:2401.09073): a budget of T pulls, decided in batches, then one recommendation.

Policy kernels (the batch protocol; :mod:`bandits.policies.private_bai`)::

    init(features, budget, hyper) -> state
    select_batch(state, hyper, t, rng) -> (arm, count, phase)   # t = pulls so far + 1
    update_batch(state, hyper, arm, count, reward_sum, t)       # t = the batch's first pull
    recommend(state, hyper, rng, diagnostics_out) -> arm

A batch ``(arm, count)`` is fixed before any of its rewards are seen, so the pulls of a phase
never depend on that phase's rewards: the structure the privacy argument needs. ``count = 0``
stops early (the rest of the budget is not used). ``phase`` is the 0-based phase the batch
belongs to; the loop sums the pulls per phase into ``phase_sizes`` for budget audits.

The batch is pulled one reward at a time (:func:`environments.private_bai.dynamics.bai_pull`),
so the loop reads exactly the draws, in the same order, as the Gymnasium shell does.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from bandits.core.kernels import kernel
from bandits.core.protocols import FusedLoop
from environments.private_bai.dynamics import bai_pull, check_reward_table

__all__ = ["N_DIAGNOSTICS", "PrivateBAILoop", "run_bai_replication"]

#: Length of the ``diagnostics_out`` array of ``recommend``: ``[0]`` the largest ``|beta|`` of
#: any Max-Det phase (0 if none), ``[1]`` the number of phases whose weighted least-squares
#: matrix needed a ridge (a singular rounded design).
N_DIAGNOSTICS = 2


@nb.njit(cache=True, nogil=True)
def run_bai_replication(
    means,
    table,
    features,
    policy_init,
    policy_select_batch,
    policy_update_batch,
    policy_recommend,
    hyper,
    horizon,
    record_points,
    env_stream,
    policy_stream,
    regret_out,
    reward_out,
    counts_out,
    outcome_out,
    simple_regret_out,
    phase_sizes_out,
    diagnostics_out,
    pull_log_out,
):
    """Run one policy on one budget of ``horizon`` pulls.

    Outputs: ``regret_out[j]``/``reward_out[j]`` cumulative pull regret ``sum (mu* - mu_(a_t))``
    and reward after ``record_points[j]`` pulls (the final values for points after an early
    stop); ``counts_out[k]`` pulls of arm k; ``outcome_out = [recommendation, samples used,
    error (0/1)]``; ``simple_regret_out[0] = mu* - mu_(recommendation)``; ``phase_sizes_out[p]``
    pulls of phase p; ``diagnostics_out`` (:data:`N_DIAGNOSTICS`); ``pull_log_out[t - 1]`` the
    arm pulled at time t (-1 if none) when it has ``horizon`` entries (else it is not written).
    A batch arm outside ``[0, K)`` or a negative count stops the run with
    ``outcome_out[0] = -1`` (reported by :meth:`PrivateBAILoop.check_outputs`).
    """
    n_arms = means.shape[0]
    best = 0
    for k in range(1, n_arms):
        if means[k] > means[best]:
            best = k
    mu_star = means[best]
    log = pull_log_out.shape[0] == horizon
    if log:
        pull_log_out[:] = -1
    state = kernel(policy_init)(features, horizon, hyper)
    n_records = record_points.shape[0]
    next_record = 0
    regret = 0.0
    total_reward = 0.0
    t = 0
    while t < horizon:
        arm, count, phase = kernel(policy_select_batch)(state, hyper, t + 1, policy_stream)
        if count == 0:
            break
        if arm < 0 or arm >= n_arms or count < 0 or phase < 0 or phase >= phase_sizes_out.shape[0]:
            outcome_out[0] = -1
            return
        count = min(count, horizon - t)
        first = t + 1
        batch_sum = 0.0
        gap = mu_star - means[arm]
        for _ in range(count):
            t += 1
            x = bai_pull(means, table, t, arm, env_stream)
            batch_sum += x
            regret += gap
            total_reward += x
            if log:
                pull_log_out[t - 1] = arm
            if next_record < n_records and t == record_points[next_record]:
                regret_out[next_record] = regret
                reward_out[next_record] = total_reward
                next_record += 1
        counts_out[arm] += count
        phase_sizes_out[phase] += count
        kernel(policy_update_batch)(state, hyper, arm, count, batch_sum, first)
    while next_record < n_records:
        regret_out[next_record] = regret
        reward_out[next_record] = total_reward
        next_record += 1
    recommendation = kernel(policy_recommend)(state, hyper, policy_stream, diagnostics_out)
    if recommendation < 0 or recommendation >= n_arms:
        outcome_out[0] = -1
        return
    outcome_out[0] = recommendation
    outcome_out[1] = t
    outcome_out[2] = 1 if recommendation != best else 0
    simple_regret_out[0] = mu_star - means[recommendation]


class PrivateBAILoop(FusedLoop):
    """:func:`run_bai_replication` for a :class:`~environments.private_bai.problem.LinearBAIProblem`.

    Metrics (leading axes ``(policy, replication)``): ``recommendation`` int64, ``error`` int64
    (0/1: average it for the error probability), ``simple_regret`` float64, ``samples_used``
    int64, ``phase_sizes`` int64 ``(P, R, M)`` with M the most phases any policy plans,
    ``max_abs_coefficient`` and ``singular_designs`` float64 (see :data:`N_DIAGNOSTICS`).
    ``cumulative_regret`` is the pull regret ``sum_t (mu* - mu_(a_t))``, the cost of
    exploration, not the criterion of best-arm identification.

    Parameters
    ----------
    table : float64[T, K], optional
        Read rewards from this table instead of drawing them (privacy audits).
    pull_log : bool, default False
        Also record the arm of every pull (``pull_log`` metric, int64 ``(P, R, T)``).
    """

    loop = run_bai_replication

    def __init__(self, problem, policies, horizon, record_points, table=None, pull_log=False):
        self.problem = problem
        self.horizon = int(horizon)
        self.record_points = record_points
        view = problem.learner_view
        self.features = np.ascontiguousarray(view.features)
        self.hypers = [p.kernel_hyper(view, horizon) for p in policies]
        self.n_phases = max(1, max(int(p.planned_phases(view, horizon)) for p in policies))
        self.references = self.policy_kernel_references(
            policies, ("init_kernel", "select_batch_kernel", "update_batch_kernel", "recommend_kernel"))
        if table is None:
            self.table = np.zeros((0, problem.n_arms))
        else:
            self.table = check_reward_table(table, self.horizon, problem.n_arms)
        self.pull_log = bool(pull_log)

    def allocate(self, n_policies, n_replications):
        shape = (n_policies, n_replications)
        outputs = {
            **self.core_outputs(n_policies, n_replications, self.record_points.size, self.problem.n_arms),
            "outcome": np.zeros(shape + (3,), np.int64),
            "simple_regret": np.zeros(shape + (1,)),
            "phase_sizes": np.zeros(shape + (self.n_phases,), np.int64),
            "diagnostics": np.zeros(shape + (N_DIAGNOSTICS,)),
            "pull_log": np.zeros(shape + ((self.horizon,) if self.pull_log else (0,)), np.int64),
        }
        return outputs

    def arguments(self, p, i, outputs, env_stream, policy_stream):
        return (
            self.problem.means,
            self.table,
            self.features,
            *self.references[p],
            self.hypers[p],
            self.horizon,
            self.record_points,
            env_stream,
            policy_stream,
            outputs["cumulative_regret"][p, i],
            outputs["cumulative_reward"][p, i],
            outputs["pull_counts"][p, i],
            outputs["outcome"][p, i],
            outputs["simple_regret"][p, i],
            outputs["phase_sizes"][p, i],
            outputs["diagnostics"][p, i],
            outputs["pull_log"][p, i],
        )

    def check_outputs(self, outputs, labels):
        """Raise if a policy returned an arm outside ``[0, K)``; then split the packed outputs
        into the named metrics (see the class docstring)."""
        outcome = outputs.pop("outcome")
        bad = np.argwhere(outcome[:, :, 0] < 0)
        if bad.size:
            p, i = bad[0]
            raise ValueError(f"policies[{p}] ({labels[p]}): returned an invalid batch or recommendation "
                             f"(replication slot {i}): arms must be in [0, {self.problem.n_arms - 1}]")
        outputs["recommendation"] = outcome[:, :, 0].copy()
        outputs["samples_used"] = outcome[:, :, 1].copy()
        outputs["error"] = outcome[:, :, 2].copy()
        outputs["simple_regret"] = outputs.pop("simple_regret")[:, :, 0].copy()
        diagnostics = outputs.pop("diagnostics")
        outputs["max_abs_coefficient"] = diagnostics[:, :, 0].copy()
        outputs["singular_designs"] = diagnostics[:, :, 1].copy()
        if not self.pull_log:
            outputs.pop("pull_log")
