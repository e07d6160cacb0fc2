"""Confidence intervals for probabilities estimated from counts: Wilson score intervals (for
reports of error probabilities) and exact Clopper-Pearson bounds (for audits that must not
overstate what they show).

An estimated probability is never reported as exact: ``k`` events in ``n`` independent trials
give the point estimate ``k / n`` and an interval that covers the true probability with the
stated confidence.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from bandits.core.validation import ParameterError, check_integer, check_real

__all__ = ["clopper_pearson_lower", "clopper_pearson_upper", "wilson_interval", "wilson_intervals"]


def _check_counts(successes, trials):
    trials = check_integer("trials", trials, low=1)
    successes = check_integer("successes", successes, low=0)
    if successes > trials:
        raise ParameterError("successes", successes, f"must be at most trials = {trials}")
    return successes, trials


def wilson_interval(successes, trials, confidence=0.95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion (Wilson 1927).

    With ``p = k / n`` and ``z`` the two-sided normal quantile of ``confidence``::

        centre = (p + z^2 / (2n)) / (1 + z^2 / n)
        half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / (4 n^2))

    Unlike the normal (Wald) interval it has sensible width at ``k = 0`` or ``k = n``: the error
    probability of a good policy is often estimated from zero errors.

    Parameters
    ----------
    successes, trials : int
        ``0 <= successes <= trials``, ``trials >= 1``.
    confidence : float, default 0.95
        In ``(0, 1)``.

    Returns
    -------
    (low, high) : floats in ``[0, 1]``
    """
    k, n = _check_counts(successes, trials)
    confidence = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True, high_open=True)
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    p = k / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def clopper_pearson_lower(successes, trials, alpha) -> float:
    """One-sided exact (Clopper-Pearson) lower confidence bound on a binomial probability:
    ``P(p >= bound) >= 1 - alpha`` whatever the true ``p``. It is the ``alpha`` quantile of
    ``Beta(k, n - k + 1)`` (0 when ``k = 0``).

    Parameters
    ----------
    successes, trials : int
    alpha : float
        In ``(0, 1)``.
    """
    k, n = _check_counts(successes, trials)
    alpha = check_real("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
    if k == 0:
        return 0.0
    from scipy.stats import beta  # SciPy only when an audit runs

    return float(beta.ppf(alpha, k, n - k + 1))


def clopper_pearson_upper(successes, trials, alpha) -> float:
    """One-sided exact (Clopper-Pearson) upper confidence bound: the ``1 - alpha`` quantile of
    ``Beta(k + 1, n - k)`` (1 when ``k = n``); see :func:`clopper_pearson_lower`."""
    k, n = _check_counts(successes, trials)
    alpha = check_real("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
    if k == n:
        return 1.0
    from scipy.stats import beta

    return float(beta.ppf(1.0 - alpha, k + 1, n - k))


def wilson_intervals(successes, trials, confidence=0.95) -> np.ndarray:
    """:func:`wilson_interval` of every entry of the integer array ``successes`` (same
    ``trials``): an array of shape ``successes.shape + (2,)``."""
    counts = np.asarray(successes)
    out = np.empty(counts.shape + (2,))
    for index in np.ndindex(counts.shape):
        out[index] = wilson_interval(int(counts[index]), trials, confidence)
    return out

