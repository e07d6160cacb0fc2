"""regretlab: bandit and online-learning simulation at compiled speed.

Main entry points::

    from bandits import run, UCB1, KLUCB, BernoulliThompsonSampling
    from environments import BernoulliBandit

    result = run(BernoulliBandit([0.1, 0.5, 0.9]), [UCB1(), KLUCB()],
                 horizon=10_000, n_replications=50, seed=0, n_jobs=2)
    result.cumulative_regret  # (policy, replication, record point)

Experiments as data, stored and reported::

    from bandits import run_experiment, load_results, write_report
    run_experiment("experiments/default.toml", out="results/default")
    write_report("results/default")
"""

# First: the cache locator must be installed before any project function is jitted.
import bandits.kernels  # noqa: F401  isort: skip
from bandits.policies import (
    EXP3,
    KLUCB,
    POLICIES,
    UCB1,
    BernoulliThompsonSampling,
    DecayingEpsilonGreedy,
    EpsilonGreedy,
    ExploreThenCommit,
    GaussianThompsonSampling,
    Policy,
    SuccessiveElimination,
    TsallisINF,
    check_policy,
)
from bandits.rng import replication_seeds
from bandits.runner import RunResult, default_record_points, run
from bandits.experiment import ConfigError, load_config, load_results, run_experiment  # noqa: E402
from bandits.report import write_report  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "run",
    "run_experiment",
    "load_config",
    "load_results",
    "write_report",
    "ConfigError",
    "RunResult",
    "default_record_points",
    "replication_seeds",
    "check_policy",
    "Policy",
    "POLICIES",
    "UCB1",
    "KLUCB",
    "BernoulliThompsonSampling",
    "GaussianThompsonSampling",
    "EpsilonGreedy",
    "DecayingEpsilonGreedy",
    "EXP3",
    "TsallisINF",
    "SuccessiveElimination",
    "ExploreThenCommit",
]
