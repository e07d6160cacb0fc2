"""What a learner of the classic K-armed bandit may know: the number of arms (and the first action
index of the environment's ``Discrete`` action space). The feedback of a step is its reward."""

from __future__ import annotations

from dataclasses import dataclass

from bandits.core.validation import ParameterError, check_integer

__all__ = ["ArmedBanditView"]


@dataclass(frozen=True)
class ArmedBanditView:
    """The learner view of a K-armed bandit.

    Attributes
    ----------
    n_arms : int
        Number of arms K, ``>= 1``.
    start : int, default 0
        The first action of the environment's action space (``gymnasium.spaces.Discrete(K,
        start=s)`` has actions ``s, ..., s + K - 1``); policies return actions in that range.
    """

    n_arms: int
    start: int = 0

    def __post_init__(self):
        object.__setattr__(self, "n_arms", check_integer("n_arms", self.n_arms, low=1))
        if isinstance(self.start, bool):
            raise ParameterError("start", self.start, "must be an integer")
        object.__setattr__(self, "start", check_integer("start", self.start))

    def feedback(self, reward, info):
        """The feedback of one Gymnasium step: the reward itself."""
        return reward
