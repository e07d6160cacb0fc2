"""Weighted tallying bandit problems: frozen, validated parameters (Malik, Igoe, Li & Singh,
*Weighted Tallying Bandits: Overcoming Intractability via Repeated Exposure Optimality*, ICML
2023, arXiv:2305.02955).

Model
-----
K actions; the mean loss of playing ``a`` is ``f_a`` of ``a``'s weighted tally over the last m
plays (:mod:`environments.tallying.dynamics`). A learner sees only the loss of the action it
plays; it does not know m, the weights or the tallies.

Complete policy regret
----------------------
CPR compares the learner's cumulative expected loss with the best *sequence* of actions, whose
tallies are its own (counterfactual), never with an average of unsaturated losses. Two
comparators (``comparator``):

* ``"always_best"`` (default): playing the repeated-exposure-optimal action ``a*`` at every step,
  from the same initial history. Under repeated exposure optimality (REO: ``f_{a*}(W) <= f_a(x)``
  for every action and every attainable tally) its loss is within m of the optimum:
  ``T f* <= OPT_T <= Loss(always a*)_T <= T f* + m``. Without REO the optimum can be a
  non-constant sequence, and this comparator is refused.
* ``"exact"``: ``OPT_t``, the optimum over all action sequences for every t, by a dynamic
  programme over last-m histories (at most 10^4 histories).

The fused loop and the Gymnasium shell add, per step, ``mean loss - c_t`` where ``c_t`` is the
comparator's increment at step t (``comparator_increments``), so the two drivers agree bit for
bit.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from bandits.core.armed_bandit import ArmedBanditView
from bandits.core.policy import Policy
from bandits.core.validation import (
    ParameterError,
    check_choice,
    check_integer,
    check_real,
    check_real_array,
    check_real_vector,
)
from environments.tallying.comparators import (
    attainable_tallies,
    exact_optimal_losses,
    repeated_exposure_optimal_action,
)
from environments.tallying.dynamics import (
    BERNOULLI,
    GAUSSIAN_CLIPPED,
    NOISE_CODES,
    REWARD_FORMS,
    expected_loss,
    interpolate,
    tally_env_init,
    tally_of,
)

__all__ = [
    "MAX_EXACT_HISTORIES",
    "SyntheticTallyingBandit",
    "WeightedTallyingBandit",
    "geometric_weights",
    "unweighted_weights",
]

#: The exact comparator's dynamic programme refuses instances with more last-m histories.
MAX_EXACT_HISTORIES = 10_000
#: The largest memory m (each step costs O(m)).
MAX_MEMORY = 10_000


def _check_scalars(noise, noise_std, include_current, reward_form, comparator, allow_non_reo) -> None:
    """The scalar parameters, checked before any array is built."""
    check_choice("noise", noise, tuple(NOISE_CODES))
    check_real("noise_std", noise_std, low=0.0)
    for name, value in (("include_current", include_current), ("allow_non_reo", allow_non_reo)):
        if not isinstance(value, (bool, np.bool_)):
            raise ParameterError(name, value, "must be True or False")
    check_choice("reward_form", reward_form, tuple(REWARD_FORMS))
    check_choice("comparator", comparator, ("always_best", "exact"))
    if comparator == "exact" and noise == "gaussian_clipped" and float(noise_std) > 0.0:
        raise ParameterError("comparator", "exact",
                             "is not available with noise='gaussian_clipped' (the clipped mean loss is not "
                             "piecewise linear in the tally); use 'gaussian' or 'bernoulli' noise")


def unweighted_weights(memory: int) -> np.ndarray:
    """``w = (1, ..., 1)`` of length m: the (unweighted) tallying bandit, tallies ``0..m``."""
    return np.ones(check_integer("memory", memory, low=1, high=MAX_MEMORY))


def geometric_weights(memory: int, decay: float) -> np.ndarray:
    """``w_i = decay^(i - 1)``, ``i = 1..m``: memory that fades geometrically."""
    memory = check_integer("memory", memory, low=1, high=MAX_MEMORY)
    decay = check_real("decay", decay, low=0.0, high=1.0, low_open=True)
    return decay ** np.arange(memory, dtype=np.float64)


class WeightedTallyingBandit:
    """A weighted tallying bandit with explicit weights and loss functions.

    Parameters
    ----------
    weights : sequence of float
        ``w_1..w_m``, finite, ``>= 0``, not all zero (``w_1`` weighs the most recent play).
    loss_knots : sequence of float
        P >= 2 tallies, strictly increasing, from 0 to ``W = sum(weights)``.
    loss_values : array of shape (K, P)
        ``f_a`` at the knots, in ``[0, 1]``; linear in between. K >= 2.
    noise : {"gaussian", "gaussian_clipped", "bernoulli"}, default "gaussian_clipped"
    noise_std : float, default 0.1
    include_current : bool, default False
        Whether the current play counts in its own tally (with weight ``w_1``); see
        :mod:`environments.tallying.dynamics`.
    initial_history : sequence of int, optional
        The m actions before ``t = 1``, most recent first; -1 for none (default: none).
    reward_form : {"negative_loss", "one_minus_loss"}, default "negative_loss"
        The Gymnasium reward: ``-loss``, or ``1 - loss`` for policies that need rewards in [0, 1].
    comparator : {"always_best", "exact"}, default "always_best"
        The comparator of complete policy regret (see the module docstring).
    allow_non_reo : bool, default False
        Accept an instance without repeated exposure optimality (the paper's intractable case);
        it then needs ``comparator="exact"``.
    """

    name: ClassVar[str] = "WeightedTallyingBandit"
    setting: ClassVar[str] = "tallying"
    time_unit: ClassVar[str] = "time step"
    regret_label: ClassVar[str] = "complete policy regret"

    def __init__(self, weights, loss_knots, loss_values, noise="gaussian_clipped", noise_std=0.1,
                 include_current=False, initial_history=None, reward_form="negative_loss", comparator="always_best",
                 allow_non_reo=False):
        _check_scalars(noise, noise_std, include_current, reward_form, comparator, allow_non_reo)
        if np.ndim(weights) == 1 and len(weights) > MAX_MEMORY:
            raise ParameterError("weights", f"{len(weights)} weights", f"must have at most m = {MAX_MEMORY:,} entries")
        weights = check_real_vector("weights", weights, low=0.0)
        self._finish(weights, loss_knots, loss_values, noise, noise_std, include_current, initial_history,
                     reward_form, comparator, allow_non_reo)

    def _finish(self, weights, loss_knots, loss_values, noise, noise_std, include_current, initial_history,
                reward_form, comparator, allow_non_reo):
        total = float(np.cumsum(weights)[-1])  # summed in order, as the tally kernel sums
        if total <= 0.0:
            raise ParameterError("weights", weights.tolist(), "must not all be zero (the saturated tally W = sum(w) > 0)")
        knots = check_real_vector("loss_knots", loss_knots, min_length=2)
        if np.any(np.diff(knots) <= 0):
            raise ParameterError("loss_knots", knots.tolist(), "must be strictly increasing")
        if knots[0] != 0.0 or not np.isclose(knots[-1], total, rtol=1e-12, atol=1e-12):
            raise ParameterError("loss_knots", knots.tolist(),
                                 f"must run from 0 to W = sum(weights) = {total:g}, covering every tally")
        knots = knots.copy()
        knots[-1] = total
        knots.setflags(write=False)
        values = check_real_array("loss_values", loss_values, ndim=2, low=0.0, high=1.0)
        if values.shape[1] != knots.size:
            raise ParameterError("loss_values", values.shape, f"must have one column per knot ({knots.size})",
                                 got=f"an array of shape {values.shape}")
        if values.shape[0] < 2:
            raise ParameterError("loss_values", values.shape, "must have at least K = 2 rows (actions)",
                                 got=f"an array of shape {values.shape}")
        n_arms, memory = values.shape[0], weights.size
        self.weights, self.loss_knots, self.loss_values = weights, knots, values
        self.noise, self.noise_std = noise, float(noise_std)
        self.include_current = bool(include_current)
        if initial_history is None:
            history = np.full(memory, -1, np.int64)
        else:
            try:
                history = np.asarray(initial_history)
            except ValueError:
                history = np.zeros(0)
            if history.shape != (memory,) or not np.issubdtype(history.dtype, np.integer) or (
                history.min() < -1 or history.max() >= n_arms
            ):
                raise ParameterError("initial_history", initial_history,
                                     f"must be m = {memory} actions in [0, {n_arms - 1}] or -1 (none), most recent first")
            history = history.astype(np.int64)
        history.setflags(write=False)
        self.initial_history = history
        self.reward_form, self.comparator, self.allow_non_reo = reward_form, comparator, bool(allow_non_reo)
        played = memory - int(self.include_current)  # the plays a history must remember
        if self.comparator == "exact" and played * math.log(n_arms) > math.log(MAX_EXACT_HISTORIES) + 1e-9:
            raise ParameterError("comparator", "exact",
                                 f"needs at most {MAX_EXACT_HISTORIES:,} histories of the last plays, K^{played} "
                                 f"with K = {n_arms}, m = {memory}; use 'always_best' under REO")

        best, detail = repeated_exposure_optimal_action(weights, knots, values, self.include_current)
        if best is None:
            if not self.allow_non_reo:
                raise ParameterError("loss_values", "the loss functions",
                                     f"must satisfy repeated exposure optimality (some action a* with f_a*(W) <= f_a(x) "
                                     f"for every action a and attainable tally x): {detail}; pass allow_non_reo=True to "
                                     "study the intractable case")
            if self.comparator == "always_best":
                raise ParameterError("comparator", "always_best",
                                     f"needs repeated exposure optimality ({detail}): without it the best sequence can "
                                     "be non-constant; use comparator='exact'")
        self.best_action = best
        self.reo_detail = detail
        self._frozen = True

    def __setattr__(self, name, value):
        if getattr(self, "_frozen", False):
            raise AttributeError(f"{type(self).__name__} is frozen: build a new problem to change {name}")
        object.__setattr__(self, name, value)

    # -- sizes and truth -----------------------------------------------------------------------
    @property
    def n_arms(self) -> int:
        """K."""
        return int(self.loss_values.shape[0])

    @property
    def memory(self) -> int:
        """m, the number of past plays a tally counts (unknown to learners)."""
        return int(self.weights.size)

    @property
    def saturated_tally(self) -> float:
        """``W = sum(weights)``: an action's tally after m consecutive plays of it."""
        return float(self.loss_knots[-1])

    @property
    def is_reo(self) -> bool:
        """Whether repeated exposure optimality holds (then :attr:`best_action` is a*)."""
        return self.best_action is not None

    def mean_loss(self, action: int, tally: float) -> float:
        """The expected observed loss of ``action`` at ``tally`` (``f_a``, or its clipped-Gaussian
        mean with ``noise="gaussian_clipped"``)."""
        action = check_integer("action", action, low=0, high=self.n_arms - 1)
        tally = check_real("tally", tally)
        mean = interpolate(self.loss_knots, np.ascontiguousarray(self.loss_values[action]), tally)
        return float(expected_loss(mean, NOISE_CODES[self.noise], self.noise_std))

    @property
    def saturated_losses(self) -> np.ndarray:
        """``f_a(W)`` (expected observed loss) of every action."""
        return np.array([self.mean_loss(a, self.saturated_tally) for a in range(self.n_arms)])

    def attainable_tallies(self):
        """The tallies an action can have when played (None when m > 20 and the weights differ)."""
        return attainable_tallies(self.weights, self.include_current)

    @property
    def reward_range(self) -> tuple:
        """The range of the Gymnasium reward."""
        bounded = NOISE_CODES[self.noise] in (GAUSSIAN_CLIPPED, BERNOULLI) or self.noise_std == 0.0
        if self.reward_form == "negative_loss":
            return (-1.0, 0.0) if bounded else (-np.inf, np.inf)
        return (0.0, 1.0) if bounded else (-np.inf, np.inf)

    # -- the comparator ------------------------------------------------------------------------
    def always_best_increments(self) -> np.ndarray:
        """The per-step expected losses of playing a* from the initial history until its tally
        saturates: ``m + 1`` values, the last one ``f*`` (then constant)."""
        if self.best_action is None:
            raise ParameterError("comparator", "always_best", "needs repeated exposure optimality")
        params = self.kernel_params
        state = tally_env_init(params)
        increments = np.empty(self.memory + 1)
        for t in range(self.memory + 1):
            tally = tally_of(params, state, self.best_action)
            increments[t] = self.mean_loss(self.best_action, tally)
            history, head = state[0], state[1]
            head[0] = (head[0] + 1) % history.size
            history[head[0]] = self.best_action
        return increments

    def comparator_increments(self, horizon: int) -> tuple:
        """``(prefix, cycle)``: the comparator's expected loss at step ``t`` is ``prefix[t - 1]``
        for ``t <= len(prefix)``, then ``cycle[(t - len(prefix) - 1) % len(cycle)]``. The
        cumulative comparator loss at t is the sum of the first t increments."""
        horizon = check_integer("horizon", horizon, low=1)
        if self.comparator == "always_best":
            increments = self.always_best_increments()
            return increments[:-1].copy(), increments[-1:].copy()
        model = (np.array(self.weights), np.array(self.loss_knots), np.array(self.loss_values), self.include_current,
                 np.array(self.initial_history))
        _, info = exact_optimal_losses(*model, np.array([horizon], np.int64), return_info=True)
        length = horizon
        if info["method"] == "period":  # increments repeat with period p from the detection step on
            length = min(horizon, info["step"] + 2 * info["period"])
        losses = exact_optimal_losses(*model, np.arange(1, length + 1, dtype=np.int64))
        increments = np.diff(np.concatenate(([0.0], losses)))
        period = info["period"] if info["method"] == "period" and length < horizon else 1
        return increments, increments[increments.size - period:].copy()

    # -- what the generic code reads -----------------------------------------------------------
    @property
    def learner_view(self) -> ArmedBanditView:
        """What a learner may know: the number of actions (not m, the weights or the tallies)."""
        return ArmedBanditView(self.n_arms)

    @property
    def kernel_params(self) -> tuple:
        """``(weights, knots, values, noise code, noise_std, include_current, initial_history,
        reward form code)``: what :mod:`environments.tallying.dynamics` reads."""
        return (np.ascontiguousarray(self.weights), np.ascontiguousarray(self.loss_knots),
                np.ascontiguousarray(self.loss_values), np.int64(NOISE_CODES[self.noise]), float(self.noise_std),
                np.int64(self.include_current), np.ascontiguousarray(self.initial_history),
                np.int64(REWARD_FORMS[self.reward_form]))

    def check_policy_compatible(self, policy, path: str = "policy") -> None:
        """``ValueError`` naming ``path`` unless ``policy`` is a K-armed policy of the tallying
        or the classic setting whose reward range covers this problem's rewards."""
        if not isinstance(policy, Policy) or policy.setting not in ("tallying", "classic"):
            raise ParameterError(path, policy, "must be a policy of the 'tallying' or the 'classic' setting "
                                               "(see regretlab list)")
        check_arms = getattr(policy, "check_arms", None)  # policies bound to given actions (FixedArm)
        if check_arms is not None:
            check_arms(self.n_arms, path)
        low, high = policy.reward_range
        env_low, env_high = self.reward_range
        if env_low < low or env_high > high:
            raise ParameterError(
                path, type(policy).__name__,
                f"needs rewards in [{low:g}, {high:g}], but this problem's rewards range over [{env_low:g}, {env_high:g}]"
                " (reward_form='one_minus_loss' with bounded noise gives rewards in [0, 1])",
            )

    def fused_loop(self, policies, horizon, record_points):
        """The fused runner's loop (:class:`environments.tallying.loop.TallyingLoop`)."""
        from environments.tallying.loop import TallyingLoop

        return TallyingLoop(self, policies, horizon, record_points)

    def make_env(self, horizon: int):
        """The Gymnasium shell over this problem, truncated after ``horizon`` steps."""
        from environments.tallying.shell import WeightedTallyingShell

        return WeightedTallyingShell(self, horizon=horizon)

    def _common_dict(self) -> dict:
        return {
            "noise": self.noise,
            "noise_std": self.noise_std,
            "include_current": self.include_current,
            "initial_history": None if np.all(self.initial_history == -1) else self.initial_history.tolist(),
            "reward_form": self.reward_form,
            "comparator": self.comparator,
            "allow_non_reo": self.allow_non_reo,
        }

    def to_dict(self) -> dict:
        """Parameters as plain Python values (for manifests and reports)."""
        return {"weights": self.weights.tolist(), "loss_knots": self.loss_knots.tolist(),
                "loss_values": self.loss_values.tolist(), **self._common_dict()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(K={self.n_arms}, m={self.memory}, noise={self.noise!r})"


class SyntheticTallyingBandit(WeightedTallyingBandit):
    """The synthetic repeated-exposure instance of our studies: action 0 improves with exposure,
    its loss falling linearly from ``start_loss`` (tally 0) to ``saturated_loss`` (tally W); the
    other actions have constant losses ``other_losses`` (default evenly spaced from 0.35 to 0.5).
    With ``saturated_loss`` below every other loss, action 0 is a* (REO) and is only good when
    repeated: a learner that switches often pays ``start_loss``-like losses on it.

    Parameters
    ----------
    n_arms : int, default 5
    memory : int, default 5
    weighting : {"geometric", "unweighted"}, default "geometric"
    decay : float, default 0.9
        Geometric weights ``decay^(i - 1)``.
    start_loss, saturated_loss : float, default 0.9, 0.3
    other_losses : sequence of K - 1 floats, optional
    noise, noise_std, include_current, initial_history, reward_form, comparator, allow_non_reo
        As for :class:`WeightedTallyingBandit`.
    """

    name: ClassVar[str] = "SyntheticTallyingBandit"

    def __init__(self, n_arms=5, memory=5, weighting="geometric", decay=0.9, start_loss=0.9, saturated_loss=0.3,
                 other_losses=None, noise="gaussian_clipped", noise_std=0.1, include_current=False,
                 initial_history=None, reward_form="negative_loss", comparator="always_best", allow_non_reo=False):
        n_arms = check_integer("n_arms", n_arms, low=2, high=MAX_MEMORY)
        memory = check_integer("memory", memory, low=1, high=MAX_MEMORY)
        _check_scalars(noise, noise_std, include_current, reward_form, comparator, allow_non_reo)
        self.weighting = check_choice("weighting", weighting, ("geometric", "unweighted"))
        self.decay = check_real("decay", decay, low=0.0, high=1.0, low_open=True)
        self.start_loss = check_real("start_loss", start_loss, low=0.0, high=1.0)
        self.saturated_loss = check_real("saturated_loss", saturated_loss, low=0.0, high=1.0)
        if other_losses is None:
            others = np.linspace(0.35, 0.5, n_arms - 1)
        else:
            others = check_real_vector("other_losses", other_losses, low=0.0, high=1.0)
            if others.size != n_arms - 1:
                raise ParameterError("other_losses", list(other_losses), f"must have K - 1 = {n_arms - 1} entries")
        self.other_losses = np.array(others)
        weights = unweighted_weights(memory) if self.weighting == "unweighted" else geometric_weights(memory, self.decay)
        weights.setflags(write=False)
        total = float(np.cumsum(weights)[-1])
        values = np.vstack([[self.start_loss, self.saturated_loss]] + [[x, x] for x in self.other_losses])
        self._finish(weights, [0.0, total], values, noise, noise_std, include_current, initial_history, reward_form,
                     comparator, allow_non_reo)

    def to_dict(self) -> dict:
        return {"n_arms": self.n_arms, "memory": self.memory, "weighting": self.weighting, "decay": self.decay,
                "start_loss": self.start_loss, "saturated_loss": self.saturated_loss,
                "other_losses": self.other_losses.tolist(), **self._common_dict()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(K={self.n_arms}, m={self.memory}, weighting={self.weighting!r})"
