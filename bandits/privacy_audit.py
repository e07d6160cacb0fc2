"""An empirical audit of differential privacy: run a policy many times on a table of potential
rewards and on a neighbouring table, and bound from below how far apart the distributions of
its recommendation are.

A policy is epsilon-differentially private if for every pair of tables ``x, x'`` differing in one
entry and every set ``S`` of outputs, ``P(output in S | x) <= e^epsilon P(output in S | x')``.
The audit estimates ``p_o = P(recommendation = o | x)`` and ``q_o`` on ``x'`` from ``n_runs``
independent runs each, and reports

* a lower confidence bound on ``max_o |log(p_o / q_o)|``: for each outcome and direction,
  ``log(L(p_o) / U(q_o))`` with one-sided exact Clopper-Pearson bounds ``L`` and ``U``, each at
  level ``(1 - confidence) / (4 K)`` (Bonferroni over the ``2K`` ratios and their two bounds), so
  that with probability at least ``confidence`` no reported lower bound exceeds the truth;
* the point estimate ``|log(p_o / q_o)|`` of the outcome and direction attaining it.

If the lower bound exceeds the claimed epsilon, the implementation is **not** epsilon-DP, with
that confidence. The converse does not hold: an audit that finds nothing proves nothing, since
the guarantee is over every pair of neighbouring tables and every event on the whole output (the
pull sequence included), and the audit looks at one pair and at the recommendation only. What
the audit can do is catch a broken mechanism: a Laplace scale too small, noise left out, or a
schedule that peeks at raw rewards.

Choosing the pair
-----------------
By default the base table is drawn from the problem and the neighbouring entry is chosen where
the recommendation is most sensitive: a pilot of runs finds the most frequent final phase (its
arms and time steps); the table is edited so that the final phase's first two arms have equal
reward sums (a tie), and the neighbour flips one of the first arm's ones in that phase to 0. The
final comparison then sits where one entry moves it most.

This module is generic over the settings whose problems provide ``reward_table(T, rng)``,
``with_reward_table(table, log_pulls)`` and whose runs record the metrics ``recommendation``,
``phase_sizes`` and ``pull_log`` (the private best-arm setting, arXiv:2401.09073).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from bandits.core.intervals import clopper_pearson_lower, clopper_pearson_upper
from bandits.core.validation import ParameterError, check_integer, check_real
from bandits.runner import run

__all__ = ["PrivacyAudit", "audit_privacy", "worst_case_neighbours"]


@dataclass(frozen=True)
class PrivacyAudit:
    """The result of :func:`audit_privacy`.

    Attributes
    ----------
    epsilon : float
        The privacy level claimed.
    entry : (int, int)
        The entry ``(t, k)`` (t 1-based) in which the two tables differ.
    n_runs : int
        Runs on each table.
    counts : int64 array (2, K)
        Recommendation counts on the table (row 0) and on its neighbour (row 1).
    log_ratio : float
        The estimate ``|log(p_o / q_o)|`` of the outcome and direction with the largest lower
        bound (inf if the smaller count is 0).
    lower_bound : float
        The largest lower confidence bound on ``|log(p_o / q_o)|`` over the outcomes (``-inf``
        if none is positive); see the module docstring.
    confidence : float
    """

    epsilon: float
    entry: tuple
    n_runs: int
    counts: np.ndarray
    log_ratio: float
    lower_bound: float
    confidence: float

    @property
    def violated(self) -> bool:
        """True if the lower bound exceeds epsilon: evidence, at level ``confidence``, that the
        policy is not epsilon-DP."""
        return self.lower_bound > self.epsilon

    def summary(self) -> str:
        """One line for tables and the command line."""
        verdict = "VIOLATION" if self.violated else "no violation detected"
        return (f"epsilon = {self.epsilon:g}: {100 * self.confidence:g}% lower bound on the privacy loss "
                f"{self.lower_bound:.3f} (estimate {self.log_ratio:.3f}) -> {verdict} "
                f"({self.n_runs:,} runs per table, entry t = {self.entry[0]}, k = {self.entry[1]})")


def _ratio_bounds(counts, n_runs, confidence):
    """``(point, lower)``: the largest lower confidence bound on ``|log(p_o / q_o)|`` over the
    outcomes (see the module docstring), and the point estimate of the ratio that attains it
    (NaN and ``-inf`` when no outcome has a positive lower bound on either side)."""
    n_outcomes = counts.shape[1]
    alpha = (1.0 - confidence) / (4 * n_outcomes)
    point = math.nan
    lower = -math.inf
    for o in range(n_outcomes):
        a, b = int(counts[0, o]), int(counts[1, o])
        for top, bottom in ((a, b), (b, a)):
            if top == 0:
                continue
            low = clopper_pearson_lower(top, n_runs, alpha)
            high = clopper_pearson_upper(bottom, n_runs, alpha)
            if low > 0.0 and math.log(low / high) > lower:
                lower = math.log(low / high)
                point = math.inf if bottom == 0 else math.log(top / bottom)
    return point, lower


def _flipped(table, row, column):
    """A copy of the 0/1 ``table`` with one entry flipped: a neighbouring table."""
    other = np.array(table, dtype=np.float64)
    other[row, column] = 1.0 - other[row, column]
    return other


def worst_case_neighbours(policy, problem, table, *, n_pilot=500, seed=0, n_jobs=1):
    """Edit ``table`` so that the final comparison of the most frequent path is a tie, and
    choose the entry to flip (see the module docstring).

    Returns
    -------
    (table, neighbour, (t, k))
        The edited table, its neighbour, and the entry in which they differ (t 1-based).
    """
    horizon = table.shape[0]
    pilot = run(problem.with_reward_table(table, log_pulls=True), [policy], horizon=horizon,
                n_replications=n_pilot, seed=seed, n_jobs=n_jobs)
    sizes = pilot.metrics["phase_sizes"][0]
    used = pilot.metrics["samples_used"][0]
    logs = pilot.metrics["pull_log"][0]
    paths = []
    for r in range(n_pilot):
        nonzero = np.flatnonzero(sizes[r])
        if nonzero.size == 0:
            paths.append(None)
            continue
        start = int(used[r] - sizes[r, nonzero[-1]])
        arms = tuple(sorted(set(logs[r, start:used[r]].tolist())))
        paths.append((arms, start, int(used[r])))
    frequent = Counter(p for p in paths if p is not None).most_common(1)
    if not frequent:
        raise ParameterError("policy", policy, "must pull at least once on this table to be audited")
    (arms, start, end), _ = frequent[0]
    r = paths.index((arms, start, end))
    rows = {a: np.flatnonzero(logs[r, start:end] == a) + start for a in arms}
    edited = np.array(table, dtype=np.float64)
    first = arms[0]
    if len(arms) >= 2:
        second = arms[1]
        n_first, n_second = rows[first].size, rows[second].size
        ones = max(1, n_first // 2)
        edited[rows[first], first] = 0.0
        edited[rows[first][:ones], first] = 1.0
        # the same mean for the second arm, as nearly as its count allows
        ones_second = round(ones * n_second / n_first)
        edited[rows[second], second] = 0.0
        edited[rows[second][:ones_second], second] = 1.0
    else:
        edited[rows[first][0], first] = 1.0
    t = int(rows[first][0]) + 1
    return edited, _flipped(edited, t - 1, first), (t, int(first))


def audit_privacy(policy, problem, *, horizon, n_runs=20_000, seed=0, epsilon=None, table=None, entry=None,
                  confidence=0.95, n_pilot=500, n_jobs=1) -> PrivacyAudit:
    """Audit ``policy`` for epsilon-differential privacy on ``problem`` (see the module
    docstring).

    Parameters
    ----------
    policy : Policy
        A policy of the problem's setting.
    problem : LinearBAIProblem
        Supplies the arms, the base reward table and the best arm.
    horizon : int
        The budget T (rows of the tables).
    n_runs : int, default 20,000
        Runs on each table (>= 100).
    seed : int, default 0
        Root seed: the base table, the pilot and the two series of runs use distinct streams.
    epsilon : float, optional
        The level to test; default ``policy.epsilon`` (which must then be finite).
    table : array (T, K), optional
        The base table; default ``problem.reward_table(T, rng)``.
    entry : (t, k), optional
        The entry to flip (t 1-based) in ``table``, as given; default
        :func:`worst_case_neighbours` (which also edits the table).
    confidence : float, default 0.95
    n_pilot : int, default 500
        Runs of the pilot that chooses the entry.
    n_jobs : int, default 1

    Returns
    -------
    PrivacyAudit
    """
    problem.check_policy_compatible(policy, "policy")
    horizon = check_integer("horizon", horizon, low=1)
    n_runs = check_integer("n_runs", n_runs, low=100)
    seed = check_integer("seed", seed, low=0)
    n_pilot = check_integer("n_pilot", n_pilot, low=1)
    confidence = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    if epsilon is None:
        epsilon = getattr(policy, "epsilon", math.inf)
    epsilon = check_real("epsilon", epsilon, low=0.0, low_open=True)
    policy.kernel_hyper(problem.learner_view, horizon)  # the budget is checked before any run
    seeds = np.random.SeedSequence(seed).generate_state(4, np.uint32)
    if table is None:
        table = problem.reward_table(horizon, np.random.default_rng(int(seeds[0])))
    else:
        table = np.array(table, dtype=np.float64)
        if table.shape != (horizon, problem.n_arms) or not np.all((table == 0.0) | (table == 1.0)):
            raise ParameterError("table", f"an array of shape {table.shape}",
                                 f"must be a 0/1 array of shape (T, K) = ({horizon}, {problem.n_arms})")
    if entry is None:
        table, other, entry = worst_case_neighbours(policy, problem, table, n_pilot=n_pilot, seed=int(seeds[1]),
                                                    n_jobs=n_jobs)
    else:
        t, k = entry
        other = _flipped(table, check_integer("entry[0]", t, low=1, high=horizon) - 1,
                         check_integer("entry[1]", k, low=0, high=problem.n_arms - 1))
        entry = (int(t), int(k))
    counts = np.zeros((2, problem.n_arms), np.int64)
    for row, (source, stream) in enumerate(((table, seeds[2]), (other, seeds[3]))):
        result = run(problem.with_reward_table(source), [policy], horizon=horizon, n_replications=n_runs,
                     seed=int(stream), n_jobs=n_jobs)
        counts[row] = np.bincount(result.metrics["recommendation"][0], minlength=problem.n_arms)
    point, lower = _ratio_bounds(counts, n_runs, confidence)
    return PrivacyAudit(epsilon=float(epsilon), entry=entry, n_runs=n_runs, counts=counts, log_ratio=point,
                        lower_bound=lower, confidence=confidence)
