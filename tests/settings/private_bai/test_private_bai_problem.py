"""Linear best-arm identification problems and instances: validation (errors name their
parameter), the hardness quantities against direct formulas, the instances' stated means, and
the Bernoulli reward table and its neighbours (Chen, Karthik, Chee & Tan, arXiv:2401.09073).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bandits.core.validation import ParameterError
from environments.private_bai.instances import random_unit_arms, soare_instance
from environments.private_bai.problem import LinearBAIProblem, neighbour, reward_table


def parameter_of(call):
    with pytest.raises(ParameterError) as info:
        call()
    return info.value.parameter


# ---------------------------------------------------------------------------------------------
# LinearBAIProblem
# ---------------------------------------------------------------------------------------------
def test_basic_properties_and_freezing():
    problem = LinearBAIProblem([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], [0.8, 0.2])
    np.testing.assert_allclose(problem.means, [0.8, 0.2, 0.5])
    assert (problem.n_arms, problem.dimension, problem.rank, problem.best_arm) == (3, 2, 2, 0)
    np.testing.assert_allclose(problem.sorted_gaps, [0.0, 0.3, 0.6])
    assert not problem.means.flags.writeable and not problem.features.flags.writeable
    with pytest.raises(ValueError):
        problem.means[0] = 0.0
    with pytest.raises(AttributeError, match="frozen"):
        problem.theta = np.zeros(2)
    assert problem.to_dict() == {"features": [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], "theta": [0.8, 0.2]}
    assert LinearBAIProblem(**problem.to_dict()).best_arm == 0
    assert (LinearBAIProblem.name, LinearBAIProblem.setting, LinearBAIProblem.time_unit) == (
        "LinearBAIProblem", "private_bai", "pull")
    assert LinearBAIProblem([[1.0, 2.0], [2.0, 4.0]], [0.1, 0.1]).rank == 1


def test_validation_names_parameters():
    assert parameter_of(lambda: LinearBAIProblem([[1.0, 0.0], [0.0, 2.0]], [0.5, 0.6])) == "features[1]"   # mean 1.2
    assert parameter_of(lambda: LinearBAIProblem([[1.0, 0.0], [0.0, 1.0]], [0.5, -0.1])) == "features[1]"  # mean -0.1
    assert parameter_of(lambda: LinearBAIProblem([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], [0.5, 0.1])) == "theta"
    assert parameter_of(lambda: LinearBAIProblem([[np.inf, 0.0]], [0.5, 0.1])) == "features[0, 0]"
    assert parameter_of(lambda: LinearBAIProblem([[1.0, 0.0]], [np.nan, 0.1])) == "theta[0]"
    assert parameter_of(lambda: LinearBAIProblem([1.0, 0.0], [0.5, 0.1])) == "features"
    assert parameter_of(lambda: LinearBAIProblem([[1.0, 0.0]], [0.5, 0.1, 0.0])) == "theta"
    assert parameter_of(lambda: LinearBAIProblem(np.zeros((0, 2)), [0.5, 0.1])) == "features"
    with pytest.raises(ParameterError, match=r"arms \[0, 2\] tied"):
        LinearBAIProblem([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], [0.5, 0.1])


def test_single_arm_and_rounding_at_the_boundary():
    single = LinearBAIProblem([[0.3, 0.4]], [1.0, 1.0])
    assert single.best_arm == 0 and single.complexity_bai() == 0.0 and single.complexity_private(1.0) == 0.0
    edge = LinearBAIProblem([[0.1, 0.2], [0.0, 0.1]], [1.0, 4.5])      # 0.1 + 0.9 rounds above 1
    assert edge.means[0] == 1.0


def complexities(means, d, epsilon):
    """Direct formulas: sorted gaps, i = 2..min(d^2, K)."""
    gaps = sorted(max(means) - m for m in means)
    top = min(d * d, len(means))
    bai = max((i / gaps[i - 1] ** 2 for i in range(2, top + 1)), default=0.0)
    private = max((i / gaps[i - 1] for i in range(2, top + 1)), default=0.0) / epsilon
    return bai, private


@pytest.mark.parametrize("features, theta", [
    (np.eye(3), [0.9, 0.5, 0.7]),                                         # K = 3 <= d^2
    (np.eye(5)[:, :1] * np.linspace(0.1, 1.0, 5)[:, None], [0.9]),       # d = 1: empty range
    (np.vstack([np.eye(2), [[0.5, 0.5]] * 1, [[0.2, 0.1]], [[0.1, 0.3]]]), [0.8, 0.4]),  # K = 5 > d^2 = 4
])
def test_complexities_match_direct_formula(features, theta):
    problem = LinearBAIProblem(features, theta)
    bai, private = complexities(problem.means.tolist(), problem.dimension, 0.5)
    assert problem.complexity_bai() == pytest.approx(bai)
    assert problem.complexity_private(0.5) == pytest.approx(private)


def test_complexities_hand_example():
    problem = LinearBAIProblem(np.eye(3), [0.9, 0.5, 0.7])                # gaps 0, 0.2, 0.4
    assert problem.complexity_bai() == pytest.approx(max(2 / 0.2**2, 3 / 0.4**2))   # 50
    assert problem.complexity_private(2.0) == pytest.approx(max(2 / 0.2, 3 / 0.4) / 2.0)   # 5
    for epsilon in (0.0, -1.0, math.inf, "1"):
        assert parameter_of(lambda epsilon=epsilon: problem.complexity_private(epsilon)) == "epsilon"


# ---------------------------------------------------------------------------------------------
# Instances
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dimension, angle, best_mean", [(2, 0.1, 0.9), (4, 0.5, 1.0), (3, math.pi / 2, 0.3)])
def test_soare_instance_means(dimension, angle, best_mean):
    problem = soare_instance(dimension, angle, best_mean)
    expected = [best_mean] + [0.0] * (dimension - 1) + [best_mean * math.cos(angle)]
    np.testing.assert_array_equal(problem.means, expected)
    assert problem.best_arm == 0 and problem.n_arms == dimension + 1 and problem.rank == dimension
    np.testing.assert_array_equal(problem.features[:dimension], np.eye(dimension))


def test_soare_instance_validation():
    assert parameter_of(lambda: soare_instance(1)) == "dimension"
    assert parameter_of(lambda: soare_instance(angle=0.0)) == "angle"
    assert parameter_of(lambda: soare_instance(angle=2.0)) == "angle"
    assert parameter_of(lambda: soare_instance(best_mean=0.0)) == "best_mean"
    assert parameter_of(lambda: soare_instance(best_mean=1.5)) == "best_mean"


@given(st.integers(2, 40), st.integers(2, 6), st.integers(0, 10**6),
       st.floats(0.0, 0.5), st.floats(0.5, 1.0))
def test_random_unit_arms_span_low_to_high(n_arms, dimension, seed, low, high):
    if high <= low:
        return
    problem = random_unit_arms(n_arms, dimension, seed, low, high)
    assert problem.means.min() == pytest.approx(low, abs=1e-14)
    assert problem.means.max() == pytest.approx(high, abs=1e-14)
    assert np.sum(problem.means >= problem.means.max() - 1e-12) == 1
    assert problem.dimension == dimension + 1
    np.testing.assert_allclose(np.linalg.norm(problem.features[:, :-1], axis=1), 1.0)
    np.testing.assert_array_equal(problem.features[:, -1], 1.0)


def test_random_unit_arms_reproducible_and_validated():
    a, b, c = random_unit_arms(instance_seed=7), random_unit_arms(instance_seed=7), random_unit_arms(instance_seed=8)
    np.testing.assert_array_equal(a.features, b.features)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert not np.array_equal(a.features, c.features)
    assert a.n_arms == 50 and a.dimension == 5
    assert parameter_of(lambda: random_unit_arms(n_arms=1)) == "n_arms"
    assert parameter_of(lambda: random_unit_arms(dimension=1)) == "dimension"
    assert parameter_of(lambda: random_unit_arms(instance_seed=-1)) == "instance_seed"
    assert parameter_of(lambda: random_unit_arms(low=-0.1)) == "low"
    assert parameter_of(lambda: random_unit_arms(high=1.1)) == "high"
    assert parameter_of(lambda: random_unit_arms(low=0.5, high=0.5)) == "high"


# ---------------------------------------------------------------------------------------------
# Reward tables
# ---------------------------------------------------------------------------------------------
def test_reward_table_frequencies():
    means = np.array([0.0, 0.05, 0.5, 0.93, 1.0])
    horizon = 20_000
    table = reward_table(means, horizon, np.random.default_rng(1))
    assert table.shape == (horizon, 5) and table.dtype == np.float64
    assert set(np.unique(table).tolist()) <= {0.0, 1.0}
    standard_error = np.sqrt(means * (1 - means) / horizon)
    assert np.all(np.abs(table.mean(axis=0) - means) <= 5 * standard_error)
    np.testing.assert_array_equal(table[:, 0], 0.0)
    np.testing.assert_array_equal(table[:, -1], 1.0)
    # rows are rounds: the same uniforms as rng.random((T, K))
    uniforms = np.random.default_rng(2).random((10, 5))
    np.testing.assert_array_equal(reward_table(means, 10, 2), (uniforms < means).astype(float))
    problem = soare_instance()
    np.testing.assert_array_equal(problem.reward_table(10, 3), reward_table(problem.means, 10, 3))


def test_reward_table_validation():
    assert parameter_of(lambda: reward_table([0.5, 1.2], 10, 0)) == "means[1]"
    assert parameter_of(lambda: reward_table([0.5], 0, 0)) == "horizon"
    assert parameter_of(lambda: reward_table([0.5], 10, -1)) == "rng"


@given(st.integers(1, 6), st.integers(1, 6), st.data())
def test_neighbour_differs_in_exactly_one_entry(n_rows, n_columns, data):
    table = reward_table(np.full(n_columns, 0.5), n_rows, data.draw(st.integers(0, 2**32 - 1)))
    t = data.draw(st.integers(0, n_rows - 1))
    k = data.draw(st.integers(0, n_columns - 1))
    other = neighbour(table, t, k)
    assert other.dtype == table.dtype and other.shape == table.shape
    assert np.sum(other != table) == 1 and other[t, k] == 1 - table[t, k]
    np.testing.assert_array_equal(neighbour(other, t, k), table)


def test_neighbour_validation():
    table = np.zeros((3, 2))
    assert parameter_of(lambda: neighbour(table, 3, 0)) == "t"
    assert parameter_of(lambda: neighbour(table, 0, -1)) == "k"
    assert parameter_of(lambda: neighbour(table, 0.5, 0)) == "t"
    assert parameter_of(lambda: neighbour(np.zeros(3), 0, 0)) == "table"
    assert parameter_of(lambda: neighbour(np.full((2, 2), 0.5), 0, 0)) == "table"
    neighbour(table, 0, 0)
    np.testing.assert_array_equal(table, 0.0)                              # the input is not modified
