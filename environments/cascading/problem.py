"""The cascading problems: frozen parameters, the exact values that define regret, and the
runner's hooks.

:class:`CascadingMDP` (explicit tables) and :class:`RandomCascadingMDP` (seeded instances with
the shape of the experiments) are cascading MDPs of Du, Srikant & Chen (ICLR 2024,
arXiv:2401.08961); :class:`CascadingBandit` and :class:`BLBCascadingBandit` are the cascading
bandits of Kveton, Szepesvari, Wen & Ashkan (ICML 2015, arXiv:1502.02763), implemented as the
cascading MDP with ``S = H = 1`` and ``r = 1``. Every problem computes ``V*`` and an optimal plan
with BestPerm (:mod:`environments.cascading.planning`) when it is built, evaluates any Markov
plan exactly (:meth:`plan_value`), and builds the setting's fused loop
(:class:`environments.cascading.loop.CascadingLoop`), Gymnasium shell (:meth:`make_env`) and
learner view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from bandits.core.indices import bernoulli_kl
from bandits.core.policy import require_policy_of_setting
from bandits.core.validation import (
    ParameterError,
    check_choice,
    check_integer,
    check_real,
    check_real_array,
    check_real_vector,
)
from environments.cascading.loop import CascadingLoop
from environments.cascading.planning import cascade_list_value, optimal_values, plan_values
from environments.cascading.protocol import CascadeLearnerView
from environments.cascading.shell import CascadingBanditShell, CascadingMDPShell

__all__ = ["CascadingMDP", "RandomCascadingMDP", "CascadingBandit", "BLBCascadingBandit"]

_STOCHASTIC_TOLERANCE = 1e-9


class _CascadeProblem:
    """Common part of the cascading problems: derived arrays, exact values, runner hooks.

    Subclasses set ``_attraction`` (S, N), ``_item_reward`` (S, N), ``_transition``
    (S, N+1, S), ``_initial`` (S), ``_episode_length``, ``_list_length`` in ``__post_init__``
    through :meth:`_finish`.
    """

    name: ClassVar[str] = ""
    setting: ClassVar[str] = "cascading"
    time_unit: ClassVar[str] = "episode"
    reward_range: ClassVar[tuple] = (0.0, 1.0)
    unit_rewards: ClassVar[bool] = False

    def __setattr__(self, name, value):
        if getattr(self, "_frozen", False):
            raise AttributeError(f"{type(self).__name__} is immutable; build a new problem instead")
        object.__setattr__(self, name, value)

    def _finish(self, attraction, item_reward, transition, initial, episode_length, list_length):
        n_states, n_items = attraction.shape
        reward = np.zeros((n_states, n_items + 1))
        reward[:, :n_items] = item_reward
        transition = transition / transition.sum(axis=2, keepdims=True)  # exact rows after validation
        transition_cdf = np.cumsum(transition, axis=2)
        initial = initial / initial.sum()
        initial_cdf = np.cumsum(initial)
        for array in (attraction, reward, transition, transition_cdf, initial, initial_cdf):
            array.setflags(write=False)
        object.__setattr__(self, "_attraction", attraction)
        object.__setattr__(self, "_reward", reward)
        object.__setattr__(self, "_transition", transition)
        object.__setattr__(self, "_initial", initial)
        object.__setattr__(
            self,
            "_kernel_params",
            (attraction, reward, transition, transition_cdf, initial_cdf, initial, int(episode_length), int(list_length)),
        )
        values = np.zeros((episode_length + 1, n_states))
        plan_items = np.zeros((episode_length, n_states, list_length), np.int64)
        plan_length = np.zeros((episode_length, n_states), np.int64)
        optimal = optimal_values(attraction, reward, transition, initial, int(list_length), values, plan_items, plan_length)
        for array in (values, plan_items, plan_length):
            array.setflags(write=False)
        object.__setattr__(self, "_optimal_values", values)
        object.__setattr__(self, "_optimal_plan", (plan_items, plan_length))
        object.__setattr__(self, "_optimal_value", float(optimal))

    # -- sizes and tables --------------------------------------------------------------------
    @property
    def n_states(self) -> int:
        return int(self._attraction.shape[0])

    @property
    def n_items(self) -> int:
        return int(self._attraction.shape[1])

    @property
    def horizon_per_episode(self) -> int:
        """H, the steps per episode."""
        return int(self._kernel_params[6])

    @property
    def max_list_length(self) -> int:
        """m, the maximum list length."""
        return int(self._kernel_params[7])

    @property
    def attraction_table(self) -> np.ndarray:
        """``q(s, a)``, float64[S, N]."""
        return self._attraction

    @property
    def reward_table(self) -> np.ndarray:
        """``r(s, a)``, float64[S, N+1]; column N (no click) is 0."""
        return self._reward

    @property
    def transition_table(self) -> np.ndarray:
        """``p(s'|s, a)``, float64[S, N+1, S]; row N is the no-click transition."""
        return self._transition

    @property
    def initial_probabilities(self) -> np.ndarray:
        """``rho``, float64[S]."""
        return self._initial

    @property
    def kernel_params(self) -> tuple:
        """``(attraction, reward, transition, transition_cdf, initial_cdf, initial, H, m)``."""
        return self._kernel_params

    # -- exact values --------------------------------------------------------------------------
    @property
    def optimal_values(self) -> np.ndarray:
        """``V*_h(s)``, float64[H+1, S], by backward induction with BestPerm."""
        return self._optimal_values

    @property
    def optimal_plan(self) -> tuple:
        """An optimal Markov plan ``(items int64[H, S, m], lengths int64[H, S])``."""
        return self._optimal_plan

    @property
    def optimal_value(self) -> float:
        """``rho^T V*_0``: the per-episode comparator of regret."""
        return self._optimal_value

    def plan_value(self, plan_items, plan_length) -> float:
        """``rho^T V^pi_0`` of a Markov plan (exact policy evaluation): ``plan_items`` int[H, S, m]
        and ``plan_length`` int[H, S]; the list of ``(h, s)`` is ``plan_items[h, s, :length]``, 1..m
        distinct items in ``[0, N)``. ``ValueError`` naming the first bad ``(h, s)`` otherwise."""
        items = np.ascontiguousarray(plan_items, dtype=np.int64)
        lengths = np.ascontiguousarray(plan_length, dtype=np.int64)
        n_steps, n_states, m, n_items = self.horizon_per_episode, self.n_states, self.max_list_length, self.n_items
        expected = (n_steps, n_states)
        if lengths.shape != expected or items.shape != expected + (m,):
            raise ParameterError(
                "plan", (items, lengths), f"must be items of shape {expected + (m,)} and lengths of shape {expected}",
                got=f"{items.shape} and {lengths.shape}",
            )
        listed = np.arange(m) < lengths[..., None]
        sentinels = -1 - np.arange(m)  # distinct values below every item for unlisted slots
        ordered = np.sort(np.where(listed, items, sentinels), axis=-1)
        bad = (
            (lengths < 1) | (lengths > m)
            | np.any(listed & ((items < 0) | (items >= n_items)), axis=-1)
            | np.any(ordered[..., 1:] == ordered[..., :-1], axis=-1)
        )
        if bad.any():
            h, s = (int(i) for i in np.argwhere(bad)[0])
            raise ParameterError(
                f"plan[{h}, {s}]", items[h, s, : max(lengths[h, s], 0)].tolist(),
                f"must be a list of 1 to {m} distinct items in [0, {n_items})",
            )
        values = np.zeros((n_steps + 1, n_states))
        return float(plan_values(self._attraction, self._reward, self._transition, self._initial, items, lengths, values))

    def list_value(self, state: int, items, step: int = 0, values_next=None) -> float:
        """``f(A, q(s, .), w*_h(s, .))``: the expected value of listing ``items`` in ``state`` at
        step ``h`` and acting optimally afterwards (for the bandit: ``1 - prod(1 - q)``)."""
        items = np.asarray(items, dtype=np.int64)
        next_values = self._optimal_values[step + 1]
        weights = self._reward[state] + self._transition[state] @ next_values
        return float(
            cascade_list_value(items, items.size, self._attraction[state], weights[: self.n_items], weights[self.n_items])
        )

    @property
    def learner_view(self) -> CascadeLearnerView:
        """What a learner may know: sizes, rewards, initial distribution (never q or p)."""
        return CascadeLearnerView(
            n_states=self.n_states,
            n_items=self.n_items,
            episode_length=self.horizon_per_episode,
            list_length=self.max_list_length,
            reward=self._reward,
            initial_distribution=self._initial,
            unit_rewards=self.unit_rewards,
        )

    # -- runner hooks ----------------------------------------------------------------------------
    def check_policy_compatible(self, policy, path: str = "policy") -> None:
        """``ValueError`` unless ``policy`` is a policy of the cascading setting able to run on
        this problem."""
        require_policy_of_setting(policy, self.setting, path)
        policy.check_view(self.learner_view, path)

    def fused_loop(self, policies, horizon, record_points):
        """The fused runner's loop for this problem (:class:`CascadingLoop`)."""
        return CascadingLoop(self, policies, horizon, record_points)

    def make_env(self, horizon: int):
        """The Gymnasium shell over this problem for a run of ``horizon`` episodes
        (:class:`CascadingMDPShell`; ``truncated=True`` at the end of the last episode)."""
        return CascadingMDPShell(self, horizon=horizon)


def _check_list_length(list_length, n_items):
    list_length = check_integer("list_length", list_length, low=1)
    if list_length > n_items:
        raise ParameterError("list_length", list_length, f"must be <= the number of items {n_items}")
    return list_length


@dataclass(frozen=True, eq=False)
class CascadingMDP(_CascadeProblem):
    """A cascading MDP with explicit tables (Du et al., 2024, arXiv:2401.08961).

    Parameters
    ----------
    attraction : array (S, N)
        ``q(s, a)`` in [0, 1].
    reward : array (S, N)
        ``r(s, a)`` in [0, 1] for the items; the no-click reward is 0.
    transition : array (S, N+1, S)
        ``p(s'|s, a)``; row N is the no-click transition. Rows non-negative, summing to 1 (within
        1e-9; they are renormalised).
    episode_length : int
        H >= 1.
    list_length : int
        m, ``1 <= m <= N``.
    initial_distribution : array (S,), optional
        ``rho``; default: start in state 0 (the paper's fixed ``s_1``).
    """

    attraction: np.ndarray
    reward: np.ndarray
    transition: np.ndarray
    episode_length: int = 3
    list_length: int = 3
    initial_distribution: np.ndarray | None = None

    name: ClassVar[str] = "CascadingMDP"

    def __post_init__(self):
        attraction = check_real_array("attraction", self.attraction, ndim=2, low=0.0, high=1.0)
        n_states, n_items = attraction.shape
        reward = check_real_array("reward", self.reward, ndim=2, low=0.0, high=1.0)
        if reward.shape != (n_states, n_items):
            raise ParameterError("reward", reward, f"must have shape (S, N) = {(n_states, n_items)}", got=str(reward.shape))
        transition = check_real_array("transition", self.transition, ndim=3, low=0.0)
        if transition.shape != (n_states, n_items + 1, n_states):
            raise ParameterError(
                "transition", transition, f"must have shape (S, N+1, S) = {(n_states, n_items + 1, n_states)}",
                got=str(transition.shape),
            )
        sums = transition.sum(axis=2)
        if np.any(np.abs(sums - 1.0) > _STOCHASTIC_TOLERANCE):
            s, a = (int(i) for i in np.argwhere(np.abs(sums - 1.0) > _STOCHASTIC_TOLERANCE)[0])
            raise ParameterError(f"transition[{s}, {a}, :]", sums[s, a], "must sum to 1")
        episode_length = check_integer("episode_length", self.episode_length, low=1)
        list_length = _check_list_length(self.list_length, n_items)
        if self.initial_distribution is None:
            initial = np.zeros(n_states)
            initial[0] = 1.0
        else:
            initial = check_real_array("initial_distribution", self.initial_distribution, ndim=1, low=0.0)
            if initial.shape != (n_states,) or abs(initial.sum() - 1.0) > _STOCHASTIC_TOLERANCE:
                raise ParameterError(
                    "initial_distribution", self.initial_distribution, f"must be {n_states} probabilities summing to 1"
                )
        for name, value in (("attraction", attraction), ("reward", reward), ("transition", transition)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "episode_length", episode_length)
        object.__setattr__(self, "list_length", list_length)
        self._finish(attraction.copy(), reward, transition, np.array(initial, dtype=np.float64), episode_length, list_length)

    def to_dict(self) -> dict:
        """Parameters as plain Python values."""
        return {
            "attraction": self.attraction.tolist(),
            "reward": self.reward.tolist(),
            "transition": self.transition.tolist(),
            "episode_length": self.episode_length,
            "list_length": self.list_length,
            "initial_distribution": self._initial.tolist(),
        }


class RandomCascadingMDP(_CascadeProblem):
    """A seeded random cascading MDP with the shape of Du et al.'s experiments (arXiv:2401.08961):
    ``q(s, a) ~ Uniform[0, 1]`` (``"uniform"``) or ``Uniform[0, 0.3]`` (``"low_ctr"``, hard
    instances have low attraction), ``r(s, a) ~ Uniform[0, 1]``, ``p(.|s, a) ~ Dirichlet(
    transition_concentration * 1)`` for every item and the no-click item, start in state 0.

    The paper's MovieLens-derived instances cannot be rebuilt (their preprocessing is not known
    to us); this generator is our substitute, drawn from
    ``numpy.random.default_rng(instance_seed)`` in the order q, r, p.

    Parameters
    ----------
    n_items : int
        N >= 1 (the paper: 10, 15, 20, 25).
    n_states : int, default 20
    episode_length : int, default 3
    list_length : int, default 3
        ``1 <= m <= N``.
    attraction_regime : {"uniform", "low_ctr"}, default "uniform"
    transition_concentration : float, default 1.0
        Dirichlet parameter, ``> 0``.
    instance_seed : int, default 0
        Seed of the instance (not of the episodes), ``>= 0``.
    """

    name: ClassVar[str] = "RandomCascadingMDP"

    def __init__(self, n_items=10, n_states=20, episode_length=3, list_length=3, attraction_regime="uniform",
                 transition_concentration=1.0, instance_seed=0):
        n_items = check_integer("n_items", n_items, low=1)
        n_states = check_integer("n_states", n_states, low=1)
        episode_length = check_integer("episode_length", episode_length, low=1)
        list_length = _check_list_length(list_length, n_items)
        regime = check_choice("attraction_regime", attraction_regime, ("uniform", "low_ctr"))
        concentration = check_real("transition_concentration", transition_concentration, low=0.0, low_open=True)
        seed = check_integer("instance_seed", instance_seed, low=0)
        self.episode_length = episode_length
        self.list_length = list_length
        self.attraction_regime = regime
        self.transition_concentration = concentration
        self.instance_seed = seed
        rng = np.random.default_rng(seed)
        high = 1.0 if regime == "uniform" else 0.3
        attraction = rng.uniform(0.0, high, size=(n_states, n_items))
        reward = rng.uniform(0.0, 1.0, size=(n_states, n_items))
        transition = rng.dirichlet(np.full(n_states, concentration), size=(n_states, n_items + 1))
        initial = np.zeros(n_states)
        initial[0] = 1.0
        self._finish(attraction, reward, transition, initial, episode_length, list_length)
        self._frozen = True

    def to_dict(self) -> dict:
        return {
            "n_items": self.n_items,
            "n_states": self.n_states,
            "episode_length": self.episode_length,
            "list_length": self.list_length,
            "attraction_regime": self.attraction_regime,
            "transition_concentration": self.transition_concentration,
            "instance_seed": self.instance_seed,
        }

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items())
        return f"RandomCascadingMDP({args})"


