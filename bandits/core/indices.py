"""Index computations shared by the policies (and problem constructions) of several settings.

- :func:`bernoulli_kl` and :func:`kl_ucb_index`: the Bernoulli Kullback-Leibler divergence and
  the KL-UCB upper confidence index (Garivier & Cappe, COLT 2011, arXiv:1102.2490), used by
  KL-UCB, CascadeKL-UCB (Kveton et al., ICML 2015, arXiv:1502.02763) and Kveton et al.'s B_LB
  benchmark construction;
- :func:`tsallis_inf_probabilities`: the 1/2-Tsallis FTRL distribution of Tsallis-INF (Zimmert &
  Seldin, JMLR 2021, arXiv:1807.07623), used by the classic Tsallis-INF and by the solver-tuning
  learners (Khodak et al., ICLR 2024, arXiv:2310.02246).
"""

from __future__ import annotations

import math

import numba as nb

__all__ = ["bernoulli_kl", "kl_ucb_index", "tsallis_inf_probabilities"]


@nb.njit(cache=True, nogil=True)
def bernoulli_kl(p, q):
    """Bernoulli Kullback-Leibler divergence ``kl(p, q)`` with ``0 log 0 = 0``."""
    value = 0.0
    if p > 0.0:
        value += p * math.log(p / q)
    if p < 1.0:
        value += (1.0 - p) * math.log((1.0 - p) / (1.0 - q))
    return value


@nb.njit(cache=True, nogil=True)
def kl_ucb_index(p, d):
    """``max{q in [p, 1] : kl(p, q) <= d}`` for ``p`` in [0, 1], ``d >= 0``.

    Closed forms when ``p = 0`` (``1 - exp(-d)``) or ``p = 1`` (``1``). Otherwise Newton's method
    in ``u = -ln(1 - q)``: there ``kl(p, q(u)) = p ln(p / q) + (1 - p)(ln(1 - p) + u)`` is convex
    and increasing on ``q > p``, and well conditioned near ``q = 1`` (Newton in ``q`` itself stalls
    there). Started to the right of the root, at the smaller of the Pinsker bound
    ``p + sqrt(d / 2)`` and ``u = (d + H(p)) / (1 - p)`` (from ``kl >= (1 - p) u - H(p)``, H the
    binary entropy, capped at ``u = 50`` where ``q`` rounds to 1), the iterates decrease
    monotonically to the root, so the index returned is not below the exact one (up to
    rounding). Stops when a step is below ``1e-12 (1 + u)``. When ``sqrt(2 p (1-p) d)`` is tiny
    against ``min(p, 1-p)``, Newton's residual cannot resolve ``d``; the index then comes from
    the inverted third-order Taylor expansion of the divergence.
    """
    if d <= 0.0:
        return p
    if p >= 1.0:
        return 1.0
    if p <= 0.0:
        return -math.expm1(-d)
    delta = math.sqrt(2.0 * d) * math.sqrt(p) * math.sqrt(1.0 - p)  # sqrt(2 p (1-p) d), no underflow
    if delta <= 1e-5 * min(p, 1.0 - p):
        # Tiny radius: the Newton residual's rounding (~1e-17) would swamp d. Invert the Taylor
        # expansion kl(p, p + delta) = delta^2 / (2v) + (delta^3 / 3)(1/(1-p)^2 - 1/p^2) + ...,
        # v = p (1-p): delta + ((1-p)/p - p/(1-p)) delta^2 / 3 (relative error of order
        # (delta / min(p, 1-p))^2 <= 1e-10), written without overflow for tiny p or 1-p.
        correction = ((1.0 - p) * (delta / p) * delta - p * (delta / (1.0 - p)) * delta) / 3.0
        return min(1.0, p + delta + correction)
    log_one_minus_p = math.log1p(-p)
    entropy = -p * math.log(p) - (1.0 - p) * log_one_minus_p
    u = (d + entropy) / (1.0 - p)
    pinsker = p + math.sqrt(0.5 * d)
    if pinsker < 1.0:
        u = min(u, -math.log1p(-pinsker))
    # Beyond u = 50, q = 1 - exp(-u) rounds to 1: start there (also keeps u finite for huge d).
    u = min(u, 50.0)
    for _ in range(200):
        q = -math.expm1(-u)
        excess = p * math.log(p / q) + (1.0 - p) * (log_one_minus_p + u) - d
        if excess <= 0.0:
            return q
        step = excess * q / (q - p)
        u -= step
        if step <= 1e-12 * (1.0 + u):
            break
    return -math.expm1(-u)


@nb.njit(cache=True, nogil=True)
def tsallis_inf_probabilities(loss, eta, p):
    """1/2-Tsallis FTRL distribution into ``p``; returns the normaliser ``x``.

    ``p_i = 4 / (eta (loss_i - x))^2`` with ``x < min(loss)`` such that ``sum p = 1``. The root lies
    in ``[m - 2 sqrt(K)/eta, m - 2/eta]`` (``m = min loss``): at the lower end every ``p_i <= 1/K``,
    at the upper end the leader has ``p = 1``. ``sum p - 1`` is increasing and convex in ``x``, so
    Newton's method started at the upper end decreases monotonically to the root, stays inside
    the bracket and never reaches the pole at ``x = m`` (unlike Newton from an arbitrary start).
    ``p`` is renormalised at the end (a relative change of order 1e-15).
    """
    k_arms = loss.size
    lowest = loss.min()
    x = lowest - 2.0 / eta
    lower = lowest - 2.0 * math.sqrt(k_arms) / eta
    for _ in range(200):
        total = 0.0
        slope = 0.0
        for i in range(k_arms):
            gap = loss[i] - x
            w = 4.0 / (eta * eta * gap * gap)
            total += w
            slope += 2.0 * w / gap
        f = total - 1.0
        if f <= 0.0:
            break
        step = f / slope
        x -= step
        if x < lower:
            x = lower
            break
        if step <= 1e-15 * (abs(x) + 1.0):
            break
    total = 0.0
    for i in range(k_arms):
        gap = loss[i] - x
        p[i] = 4.0 / (eta * eta * gap * gap)
        total += p[i]
    for i in range(k_arms):
        p[i] /= total
    return x


