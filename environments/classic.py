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

Kernel interface (shared by every setting with a discrete action and a scalar reward)
-------------------------------------------------------------------------------------
``pull(params, arm, rng) -> float`` draws a reward; ``params`` is the problem's
``kernel_params`` tuple and ``rng`` a :class:`numpy.random.Generator` (fused runner) or a
:class:`bandits.rng.RandomStream` (Gymnasium shell); see :func:`bandits.rng.generator_of`. The expected reward of
every arm is ``problem.expected_rewards`` and the comparator ``problem.optimal_expected_reward``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import gymnasium as gym
import numba as nb
import numpy as np
from gymnasium import spaces

from bandits.kernels import compiled_entry_point
from bandits.rng import generator_of, make_random_stream
from bandits.validation import check_real, check_real_vector

__all__ = [
    "BernoulliBandit",
    "GaussianBandit",
    "BernoulliBanditEnv",
    "GaussianBanditEnv",
    "bernoulli_pull",
    "gaussian_pull",
    "DEFAULT_MEANS",
]

#: The default instance: 10 Bernoulli arms with means 0.1, 0.19, ..., 0.9.
DEFAULT_MEANS = tuple(float(x) for x in np.linspace(0.1, 0.9, 10))


@nb.njit(cache=True, nogil=True)
def bernoulli_pull(params, arm, rng):
    """Bernoulli reward of ``arm``: one uniform draw ``u``, reward ``1.0 if u < means[arm]``."""
    means = params[0]
    return 1.0 if generator_of(rng).random() < means[arm] else 0.0


@nb.njit(cache=True, nogil=True)
def gaussian_pull(params, arm, rng):
    """Gaussian reward of ``arm``: ``means[arm] + noise_std * z`` with one draw ``z ~ N(0, 1)``."""
    means = params[0]
    noise_std = params[1]
    return means[arm] + noise_std * generator_of(rng).standard_normal()


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
        from bandits.runner import check_classic_policy

        check_classic_policy(self, policy, path)

    def fused_loop(self, policies, horizon, record_points):
        """The fused runner's loop for this problem (:class:`bandits.runner.ClassicLoop`)."""
        from bandits.runner import ClassicLoop

        return ClassicLoop(self, policies, horizon, record_points)

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


class ClassicBanditEnv(gym.Env):
    """Gymnasium shell over a classic bandit problem (stateless; the observation is always 0).

    ``step(action)`` pulls arm ``action`` and returns ``(0, reward, False, False, info)`` with
    ``info = {"expected_reward": means[action], "optimal_expected_reward": max(means)}``.
    The task is continuing: it never terminates; wrap it in a time limit
    (``gymnasium.make(..., max_episode_steps=T)``) to truncate it at a horizon.
    """

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, problem: _ArmedBandit):
        self.problem = problem
        self.action_space = spaces.Discrete(problem.n_arms)
        self.observation_space = spaces.Discrete(1)
        self._stream = None
        self._stream_source = None
        self._pull = None
        self._means = problem.means.tolist()
        self._optimal = problem.optimal_expected_reward

    def _current_stream(self):
        generator = self.np_random
        if generator is not self._stream_source:
            self._stream = make_random_stream(generator)
            self._stream_source = generator
            problem = self.problem
            self._pull = compiled_entry_point(problem.pull_kernel, (problem.kernel_params, 0, self._stream))
        return self._stream

    def reset(self, *, seed=None, options=None):
        """Reset the generator (if ``seed`` is given); the bandit itself has no state."""
        super().reset(seed=seed)
        self._current_stream()
        return 0, {}

    def step(self, action):
        """Pull arm ``action``; see the class docstring for the returned tuple."""
        arm = _as_arm(action, self.problem.n_arms)
        stream = self._current_stream()
        reward = self._pull(self.problem.kernel_params, arm, stream)
        info = {"expected_reward": self._means[arm], "optimal_expected_reward": self._optimal}
        return 0, reward, False, False, info


def _as_arm(action, n_arms: int) -> int:
    if isinstance(action, np.ndarray) and action.ndim == 0:
        action = action.item()
    if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)):
        raise ValueError(f"action: must be an integer arm index in [0, {n_arms - 1}], got {action!r}")
    arm = int(action)
    if not 0 <= arm < n_arms:
        raise ValueError(f"action: must be an integer arm index in [0, {n_arms - 1}], got {action!r}")
    return arm


class BernoulliBanditEnv(ClassicBanditEnv):
    """Gymnasium environment ``regretlab/BernoulliBandit-v0``: K Bernoulli arms.

    Parameters
    ----------
    means : sequence of float, default ``DEFAULT_MEANS`` (0.1, 0.19, ..., 0.9)
        Arm means in ``[0, 1]``.
    """

    def __init__(self, means=DEFAULT_MEANS):
        super().__init__(BernoulliBandit(means))


class GaussianBanditEnv(ClassicBanditEnv):
    """Gymnasium environment ``regretlab/GaussianBandit-v0``: K Gaussian arms.

    Parameters
    ----------
    means : sequence of float, default ``DEFAULT_MEANS``
        Finite arm means.
    noise_std : float, default 1.0
        Noise standard deviation, ``>= 0``.
    """

    def __init__(self, means=DEFAULT_MEANS, noise_std=1.0):
        super().__init__(GaussianBandit(means, noise_std))