class _CascadingBanditBase(_CascadeProblem):
    """Common part of the cascading bandits: ``S = H = 1``, unit rewards, no-click reward 0."""

    time_unit: ClassVar[str] = "time step"
    unit_rewards: ClassVar[bool] = True

    def _finish_bandit(self, attraction, list_length):
        n_items = attraction.size
        self._finish(
            attraction.reshape(1, n_items).copy(),
            np.ones((1, n_items)),
            np.ones((1, n_items + 1, 1)),
            np.ones(1),
            1,
            list_length,
        )

    @property
    def expected_rewards(self) -> np.ndarray:
        """``w_bar``, the attraction of every item."""
        return self._attraction[0]

    @property
    def optimal_expected_reward(self) -> float:
        """``1 - prod over the K most attractive items of (1 - w_bar)``."""
        return self._optimal_value

    def expected_reward(self, items) -> float:
        """``f(A) = 1 - prod_{a in A} (1 - w_bar(a))``."""
        items = np.asarray(items, dtype=np.int64)
        return float(1.0 - np.prod(1.0 - self._attraction[0, items]))

    def make_env(self, horizon: int):
        """The Gymnasium shell over this bandit for a run of ``horizon`` time steps
        (:class:`CascadingBanditShell`; ``truncated=True`` at the last step)."""
        return CascadingBanditShell(self, horizon=horizon)


