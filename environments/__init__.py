"""Gymnasium environments of regretlab, one package per setting (``environments.classic``,
``environments.cascading``, ``environments.streaming``, ``environments.solver_tuning``,
``environments.recovering``, ``environments.tallying``, ``environments.private_bai``, and any
setting a plug-in registers).

Importing this package registers every setting's environments with Gymnasium under
``regretlab/<Name>-v0`` and loads no setting: a setting's package is imported when one of its
names is first used::

    import gymnasium as gym
    import environments  # registers the ids
    env = gym.make("regretlab/BernoulliBandit-v0", means=[0.2, 0.5, 0.7], max_episode_steps=1000)

    from environments import BernoulliBandit, StreamingBandit   # problem classes, lazily

``gym.make("environments:regretlab/BernoulliBandit-v0")`` imports the package on the fly.
"""

from bandits.core.registry import (
    environment_ids,
    exported_names,
    find_exported,
    problem_class,
    problem_names,
    register_gymnasium_environments,
)

__all__ = ["problem_class", "problem_names", "environment_ids"]

register_gymnasium_environments()


def __getattr__(name):
    """A problem or environment class of any registered setting, by class name."""
    try:
        return find_exported(name, kinds=("problems", "environments"))
    except AttributeError:
        raise AttributeError(f"module 'environments' has no attribute {name!r}") from None


def __dir__():
    return sorted(set(__all__) | set(exported_names(kinds=("problems", "environments"))))
