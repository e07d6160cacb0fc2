"""Gymnasium environments of regretlab, one module per setting.

Importing this package registers every environment with Gymnasium under ``regretlab/<Name>-v0``::

    import gymnasium as gym
    import environments  # registers the ids
    env = gym.make("regretlab/BernoulliBandit-v0", means=[0.2, 0.5, 0.7], max_episode_steps=1000)

``gym.make("environments:regretlab/BernoulliBandit-v0")`` imports the package on the fly.
"""

from gymnasium.envs.registration import register, registry

from environments import cascading, solver_tuning, streaming
from environments.cascading import (
    BLBCascadingBandit,
    CascadingBandit,
    CascadingBanditEnv,
    CascadingMDP,
    CascadingMDPEnv,
    RandomCascadingMDP,
)
from environments.streaming import StreamingBandit, StreamingBanditEnv
from environments.solver_tuning import HeatEquationTuning, HeatEquationTuningEnv, SORTuning, SORTuningEnv
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
    "CascadingBandit",
    "BLBCascadingBandit",
    "CascadingMDP",
    "RandomCascadingMDP",
    "CascadingBanditEnv",
    "CascadingMDPEnv",
    "StreamingBandit",
    "StreamingBanditEnv",
    "SORTuning",
    "SORTuningEnv",
    "HeatEquationTuning",
    "HeatEquationTuningEnv",
    "ENVIRONMENT_IDS",
    "PROBLEMS",
    "problem_class",
]

#: Gymnasium id -> entry point of every environment this package registers.
ENVIRONMENT_IDS = {
    "regretlab/BernoulliBandit-v0": "environments.classic:BernoulliBanditEnv",
    "regretlab/GaussianBandit-v0": "environments.classic:GaussianBanditEnv",
    **cascading.ENVIRONMENT_IDS,
    **streaming.ENVIRONMENT_IDS,
    **solver_tuning.ENVIRONMENT_IDS,
}

#: setting name -> problem class (the frozen dataclass the fused runner takes).
PROBLEMS = {
    "BernoulliBandit": BernoulliBandit,
    "GaussianBandit": GaussianBandit,
    **cascading.PROBLEMS,
    **streaming.PROBLEMS,
    **solver_tuning.PROBLEMS,
}


def problem_class(name: str):
    """The problem class for a setting name (``"BernoulliBandit"``) or Gymnasium id
    (``"regretlab/BernoulliBandit-v0"``); ``ValueError`` listing the known names otherwise."""
    key = name
    if isinstance(name, str) and name.startswith("regretlab/") and name.endswith("-v0"):
        key = name[len("regretlab/") : -len("-v0")]
    if key not in PROBLEMS:
        known = ", ".join(sorted(PROBLEMS) + sorted(ENVIRONMENT_IDS))
        raise ValueError(f"environment: unknown name {name!r}; known: {known}")
    return PROBLEMS[key]


for _env_id, _entry_point in ENVIRONMENT_IDS.items():
    if _env_id not in registry:
        register(id=_env_id, entry_point=_entry_point)
