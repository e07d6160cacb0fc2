"""The empirical privacy audit (bandits.privacy_audit) of the private fixed-budget best-arm
setting (Chen, Karthik, Chee & Tan, arXiv:2401.09073): it passes the private policies, catches
broken mechanisms, its confidence bound covers, and its neighbouring tables are what it says;
also the experiment file path (validation before writing, the report section) and the command
line."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from bandits import load_results, run_experiment
from bandits.cli import main as cli_main
from bandits.core.intervals import clopper_pearson_lower, clopper_pearson_upper
from bandits.experiment import ConfigError
from bandits.policies.private_bai import (
    DPBAI,
    ODLinBAI,
    SequentialHalving,
    UniformAllocation,
)
from bandits.privacy_audit import _ratio_bounds, audit_privacy, worst_case_neighbours
from bandits.report.private_bai import private_bai_report_section
from environments.private_bai import random_unit_arms, soare_instance

HORIZON = 1000
RUNS = 4000
PROBLEM = random_unit_arms(n_arms=30, dimension=3, instance_seed=2)
SOARE = soare_instance(dimension=2)


@pytest.mark.parametrize("epsilon", [0.5, 1.0])
def test_dp_bai_passes_and_its_broken_variants_fail_the_same_audit(epsilon):
    """Fixed seeds: the correct mechanism shows a privacy loss below epsilon; the Laplace scale
    divided by 4, and the noise left out, show a loss whose 95% lower bound exceeds epsilon."""
    correct = audit_privacy(DPBAI(epsilon=epsilon), PROBLEM, horizon=HORIZON, n_runs=RUNS, seed=3, n_jobs=2)
    assert not correct.violated and correct.lower_bound < epsilon
    assert correct.counts.shape == (2, PROBLEM.n_arms + 1) and correct.counts.sum(axis=1).tolist() == [RUNS, RUNS]
    quarter = audit_privacy(DPBAI(epsilon=epsilon, noise_multiplier=0.25), PROBLEM, horizon=HORIZON, n_runs=RUNS,
                            seed=3, n_jobs=2)
    assert quarter.violated and quarter.lower_bound > epsilon
    noiseless = audit_privacy(DPBAI(epsilon=math.inf), PROBLEM, horizon=HORIZON, n_runs=RUNS, seed=3,
                              epsilon=epsilon, n_jobs=2)
    assert noiseless.violated
    assert "VIOLATION" in noiseless.summary() and "no violation detected" in correct.summary()


@pytest.mark.parametrize("policy", [UniformAllocation(epsilon=math.inf), ODLinBAI(epsilon=math.inf),
                                    DPBAI(epsilon=math.inf, schedule="od_linbai", switch_rule="always")],
                         ids=["uniform_allocation", "od_linbai", "dp_bai_od_schedule"])
def test_noiseless_designs_of_every_kind_are_caught(policy):
    """Final phases over many arms, least-squares and Max-Det estimates: the pair straddles the
    decision wherever it is, so a mechanism without noise is caught."""
    audit = audit_privacy(policy, SOARE if policy.name != "uniform_allocation" else PROBLEM, horizon=HORIZON,
                          n_runs=1000, seed=2, epsilon=1.0, n_jobs=2)
    assert audit.violated and audit.lower_bound > 3.0


def test_worst_case_neighbours_differ_in_one_entry_of_the_final_phase_and_straddle_the_decision():
    policy = SequentialHalving(epsilon=math.inf)  # deterministic given the table
    table = PROBLEM.reward_table(HORIZON, 5)
    edited, other, (t, k), (arms, start, end) = worst_case_neighbours(policy, PROBLEM, table, n_pilot=200, seed=1)
    difference = np.argwhere(edited != other)
    assert difference.tolist() == [[t - 1, k]] and edited[t - 1, k] == 1.0 and other[t - 1, k] == 0.0
    assert k in arms and start < t <= end  # an entry of the final phase
    # outside arm k's rows of the final phase, the edited table is the base table
    rows = np.arange(start, end)
    outside = np.ones(table.shape, bool)
    outside[rows, k] = False
    np.testing.assert_array_equal(edited[outside], table[outside])
    # without noise the recommendation after that final phase is a function of the table: the
    # two tables give different recommendations whenever a run ends with that final phase
    from bandits import run

    recommendations = []
    for source in (edited, other):
        result = run(PROBLEM.with_reward_table(source, log_pulls=True), [policy], horizon=HORIZON,
                     n_replications=40, seed=9)
        recommendations.append(result.metrics["recommendation"][0])
    assert np.any(recommendations[0] != recommendations[1])


def test_the_lower_confidence_bound_covers_the_true_log_ratio():
    """Binomial counts from known p and q: the reported lower bound exceeds the true largest
    |log ratio| in at most 5% of 400 repetitions (plus 3 standard errors of that frequency)."""
    rng = np.random.default_rng(11)
    p = np.array([0.5, 0.3, 0.2])
    q = np.array([0.4, 0.35, 0.25])
    truth = np.max(np.abs(np.log(p / q)))
    n, repetitions = 2000, 400
    exceed = 0
    for _ in range(repetitions):
        counts = np.stack([rng.multinomial(n, p), rng.multinomial(n, q)])
        _, lower = _ratio_bounds(counts, n, 0.95)
        exceed += lower > truth
    assert exceed / repetitions <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / repetitions)


def test_ratio_bounds_use_one_sided_clopper_pearson_bounds_at_the_bonferroni_level():
    """The bound equals log(L / U) computed independently with SciPy's beta quantiles at level
    (1 - confidence) / (4 (number of events))."""
    from scipy.stats import beta

    counts = np.array([[300, 500, 200], [150, 560, 290]])
    n, alpha = 1000, 0.05 / 12
    lower = math.log(beta.ppf(alpha, 300, n - 300 + 1) / beta.ppf(1 - alpha, 150 + 1, n - 150))
    point, bound = _ratio_bounds(counts, n, 0.95)
    assert bound == pytest.approx(lower, rel=1e-12) and point == pytest.approx(math.log(2.0))
    assert clopper_pearson_lower(300, n, alpha) == pytest.approx(beta.ppf(alpha, 300, 701), rel=1e-12)
    assert clopper_pearson_upper(150, n, alpha) == pytest.approx(beta.ppf(1 - alpha, 151, 850), rel=1e-12)


def test_ratio_bounds_of_identical_and_of_disjoint_counts():
    same = np.array([[500, 500], [500, 500]])
    point, lower = _ratio_bounds(same, 1000, 0.95)
    assert math.isnan(point) and lower == 0.0  # a loss is never negative
    disjoint = np.array([[1000, 0], [0, 1000]])
    point, lower = _ratio_bounds(disjoint, 1000, 0.95)
    assert point == math.inf and lower > 5.0  # CP bounds: about log(0.99 / 0.01)


def test_audit_refuses_bad_input_before_any_run(monkeypatch):
    import bandits.privacy_audit as audit_module

    def no_run(*args, **kwargs):
        raise AssertionError("a run started")

    monkeypatch.setattr(audit_module, "run", no_run)
    for kwargs, name in (({"n_runs": 10}, "n_runs"), ({"horizon": 5}, "horizon"), ({"confidence": 1.0}, "confidence"),
                         ({"table": np.zeros((3, 3))}, "table"), ({"table": "abc"}, "table"),
                         ({"table": np.zeros((HORIZON, 30)), "entry": (1,)}, "entry"),
                         ({"table": np.zeros((HORIZON, 30)), "entry": (0, 1)}, "entry\\[0\\]"),
                         ({"n_jobs": 0}, "n_jobs")):
        arguments = {"horizon": HORIZON, "n_runs": 1000, **kwargs}
        with pytest.raises(ValueError, match=f"^{name}: "):
            audit_privacy(DPBAI(), PROBLEM, **arguments)
    with pytest.raises(ValueError, match="^epsilon: "):
        audit_privacy(DPBAI(epsilon=math.inf), PROBLEM, horizon=HORIZON)  # nothing finite to test


def test_audit_privacy_command(capsys):
    status = cli_main(["audit-privacy", "--policy", "dp_bai", "--set", "epsilon=inf", "--epsilon", "1",
                       "--problem", "SoareBAIProblem", "--problem-set", "dimension=2", "--horizon", "400",
                       "--runs", "500", "--json"])
    assert status == 0
    record = json.loads(capsys.readouterr().out)
    assert record["violated"] is True and record["epsilon"] == 1.0 and sum(record["counts"][0]) == 500
    assert cli_main(["audit-privacy", "--policy", "dp_bai", "--set", "epsilon=-1"]) == 2
    assert "epsilon: " in capsys.readouterr().err
    assert cli_main(["audit-privacy", "--policy", "dp_bai", "--set", "epsilon"]) == 2


def test_experiment_with_too_small_a_budget_is_refused_before_anything_is_written(tmp_path):
    config = {"name": "small", "horizon": 10, "n_replications": 2, "seed": 1,
              "environments": [{"name": "RandomUnitArmsBAIProblem", "n_arms": 50}],
              "policies": [{"name": "dp_bai"}]}
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match=r"policies\[0\]: horizon: must be at least 65"):
        run_experiment(config, out)
    assert not out.exists()


def test_experiment_report_section_states_error_probabilities_with_wilson_intervals(tmp_path):
    config = {"name": "bai", "horizon": 600, "n_replications": 40, "seed": 4,
              "environments": [{"name": "SoareBAIProblem", "dimension": 2}],
              "policies": [{"name": "dp_bai", "epsilon": 1.0}, {"name": "od_linbai", "epsilon": math.inf}]}
    run_experiment(config, tmp_path)
    results = load_results(tmp_path)
    env = results["environments"][0]
    section = private_bai_report_section(env, tmp_path, results["manifest"]["config"])
    (_, _, rows), = section.tables
    errors = env.result.metrics["error"]
    for p, row in enumerate(rows):
        k = int(errors[p].sum())
        assert row[1].startswith(f"{k:,} / 40 = {k / 40:.4f} [")
    assert (tmp_path / f"{section.figures[0]}.png").exists()
    notes = " ".join(section.notes)
    assert "95% Wilson intervals, never exact" in notes and "H_pri(1) = " in notes
    assert soare_instance().best_arm == 0 and "best arm 0" in notes


@pytest.mark.parametrize("policy", [DPBAI(epsilon=1.0), DPBAI(epsilon=1.0, schedule="od_linbai", switch_rule="always")],
                         ids=["default", "od_schedule"])
def test_decisions_depend_on_the_table_only_through_the_batch_sums(policy):
    """Data use: shuffle the rewards inside every batch (same sums) and redraw every entry the
    run does not read; with the same seeds the pulls and the recommendation are unchanged. So
    each read entry enters the output only through its batch's sum (the released mean)."""
    from bandits import run

    table = PROBLEM.reward_table(HORIZON, 21)
    first = run(PROBLEM.with_reward_table(table, log_pulls=True), [policy], horizon=HORIZON, n_replications=1, seed=4)
    log = first.metrics["pull_log"][0, 0]
    used = int(first.metrics["samples_used"][0, 0])
    rng = np.random.default_rng(5)
    other = (rng.random(table.shape) < 0.5).astype(float)  # every unread entry redrawn
    phase_ends = set(np.cumsum(first.metrics["phase_sizes"][0, 0]).tolist())
    start = 0
    for t in range(1, used + 1):  # a batch: a run of one arm within a phase (a phase pulls an arm once)
        if t == used or log[t] != log[start] or t in phase_ends:
            arm = log[start]
            other[start:t, arm] = rng.permutation(table[start:t, arm])
            start = t
    assert not np.array_equal(other, table)
    second = run(PROBLEM.with_reward_table(other, log_pulls=True), [policy], horizon=HORIZON, n_replications=1,
                 seed=4)
    np.testing.assert_array_equal(second.metrics["pull_log"], first.metrics["pull_log"])
    assert second.metrics["recommendation"][0, 0] == first.metrics["recommendation"][0, 0]
    np.testing.assert_array_equal(second.metrics["phase_sizes"], first.metrics["phase_sizes"])
