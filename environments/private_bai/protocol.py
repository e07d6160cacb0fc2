"""What a learner of fixed-budget linear best-arm identification may know, and what it learns from
one pull (Chen, Karthik, Chee & Tan, arXiv:2401.09073).

The learner knows the arm vectors (the features) and, as a hyper-parameter of its own, the
budget T; never ``theta`` or the means. The feedback of a pull is its reward, 0 or 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bandits.core.validation import check_real_array

__all__ = ["PULL", "RECOMMEND", "PrivateBAIView"]

#: Observation of the Gymnasium shell while pulls remain.
PULL = 0
#: Observation of the Gymnasium shell once the budget is spent: the next action is the
#: recommendation.
RECOMMEND = 1


@dataclass(frozen=True, eq=False)
class PrivateBAIView:
    """The learner view of a linear best-arm identification problem.

    Attributes
    ----------
    features : float64[K, d] (read-only)
        The arm vectors, one row per arm.
    """

    features: np.ndarray

    def __post_init__(self):
        features = np.array(check_real_array("features", self.features, ndim=2), dtype=np.float64)
        features.setflags(write=False)
        object.__setattr__(self, "features", features)

    @property
    def n_arms(self) -> int:
        """K."""
        return int(self.features.shape[0])

    @property
    def dimension(self) -> int:
        """d, the length of the arm vectors."""
        return int(self.features.shape[1])

    def feedback(self, reward, info):
        """The feedback of one pull: its reward."""
        return reward

    def __repr__(self) -> str:
        return f"PrivateBAIView(K={self.n_arms}, d={self.dimension})"
