"""Cascading bandits (Kveton et al., ICML 2015) and cascading RL (Du, Srikant & Chen, ICLR 2024).

Model (``shared/reference/cascading.md`` §2)
--------------------------------------------
A user in state ``s`` scans an ordered list ``A = (a_1, ..., a_n)`` of 1..m distinct items out of
N and clicks the first attractive one; item ``a`` is attractive with probability ``q(s, a)``,
independently of the others. A click on ``a`` pays ``r(s, a)`` and moves the user to
``s' ~ p(.|s, a)``; no click is the virtual item ``a_bot`` (index N) with reward 0 and its own
transition ``p(.|s, a_bot)``. Episodes have H steps and start in ``s_1 ~ rho``. Feedback is the
examined prefix: the attraction outcome of every item up to and including the clicked one.

The cascading bandit is the special case ``S = H = 1``, ``r = 1`` (§12, "Mapping"): the reward is
1 iff some listed item is clicked and the expected reward of a list is ``1 - prod (1 - q)``.
Both problems share every kernel below, so their draws coincide (a test checks it).

Draw discipline (common random numbers)
---------------------------------------
:func:`cascade_initial_state` uses one uniform; :func:`cascade_step` uses N uniforms, one per
item in item order, listed or not (item ``a`` is attractive iff ``u_a < q(s, a)``), then one
uniform for the transition (inverse CDF), whatever the list. With a single state (the bandit)
the initial-state and transition draws are skipped: N uniforms per step. Two policies run on the same
environment seed therefore see the same attraction outcomes at every step.

Regret
------
Per episode ``V*_1(s_1) - V^{pi_k}_1(s_1)`` (``rho``-weighted), from exact policy evaluation of the
plan the policy committed to for the episode (§4, P6); for the bandit this is
``f(A*) - f(A_t)``. The fused loop :func:`run_cascading_replication` drives the environment
kernels and a policy's kernels (:mod:`bandits.policies.cascading`) for K episodes; the Gymnasium
shells :class:`CascadingBanditEnv` and :class:`CascadingMDPEnv` drive the same kernels one step
at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import gymnasium as gym
import numba as nb
import numpy as np
from gymnasium import spaces

from bandits.kernels import compiled_entry_point, kernel, kernel_reference
from bandits.policies.cascading import (
    CascadeLearnerView,
    CascadingPolicy,
    cascade_list_value,
    parse_item_list,
    plan_values,
    optimal_values,
)
from bandits.rng import generator_of, make_random_stream
from bandits.runner import FusedLoop
from bandits.validation import check_choice, check_integer, check_real, check_real_array

__all__ = [
    "CascadingMDP",
    "RandomCascadingMDP",
    "CascadingBandit",
    "BLBCascadingBandit",
    "CascadingBanditEnv",
    "CascadingMDPEnv",
    "CascadingLoop",
    "ItemListSpace",
    "cascade_initial_state",
    "cascade_step",
    "run_cascading_replication",
    "ENVIRONMENT_IDS",
    "PROBLEMS",
]

_STOCHASTIC_TOLERANCE = 1e-9


# ---------------------------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def _inverse_cdf(cdf, u):
    n = cdf.size
    for i in range(n):
        if u < cdf[i]:
            return i
    # rounding: u >= cdf[-1] only when the row sums to 1 - few ulps; take the last positive entry
    for i in range(n - 1, -1, -1):
        if i == 0 or cdf[i] > cdf[i - 1]:
            return i
    return n - 1


@nb.njit(cache=True, nogil=True)
def cascade_initial_state(params, rng):
    """``s_1 ~ rho`` by inverse CDF: one uniform (none when there is a single state)."""
    initial_cdf = params[4]
    if initial_cdf.size == 1:
        return 0
    return _inverse_cdf(initial_cdf, generator_of(rng).random())


@nb.njit(cache=True, nogil=True)
def cascade_step(params, s, items, length, rng):
    """One step of the cascade in state ``s`` with the list ``items[:length]``.

    Draws N uniforms (item ``a`` attractive iff ``u_a < q(s, a)``, every item, in item order),
    then one uniform for ``s' ~ p(.|s, clicked)`` (none when there is a single state). Returns ``(click, next_state, reward)``:
    ``click`` is the position of the first attractive listed item, or -1 (no click, ``a_bot``).
    """
    attraction, reward, transition_cdf = params[0], params[1], params[3]
    g = generator_of(rng)
    n_items = attraction.shape[1]
    click = -1
    # one uniform per item, listed or not; the first attractive listed item is clicked
    first_position = length
    for a in range(n_items):
        attractive = g.random() < attraction[s, a]
        if attractive:
            for i in range(first_position):
                if items[i] == a:
                    first_position = i
                    break
    if first_position < length:
        click = first_position
    clicked = items[click] if click >= 0 else n_items
    next_state = 0
    if transition_cdf.shape[0] > 1:
        next_state = _inverse_cdf(transition_cdf[s, clicked], g.random())
    return click, next_state, reward[s, clicked]


@nb.njit(cache=True, nogil=True)
def run_cascading_replication(
    params,
    optimal_value,
    policy_init,
    policy_plan,
    policy_update,
    hyper,
    n_episodes,
    record_points,
    env_stream,
    policy_stream,
    regret_out,
    reward_out,
    clicks_out,
    counts_out,
    stop_out,
):
    """Run one policy for ``n_episodes`` episodes (record points count episodes).

    Episode k: ``stop = plan(state, hyper, k, policy_stream, plan_items, plan_length)``; the plan's
    exact value ``v = rho^T V^pi_0`` (:func:`bandits.policies.cascading.plan_values`); if ``stop``,
    record ``episodes_used = k - 1`` and ``final_gap = V* - v`` and end (later record points keep
    the final values); otherwise draw ``s_1`` and play H steps, updating the policy after each,
    and add ``V* - v`` to the regret. ``stop_out = [episodes_used, stopped, final_gap]`` (the
    final gap of the last plan when the policy never stops).

    Outputs per record point: cumulative regret, realised reward and clicks; ``counts_out[a]``:
    how often item ``a`` was listed.
    """
    attraction, reward, transition, transition_cdf, initial_cdf, initial, n_steps, m = params
    n_states, n_items = attraction.shape
    state = kernel(policy_init)(n_states, n_items, n_steps, m, hyper)
    plan_items = np.zeros((n_steps, n_states, m), np.int64)
    plan_length = np.ones((n_steps, n_states), np.int64)
    values = np.zeros((n_steps + 1, n_states))
    counts = np.zeros(n_items, np.int64)
    regret = 0.0
    total_reward = 0.0
    clicks = 0.0
    next_record = 0
    n_records = record_points.size
    episodes_used = n_episodes
    stopped = 0
    last_gap = 0.0
    for k in range(1, n_episodes + 1):
        stop = kernel(policy_plan)(state, hyper, k, policy_stream, plan_items, plan_length)
        value = plan_values(attraction, reward, transition, initial, plan_items, plan_length, values)
        last_gap = optimal_value - value
        if stop != 0:
            episodes_used = k - 1
            stopped = 1
            break
        s = cascade_initial_state(params, env_stream)
        for h in range(n_steps):
            items = plan_items[h, s]
            length = plan_length[h, s]
            click, next_state, r = cascade_step(params, s, items, length, env_stream)
            kernel(policy_update)(state, hyper, k, h, s, items, length, click, next_state, r)
            total_reward += r
            if click >= 0:
                clicks += 1.0
            for i in range(length):
                counts[items[i]] += 1
            s = next_state
        regret += last_gap
        if next_record < n_records and k == record_points[next_record]:
            regret_out[next_record] = regret
            reward_out[next_record] = total_reward
            clicks_out[next_record] = clicks
            next_record += 1
    while next_record < n_records:
        regret_out[next_record] = regret
        reward_out[next_record] = total_reward
        clicks_out[next_record] = clicks
        next_record += 1
    counts_out[:] = counts
    stop_out[0] = episodes_used
    stop_out[1] = stopped
    stop_out[2] = last_gap


# ---------------------------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------------------------
class _CascadeProblem:
    """Common part of the cascading problems: derived arrays, exact values, runner hooks.

    Subclasses set ``_attraction`` (S, N), ``_item_reward`` (S, N), ``_transition``
    (S, N+1, S), ``_initial`` (S), ``_episode_length``, ``_list_length`` in ``__post_init__``
    through :meth:`_finish`.
    """

    name: ClassVar[str] = ""
    time_unit: ClassVar[str] = "episode"

    def __setattr__(self, name, value):
        if getattr(self, "_frozen", False):
            raise AttributeError(f"{type(self).__name__} is immutable; build a new problem instead")
        object.__setattr__(self, name, value)
    reward_range: ClassVar[tuple] = (0.0, 1.0)
    unit_rewards: ClassVar[bool] = False

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
        """``rho^T V^pi_0`` of a Markov plan (exact policy evaluation)."""
        items = np.ascontiguousarray(plan_items, dtype=np.int64)
        lengths = np.ascontiguousarray(plan_length, dtype=np.int64)
        expected = (self.horizon_per_episode, self.n_states)
        if lengths.shape != expected or items.shape != expected + (self.max_list_length,):
            raise ValueError(
                f"plan: must be items of shape {expected + (self.max_list_length,)} and lengths of shape "
                f"{expected}, got {items.shape} and {lengths.shape}"
            )
        for h in range(expected[0]):
            for s in range(expected[1]):
                action = np.full(self.max_list_length, self.n_items, np.int64)
                action[: lengths[h, s]] = items[h, s, : max(lengths[h, s], 0)]
                parse_item_list(action, self.n_items, self.max_list_length)
        values = np.zeros((expected[0] + 1, expected[1]))
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
        """``ValueError`` unless ``policy`` is a cascading policy able to run on this problem."""
        if not isinstance(policy, CascadingPolicy):
            raise ValueError(f"{path}: must be a cascading policy (regretlab list), got {policy!r}")
        policy.check_view(self.learner_view, path)

    def fused_loop(self, policies, horizon, record_points):
        """The fused runner's loop for this problem (:class:`CascadingLoop`)."""
        return CascadingLoop(self, policies, horizon, record_points)


