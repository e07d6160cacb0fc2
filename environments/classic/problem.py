"""The classic stochastic K-armed bandit: Bernoulli and Gaussian arms.

Model
-----
Arm ``k`` has expected reward ``means[k]``. Pulling it returns an independent draw:

* Bernoulli: ``reward = 1.0 if u < means[k] else 0.0`` with ``u ~ Uniform[0, 1)``;
* Gaussian: ``reward = means[k] + noise_std * z`` with ``z ~ N(0, 1)``.

Each pull consumes exactly one draw (``u`` or ``z``) from the environment's stream, whichever arm
is pulled. Two policies run on the same environment seed therefore see the same noise at every
step (common random numbers), and the reward of arm ``k`` at step ``t`` is a deterministic
function of ``(seed, t, k)``.

Pseudo-regret after ``T`` steps is ``sum_t (max_k means[k] - means[a_t])``; the kernels expose
the expected reward of every arm so that the runner records it exactly, with no sampling noise.

The reward kernels are in :mod:`environments.classic.dynamics`, the fused loop in
:mod:`environments.classic.loop`, the Gymnasium shells in :mod:`environments.classic.shell`. The
expected reward of every arm is ``problem.expected_rewards`` and the comparator
``problem.optimal_expected_reward``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from gymnasium.wrappers import TimeLimit

from bandits.core.policy import require_policy_of_setting
from bandits.core.validation import ParameterError, check_real, check_real_vector
from environments.classic.dynamics import bernoulli_pull, gaussian_pull
from environments.classic.loop import ClassicLoop
from environments.classic.shell import ArmedBanditShell
from environments.classic.view import ArmedBanditView

__all__ = ["BernoulliBandit", "GaussianBandit", "DEFAULT_MEANS", "check_rewards_compatible"]

#: The default instance: 10 Bernoulli arms with means 0.1, 0.19, ..., 0.9.
DEFAULT_MEANS = tuple(float(x) for x in np.linspace(0.1, 0.9, 10))


@dataclass(frozen=True, eq=False)
class _ArmedBandit:
    """Common part of the classic problems: validated means and the regret comparator."""

    means: np.ndarray

    name: ClassVar[str]
    pull_kernel: ClassVar[object]
    reward_range: ClassVar[tuple[float, float]]
    #: Unit of the horizon and of record points (used in reports).
    time_unit: ClassVar[str] = "time step"

    def check_policy_compatible(self, policy, path: str = "policy") -> None:
        """``ValueError`` unless ``policy`` is a classic policy accepting these rewards."""
        check_rewards_compatible(self, policy, path)

    def fused_loop(self, policies, horizon, record_points):
        """The fused runner's loop for this problem (:class:`environments.classic.loop.ClassicLoop`)."""
        return ClassicLoop(self, policies, horizon, record_points)

    def make_env(self, horizon: int):
        """The Gymnasium shell over this problem, truncated after ``horizon`` steps."""
        return TimeLimit(ArmedBanditShell(self), max_episode_steps=horizon)

    @property
    def learner_view(self) -> ArmedBanditView:
        """What a learner may know: the number of arms."""
        return ArmedBanditView(self.n_arms)

    @property
    def n_arms(self) -> int:
        """Number of arms K."""
        return int(self.means.size)

    @property
    def expected_rewards(self) -> np.ndarray:
        """Expected reward of every arm (read-only float64 array of length K)."""
        return self.means

    @property
    def optimal_expected_reward(self) -> float:
        """``max_k means[k]``, the comparator of pseudo-regret."""
        return float(self.means.max())

    @property
    def gaps(self) -> np.ndarray:
        """``optimal_expected_reward - means``: the regret of one pull of each arm."""
        return self.optimal_expected_reward - self.means


@dataclass(frozen=True, eq=False)
class BernoulliBandit(_ArmedBandit):
    """K Bernoulli arms with the given means.

    Parameters
    ----------
    means : sequence of float
        ``means[k]`` in ``[0, 1]``, at least one arm.
    """

    name: ClassVar[str] = "BernoulliBandit"
    pull_kernel: ClassVar[object] = staticmethod(bernoulli_pull)
    reward_range: ClassVar[tuple[float, float]] = (0.0, 1.0)

    def __post_init__(self):
        object.__setattr__(self, "means", check_real_vector("means", self.means, low=0.0, high=1.0))

    @property
    def kernel_params(self) -> tuple:
        """``(means,)``: what :func:`bernoulli_pull` reads."""
        return (self.means,)

    def to_dict(self) -> dict:
        """Parameters as plain Python values (for manifests and reports)."""
        return {"means": self.means.tolist()}


@dataclass(frozen=True, eq=False)
class GaussianBandit(_ArmedBandit):
    """K Gaussian arms ``N(means[k], noise_std**2)``.

    Parameters
    ----------
    means : sequence of float
        Finite means, at least one arm.
    noise_std : float, default 1.0
        Standard deviation of the reward noise, ``>= 0`` (0 gives deterministic rewards).
    """

    noise_std: float = 1.0

    name: ClassVar[str] = "GaussianBandit"
    pull_kernel: ClassVar[object] = staticmethod(gaussian_pull)
    reward_range: ClassVar[tuple[float, float]] = (-np.inf, np.inf)

    def __post_init__(self):
        object.__setattr__(self, "means", check_real_vector("means", self.means))
        object.__setattr__(self, "noise_std", check_real("noise_std", self.noise_std, low=0.0))

    @property
    def kernel_params(self) -> tuple:
        """``(means, noise_std)``: what :func:`gaussian_pull` reads."""
        return (self.means, self.noise_std)

    def to_dict(self) -> dict:
        """Parameters as plain Python values (for manifests and reports)."""
        return {"means": self.means.tolist(), "noise_std": self.noise_std}




def check_rewards_compatible(problem, policy, path: str) -> None:
    """``ValueError`` unless ``policy`` is a classic :class:`~bandits.core.policy.Policy` whose
    reward range covers the rewards of the classic problem ``problem``."""
    require_policy_of_setting(policy, "classic", path)
    low, high = policy.reward_range
    env_low, env_high = problem.reward_range
    if env_low < low or env_high > high:
        raise ParameterError(
            path, type(policy).__name__,
            f"needs rewards in [{low:g}, {high:g}], but {problem.name} rewards range over [{env_low:g}, {env_high:g}]",
        )
