"""What a learner of the classic K-armed bandit may know: :class:`ArmedBanditView`, the learner
view of the K-armed protocol (:mod:`bandits.core.armed_bandit`), shared with other settings whose
learners pull one arm per step. The feedback of a step is its reward."""

from bandits.core.armed_bandit import ArmedBanditView

__all__ = ["ArmedBanditView"]
