"""Purely periodic policies (Simchi-Levi, Zheng & Zhu, *Offline Planning and Online Learning
under Recovering Rewards*, ICML 2021, arXiv:2106.14813): :class:`PurelyPeriodic`, the offline
policy planned on the true table, and :class:`PeriodicUCB`, the online policy that plans on
optimistic estimates.

The paper's abstract says that the online policy integrates the offline periodic policy with a
UCB procedure, with regret of order ``N sqrt(T)`` (up to logarithms) against the offline
benchmark. The design below is our reconstruction; every choice is a hyper-parameter:

* samples are indexed by (arm, capped idle time) and recorded at the *realised* idle time (after
  a skipped due pull it is longer than the arm's period);
* ``UCB[i, d] = min(1, mean + ucb_scale sqrt(log(1/delta) / n))``, 1 for ``n = 0``, with
  ``delta = 1 / (N d_max T^2)`` by default and ``ucb_scale = 1/sqrt(2)`` (Hoeffding for rewards
  in [0, 1]);
* *monotone tightening*: ``UCB[i, d] <- min_{d' >= d} UCB[i, d']`` (valid because R_i is
  nondecreasing);
* the schedule (:mod:`bandits.policies.recovering.schedule`) is re-planned on the optimistic table
  at the start of every epoch. By default (``epochs="sample_doubling"``, the rule of UCRL2,
  Jaksch, Ortner & Auer, JMLR 2010) an epoch ends when some (arm, idle time) pair has gained in
  the epoch as many samples as it had at its start (one, if it had none): the confidence radii
  the plan was made with stay within a factor sqrt(2) of the current ones, and there are
  ``O(N d_max log T)`` epochs.
  Alternatives: ``"time_doubling"``, epochs ``L_e = L_0 2^e`` (``L_0 = N d_max`` by default), and
  ``"fixed"`` epochs of ``L_0`` periods (default ``ceil(sqrt(T))``). With time doubling a plan
  made on few samples can be kept for a whole long epoch: on the three-arm instance of
  ``experiments/recovering/online.toml`` its regret at T = 10^6 was about 11 times that of sample
  doubling (28,600 against 2,650, 8 replications).

An untried (arm, idle time) pair has index 1, so the LP schedules untried periods: exploration
needs no separate phase.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from bandits.core.array_copy import copy_into
from bandits.core.validation import (
    ParameterError,
    check_choice,
    check_integer,
    check_real,
)
from bandits.policies.recovering.face import (
    RecoveringPolicy,
    check_confidence,
    log_confidence,
)
from bandits.policies.recovering.schedule import (
    DETERMINISTIC,
    GREEDY_COLLISIONS,
    RANDOM_COLLISIONS,
    RANDOMISED,
    plan_schedule,
    scheduled_pulls,
)

__all__ = ["PeriodicUCB", "PurelyPeriodic"]

_ROUNDING = {"randomised": RANDOMISED, "deterministic": DETERMINISTIC}
SAMPLE_DOUBLING = 0
TIME_DOUBLING = 1
FIXED_EPOCHS = 2
#: The longest epoch (periods): epochs never overflow int64 arithmetic.
MAX_EPOCH = 2**62
_INT64_MAX = 2**63 - 1
_EPOCHS = {"sample_doubling": SAMPLE_DOUBLING, "time_doubling": TIME_DOUBLING, "fixed": FIXED_EPOCHS}
_COLLISIONS = {"random": RANDOM_COLLISIONS, "greedy": GREEDY_COLLISIONS}


def _schedule_options(policy):
    policy.rounding = check_choice("rounding", policy.rounding, tuple(_ROUNDING))
    policy.collisions = check_choice("collisions", policy.collisions, tuple(_COLLISIONS))
    policy.capacity_scale = check_real("capacity_scale", policy.capacity_scale, low=0.0, high=1.0, low_open=True)


# ---------------------------------------------------------------------------------------------
# The offline purely periodic policy
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def purely_periodic_init(n_arms, max_pulls, d_max, horizon, hyper):
    """State ``(z float64[N, d_max], periods, offsets int64[N], keys, scratch float64[N],
    planned int64[1])``."""
    return (np.zeros((n_arms, d_max)), np.zeros(n_arms, np.int64), np.zeros(n_arms, np.int64), np.zeros(n_arms),
            np.zeros(n_arms), np.zeros(1, np.int64))


@nb.njit(cache=True, nogil=True)
def purely_periodic_select(state, hyper, t, idle, rng, pulled_out):
    """Plan once (first call) on the true table, then pull the due arms."""
    z, periods, offsets, keys, scratch, planned = state
    table, capacity, rounding, collisions = hyper
    if planned[0] == 0:
        plan_schedule(table, capacity, rounding, rng, z, periods, offsets)
        planned[0] = 1
    return scheduled_pulls(periods, offsets, table, idle, t, pulled_out.size, collisions, rng, keys, scratch,
                           pulled_out)


@nb.njit(cache=True, nogil=True)
def purely_periodic_update(state, hyper, t, pulled, n_pulled, idle_before, rewards):
    """Nothing to learn: the offline policy knows the table."""


class PurelyPeriodic(RecoveringPolicy):
    """The offline purely periodic policy, planned on the true mean table (an oracle baseline:
    it reads ``view.oracle_recovery``); the benchmark of policy regret.

    Parameters
    ----------
    rounding : {"randomised", "deterministic"}, default "randomised"
        How LP rates become one period per arm (see :mod:`bandits.policies.recovering.schedule`).
    collisions : {"random", "greedy"}, default "random"
        Which due arms to pull when more than K are due.
    capacity_scale : float, default 1.0
        Solve the LP with capacity ``capacity_scale * K`` (in ``(0, 1]``; below 1, overflow is
        rarer and each arm is scheduled less often).
    """

    name = "purely_periodic"
    uses_oracle = True
    init_kernel = purely_periodic_init
    select_kernel = purely_periodic_select
    update_kernel = purely_periodic_update

    def __init__(self, rounding="randomised", collisions="random", capacity_scale=1.0):
        self.rounding = rounding
        self.collisions = collisions
        self.capacity_scale = capacity_scale
        _schedule_options(self)

    def kernel_hyper(self, view, horizon):
        table = np.ascontiguousarray(view.oracle_recovery, dtype=np.float64)
        return (table, float(self.capacity_scale * view.max_pulls), np.int64(_ROUNDING[self.rounding]),
                np.int64(_COLLISIONS[self.collisions]))


# ---------------------------------------------------------------------------------------------
# UCB + periodic policy
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def periodic_ucb_init(n_arms, max_pulls, d_max, horizon, hyper):
    """State ``(counts int64[N, d_max], sums, ucb, z float64[N, d_max], periods, offsets int64[N],
    keys, scratch float64[N], epoch int64[4] = (next re-plan period, epoch length, epochs,
    re-plan now), counts at the epoch start int64[N, d_max])``."""
    first_epoch = hyper[6]
    epoch = np.zeros(4, np.int64)
    epoch[0] = 1
    epoch[1] = first_epoch
    return (np.zeros((n_arms, d_max), np.int64), np.zeros((n_arms, d_max)), np.ones((n_arms, d_max)),
            np.zeros((n_arms, d_max)), np.zeros(n_arms, np.int64), np.zeros(n_arms, np.int64), np.zeros(n_arms),
            np.zeros(n_arms), epoch, np.zeros((n_arms, d_max), np.int64))


@nb.njit(cache=True, nogil=True)
def optimistic_table(counts, sums, ucb_scale, log_term, tighten, ucb):
    """``ucb[i, d] = min(1, mean + ucb_scale sqrt(log_term / n))`` (1 if untried), then, if
    ``tighten``, ``ucb[i, d] = min over d' >= d of ucb[i, d']``."""
    n_arms, d_max = counts.shape
    for i in range(n_arms):
        for d in range(d_max):
            n = counts[i, d]
            if n == 0:
                ucb[i, d] = 1.0
            else:
                ucb[i, d] = min(1.0, sums[i, d] / n + ucb_scale * math.sqrt(log_term / n))
        if tighten != 0:
            for d in range(d_max - 2, -1, -1):
                ucb[i, d] = min(ucb[i, d], ucb[i, d + 1])


@nb.njit(cache=True, nogil=True)
def periodic_ucb_select(state, hyper, t, idle, rng, pulled_out):
    """Re-plan on the optimistic table at an epoch start, then pull the due arms."""
    counts, sums, ucb, z, periods, offsets, keys, scratch, epoch, counts_at_start = state
    ucb_scale, log_term, capacity, rounding, collisions, epoch_rule, _, tighten = hyper
    if t >= epoch[0] or epoch[3] != 0:
        optimistic_table(counts, sums, ucb_scale, log_term, tighten, ucb)
        plan_schedule(ucb, capacity, rounding, rng, z, periods, offsets)
        copy_into(counts_at_start, counts)
        epoch[3] = 0
        epoch[0] = t + min(epoch[1], _INT64_MAX - t)  # saturating: no int64 overflow
        if epoch_rule == TIME_DOUBLING:
            epoch[1] = min(2 * epoch[1], MAX_EPOCH)
        epoch[2] += 1
    return scheduled_pulls(periods, offsets, ucb, idle, t, pulled_out.size, collisions, rng, keys, scratch,
                           pulled_out)


@nb.njit(cache=True, nogil=True)
def periodic_ucb_update(state, hyper, t, pulled, n_pulled, idle_before, rewards):
    """Record each reward at (arm, realised capped idle time); with sample-doubling epochs, ask
    for a re-plan once some pair has gained as many samples in the epoch as it had at its start
    (one, if it had none)."""
    counts, sums, epoch, counts_at_start = state[0], state[1], state[8], state[9]
    sample_doubling = hyper[5] == SAMPLE_DOUBLING
    for j in range(n_pulled):
        i = pulled[j]
        d = idle_before[i] - 1
        counts[i, d] += 1
        sums[i, d] += rewards[j]
        if sample_doubling and counts[i, d] >= counts_at_start[i, d] + max(1, counts_at_start[i, d]):
            epoch[3] = 1


class PeriodicUCB(RecoveringPolicy):
    """UCB + purely periodic policy: the online policy of Simchi-Levi, Zheng & Zhu
    (arXiv:2106.14813) as we reconstruct it (see the module docstring).

    Parameters
    ----------
    ucb_scale : float, default 1/sqrt(2)
        ``c`` of the radius ``c sqrt(log(1/delta) / n)``, ``>= 0``.
    delta : float, optional
        Confidence level in ``(0, 1)``; default ``1 / (N d_max T^2)`` (needs the horizon).
    epochs : {"sample_doubling", "time_doubling", "fixed"}, default "sample_doubling"
        When to re-plan (see the module docstring).
    first_epoch : int, optional
        ``L_0`` in periods, ``1 <= L_0 <= 2^62``: the first epoch's length (``"time_doubling"``, default
        ``N d_max``), every epoch's (``"fixed"``, default ``ceil(sqrt(T))``), or the longest epoch
        (``"sample_doubling"``, default unlimited).
    monotone_tightening : bool, default True
    rounding, collisions, capacity_scale
        As for :class:`PurelyPeriodic`.
    """

    name = "periodic_ucb"
    # Its O(sqrt(T)) rate is against the offline periodic policy, not against UB* (which the
    # recorded regret uses and no policy attains when capacity binds): declared None so that the
    # generic log-log figure does not set a slope of regret against UB* beside it.
    regret_exponent = None
    init_kernel = periodic_ucb_init
    select_kernel = periodic_ucb_select
    update_kernel = periodic_ucb_update

    def __init__(self, ucb_scale=0.5**0.5, delta=None, epochs="sample_doubling", first_epoch=None, monotone_tightening=True,
                 rounding="randomised", collisions="random", capacity_scale=1.0):
        self.ucb_scale, self.delta = check_confidence(ucb_scale, delta)
        self.epochs = check_choice("epochs", epochs, tuple(_EPOCHS))
        self.first_epoch = None if first_epoch is None else check_integer("first_epoch", first_epoch, low=1,
                                                                            high=MAX_EPOCH)
        if not isinstance(monotone_tightening, bool):
            raise ParameterError("monotone_tightening", monotone_tightening, "must be True or False")
        self.monotone_tightening = monotone_tightening
        self.rounding = rounding
        self.collisions = collisions
        self.capacity_scale = capacity_scale
        _schedule_options(self)

    @property
    def needs_horizon(self) -> bool:
        return self.delta is None or (self.epochs == "fixed" and self.first_epoch is None)

    def kernel_hyper(self, view, horizon):
        if self.first_epoch is not None:
            first = self.first_epoch
        elif self.epochs == "sample_doubling":
            first = MAX_EPOCH
        elif self.epochs == "time_doubling":
            first = view.n_arms * view.d_max
        else:
            first = max(1, math.ceil(math.sqrt(horizon)))
        return (float(self.ucb_scale), float(log_confidence(self.delta, view, horizon)),
                float(self.capacity_scale * view.max_pulls), np.int64(_ROUNDING[self.rounding]),
                np.int64(_COLLISIONS[self.collisions]), np.int64(_EPOCHS[self.epochs]), np.int64(first),
                np.int64(self.monotone_tightening))
