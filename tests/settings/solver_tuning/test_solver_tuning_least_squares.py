"""The small dense linear algebra of ChebCB (bandits/policies/solver_tuning/least_squares.py; Khodak
et al., arXiv:2310.02246, Algorithm 3 / 7): the box-constrained least-squares solver against brute
force and against a long projected-gradient run, and the minimum-norm solve against numpy's
pseudo-inverse."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from bandits.policies.solver_tuning import box_constrained_least_squares, min_norm_psd_solve


def brute_force_box_lsq(F, y, lower, upper):
    """Enumerate every assignment of each coefficient to (free, lower, upper); the free part by
    numpy's least squares; the best feasible candidate."""
    m = F.shape[1]
    best, argbest = np.inf, None
    for assignment in itertools.product((0, 1, 2), repeat=m):
        theta = np.where(np.array(assignment) == 1, lower, np.where(np.array(assignment) == 2, upper, 0.0))
        free = [j for j in range(m) if assignment[j] == 0]
        if free:
            theta[free] = np.linalg.lstsq(F[:, free], y - F @ theta, rcond=None)[0]
        if np.all(theta >= lower - 1e-12) and np.all(theta <= upper + 1e-12):
            value = np.sum((F @ theta - y) ** 2)
            if value < best:
                best, argbest = value, theta
    return argbest, best


def test_box_least_squares_equals_brute_force_on_small_problems():
    """Full-column-rank problems with m <= 3 have a unique solution: it must equal the
    enumeration of all 3^m active sets to 1e-10 (measured: 2e-15)."""
    rng = np.random.default_rng(0)
    constrained = 0
    for _ in range(300):
        m = int(rng.integers(1, 4))
        F = rng.normal(size=(int(rng.integers(m, 8)), m))
        y = 3.0 * rng.normal(size=F.shape[0])
        upper = rng.uniform(0.01, 1.0, m)
        lower = -rng.uniform(0.01, 1.0, m)
        theta, iterations = box_constrained_least_squares(F.T @ F, F.T @ y, lower, upper)
        expected, _ = brute_force_box_lsq(F, y, lower, upper)
        assert iterations >= 0
        np.testing.assert_allclose(theta, expected, rtol=0, atol=1e-10)
        constrained += iterations > 0
    assert constrained > 150  # most draws are genuinely constrained


def projected_gradient(G, g, lower, upper, iterations=20000):
    """Dense accelerated projected gradient (FISTA) on 1/2 theta' G theta - g' theta."""
    step = 1.0 / np.linalg.eigvalsh(G).max()
    theta = np.clip(np.zeros_like(g), lower, upper)
    z, tk = theta.copy(), 1.0
    for _ in range(iterations):
        new = np.clip(z - step * (G @ z - g), lower, upper)
        tk1 = (1.0 + math.sqrt(1.0 + 4.0 * tk * tk)) / 2.0
        z = new + (tk - 1.0) / tk1 * (new - theta)
        theta, tk = new, tk1
    return theta


def test_box_least_squares_matches_projected_gradient_on_rank_deficient_problems():
    """m = 6 with n = 1..9 rows (rank-deficient Gram matrices, non-unique minimisers): the
    objective must match a long dense projected-gradient run to 1e-8 (measured 3e-16)."""
    rng = np.random.default_rng(1)
    for _ in range(12):
        m = 6
        F = rng.normal(size=(int(rng.integers(1, 10)), m))
        y = 3.0 * rng.normal(size=F.shape[0])
        upper = rng.uniform(0.01, 1.0, m)
        G, g = F.T @ F, F.T @ y
        theta, iterations = box_constrained_least_squares(G, g, -upper, upper)
        assert iterations >= 0 and np.all(np.abs(theta) <= upper)
        reference = projected_gradient(G, g, -upper, upper)

        def q(v):
            return 0.5 * v @ G @ v - g @ v

        assert q(theta) <= q(reference) + 1e-8 * (1.0 + abs(q(reference)))


def test_box_least_squares_returns_the_unconstrained_solution_inside_the_box():
    rng = np.random.default_rng(2)
    wide = np.full(6, 1e6)
    F = rng.normal(size=(10, 6))
    y = rng.normal(size=10)
    theta, iterations = box_constrained_least_squares(F.T @ F, F.T @ y, -wide, wide)
    assert iterations == 0
    np.testing.assert_allclose(theta, np.linalg.solve(F.T @ F, F.T @ y), rtol=1e-10, atol=1e-12)
    # singular Gram matrix: the minimum-norm solution (lsqminnorm)
    F = rng.normal(size=(3, 6))
    theta, iterations = box_constrained_least_squares(F.T @ F, F.T @ y[:3], -wide, wide)
    assert iterations == 0
    np.testing.assert_allclose(theta, np.linalg.pinv(F) @ y[:3], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(min_norm_psd_solve(F.T @ F, F.T @ y[:3]), np.linalg.pinv(F) @ y[:3], atol=1e-12)
    # a box that pins coefficients (lower == upper, as L_hat = 0 makes the j >= 1 bounds 0)
    pinned = np.array([1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    theta, _ = box_constrained_least_squares(F.T @ F, F.T @ y[:3], -pinned, pinned)
    assert np.all(theta[1:] == 0.0)
    expected = np.clip(F[:, 0] @ y[:3] / (F[:, 0] @ F[:, 0]), -1.0, 1.0)
    assert theta[0] == pytest.approx(expected, rel=1e-12)
