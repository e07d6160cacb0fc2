"""An empirical audit of differential privacy: run a policy many times on a table of potential
rewards and on a neighbouring table, and bound from below how far apart the distributions of
its output are.

A policy is epsilon-differentially private if for every pair of tables ``x, x'`` differing in one
entry and every set ``S`` of outputs, ``P(output in S | x) <= e^epsilon P(output in S | x')``.
The output of a fixed-budget policy is its pull sequence and its recommendation. The audit looks
at ``K + 1`` events fixed before its final runs: "the final phase is the pilot's most frequent
one (the same arms on the same time steps) and the recommendation is arm o", for each arm o, and
"the final phase is another one". It estimates their probabilities ``p_o`` on ``x`` and ``q_o``
on ``x'`` from ``n_runs`` independent runs each, and reports

* a lower confidence bound on ``max_o |log(p_o / q_o)|``: for each event and direction,
  ``log(L(p_o) / U(q_o))`` with one-sided exact Clopper-Pearson bounds ``L`` and ``U``, each at
  level ``(1 - confidence) / (4 (K + 1))`` (Bonferroni over the ``2 (K + 1)`` ratios and their two
  bounds), so that with probability at least ``confidence`` the reported bound (never below 0)
  does not exceed the truth;
* the point estimate ``|log(p_o / q_o)|`` of the event and direction attaining it.

If the lower bound exceeds the claimed epsilon, the implementation is **not** epsilon-DP, with
that confidence. The converse does not hold: an audit that finds nothing proves nothing, since
the guarantee is over every pair of neighbouring tables and every event on the whole output, and
the audit looks at one pair and ``K + 1`` events. What the audit can do is catch a broken
mechanism: a Laplace scale too small, noise left out, or a schedule that peeks at raw rewards.

Choosing the pair
-----------------
By default the base table is drawn from the problem and the pair is chosen where one entry moves
the output most (:func:`worst_case_neighbours`): a pilot finds the most frequent final phase;
for a few arms pulled in it, a bisection over the number of ones in the arm's rows of that phase
finds where the recommendation changes; the two tables on either side differ in one entry. This
works whatever the final phase estimates from its released means (its own mean, a Max-Det
combination, a least-squares fit), since the decision moves monotonically with one arm's mean.
Conditioning the events on the final phase keeps runs that never read the changed entry from
diluting the difference.

This module is generic over the settings whose problems provide ``reward_table(T, rng)`` and
``with_reward_table(table, log_pulls)`` and whose runs record the metrics ``recommendation``,
``samples_used``, ``phase_sizes`` and ``pull_log`` (the private best-arm setting,
arXiv:2401.09073).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from bandits.core.intervals import clopper_pearson_lower, clopper_pearson_upper
from bandits.core.validation import ParameterError, check_integer, check_real
from bandits.runner import run

__all__ = ["MAX_CANDIDATES", "PrivacyAudit", "audit_privacy", "worst_case_neighbours"]

#: Arms whose final-phase rows :func:`worst_case_neighbours` searches, at most.
MAX_CANDIDATES = 6
#: Pull-log entries held in memory at once (runs are made in chunks of this many pulls).
_LOG_ENTRIES = 4_000_000


@dataclass(frozen=True)
class PrivacyAudit:
    """The result of :func:`audit_privacy`.

    Attributes
    ----------
    epsilon : float
        The privacy level claimed.
    entry : (int, int)
        The entry ``(t, k)`` (t 1-based) in which the two tables differ.
    final_phase : (tuple, int, int)
        The pilot's most frequent final phase: its arms, its first pull and its last pull (time
        steps ``first + 1 .. last``).
    n_runs : int
        Runs on each table.
    counts : int64 array (2, K + 1)
        On the table (row 0) and on its neighbour (row 1): runs whose final phase is
        :attr:`final_phase` and that recommend arm o (column o), and runs with another final
        phase (column K).
    log_ratio : float
        The estimate ``|log(p_o / q_o)|`` of the event and direction with the largest lower
        bound (inf if the smaller count is 0; NaN if no bound is positive).
    lower_bound : float
        The largest lower confidence bound on ``|log(p_o / q_o)|`` over the events, and 0 if
        none is positive; see the module docstring.
    confidence : float
    """

    epsilon: float
    entry: tuple
    final_phase: tuple
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
    events (clamped at 0; see the module docstring), and the point estimate of the ratio that
    attains it (NaN when no bound is positive)."""
    n_events = counts.shape[1]
    alpha = (1.0 - confidence) / (4 * n_events)
    point = math.nan
    lower = 0.0
    for o in range(n_events):
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


