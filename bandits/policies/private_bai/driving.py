"""Driving a fixed-budget policy through the Gymnasium shell to its recommendation:
:func:`identify`, the loop every user of ``regretlab/PrivateLinearBAI-v0`` writes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bandits.core.rng import replication_seeds
from bandits.core.validation import ParameterError, check_integer

__all__ = ["Identification", "identify"]


@dataclass
class Identification:
    """What one :func:`identify` run saw.

    Attributes
    ----------
    recommendation : int
    error : int
        1 if the recommendation is not the best arm.
    simple_regret : float
    samples_used : int
    pulls : int64 array (T,)
        The arm of every pull (-1 after an early stop).
    pull_counts : int64 array (K,)
    phase_sizes : int64 array
        Pulls per phase.
    reward : float
        The recommendation step's reward (``-error``).
    """

    recommendation: int
    error: int
    simple_regret: float
    samples_used: int
    pulls: np.ndarray
    pull_counts: np.ndarray
    phase_sizes: np.ndarray
    reward: float


def identify(env, policy, *, horizon: int, seed: int, replication: int = 0) -> Identification:
    """Run ``policy`` on ``env`` (``regretlab/PrivateLinearBAI-v0`` or ``problem.make_env(T)``,
    possibly wrapped) for a budget of ``horizon`` pulls and recommend.

    Seeds are those of replication ``replication`` of root seed ``seed``
    (:func:`bandits.core.rng.replication_seeds`), so the recommendation and pull counts equal
    the fused runner's (:func:`bandits.run` with ``seed``) bit for bit.
    """
    horizon = check_integer("horizon", horizon, low=1)
    shell = env.unwrapped
    if getattr(shell, "horizon", None) != horizon:
        raise ParameterError("horizon", horizon, f"must equal the environment's budget T = {getattr(shell, 'horizon', None)}")
    env_seed, policy_seed = replication_seeds(check_integer("seed", seed, low=0),
                                              check_integer("replication", replication, low=0))
    observation, _ = env.reset(seed=env_seed)
    policy.reset(env, seed=policy_seed, horizon=horizon)
    n_arms = policy.view.n_arms
    pulls = np.full(horizon, -1, np.int64)
    while True:
        arm = policy.select(observation)
        if policy.stopped:
            step = shell.recommend if shell.elapsed < horizon else env.step
            _, reward, _, _, info = step(arm)
            break
        observation, reward, _, _, info = env.step(arm)
        pulls[shell.elapsed - 1] = arm
        policy.update(arm, reward)
    used = int(info["samples_used"])
    return Identification(
        recommendation=int(info["recommendation"]), error=int(info["error"]),
        simple_regret=float(info["simple_regret"]), samples_used=used, pulls=pulls,
        pull_counts=np.bincount(pulls[:used], minlength=n_arms).astype(np.int64),
        phase_sizes=policy.phase_sizes, reward=float(reward),
    )