@dataclass(frozen=True, eq=False)
class CascadingBandit(_CascadingBanditBase):
    """The cascading bandit of Kveton et al. (2015, arXiv:1502.02763): L items with attraction
    probabilities ``w_bar``, lists of ``list_length`` (K in the paper) items, reward 1 iff some
    listed item is clicked. Expected reward of a list ``1 - prod_{a in A}(1 - w_bar(a))``; the optimal list holds
    the K most attractive items. Implemented as the cascading MDP with ``S = H = 1``, ``r = 1``.

    Parameters
    ----------
    attraction : sequence of float
        ``w_bar(e)`` in [0, 1], length L >= 1.
    list_length : int
        K, ``1 <= K <= L``.
    """

    attraction: np.ndarray
    list_length: int = 4

    name: ClassVar[str] = "CascadingBandit"

    def __post_init__(self):
        attraction = check_real_vector("attraction", self.attraction, low=0.0, high=1.0)
        list_length = _check_list_length(self.list_length, attraction.size)
        object.__setattr__(self, "attraction", attraction)
        object.__setattr__(self, "list_length", list_length)
        self._finish_bandit(attraction, list_length)

    def to_dict(self) -> dict:
        return {"attraction": self.attraction.tolist(), "list_length": self.list_length}


class BLBCascadingBandit(_CascadingBanditBase):
    """Kveton et al.'s benchmark family ``B_LB(L, K, p, Delta)`` (arXiv:1502.02763): items
    ``0..K-1`` have attraction ``p``, the other ``L - K`` items ``p - Delta``. Its asymptotic regret lower bound is
    ``(L - K) Delta (1 - p)^(K-1) / kl(p - Delta, p) log n`` (:meth:`lower_bound_constant`).

    Parameters
    ----------
    n_items : int, default 16
        L.
    list_length : int, default 4
        K, ``1 <= K <= L``.
    p : float, default 0.2
        In (0, 1].
    gap : float, default 0.15
        Delta, in (0, p].
    """

    name: ClassVar[str] = "BLBCascadingBandit"

    def __init__(self, n_items=16, list_length=4, p=0.2, gap=0.15):
        n_items = check_integer("n_items", n_items, low=1)
        list_length = _check_list_length(list_length, n_items)
        p = check_real("p", p, low=0.0, high=1.0, low_open=True)
        gap = check_real("gap", gap, low=0.0, high=p, low_open=True)
        attraction = np.full(n_items, p - gap)
        attraction[:list_length] = p
        attraction.setflags(write=False)
        self.attraction = attraction
        self.list_length = list_length
        self.p = p
        self.gap = gap
        self._finish_bandit(attraction, list_length)
        self._frozen = True

    def lower_bound_constant(self) -> float:
        """``(L - K) Delta (1 - p)^(K-1) / kl(p - Delta, p)``: ``liminf R(n) / log n`` of any
        consistent algorithm (Kveton et al., 2015, arXiv:1502.02763, Theorem 4)."""
        low = self.p - self.gap
        if self.n_items == self.list_length:
            return 0.0
        return (self.n_items - self.list_length) * self.gap * (1.0 - self.p) ** (self.list_length - 1) / bernoulli_kl(low, self.p)

    def to_dict(self) -> dict:
        return {"n_items": self.n_items, "list_length": self.list_length, "p": self.p, "gap": self.gap}

    def __repr__(self):
        return f"BLBCascadingBandit(n_items={self.n_items}, list_length={self.list_length}, p={self.p}, gap={self.gap})"

