"""Recovering-rewards problems: frozen, validated parameters (Simchi-Levi, Zheng & Zhu, *Offline
Planning and Online Learning under Recovering Rewards*, ICML 2021, arXiv:2106.14813).

Model
-----
N arms; in each period a learner pulls a set of at most K distinct arms. Arm ``i`` pulled at
capped idle time ``s`` (see :mod:`environments.recovering.protocol` for the convention) pays
``R_i(s)`` plus noise, where ``R_i`` is a nondecreasing table over ``s = 1..d_max``, in
``[0, 1]``: the reward drops when the arm is pulled and recovers as it rests. No functional form
is assumed ("non-parametric" recovery).

Regret
------
The paper measures regret against an offline benchmark. The fused loop records, per period,
``approximation_factor * UB* - (expected reward of the period)``, where ``UB*`` is the fluid LP
upper bound on the long-run average reward (:mod:`environments.recovering.planning`); with the
default ``approximation_factor = 1`` this is regret against the fluid bound, which no policy can
beat in the long run (it can early on: every arm starts fully recovered). *Policy regret* against
the offline purely periodic policy is measured by running
:class:`bandits.policies.recovering.PurelyPeriodic` in the same experiment (same environment
streams) and subtracting expected-reward curves; reports do this.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from bandits.core.policy import require_policy_of_setting
from bandits.core.validation import (
    check_choice,
    check_integer,
    check_real,
)
from environments.recovering.dynamics import NOISE_CODES
from environments.recovering.instances import (
    RECOVERY_FAMILIES,
    clipped_gaussian_mean,
    recovery_table,
)
from environments.recovering.planning import (
    deterministic_periods,
    fluid_upper_bound,
    period_rates,
    periodic_lower_bound,
)
from environments.recovering.protocol import (
    RecoveringLearnerView,
    check_idle_times,
    check_recovery_table,
)

__all__ = ["RandomRecoveringBandit", "RecoveringBandit"]


class RecoveringBandit:
    """A recovering-rewards bandit with an explicit recovery table.

    Parameters
    ----------
    recovery : array of shape (N, d_max)
        ``recovery[i, d - 1] = R_i(d)``, the expected reward of arm ``i`` pulled at capped idle
        time ``d``; each row nondecreasing, values in ``[0, 1]``.
    max_pulls : int, default 1
        K, ``1 <= K <= N``: at most K distinct arms per period.
    noise : {"bernoulli", "gaussian", "gaussian_clipped"}, default "bernoulli"
        Reward law given the mean ``R``: ``Bernoulli(R)``, ``R + noise_std Z``, or that clipped
        to ``[0, 1]`` (whose mean is not ``R``: :attr:`mean_rewards` holds the exact means, and
        planning and regret use them).
    noise_std : float, default 0.1
        Gaussian noise only, ``>= 0``.
    initial_idle : sequence of int, optional
        Idle times before the first period, in ``1..d_max``; default ``d_max`` (fully recovered:
        our choice, it changes at most ``O(N d_max)`` reward).
    approximation_factor : float, default 1.0
        gamma in ``(0, 1]``: regret is recorded against ``gamma * UB*`` per period.
    """

    name: ClassVar[str] = "RecoveringBandit"
    setting: ClassVar[str] = "recovering"
    #: Unit of the horizon and of record points (used in reports).
    time_unit: ClassVar[str] = "period"
    #: Record points: dense up to this many periods, then this many per decade.
    record_density: ClassVar[tuple] = (100, 200)
    #: What the recorded regret is (the y label of the generic regret figures).
    regret_label: ClassVar[str] = "regret against gamma UB* (fluid bound)"

    def __init__(self, recovery, max_pulls=1, noise="bernoulli", noise_std=0.1, initial_idle=None,
                 approximation_factor=1.0):
        self._finish(check_recovery_table("recovery", recovery), max_pulls, noise, noise_std, initial_idle, approximation_factor)

    def _finish(self, recovery, max_pulls, noise, noise_std, initial_idle, approximation_factor):
        n_arms, d_max = recovery.shape
        self.recovery = recovery
        self.max_pulls = check_integer("max_pulls", max_pulls, low=1, high=n_arms)
        self.noise = check_choice("noise", noise, tuple(NOISE_CODES))
        self.noise_std = check_real("noise_std", noise_std, low=0.0)
        if initial_idle is None:
            idle = np.full(n_arms, d_max, np.int64)
        else:
            idle = check_idle_times("initial_idle", initial_idle, n_arms, d_max)
        idle.setflags(write=False)
        self.initial_idle = idle
        self.approximation_factor = check_real("approximation_factor", approximation_factor, low=0.0, high=1.0,
                                               low_open=True)
        if self.noise == "gaussian_clipped":
            means = clipped_gaussian_mean(recovery, self.noise_std)
            means = np.maximum.accumulate(means, axis=1)  # exact means are monotone; guard rounding
        else:
            means = recovery.copy()
        means.setflags(write=False)
        self.mean_rewards = means
        self.fluid = fluid_upper_bound(means, self.max_pulls)
        self._frozen = True

    def __setattr__(self, name, value):
        if getattr(self, "_frozen", False):
            raise AttributeError(f"{type(self).__name__} is frozen: build a new problem to change {name}")
        object.__setattr__(self, name, value)

    # -- sizes and truth -----------------------------------------------------------------------
    @property
    def n_arms(self) -> int:
        """N."""
        return int(self.recovery.shape[0])

    @property
    def d_max(self) -> int:
        """The idle-time cap: idle times are ``1..d_max``."""
        return int(self.recovery.shape[1])

    @property
    def fluid_upper_bound(self) -> float:
        """UB*, the fluid LP upper bound on the long-run average expected reward per period."""
        return self.fluid.upper_bound

    @property
    def comparator(self) -> float:
        """What a period's expected reward is compared with: ``approximation_factor * UB*``."""
        return self.approximation_factor * self.fluid.upper_bound

    def periodic_lower_bound(self, rounding: str = "randomised", capacity_scale: float = 1.0) -> float:
        """The exact stationary lower bound on the average expected reward per period of the
        purely periodic policy (random offsets; collisions resolved uniformly at random, or
        greedily) with the LP solved at capacity ``capacity_scale * K`` and the periods rounded
        ``"randomised"`` or ``"deterministic"`` (:func:`environments.recovering.planning.periodic_lower_bound`)."""
        rounding = check_choice("rounding", rounding, ("randomised", "deterministic"))
        scale = check_real("capacity_scale", capacity_scale, low=0.0, high=1.0, low_open=True)
        fluid = self.fluid if scale == 1.0 else fluid_upper_bound(self.mean_rewards, self.max_pulls, scale)
        rates = np.array(fluid.rates)
        if rounding == "deterministic":
            periods = np.zeros(self.n_arms, np.int64)
            deterministic_periods(rates, periods)
            rates = np.zeros_like(rates)
            period_rates(periods, self.d_max, rates)
        return float(periodic_lower_bound(np.array(self.mean_rewards), self.max_pulls, rates))

    # -- what the generic code reads -----------------------------------------------------------
    @property
    def learner_view(self) -> RecoveringLearnerView:
        """What a learner may know: N, K, d_max and the initial idle times; the true mean table
        only in the oracle field ``oracle_recovery`` (read by oracle baselines alone)."""
        return RecoveringLearnerView(self.n_arms, self.max_pulls, self.d_max, tuple(self.initial_idle.tolist()),
                                     self.mean_rewards)

    @property
    def kernel_params(self) -> tuple:
        """``(recovery, max_pulls, noise code, noise_std, initial_idle)``: what
        :func:`environments.recovering.dynamics.recovering_step` reads."""
        return (self.recovery, np.int64(self.max_pulls), np.int64(NOISE_CODES[self.noise]), float(self.noise_std),
                self.initial_idle)

    def check_policy_compatible(self, policy, path: str = "policy") -> None:
        """``ValueError`` naming ``path`` unless ``policy`` is a recovering-rewards policy."""
        require_policy_of_setting(policy, "recovering", path)
        policy.check_view(self.learner_view, path)

    def fused_loop(self, policies, horizon, record_points):
        """The fused runner's loop (:class:`environments.recovering.loop.RecoveringLoop`)."""
        from environments.recovering.loop import RecoveringLoop

        return RecoveringLoop(self, policies, horizon, record_points)

    def make_env(self, horizon: int):
        """The Gymnasium shell over this problem, truncated after ``horizon`` periods."""
        from environments.recovering.shell import RecoveringBanditShell

        return RecoveringBanditShell(self, horizon=horizon)

    def _common_dict(self) -> dict:
        return {
            "max_pulls": self.max_pulls,
            "noise": self.noise,
            "noise_std": self.noise_std,
            "initial_idle": None if np.all(self.initial_idle == self.d_max) else self.initial_idle.tolist(),
            "approximation_factor": self.approximation_factor,
        }

    def to_dict(self) -> dict:
        """Parameters as plain Python values (for manifests and reports)."""
        return {"recovery": self.recovery.tolist(), **self._common_dict()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(N={self.n_arms}, K={self.max_pulls}, d_max={self.d_max}, noise={self.noise!r})"


class RandomRecoveringBandit(RecoveringBandit):
    """A recovering-rewards bandit whose table is drawn from a recovery family
    (:func:`environments.recovering.instances.recovery_table`).

    Parameters
    ----------
    family : {"concave", "logistic", "linear", "step", "random_monotone"}, default "concave"
    n_arms : int, default 10
    d_max : int, default 10
    max_pulls : int, default 3
    instance_seed : int, default 0
        Seed of the table (not of the rewards), ``>= 0``.
    step_floor : float, default 0.1
        ``"step"`` only: the fraction of the full reward paid below the step.
    noise, noise_std, initial_idle, approximation_factor
        As for :class:`RecoveringBandit`.
    """

    name: ClassVar[str] = "RandomRecoveringBandit"

    def __init__(self, family="concave", n_arms=10, d_max=10, max_pulls=3, instance_seed=0, step_floor=0.1,
                 noise="bernoulli", noise_std=0.1, initial_idle=None, approximation_factor=1.0):
        family = check_choice("family", family, RECOVERY_FAMILIES)
        n_arms = check_integer("n_arms", n_arms, low=1)
        check_integer("max_pulls", max_pulls, low=1, high=n_arms)
        check_choice("noise", noise, tuple(NOISE_CODES))  # every scalar checked before the table is drawn
        check_real("noise_std", noise_std, low=0.0)
        check_real("approximation_factor", approximation_factor, low=0.0, high=1.0, low_open=True)
        if initial_idle is not None:
            check_idle_times("initial_idle", initial_idle, n_arms, check_integer("d_max", d_max, low=1))
        table = recovery_table(family, n_arms, d_max, instance_seed, step_floor=step_floor)
        table.setflags(write=False)
        self.family = family
        self.instance_seed = int(instance_seed)
        self.step_floor = float(step_floor)
        self._finish(table, max_pulls, noise, noise_std, initial_idle, approximation_factor)

    def to_dict(self) -> dict:
        return {
            "family": self.family,
            "n_arms": self.n_arms,
            "d_max": self.d_max,
            "instance_seed": self.instance_seed,
            "step_floor": self.step_floor,
            **self._common_dict(),
        }

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(family={self.family!r}, N={self.n_arms}, K={self.max_pulls}, d_max={self.d_max}, "
                f"instance_seed={self.instance_seed})")
