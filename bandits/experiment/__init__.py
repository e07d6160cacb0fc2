"""Experiments as data and their result directories.

:mod:`bandits.experiment.config` reads and validates an experiment (a TOML file or a dict; every
problem reported at once with its path); :mod:`bandits.experiment.store` runs it into a
self-describing, resumable result directory and loads it back.
"""

from bandits.core.atomic_files import write_text_atomically
from bandits.experiment.config import ConfigError, ExperimentConfig, load_config
from bandits.experiment.result_directory import ResultDirectoryError
from bandits.experiment.store import EnvironmentResults, load_results, run_experiment

__all__ = [
    "ConfigError",
    "ExperimentConfig",
    "load_config",
    "run_experiment",
    "load_results",
    "EnvironmentResults",
    "ResultDirectoryError",
    "write_text_atomically",
]
