"""Linear best-arm identification instances (Chen, Karthik, Chee & Tan, arXiv:2401.09073).

Only the paper's abstract and public reviews were available to us; which instances its
experiments use is not known. :func:`soare_instance` is the classic hard instance of linear
best-arm identification (Soare, Lazaric & Munos, *Best-Arm Identification in Linear Bandits*,
NeurIPS 2014, arXiv:1409.6110); :func:`random_unit_arms` is our choice of a generic instance.
"""

from __future__ import annotations

import math

import numpy as np

from bandits.core.validation import ParameterError, check_integer, check_real
from environments.private_bai.problem import LinearBAIProblem

__all__ = ["RandomUnitArmsBAIProblem", "SoareBAIProblem", "random_unit_arms", "soare_instance"]


def soare_instance(dimension=2, angle=0.1, best_mean=0.9) -> LinearBAIProblem:
    """:class:`SoareBAIProblem` (the instance as a problem whose parameters are these)."""
    return SoareBAIProblem(dimension, angle, best_mean)


def random_unit_arms(n_arms=50, dimension=4, instance_seed=0, low=0.1, high=0.9) -> LinearBAIProblem:
    """:class:`RandomUnitArmsBAIProblem` (the instance as a problem whose parameters are these)."""
    return RandomUnitArmsBAIProblem(n_arms, dimension, instance_seed, low, high)


def _soare_features(dimension, angle, best_mean):
    """Features and theta of :class:`SoareBAIProblem` (validated parameters first)."""
    d = check_integer("dimension", dimension, low=2)
    angle = check_real("angle", angle, low=0.0, high=math.pi / 2, low_open=True)
    best_mean = check_real("best_mean", best_mean, low=0.0, high=1.0, low_open=True)
    features = np.zeros((d + 1, d))
    features[:d, :d] = np.eye(d)
    features[d, 0] = math.cos(angle)
    features[d, 1] = math.sin(angle)
    theta = np.zeros(d)
    theta[0] = best_mean
    return (d, angle, best_mean), features, theta


def _random_unit_features(n_arms, dimension, instance_seed, low, high):
    """Features and theta of :class:`RandomUnitArmsBAIProblem` (validated parameters first)."""
    n_arms = check_integer("n_arms", n_arms, low=2)
    dimension = check_integer("dimension", dimension, low=2)
    seed = check_integer("instance_seed", instance_seed, low=0)
    low = check_real("low", low, low=0.0, high=1.0)
    high = check_real("high", high, low=0.0, high=1.0)
    if not low < high:
        raise ParameterError("high", high, f"must be > low = {low!r}")
    rng = np.random.default_rng(seed)
    arms = rng.standard_normal((n_arms, dimension))
    direction = rng.standard_normal(dimension)
    norms = np.linalg.norm(arms, axis=1)
    direction_norm = float(np.linalg.norm(direction))
    if np.any(norms == 0.0) or direction_norm == 0.0:  # pragma: no cover - probability 0
        raise ParameterError("instance_seed", seed, "must give non-zero normal draws")
    arms /= norms[:, None]
    direction /= direction_norm
    raw = arms @ direction
    spread = float(raw.max() - raw.min())
    if spread == 0.0:
        raise ParameterError("instance_seed", seed, "must give arms with distinct means",
                             got=f"{seed} (all raw means equal)")
    scale = (high - low) / spread
    offset = low - scale * float(raw.min())
    features = np.hstack([arms, np.ones((n_arms, 1))])
    theta = np.append(scale * direction, offset)
    return (n_arms, dimension, seed, low, high), features, theta


class SoareBAIProblem(LinearBAIProblem):
    """The hard instance of Soare, Lazaric & Munos (arXiv:1409.6110) with means in ``[0, 1]``:
    arms ``e_1..e_d`` and ``a_{d+1} = cos(angle) e_1 + sin(angle) e_2``, ``theta = best_mean
    e_1``.

    Means (in arm order): ``best_mean`` for arm 0, 0 for arms ``1..d-1``, ``best_mean *
    cos(angle)`` for arm ``d``. Arm ``d`` is a close second; pulling arm 1 (``e_2``), whose mean
    is 0, is what best tells the two apart -- the point of the instance.

    Parameters
    ----------
    dimension : int, default 2
        d >= 2.
    angle : float, default 0.1
        In ``(0, pi/2]``.
    best_mean : float, default 0.9
        In ``(0, 1]``.
    """

    name = "SoareBAIProblem"

    def __init__(self, dimension=2, angle=0.1, best_mean=0.9):
        (self.dimension_parameter, self.angle, self.best_mean), features, theta = _soare_features(
            dimension, angle, best_mean)
        super().__init__(features, theta)

    def to_dict(self) -> dict:
        return {"dimension": self.dimension_parameter, "angle": self.angle, "best_mean": self.best_mean}


class RandomUnitArmsBAIProblem(LinearBAIProblem):
    """K random unit arms and a random unit direction, with the means mapped onto ``[low, high]``.

    Draws from ``numpy.random.default_rng(instance_seed)``, in this order: a ``(K, dimension)``
    standard normal array (the arms, each row then normalised), then a standard normal vector of
    length ``dimension`` (normalised to ``u``). The raw means ``m_k = <a_k, u>`` are mapped by
    ``s m + c`` with ``s = (high - low) / (max m - min m)`` and ``c = low - s min m``; in the
    linear model this is features ``[a_k, 1]`` (so ``d = dimension + 1``) and ``theta = [s u,
    c]``. The smallest mean is ``low`` and the largest ``high`` (up to rounding of the dot
    product, about 1e-16).

    Parameters
    ----------
    n_arms : int, default 50
        K >= 2.
    dimension : int, default 4
        >= 2 (before the constant coordinate is appended; in dimension 1 unit arms are +-1, so
        three or more arms always tie).
    instance_seed : int, default 0
        >= 0.
    low, high : float, default 0.1, 0.9
        ``0 <= low < high <= 1``.

    Raises
    ------
    ParameterError
        For invalid arguments; naming ``theta`` if two arms tie for the best raw mean, or
        ``instance_seed`` if a draw is degenerate (both have probability 0; nothing is redrawn).
    """

    name = "RandomUnitArmsBAIProblem"

    def __init__(self, n_arms=50, dimension=4, instance_seed=0, low=0.1, high=0.9):
        (self.n_arms_parameter, self.dimension_parameter, self.instance_seed, self.low, self.high), features, theta = (
            _random_unit_features(n_arms, dimension, instance_seed, low, high))
        super().__init__(features, theta)

    def to_dict(self) -> dict:
        return {"n_arms": self.n_arms_parameter, "dimension": self.dimension_parameter,
                "instance_seed": self.instance_seed, "low": self.low, "high": self.high}
