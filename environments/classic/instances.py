"""Families of classic problems built from a few numbers, for sweeps over the number of arms.

:class:`EvenlySpacedBernoulliBandit` is the instance of the default experiment and of the
benchmark presets generalised to any K: Bernoulli arms whose means are evenly spaced between
``low`` and ``high``. Sweeping ``n_arms`` sweeps K with the range of means fixed, so the gaps
shrink as K grows (the smallest gap is ``(high - low) / (K - 1)``).
"""

from __future__ import annotations

import numpy as np

from bandits.core.validation import ParameterError, check_integer, check_real
from environments.classic.problem import BernoulliBandit

__all__ = ["EvenlySpacedBernoulliBandit"]


class EvenlySpacedBernoulliBandit(BernoulliBandit):
    """K Bernoulli arms with means ``linspace(low, high, K)`` (arm ``K - 1`` is the best).

    Parameters
    ----------
    n_arms : int, default 10
        K >= 2.
    low, high : float, default 0.1, 0.9
        ``0 <= low < high <= 1``: the worst and the best mean.
    """

    name = "EvenlySpacedBernoulliBandit"

    def __init__(self, n_arms: int = 10, low: float = 0.1, high: float = 0.9):
        n_arms = check_integer("n_arms", n_arms, low=2)
        low = check_real("low", low, low=0.0, high=1.0)
        high = check_real("high", high, low=0.0, high=1.0)
        if not low < high:
            raise ParameterError("high", high, f"must be > low = {low!r}")
        super().__init__(np.linspace(low, high, n_arms))
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_arms={self.n_arms}, low={self.low!r}, high={self.high!r})"

    def to_dict(self) -> dict:
        """Parameters as plain Python values (for manifests and reports)."""
        return {"n_arms": self.n_arms, "low": self.low, "high": self.high}
