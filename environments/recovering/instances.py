"""Recovery-function families: seeded generators of recovery tables ``R[i, d-1] = R_i(d)``.

The paper (Simchi-Levi, Zheng & Zhu, arXiv:2106.14813) assumes only that an arm's expected
reward recovers non-parametrically with its idle time. Its experimental instances are not
known to us; these families are our choice, covering concave, S-shaped, linear and blocking
recovery. Every table is nondecreasing in ``d``, lies in ``[0, 1]`` and is flat after
``d_max`` (the cap of the idle time).

============================  ================================================================
family                        ``R_i(d)`` and the parameters drawn per arm
============================  ================================================================
``"concave"``                 ``a (1 - exp(-lam d))``, ``a ~ U[0.3, 1]``, ``lam ~ U[0.2, 1.5]``
``"logistic"``                ``a / (1 + exp(-b (d - c)))``, ``a ~ U[0.3, 1]``, ``b ~ U[0.5, 2]``,
                              ``c ~ U[1, d_max]`` (S-shaped, not concave; the shape of Pike-Burke
                              & Grunewalder's recovering bandits, NeurIPS 2019, arXiv:1910.14354)
``"linear"``                  ``a min(1, d / tau)``, ``a ~ U[0.3, 1]``, ``tau ~ U{1..d_max}``
``"step"``                    ``a`` if ``d >= tau`` else ``floor * a``, ``a ~ U[0.3, 1]``,
                              ``tau ~ U{1..d_max}``, ``floor = 0.1`` (blocking bandits, Basu et al.,
                              NeurIPS 2019, arXiv:1907.11975, have ``floor = 0``)
``"random_monotone"``         cumulative sums of ``Exponential(1)`` increments, rescaled so that
                              the row's maximum is ``a ~ U[0.3, 1]``
============================  ================================================================

Draws come from ``numpy.random.default_rng(instance_seed)``: first ``a`` for all arms, then the
family's other parameters in the order listed, each as one vector over the arms.
"""

from __future__ import annotations

import math

import numpy as np

from bandits.core.validation import (
    ParameterError,
    check_choice,
    check_integer,
    check_real,
)

__all__ = ["MAX_TABLE_ENTRIES", "RECOVERY_FAMILIES", "clipped_gaussian_mean", "recovery_table"]

#: Largest recovery table the generator builds (N * d_max entries).
MAX_TABLE_ENTRIES = 10**7

#: The families :func:`recovery_table` draws from.
RECOVERY_FAMILIES = ("concave", "logistic", "linear", "step", "random_monotone")


def recovery_table(family: str, n_arms: int, d_max: int, instance_seed: int = 0, *, step_floor: float = 0.1) -> np.ndarray:
    """A seeded recovery table of the given family (see the module docstring).

    Parameters
    ----------
    family : str
        One of :data:`RECOVERY_FAMILIES`.
    n_arms : int
        N >= 1.
    d_max : int
        The idle-time cap, ``>= 1``: the table has ``d_max`` columns, ``R_i(1..d_max)``.
    instance_seed : int, default 0
        Seed of the instance, ``>= 0``.
    step_floor : float, default 0.1
        ``"step"`` only: the fraction of ``a`` paid below the step, in ``[0, 1]``.

    Returns
    -------
    float64[N, d_max]
        Nondecreasing rows in ``[0, 1]``.
    """
    family = check_choice("family", family, RECOVERY_FAMILIES)
    n = check_integer("n_arms", n_arms, low=1)
    d_max = check_integer("d_max", d_max, low=1)
    seed = check_integer("instance_seed", instance_seed, low=0)
    floor = check_real("step_floor", step_floor, low=0.0, high=1.0)
    if n * d_max > MAX_TABLE_ENTRIES:
        raise ParameterError("n_arms", n, f"times d_max = {d_max} must be at most {MAX_TABLE_ENTRIES:,} table entries")
    rng = np.random.default_rng(seed)
    d = np.arange(1, d_max + 1, dtype=np.float64)[None, :]
    a = rng.uniform(0.3, 1.0, size=n)[:, None]
    if family == "concave":
        lam = rng.uniform(0.2, 1.5, size=n)[:, None]
        table = a * (1.0 - np.exp(-lam * d))
    elif family == "logistic":
        b = rng.uniform(0.5, 2.0, size=n)[:, None]
        c = rng.uniform(1.0, d_max, size=n)[:, None]
        table = a / (1.0 + np.exp(-b * (d - c)))
    elif family == "linear":
        tau = rng.integers(1, d_max + 1, size=n)[:, None]
        table = a * np.minimum(1.0, d / tau)
    elif family == "step":
        tau = rng.integers(1, d_max + 1, size=n)[:, None]
        table = np.where(d >= tau, a, floor * a)
    else:
        increments = rng.exponential(1.0, size=(n, d_max))
        steps = np.cumsum(increments, axis=1)
        table = a * steps / steps[:, -1:]
    table = np.maximum.accumulate(np.clip(table, 0.0, 1.0), axis=1)  # guard rounding: monotone, in [0, 1]
    return np.ascontiguousarray(table, dtype=np.float64)


def clipped_gaussian_mean(mean, noise_std: float):
    """``E[min(1, max(0, X))]`` for ``X ~ N(mean, noise_std^2)``, elementwise: the expected reward
    of a pull when Gaussian noise is clipped to ``[0, 1]`` (not ``mean`` itself near 0 and 1).

    With ``a = -mean / s`` and ``b = (1 - mean) / s``:
    ``E = mean (Phi(b) - Phi(a)) + s (phi(a) - phi(b)) + 1 - Phi(b)``.
    """
    mean = np.asarray(mean, dtype=np.float64)
    if noise_std == 0.0:
        return np.clip(mean, 0.0, 1.0)
    erf = np.vectorize(math.erf, otypes=[np.float64])

    def cdf(x):
        return 0.5 * (1.0 + erf(x / math.sqrt(2.0)))

    def pdf(x):
        return np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)

    a = -mean / noise_std
    b = (1.0 - mean) / noise_std
    value = mean * (cdf(b) - cdf(a)) + noise_std * (pdf(a) - pdf(b)) + 1.0 - cdf(b)
    return np.clip(value, 0.0, 1.0)