def _runs(policy, problem, table, horizon, n, seed, n_jobs):
    """Yield ``(recommendations, final phases, pull logs)`` of ``n`` runs on ``table``, in
    chunks (replications ``0..n-1`` of root seed ``seed``)."""
    chunk = max(1, min(n, _LOG_ENTRIES // horizon))
    bound = problem.with_reward_table(table, log_pulls=True)
    for first in range(0, n, chunk):
        result = run(bound, [policy], horizon=horizon, n_replications=n, seed=seed, n_jobs=n_jobs,
                     replications=range(first, min(n, first + chunk)))
        sizes = result.metrics["phase_sizes"][0]
        used = result.metrics["samples_used"][0]
        logs = result.metrics["pull_log"][0]
        phases = []
        for r in range(sizes.shape[0]):
            nonzero = np.flatnonzero(sizes[r])
            if nonzero.size == 0:
                phases.append(None)
                continue
            start = int(used[r] - sizes[r, nonzero[-1]])
            phases.append((tuple(sorted(set(logs[r, start:used[r]].tolist()))), start, int(used[r])))
        yield result.metrics["recommendation"][0], phases, logs


def _event_counts(policy, problem, table, horizon, n, seed, n_jobs, final_phase):
    """Counts of the ``K + 1`` events of the module docstring over ``n`` runs."""
    counts = np.zeros(problem.n_arms + 1, np.int64)
    for recommendations, phases, _ in _runs(policy, problem, table, horizon, n, seed, n_jobs):
        for recommendation, phase in zip(recommendations.tolist(), phases):
            counts[recommendation if phase == final_phase else problem.n_arms] += 1
    return counts


def _pilot(policy, problem, table, horizon, n_pilot, seed, n_jobs):
    """The most frequent final phase, each of its arms' rows in it, and the recommendations of
    the runs that end with it, most frequent first."""
    seen, rows_of, recommended = Counter(), {}, {}
    for recommendations, phases, logs in _runs(policy, problem, table, horizon, n_pilot, seed, n_jobs):
        for r, phase in enumerate(phases):
            if phase is None:
                continue
            seen[phase] += 1
            recommended.setdefault(phase, Counter())[int(recommendations[r])] += 1
            if phase not in rows_of:
                arms, start, end = phase
                rows_of[phase] = {a: np.flatnonzero(logs[r, start:end] == a) + start for a in arms}
    if not seen:
        raise ParameterError("policy", policy, "must pull at least once on this table to be audited")
    final_phase = seen.most_common(1)[0][0]
    return final_phase, rows_of[final_phase], [a for a, _ in recommended[final_phase].most_common()]


def worst_case_neighbours(policy, problem, table, *, n_pilot=500, n_probe=200, seed=0, n_jobs=1):
    """A pair of neighbouring tables that straddles the policy's decision (see the module
    docstring).

    1. A pilot of ``n_pilot`` runs on ``table`` finds the most frequent final phase (its arms
       and time steps) and the recommendations of the runs that end with it.
    2. For a few arms pulled in that phase (the recommended ones first, at most
       :data:`MAX_CANDIDATES`), the arm's rows of that phase are set to hold ``m`` ones; probes
       of ``n_probe`` runs (common random numbers) estimate the event probabilities, and a
       bisection finds the ``m`` at which the probability that the arm itself is recommended
       after that final phase (or the most frequent recommendation, if the arm's rows do not
       move its own) crosses the middle of its range.
    3. Around each crossing, the pairs ``(m, m + 1)`` are scored by the largest estimated
       ``|log P(event | m + 1) / P(event | m)|`` over the events; the best pair is kept: the
       tables with ``m + 1`` and ``m`` ones, which differ in one entry.

    The pilot and probes use their own random streams and the audit's final runs others, so
    choosing the pair does not bias the audit's confidence bound. Without a crossing anywhere,
    the first final-phase entry of the most frequent recommendation (or of the first arm pulled)
    is flipped in ``table``.

    Returns
    -------
    (table, neighbour, (t, k), final_phase)
        The edited table, its neighbour, the entry in which they differ (t 1-based) and the
        pilot's most frequent final phase ``(arms, first pull, last pull)``.
    """
    horizon = table.shape[0]
    pilot_seed, probe_seed = (int(x) for x in np.random.SeedSequence(seed).generate_state(2, np.uint32))
    final_phase, rows, recommended = _pilot(policy, problem, table, horizon, n_pilot, pilot_seed, n_jobs)
    arms = final_phase[0]
    leader = recommended[0]
    candidates = [a for a in recommended if a in rows] + [a for a in arms if a not in recommended]

    def with_ones(arm, m):
        edited = np.array(table, dtype=np.float64)
        edited[rows[arm], arm] = 0.0
        edited[rows[arm][:m], arm] = 1.0
        return edited

    cache = {}

    def shares(arm, m):
        """Event frequencies with ``arm``'s final-phase rows holding ``m`` ones."""
        if (arm, m) not in cache:
            counts = _event_counts(policy, problem, with_ones(arm, m), horizon, n_probe, probe_seed, n_jobs,
                                   final_phase)
            cache[arm, m] = counts / n_probe
        return cache[arm, m]

    best = None  # (estimated log ratio, arm, m)
    for arm in candidates[:MAX_CANDIDATES]:
        low, high = 0, rows[arm].size
        # the event to follow: the arm itself recommended, if its own rows move that
        event = arm
        if abs(shares(arm, high)[arm] - shares(arm, low)[arm]) * n_probe < 2:
            event = leader
        f_low, f_high = shares(arm, low)[event], shares(arm, high)[event]
        if abs(f_high - f_low) * n_probe < 2:
            continue  # this arm's rows do not move the decision
        level = (f_low + f_high) / 2
        while high - low > 1:
            middle = (low + high) // 2
            f_middle = shares(arm, middle)[event]
            if (f_middle - level) * (f_low - level) > 0:
                low, f_low = middle, f_middle
            else:
                high, f_high = middle, f_middle
        # the step may sit on either side of the level: score the pairs around it on every
        # event and keep the most sensitive
        smooth = 1.0 / n_probe
        for m in range(max(0, low - 2), min(rows[arm].size - 1, high + 1) + 1):
            ratio = float(np.max(np.abs(np.log((shares(arm, m + 1) + smooth) / (shares(arm, m) + smooth)))))
            if best is None or ratio > best[0]:
                best = (ratio, arm, m)
    if best is None:
        arm = leader if leader in rows else arms[0]
        row = int(rows[arm][0])
        edited = np.array(table, dtype=np.float64)
        return edited, _flipped(edited, row, arm), (row + 1, int(arm)), final_phase
    _, arm, m = best
    row = int(rows[arm][m])
    return with_ones(arm, m + 1), with_ones(arm, m), (row + 1, int(arm)), final_phase


def _check_entry(entry, horizon, n_arms):
    if isinstance(entry, (str, bytes)) or not hasattr(entry, "__len__") or len(entry) != 2:
        raise ParameterError("entry", entry, "must be a pair (t, k): a time step t in [1, T] and an arm k")
    t = check_integer("entry[0]", entry[0], low=1, high=horizon)
    k = check_integer("entry[1]", entry[1], low=0, high=n_arms - 1)
    return t, k


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
        Root seed: the base table, the pilot, the probes and the two series of runs use distinct
        streams.
    epsilon : float, optional
        The level to test; default ``policy.epsilon`` (which must then be finite).
    table : array (T, K), optional
        The base table; default ``problem.reward_table(T, rng)``.
    entry : (t, k), optional
        The entry to flip (t 1-based) in ``table``, as given; default
        :func:`worst_case_neighbours` (which also edits the table).
    confidence : float, default 0.95
    n_pilot : int, default 500
        Runs of the pilot that finds the final phase the events condition on.
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
    n_jobs = check_integer("n_jobs", n_jobs, low=1)
    confidence = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    if epsilon is None:
        epsilon = getattr(policy, "epsilon", math.inf)
    epsilon = check_real("epsilon", epsilon, low=0.0, low_open=True)
    policy.kernel_hyper(problem.learner_view, horizon)  # the budget is checked before any run
    seeds = [int(x) for x in np.random.SeedSequence(seed).generate_state(4, np.uint32)]
    if table is None:
        table = problem.reward_table(horizon, np.random.default_rng(seeds[0]))
    else:
        table = problem.with_reward_table(table).table  # validated: 0/1 entries, K columns
        if table.shape[0] != horizon:
            raise ParameterError("table", f"an array of shape {table.shape}",
                                 f"must have T = {horizon} rows (the horizon)")
    if entry is None:
        table, other, entry, final_phase = worst_case_neighbours(policy, problem, table, n_pilot=n_pilot,
                                                                 seed=seeds[1], n_jobs=n_jobs)
    else:
        t, k = _check_entry(entry, horizon, problem.n_arms)
        other = _flipped(table, t - 1, k)
        entry = (t, k)
        final_phase, _, _ = _pilot(policy, problem, table, horizon, n_pilot, seeds[1], n_jobs)
    counts = np.stack([
        _event_counts(policy, problem, source, horizon, n_runs, stream, n_jobs, final_phase)
        for source, stream in ((table, seeds[2]), (other, seeds[3]))
    ])
    point, lower = _ratio_bounds(counts, n_runs, confidence)
    return PrivacyAudit(epsilon=float(epsilon), entry=entry, final_phase=final_phase, n_runs=n_runs, counts=counts,
                        log_ratio=point, lower_bound=lower, confidence=confidence)