def _check_list_length(list_length, n_items):
    list_length = check_integer("list_length", list_length, low=1)
    if list_length > n_items:
        raise ValueError(f"list_length: must be <= the number of items {n_items}, got {list_length}")
    return list_length


@dataclass(frozen=True, eq=False)
class CascadingMDP(_CascadeProblem):
    """A cascading MDP with explicit tables (Du et al., 2024; §2).

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
            raise ValueError(f"reward: must have shape (S, N) = {(n_states, n_items)}, got {reward.shape}")
        transition = check_real_array("transition", self.transition, ndim=3, low=0.0)
        if transition.shape != (n_states, n_items + 1, n_states):
            raise ValueError(
                f"transition: must have shape (S, N+1, S) = {(n_states, n_items + 1, n_states)}, got {transition.shape}"
            )
        sums = transition.sum(axis=2)
        if np.any(np.abs(sums - 1.0) > _STOCHASTIC_TOLERANCE):
            s, a = (int(i) for i in np.argwhere(np.abs(sums - 1.0) > _STOCHASTIC_TOLERANCE)[0])
            raise ValueError(f"transition[{s}, {a}, :]: must sum to 1, got {sums[s, a]!r}")
        episode_length = check_integer("episode_length", self.episode_length, low=1)
        list_length = _check_list_length(self.list_length, n_items)
        if self.initial_distribution is None:
            initial = np.zeros(n_states)
            initial[0] = 1.0
        else:
            initial = check_real_array("initial_distribution", self.initial_distribution, ndim=1, low=0.0)
            if initial.shape != (n_states,) or abs(initial.sum() - 1.0) > _STOCHASTIC_TOLERANCE:
                raise ValueError(
                    f"initial_distribution: must be {n_states} probabilities summing to 1, got {self.initial_distribution!r}"
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
    """A seeded random cascading MDP with the shape of Du et al.'s experiments (§9, advice):
    ``q(s, a) ~ Uniform[0, 1]`` (``"uniform"``) or ``Uniform[0, 0.3]`` (``"low_ctr"``, hard
    instances have low attraction), ``r(s, a) ~ Uniform[0, 1]``, ``p(.|s, a) ~ Dirichlet(
    transition_concentration * 1)`` for every item and the no-click item, start in state 0.

    The paper's MovieLens-derived instances are not reproducible (§9, §13); this generator is
    our substitute, drawn from ``numpy.random.default_rng(instance_seed)`` in the order q, r, p.

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


