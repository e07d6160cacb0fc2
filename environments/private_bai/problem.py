"""Linear best-arm identification problems with Bernoulli rewards: frozen, validated parameters
(Chen, Karthik, Chee & Tan, *Fixed-Budget Differentially Private Best Arm Identification*, ICLR
2024, arXiv:2401.09073).

Model
-----
K arms with feature vectors ``a_1..a_K`` in ``R^d`` and an unknown ``theta`` in ``R^d``; arm
``k`` has mean ``mu_k = <a_k, theta>``, which must lie in ``[0, 1]``. Given a budget of T pulls
the learner names one arm; the best arm must be unique. Rewards are Bernoulli: a pull of arm
``k`` draws one uniform ``u`` and pays ``x = 1{u < mu_k}``. Whatever the policy, the rewards it
sees therefore have the law of reading entries off an i.i.d. ``T x K`` table with
``table[t, k] ~ Bernoulli(mu_k)`` (:func:`reward_table`); differential privacy is defined with
respect to such tables, two being neighbours when they differ in one entry (:func:`neighbour`).

Hardness
--------
With ``Delta_k = mu* - mu_k`` sorted increasingly, ``Delta_(1) = 0 <= Delta_(2) <= ...``:

* ``complexity_bai() = max_{2 <= i <= min(d^2, K)} i / Delta_(i)^2``,
* ``complexity_private(epsilon) = (1 / epsilon) max_{2 <= i <= min(d^2, K)} i / Delta_(i)``.

The paper's abstract names both kinds of term (a non-private one with squared gaps and a privacy
one with gaps and epsilon); the exact index range ``2..min(d^2, K)`` and the use of ``d`` (the
number of columns of ``features``, not the rank of the arm set) are our reconstruction. Both are
0 when that range is empty (K = 1 or d = 1).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from bandits.core.policy import require_policy_of_setting
from bandits.core.rng import as_generator
from bandits.core.validation import (
    ParameterError,
    check_integer,
    check_real,
    check_real_array,
    check_real_vector,
)
from environments.private_bai.linear_algebra import span_basis

__all__ = ["MEAN_ROUNDING", "TIE_TOLERANCE", "LinearBAIProblem", "RewardTableBAIProblem", "neighbour", "reward_table"]

#: Means within this distance outside ``[0, 1]`` are rounding of ``features @ theta`` and are
#: clipped; farther out is an error.
MEAN_ROUNDING = 1e-12
#: Two means this close count as tied (a unique best arm is required).
TIE_TOLERANCE = 1e-12
#: Relative rank tolerance of :attr:`LinearBAIProblem.rank`.
_RANK_TOLERANCE = 1e-10


class LinearBAIProblem:
    """A linear best-arm identification problem with Bernoulli rewards.

    Parameters
    ----------
    features : array of shape (K, d)
        Finite arm vectors, one row per arm, ``K >= 1``, ``d >= 1``.
    theta : array of shape (d,)
        The finite parameter.

    Raises
    ------
    ParameterError
        ``features``/``theta`` not finite or of the wrong shape; ``features[k]`` when arm k's
        mean ``<a_k, theta>`` is outside ``[0, 1]`` (by more than :data:`MEAN_ROUNDING`);
        ``theta`` when several arms tie for the best mean (within :data:`TIE_TOLERANCE`).
    """

    name: ClassVar[str] = "LinearBAIProblem"
    setting: ClassVar[str] = "private_bai"
    #: Unit of the budget (used in reports).
    time_unit: ClassVar[str] = "pull"
    #: What the runner's ``cumulative_regret`` holds for this setting.
    regret_label: ClassVar[str] = "pull regret sum_t (mu* - mu_(a_t))"
    #: Per-replication metrics a sweep report plots against the swept parameters.
    sweep_metrics: ClassVar[tuple] = (("error", "error probability", "probability"),)
    #: Default record points: pull 1 and about two per decade up to T (the criterion, the
    #: error of the recommendation, exists only at the end of the budget).
    record_density: ClassVar[tuple] = (1, 2)

    def __init__(self, features, theta):
        features = check_real_array("features", features, ndim=2)
        theta = check_real_vector("theta", theta)
        dimension = features.shape[1]
        if theta.shape[0] != dimension:
            raise ParameterError("theta", theta, f"must have d = {dimension} entries (the columns of features)",
                                 got=f"{theta.shape[0]} entries")
        means = features @ theta
        for k, mu in enumerate(means.tolist()):
            if not (-MEAN_ROUNDING <= mu <= 1.0 + MEAN_ROUNDING):
                raise ParameterError(f"features[{k}]", mu, "must have a mean <features[k], theta> in [0, 1]")
        means = np.clip(means, 0.0, 1.0)
        best = int(np.argmax(means))
        tied = np.flatnonzero(means >= means[best] - TIE_TOLERANCE)
        if tied.size > 1:
            raise ParameterError("theta", theta, "must give a unique best arm",
                                 got=f"arms {tied.tolist()} tied at mean {float(means[best]):g}")
        means = np.ascontiguousarray(means)
        means.setflags(write=False)
        gaps = np.sort(means[best] - means)
        gaps[0] = 0.0
        gaps.setflags(write=False)
        basis = np.zeros((dimension, dimension))
        rank = span_basis(np.ascontiguousarray(features), _RANK_TOLERANCE, basis)
        self.features = features
        self.theta = theta
        self._means = means
        self._best_arm = best
        self._sorted_gaps = gaps
        self._rank = int(rank)
        self._frozen = True

    def __setattr__(self, name, value):
        if getattr(self, "_frozen", False):
            raise AttributeError(f"{type(self).__name__} is frozen: build a new problem to change {name}")
        object.__setattr__(self, name, value)

    # -- sizes and truth -----------------------------------------------------------------------
    @property
    def n_arms(self) -> int:
        """K."""
        return int(self.features.shape[0])

    @property
    def dimension(self) -> int:
        """d, the number of columns of ``features``."""
        return int(self.features.shape[1])

    @property
    def rank(self) -> int:
        """The dimension of the span of the arm vectors (relative tolerance 1e-10)."""
        return self._rank

    @property
    def means(self) -> np.ndarray:
        """``features @ theta`` (clipped to ``[0, 1]`` against rounding), read-only."""
        return self._means

    @property
    def best_arm(self) -> int:
        """The unique arm with the largest mean."""
        return self._best_arm

    @property
    def sorted_gaps(self) -> np.ndarray:
        """``Delta_(1) = 0 <= Delta_(2) <= ... <= Delta_(K)``, read-only."""
        return self._sorted_gaps

    def _top_range(self) -> np.ndarray:
        top = min(self.dimension ** 2, self.n_arms)
        return np.arange(2, top + 1)

    def complexity_bai(self) -> float:
        """``max_{2 <= i <= min(d^2, K)} i / Delta_(i)^2`` (0 when the range is empty)."""
        i = self._top_range()
        if i.size == 0:
            return 0.0
        return float(np.max(i / self._sorted_gaps[i - 1] ** 2))

    def complexity_private(self, epsilon) -> float:
        """``(1 / epsilon) max_{2 <= i <= min(d^2, K)} i / Delta_(i)`` (0 when the range is
        empty); ``epsilon > 0``."""
        epsilon = check_real("epsilon", epsilon, low=0.0, low_open=True)
        i = self._top_range()
        if i.size == 0:
            return 0.0
        return float(np.max(i / self._sorted_gaps[i - 1]) / epsilon)

    @property
    def learner_view(self):
        """What a learner may know: the arm vectors
        (:class:`environments.private_bai.protocol.PrivateBAIView`)."""
        from environments.private_bai.protocol import PrivateBAIView

        return PrivateBAIView(self.features)

    def check_policy_compatible(self, policy, path: str = "policy") -> None:
        """``ValueError`` naming ``path`` unless ``policy`` is a policy of the private best-arm
        identification setting (every such policy projects onto the span of its active arms, so
        none needs the arms to span ``R^d``)."""
        require_policy_of_setting(policy, "private_bai", path)

    def fused_loop(self, policies, horizon, record_points, table=None, pull_log=False):
        """The fused runner's loop (:class:`environments.private_bai.loop.PrivateBAILoop`);
        ``table`` and ``pull_log`` as there."""
        from environments.private_bai.loop import PrivateBAILoop

        return PrivateBAILoop(self, policies, horizon, record_points, table=table, pull_log=pull_log)

    def make_env(self, horizon: int):
        """The Gymnasium shell over this problem with a budget of ``horizon`` pulls."""
        from environments.private_bai.shell import PrivateLinearBAIShell

        return PrivateLinearBAIShell(self, horizon)

    def with_reward_table(self, table, log_pulls=False):
        """This problem with its rewards read from ``table``
        (:class:`RewardTableBAIProblem`)."""
        return RewardTableBAIProblem(self, table, log_pulls=log_pulls)

    def reward_table(self, horizon, rng) -> np.ndarray:
        """A ``horizon x K`` Bernoulli reward table of this problem (:func:`reward_table`)."""
        return reward_table(self._means, horizon, rng)

    def to_dict(self) -> dict:
        """Parameters as plain Python values (for manifests and reports)."""
        return {"features": self.features.tolist(), "theta": self.theta.tolist()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(K={self.n_arms}, d={self.dimension}, best_arm={self.best_arm})"


class RewardTableBAIProblem(LinearBAIProblem):
    """``problem`` with its rewards read from ``table`` (``T x K``, entries 0 or 1).

    Parameters
    ----------
    problem : LinearBAIProblem
        Arms and means (the means still define the best arm, the error and the regret).
    table : array of shape (T, K)
        The potential rewards; a run's budget must be ``T``.
    log_pulls : bool, default False
        The fused loop also records the arm of every pull (metric ``pull_log``, ``(P, R, T)``).
    """

    def __init__(self, problem, table, log_pulls=False):
        if not isinstance(problem, LinearBAIProblem):
            raise ParameterError("problem", problem, "must be a LinearBAIProblem")
        from environments.private_bai.dynamics import check_reward_table

        array = check_reward_table(table, None, problem.n_arms)
        array.setflags(write=False)
        self.base_problem = problem
        self.table = array
        self.log_pulls = bool(log_pulls)
        super().__init__(problem.features, problem.theta)

    @property
    def horizon(self) -> int:
        """T, the rows of the table."""
        return int(self.table.shape[0])

    def _check_horizon(self, horizon):
        if int(horizon) != self.horizon:
            raise ParameterError("horizon", horizon, f"must equal the reward table's T = {self.horizon} rows")

    def fused_loop(self, policies, horizon, record_points, table=None, pull_log=False):
        """The fused loop reading :attr:`table`."""
        self._check_horizon(horizon)
        return super().fused_loop(policies, horizon, record_points, table=self.table,
                                  pull_log=self.log_pulls or pull_log)

    def make_env(self, horizon: int):
        """The Gymnasium shell reading :attr:`table` and logging every entry it reads."""
        from environments.private_bai.shell import PrivateLinearBAIShell

        self._check_horizon(horizon)
        return PrivateLinearBAIShell(self, horizon, reward_table=self.table, record_reads=True)

    def to_dict(self) -> dict:
        return {**self.base_problem.to_dict(), "table_shape": list(self.table.shape)}


def reward_table(means, horizon, rng) -> np.ndarray:
    """An i.i.d. Bernoulli reward table: ``table[t, k] = 1{u[t, k] < means[k]}``.

    Parameters
    ----------
    means : sequence of float
        K means in ``[0, 1]``.
    horizon : int
        T >= 1 rows.
    rng : numpy.random.Generator, int or SeedSequence
        The uniforms are ``rng.random((T, K))``: row ``t`` is round ``t``, drawn in row-major
        order.

    Returns
    -------
    float64[T, K] of 0.0 and 1.0
    """
    means = check_real_vector("means", means, low=0.0, high=1.0)
    horizon = check_integer("horizon", horizon, low=1)
    generator = as_generator(rng, "rng")
    uniforms = generator.random((horizon, means.shape[0]))
    return (uniforms < means).astype(np.float64)


def neighbour(table, t, k) -> np.ndarray:
    """A copy of the 0/1 reward ``table`` with entry ``(t, k)`` flipped (0 <-> 1): a neighbouring
    table in the sense of differential privacy."""
    array = np.array(table)
    if array.ndim != 2 or array.size == 0:
        raise ParameterError("table", table, "must be a non-empty 2-D array", got=f"an array of shape {array.shape}")
    if not np.all((array == 0) | (array == 1)):
        raise ParameterError("table", table, "must hold only 0 and 1", got="other values")
    n_rows, n_columns = array.shape
    t = check_integer("t", t, low=0, high=n_rows - 1)
    k = check_integer("k", k, low=0, high=n_columns - 1)
    array[t, k] = 1 - array[t, k]
    return array
