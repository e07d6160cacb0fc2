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

Importing ``bandits`` loads nothing but this module: every name below is imported on first use
(PEP 562), and every registered policy class is available by its class name.

Packages: :mod:`bandits.core` (kernels, random streams, validation, protocols, the policy face,
the setting registry), :mod:`bandits.policies` (one package per setting), :mod:`bandits.runner`
(the fused runner), :mod:`bandits.gym_driver` (the Gymnasium driver), :mod:`bandits.experiment`
(configuration and result store), :mod:`bandits.report`, :mod:`bandits.cli` and
:mod:`bandits.bench`.
"""

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS = {
    "run": "bandits.runner",
    "RunResult": "bandits.runner",
    "default_record_points": "bandits.runner",
    "rollout": "bandits.gym_driver",
    "Rollout": "bandits.gym_driver",
    "run_experiment": "bandits.experiment",
    "load_config": "bandits.experiment",
    "load_results": "bandits.experiment",
    "ConfigError": "bandits.experiment",
    "write_report": "bandits.report",
    "replication_seeds": "bandits.core.rng",
    "check_policy": "bandits.core.conformance",
    "PolicyCheckError": "bandits.core.conformance",
    "Policy": "bandits.core.policy",
    "ParameterError": "bandits.core.validation",
    "Setting": "bandits.core.registry",
    "register_setting": "bandits.core.registry",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name):
    import importlib

    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    from bandits.core.registry import find_exported

    try:
        return find_exported(name, kinds=("policies",))
    except AttributeError:
        raise AttributeError(f"module 'bandits' has no attribute {name!r}") from None


def __dir__():
    from bandits.core.registry import exported_names

    return sorted(set(__all__) | set(exported_names(kinds=("policies",))))