@dataclass(frozen=True, eq=False)
class CascadingBandit(_CascadingBanditBase):
    """The cascading bandit of Kveton et al. (2015; §12): L items with attraction probabilities
    ``w_bar``, lists of ``list_length`` (K in the paper) items, reward 1 iff some listed item is
    clicked. Expected reward of a list ``1 - prod_{a in A}(1 - w_bar(a))``; the optimal list holds
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
        from bandits.validation import check_real_vector

        attraction = check_real_vector("attraction", self.attraction, low=0.0, high=1.0)
        list_length = _check_list_length(self.list_length, attraction.size)
        object.__setattr__(self, "attraction", attraction)
        object.__setattr__(self, "list_length", list_length)
        self._finish_bandit(attraction, list_length)

    def to_dict(self) -> dict:
        return {"attraction": self.attraction.tolist(), "list_length": self.list_length}


class BLBCascadingBandit(_CascadingBanditBase):
    """Kveton et al.'s benchmark family ``B_LB(L, K, p, Delta)`` (§12): items ``0..K-1`` have
    attraction ``p``, the other ``L - K`` items ``p - Delta``. Its asymptotic regret lower bound is
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
        consistent algorithm (Kveton et al., 2015, Theorem 4; §12)."""
        from bandits.policies.classic import bernoulli_kl

        low = self.p - self.gap
        if self.n_items == self.list_length:
            return 0.0
        return (self.n_items - self.list_length) * self.gap * (1.0 - self.p) ** (self.list_length - 1) / bernoulli_kl(low, self.p)

    def to_dict(self) -> dict:
        return {"n_items": self.n_items, "list_length": self.list_length, "p": self.p, "gap": self.gap}

    def __repr__(self):
        return f"BLBCascadingBandit(n_items={self.n_items}, list_length={self.list_length}, p={self.p}, gap={self.gap})"


# ---------------------------------------------------------------------------------------------
# Fused loop
# ---------------------------------------------------------------------------------------------
class CascadingLoop(FusedLoop):
    """:func:`run_cascading_replication` for a cascading problem (see
    :class:`bandits.runner.FusedLoop`). Metrics: ``clicks`` (P, R, J) cumulative clicks;
    ``episodes_used`` (P, R) int64 (K unless the policy stopped); ``stopped`` (P, R) int64;
    ``final_gap`` (P, R), ``V* - V^pi`` of the last plan (the output of a BPI policy)."""

    loop = run_cascading_replication

    def __init__(self, problem, policies, horizon, record_points):
        self.problem = problem
        self.horizon = horizon
        self.record_points = record_points
        view = problem.learner_view
        self.hypers = [p.kernel_hyper(view, horizon) for p in policies]
        self.references = [
            tuple(kernel_reference(k) for k in (type(p).init_kernel, type(p).plan_kernel, type(p).update_kernel))
            for p in policies
        ]

    def allocate(self, n_policies, n_replications):
        shape = (n_policies, n_replications, self.record_points.size)
        return {
            "cumulative_regret": np.zeros(shape),
            "cumulative_reward": np.zeros(shape),
            "pull_counts": np.zeros((n_policies, n_replications, self.problem.n_items), np.int64),
            "clicks": np.zeros(shape),
            "_stop": np.zeros((n_policies, n_replications, 3)),
        }

    def arguments(self, p, i, outputs, env_stream, policy_stream):
        return (
            self.problem.kernel_params,
            self.problem.optimal_value,
            *self.references[p],
            self.hypers[p],
            self.horizon,
            self.record_points,
            env_stream,
            policy_stream,
            outputs["cumulative_regret"][p, i],
            outputs["cumulative_reward"][p, i],
            outputs["clicks"][p, i],
            outputs["pull_counts"][p, i],
            outputs["_stop"][p, i],
        )

    def check_outputs(self, outputs, labels):
        stop = outputs.pop("_stop")
        outputs["episodes_used"] = stop[:, :, 0].astype(np.int64)
        outputs["stopped"] = stop[:, :, 1].astype(np.int64)
        outputs["final_gap"] = stop[:, :, 2].copy()


# ---------------------------------------------------------------------------------------------
# Gymnasium shells
# ---------------------------------------------------------------------------------------------
class ItemListSpace(spaces.MultiDiscrete):
    """``MultiDiscrete([N+1] * m)`` restricted to valid item lists (P7): 1..m distinct items,
    the value N marking empty slots, only at the end. ``sample`` draws a uniformly random length
    and then uniformly random distinct items; ``contains`` checks validity, so agents that sample
    the action space (and ``gymnasium.utils.env_checker.check_env``) only produce valid lists."""

    def __init__(self, n_items: int, list_length: int, seed=None):
        super().__init__([n_items + 1] * list_length, dtype=np.int64, seed=seed)
        self.n_items = int(n_items)
        self.list_length = int(list_length)

    def sample(self, mask=None, probability=None):
        if mask is not None or probability is not None:
            raise ValueError("mask/probability: not supported by ItemListSpace.sample")
        length = int(self.np_random.integers(1, self.list_length + 1))
        action = np.full(self.list_length, self.n_items, np.int64)
        action[:length] = self.np_random.permutation(self.n_items)[:length]
        return action

    def contains(self, x) -> bool:
        if not super().contains(x):
            return False
        try:
            parse_item_list(np.asarray(x, dtype=np.int64), self.n_items, self.list_length)
        except ValueError:
            return False
        return True

    def __repr__(self):
        return f"ItemListSpace(n_items={self.n_items}, list_length={self.list_length})"


class _CascadeEnv(gym.Env):
    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, problem):
        if not isinstance(problem, _CascadeProblem):
            raise ValueError(f"problem: must be a cascading problem, got {problem!r}")
        self.problem = problem
        n, m = problem.n_items, problem.max_list_length
        self.action_space = ItemListSpace(n, m)
        self._stream = None
        self._stream_source = None
        self._h = 0
        self._s = 0

    def _current_stream(self):
        generator = self.np_random
        if generator is not self._stream_source:
            self._stream = make_random_stream(generator)
            self._stream_source = generator
            params = self.problem.kernel_params
            row = np.zeros(self.problem.max_list_length, np.int64)
            self._step_entry = compiled_entry_point(cascade_step, (params, 0, row, 1, self._stream))
            self._initial_entry = compiled_entry_point(cascade_initial_state, (params, self._stream))
        return self._stream

    def _cascade(self, action):
        problem = self.problem
        items, length = parse_item_list(action, problem.n_items, problem.max_list_length)
        stream = self._current_stream()
        h, s = self._h, self._s
        click, next_state, reward = self._step_entry(problem.kernel_params, s, items, length, stream)
        examined = items[: (click + 1 if click >= 0 else length)]
        outcomes = np.zeros(examined.size, np.int64)
        if click >= 0:
            outcomes[click] = 1
        info = {
            "step": h,
            "state": s,
            "click_position": int(click),
            "clicked_item": int(items[click]) if click >= 0 else -1,
            "examined_items": examined.copy(),
            "attraction_outcomes": outcomes,
            "next_state": int(next_state),
            "expected_immediate_reward": float(
                cascade_list_value(items, length, problem.attraction_table[s], problem.reward_table[s, :-1], 0.0)
            ),
            "list_value": problem.list_value(s, items[:length], h),
            "optimal_list_value": float(problem.optimal_values[h, s]),
        }
        return float(reward), info, int(next_state)


class CascadingBanditEnv(_CascadeEnv):
    """Gymnasium environment ``regretlab/CascadingBandit-v0`` (Kveton et al., 2015).

    Action ``MultiDiscrete([L+1] * K)``: a list of 1..K distinct items, ``L`` marking empty slots
    (only at the end). Observation ``Discrete(1)`` (stateless). Reward 1 on a click, else 0.
    ``info``: ``click_position`` (-1 for none), ``clicked_item``, ``examined_items`` and their
    ``attraction_outcomes`` (the feedback), ``expected_reward = 1 - prod(1 - w_bar)`` of the list
    and ``optimal_expected_reward``, plus the fields every cascading step reports (``step``,
    ``state``, ``next_state``). Continuing task: truncate with ``max_episode_steps``.

    Parameters
    ----------
    problem : CascadingBandit, optional
        Default ``BLBCascadingBandit(16, 4, 0.2, 0.15)``.
    attraction, list_length : optional
        Alternatively the parameters of a :class:`CascadingBandit`.
    """

    def __init__(self, problem=None, *, attraction=None, list_length=4):
        if problem is None:
            problem = BLBCascadingBandit() if attraction is None else CascadingBandit(attraction, list_length)
        if not isinstance(problem, _CascadingBanditBase):
            raise ValueError(f"problem: must be a cascading bandit (CascadingBandit, BLBCascadingBandit), got {problem!r}")
        super().__init__(problem)
        self.observation_space = spaces.Discrete(1)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._current_stream()
        self._h, self._s = 0, 0
        return 0, {"optimal_expected_reward": self.problem.optimal_expected_reward}

    def step(self, action):
        reward, info, _ = self._cascade(action)
        info["expected_reward"] = info["list_value"]
        info["optimal_expected_reward"] = self.problem.optimal_expected_reward
        return 0, reward, False, False, info


class CascadingMDPEnv(_CascadeEnv):
    """Gymnasium environment ``regretlab/CascadingMDP-v0`` (Du et al., 2024).

    Action ``MultiDiscrete([N+1] * m)`` (N = empty slot, padding only at the end; duplicates,
    gaps and the all-empty list raise ``ValueError``). Observation ``MultiDiscrete([H+1, S])`` =
    ``(h, s)``; ``h = H`` only in the observation returned by the last step of an episode, which
    ends it with ``terminated=True``. ``reset`` draws ``s_1 ~ rho`` (one uniform) and reports
    ``optimal_value``; a new episode is a new ``reset()`` (without a seed, to continue the
    stream, as the fused loop does). Step ``info``: ``click_position``, ``clicked_item``,
    ``examined_items``, ``attraction_outcomes``, ``next_state``, ``expected_immediate_reward``
    ``f(A, q, r)``, ``list_value`` ``f(A, q, w*_h)`` and ``optimal_list_value`` ``V*_h(s)``.
    Exact episode regret needs the whole plan: policy faces expose ``.plan`` and
    ``problem.plan_value(*plan)`` evaluates it.

    Parameters
    ----------
    problem : cascading problem, optional
        Default ``RandomCascadingMDP(n_items=10, instance_seed=0)``.
    """

    def __init__(self, problem=None):
        if problem is None:
            problem = RandomCascadingMDP(n_items=10, instance_seed=0)
        super().__init__(problem)
        self.observation_space = spaces.MultiDiscrete([problem.horizon_per_episode + 1, problem.n_states])

    def _observation(self):
        return np.array([self._h, self._s], dtype=np.int64)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        stream = self._current_stream()
        self._h = 0
        self._s = int(self._initial_entry(self.problem.kernel_params, stream))
        return self._observation(), {"optimal_value": self.problem.optimal_value}

    def step(self, action):
        if self._h >= self.problem.horizon_per_episode:
            raise RuntimeError("step: the episode has ended (terminated); call reset() to start the next one")
        reward, info, next_state = self._cascade(action)
        self._h += 1
        self._s = next_state
        terminated = self._h == self.problem.horizon_per_episode
        return self._observation(), reward, terminated, False, info


#: Gymnasium id -> entry point.
ENVIRONMENT_IDS = {
    "regretlab/CascadingBandit-v0": "environments.cascading:CascadingBanditEnv",
    "regretlab/CascadingMDP-v0": "environments.cascading:CascadingMDPEnv",
}

#: setting name -> problem class.
PROBLEMS = {
    "CascadingBandit": CascadingBandit,
    "BLBCascadingBandit": BLBCascadingBandit,
    "CascadingMDP": CascadingMDP,
    "RandomCascadingMDP": RandomCascadingMDP,
}


# ---------------------------------------------------------------------------------------------
# Report extension: clicks, best-policy identification, Kveton's lower bound
# ---------------------------------------------------------------------------------------------
def _mean_se(values, digits=3) -> str:
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return f"{values.mean():.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1) / np.sqrt(values.size):.{digits}f}"


def cascading_report_section(env, out, config):
    """The cascading part of a regret report: per policy, clicks per time unit, time per
    episode and the exact gap ``V* - V^pi`` of the last plan; when a policy can stop
    (best-policy identification), the stopped fraction and the episodes used; for Kveton's
    ``B_LB`` instances, the asymptotic lower bound ``c ln T`` next to the regret."""
    from bandits.report import ReportSection

    result = env.result
    horizon = result.horizon
    problem = PROBLEMS[env.name](**env.params)
    unit = problem.time_unit
    can_stop = [entry["name"] == "cascading_bpi" for entry in config["policies"]]
    show_stopping = any(can_stop) or bool(np.any(result.metrics["stopped"]))
    rows = []
    for p, label in enumerate(result.policy_labels):
        used = result.metrics["episodes_used"][p]
        played = np.maximum(used, 1)
        row = [
            label,
            _mean_se(result.metrics["clicks"][p, :, -1] / played, 4),
            f"{1e6 * np.mean(result.kernel_seconds[p] / played):.1f}",
            _mean_se(result.metrics["final_gap"][p], 4),
        ]
        if show_stopping:
            row += [f"{np.mean(result.metrics['stopped'][p]):.2f}", _mean_se(used, 0)]
        rows.append(row)
    header = [
        "policy", f"clicks per {unit}", f"µs per {unit}",
        "gap V* - V^pi of the last (or output) plan, mean ± s.e.",
    ]
    if show_stopping:
        header += ["stopped (fraction)", f"{unit}s used"]
    notes = [
        f"Optimal value per {problem.time_unit}: V* = {problem.optimal_value:.4f}. Regret is the exact "
        "pseudo-regret sum_k (V* - V^{pi_k}) from exact evaluation of each episode's plan. A policy that "
        "stops (best-policy identification) plays no more episodes, and its output is the plan of the stopping "
        "episode."
    ]
    if isinstance(problem, BLBCascadingBandit):
        constant = problem.lower_bound_constant()
        final = result.cumulative_regret[:, :, -1]
        per_log = ", ".join(
            f"{label}: {final[p].mean() / np.log(horizon):.2f}" for p, label in enumerate(result.policy_labels)
        )
        notes.append(
            f"Kveton et al.'s asymptotic lower bound on this B_LB instance: liminf R(n)/ln n >= {constant:.3f}, "
            f"i.e. {constant * np.log(horizon):.1f} at n = {horizon}. Measured R(n)/ln n: {per_log}."
        )
    return ReportSection(tables=[("Cascading metrics", header, rows)], notes=notes)


def _register_report_extension():
    from bandits.report import register_report_extension

    for name in PROBLEMS:
        register_report_extension(name, cascading_report_section)


_register_report_extension()
