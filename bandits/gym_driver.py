"""One generic Gymnasium driver: any registered environment with any compatible policy.

:func:`rollout` drives a setting's Gymnasium shell step by step with a policy face, exactly as a
user's own loop would, and measures regret with the shell's own accounting
(:class:`bandits.core.protocols.Shell`). With the seeds of replication ``r`` of root seed ``s``
(:func:`bandits.core.rng.replication_seeds`), its actions, rewards and regret equal those of the
fused runner (:func:`bandits.runner.run` with ``seed=s``) bit for bit; the test suite checks this
for every registered setting. It names no setting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bandits.core.rng import replication_seeds
from bandits.core.validation import ParameterError, check_integer

__all__ = ["rollout", "Rollout"]


@dataclass
class Rollout:
    """What one :func:`rollout` saw, one entry per Gymnasium step.

    Attributes
    ----------
    actions : list
        The policy's actions.
    rewards : float64 array
        The shell's rewards.
    cumulative_regret : float64 array
        Cumulative pseudo-regret after each step (the shell's ``step_regret``, summed in order).
    elapsed : int64 array
        Time units of the run completed after each step (steps, episodes, pulls, instances).
    horizon : int
    stopped : bool
        True if the policy stopped before the horizon (:attr:`bandits.core.policy.Policy.stopped`;
        best-policy identification): its last ``select`` was its recommendation and was not played.
    """

    actions: list
    rewards: np.ndarray
    cumulative_regret: np.ndarray
    elapsed: np.ndarray
    horizon: int
    stopped: bool = False

    @property
    def final_regret(self) -> float:
        """Cumulative regret at the end of the run."""
        return float(self.cumulative_regret[-1]) if self.cumulative_regret.size else 0.0

    @property
    def total_reward(self) -> float:
        """Sum of the rewards, in step order."""
        total = 0.0
        for reward in self.rewards:
            total += reward
        return total

    def regret_at(self, record_points) -> np.ndarray:
        """Cumulative regret when the run first reached each of ``record_points`` time units
        (the fused runner's record points); NaN for points never reached."""
        points = np.asarray(record_points)
        index = np.searchsorted(self.elapsed, points, side="left")
        out = np.full(points.shape, np.nan)
        found = index < self.elapsed.size
        out[found] = self.cumulative_regret[index[found]]
        return out


def rollout(env, policy, *, horizon: int, seed: int, replication: int = 0, max_steps: int | None = None) -> Rollout:
    """Run ``policy`` on the Gymnasium environment ``env`` for ``horizon`` time units.

    ``env`` is reset with the environment seed of replication ``replication`` of root seed
    ``seed`` and the policy with its policy seed (:func:`bandits.core.rng.replication_seeds`).
    The loop is the one every user writes::

        obs, info = env.reset(seed=env_seed)
        policy.reset(env, seed=policy_seed, horizon=horizon)
        while env.unwrapped.elapsed < horizon:
            action = policy.select(obs)
            obs, reward, terminated, truncated, info = env.step(action)
            policy.update(action, policy.view.feedback(reward, info))
            ...                          # an ended episode is reset without a seed

    A policy that stops early (best-policy identification) ends the run at its stop.

    Parameters
    ----------
    env : gymnasium.Env
        An environment of a registered setting (``gymnasium.make("regretlab/...")`` or
        ``problem.make_env(horizon)``), possibly wrapped.
    policy : Policy
        A policy of the same setting.
    horizon : int
        Time units of the run (``>= 1``), in the setting's unit.
    seed, replication : int
        Root seed and replication index (``>= 0``).
    max_steps : int, optional
        Refuse to take more Gymnasium steps than this (a guard for shells whose steps do not
        advance time); default no limit.

    Returns
    -------
    Rollout
    """
    horizon = check_integer("horizon", horizon, low=1)
    seed = check_integer("seed", seed, low=0)
    replication = check_integer("replication", replication, low=0)
    shell = env.unwrapped
    for member in ("elapsed", "step_regret", "learner_view"):
        if not hasattr(type(shell), member):
            raise ParameterError("env", env, f"must be a regretlab environment (its unwrapped env has no {member!r})")
    env_seed, policy_seed = replication_seeds(seed, replication)
    observation, info = env.reset(seed=env_seed)
    policy.reset(env, seed=policy_seed, horizon=horizon)
    view = policy.view
    actions, rewards, regret, elapsed = [], [], [], []
    cumulative = 0.0
    while shell.elapsed < horizon:
        if max_steps is not None and len(actions) >= max_steps:
            raise RuntimeError(f"rollout: {max_steps} steps taken and only {shell.elapsed} of {horizon} time units done")
        action = policy.select(observation)
        if policy.stopped:  # a recommendation, not an action to play (as in the fused loops)
            break
        observation, reward, terminated, truncated, info = env.step(action)
        policy.update(action, view.feedback(reward, info))
        cumulative += shell.step_regret(info, policy)
        actions.append(action)
        rewards.append(reward)
        regret.append(cumulative)
        elapsed.append(shell.elapsed)
        if truncated or shell.elapsed >= horizon:
            break
        if terminated:
            observation, info = env.reset()
    return Rollout(
        actions=actions,
        rewards=np.asarray(rewards, dtype=np.float64),
        cumulative_regret=np.asarray(regret, dtype=np.float64),
        elapsed=np.asarray(elapsed, dtype=np.int64),
        horizon=horizon,
        stopped=bool(policy.stopped),
    )
