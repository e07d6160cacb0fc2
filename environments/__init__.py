"""Gymnasium environments of regretlab, one module per setting.

Importing this package registers every environment with Gymnasium under ``regretlab/<Name>-v0``::

    import gymnasium as gym
    import environments  # registers the ids
    env = gym.make("regretlab/BernoulliBandit-v0", means=[0.2, 0.5, 0.7], max_episode_steps=1000)

``gym.make("environments:regretlab/BernoulliBandit-v0")`` imports the package on the fly.
"""

from gymnasium.envs.registration import register, registry

from environments.classic import (
    DEFAULT_MEANS,
    BernoulliBandit,
    BernoulliBanditEnv,
    GaussianBandit,
    GaussianBanditEnv,
)

__all__ = [
    "DEFAULT_MEANS",
    "BernoulliBandit",
    "BernoulliBanditEnv",
    "GaussianBandit",
    "GaussianBanditEnv",
    "ENVIRONMENT_IDS",
]

#: Gymnasium id -> entry point of every environment this package registers.
ENVIRONMENT_IDS = {
    "regretlab/BernoulliBandit-v0": "environments.classic:BernoulliBanditEnv",
    "regretlab/GaussianBandit-v0": "environments.classic:GaussianBanditEnv",
}

for _env_id, _entry_point in ENVIRONMENT_IDS.items():
    if _env_id not in registry:
        register(id=_env_id, entry_point=_entry_point)
