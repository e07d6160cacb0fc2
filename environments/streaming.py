"""Single-pass streaming bandits with limited arm memory (Chen Wang, ICML 2023).

Model (``shared/reference/streaming.md`` §3)
---------------------------------------------
K Bernoulli arms arrive one at a time in a fixed order (uniformly shuffled by default). An
algorithm may READ the next arm of the stream into a free memory slot, PULL a stored arm ``n``
times at once, DISCARD a stored arm (it is gone for ever: a single pass) and COMMIT a stored arm
for all remaining pulls. Memory M counts the slots, the arriving arm included (pitfall 10). A run
uses exactly T pulls: a batch that would overshoot is cut short at T (pitfall 4).

Batch pulls
-----------
A PULL of ``n`` pulls draws its number of successes as one exact ``Binomial(n, mu)`` (numba's
generator uses NumPy's algorithms: inversion for small ``n min(p, 1 - p)``, BTPE above, O(1)
expected time at any n), so that horizons up to 10^18 simulate in O(K) operations. With
``gaussian_threshold > 0`` a batch of more than that many pulls instead draws its mean from
``N(mu, (2 / sqrt(n))^2)`` (the official code's shortcut, pitfall 7; threshold 100000 there):
the success count is ``round(n * mean)`` clipped to ``[0, n]``.

Arm settings (§6)
-----------------
``arms="mix-in"``: K means i.i.d. Uniform[0, 1]. ``arms="clear-cut"``: K - 1 means from a normal
``N(0.5, 0.1^2)`` truncated to ``[0, 0.8]`` (rejection sampling) plus one arm at 0.82.
``arms="explicit"``: the given ``means``. Generated means are drawn **per replication** from the
environment stream at reset, as the official script draws new arms for every seed; then the
stream order is a uniform permutation (``shuffle=True``; the official shuffle is unseeded,
pitfall 8, here it comes from the environment stream). Every policy of a replication sees the
same means and order (common random numbers); batch outcomes are not paired across policies
(a binomial draw consumes a variable number of uniforms).

Regret
------
Pseudo-regret ``sum over pulls (mu* - mu_pulled)``, added per batch as ``n (mu* - mu)`` (exact
inside a batch, where the gap is constant). The *official accounting* charges the challengers of
the level algorithms at their champion's mean (§6); the fused loop computes both and records the
one the policy asks for (``paper_accounting``) as the regret curve.

Draw discipline
---------------
At reset: the means (generated settings: K uniforms, or K - 1 truncated normals by rejection),
then the permutation (``shuffle``). Then one binomial (or one normal) per PULL or COMMIT.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import gymnasium as gym
import numba as nb
import numpy as np
from gymnasium import spaces

from bandits.kernels import compiled_entry_point, kernel, kernel_reference
from bandits.policies.streaming import COMMIT, DISCARD, MAX_COUNT, OPERATION_NAMES, PULL, READ, StreamingPolicy
from bandits.rng import generator_of, make_random_stream
from bandits.runner import FusedLoop
from bandits.validation import check_choice, check_integer, check_real, check_real_vector

__all__ = [
    "normalised_regret",
    "log_log_horizon_slope",
    "StreamingBandit",
    "StreamingBanditEnv",
    "StreamingLoop",
    "StreamingOperationSpace",
    "stream_env_init",
    "stream_apply",
    "run_streaming_replication",
    "STATUS_MESSAGES",
    "ENVIRONMENT_IDS",
    "PROBLEMS",
]

ARM_SETTINGS = ("mix-in", "clear-cut", "explicit")
_ARMS_CODE = {"mix-in": 0, "clear-cut": 1, "explicit": 2}

# status codes (negative: the operation was refused and nothing changed)
ERR_SLOT_RANGE = -1
ERR_SLOT_OCCUPIED = -2
ERR_STREAM_EXHAUSTED = -3
ERR_EMPTY_SLOT = -4
ERR_COUNT = -5
ERR_OPERATION = -6
ERR_FINISHED = -7
ERR_TOO_MANY_OPERATIONS = -8

#: status code -> the rule the operation broke.
STATUS_MESSAGES = {
    ERR_SLOT_RANGE: "slot must be in [0, M)",
    ERR_SLOT_OCCUPIED: "READ needs a free slot (memory holds at most M arms, the arriving arm included)",
    ERR_STREAM_EXHAUSTED: "READ past the end of the stream (every arm has been read)",
    ERR_EMPTY_SLOT: "PULL, DISCARD and COMMIT need a stored arm (the slot is empty: never filled or discarded)",
    ERR_COUNT: "PULL count must be >= 1",
    ERR_OPERATION: "op must be READ (0), PULL (1), DISCARD (2) or COMMIT (3)",
    ERR_FINISHED: "no operation is accepted after COMMIT or once T pulls are used",
    ERR_TOO_MANY_OPERATIONS: "too many operations (the policy does not make progress)",
}

# env_state[2] counters
_NEXT, _USED, _COMMITTED, _PEAK, _IN_USE, _HORIZON = 0, 1, 2, 3, 4, 5


# ---------------------------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def _truncated_normal(g, mean, std, high):
    """``N(mean, std^2)`` conditioned on ``[0, high]``, by rejection."""
    while True:
        z = mean + std * g.standard_normal()
        if 0.0 <= z <= high:
            return z


@nb.njit(cache=True, nogil=True)
def stream_env_init(params, horizon, rng):
    """Environment state of one replication: ``(means in stream order float64[K], slots int64[M]
    (stream position or -1), counters int64[6] = (next arm, pulls used, committed position or
    -1, peak memory, memory in use, T), instance float64[2] = (mu*, best minus second-best
    mean))``.

    Draws the means of a generated setting (mix-in: K uniforms; clear-cut: K - 1 truncated
    normals, the arm at ``best`` last), then, if ``shuffle``, a uniform permutation.
    """
    base, arms_code, n_arms, memory, shuffle, gaussian_threshold, shape = params
    g = generator_of(rng)
    means = np.empty(n_arms, np.float64)
    if arms_code == 0:
        for i in range(n_arms):
            means[i] = g.random()
    elif arms_code == 1:
        for i in range(n_arms - 1):
            means[i] = _truncated_normal(g, shape[0], shape[1], shape[2])
        means[n_arms - 1] = shape[3]
    else:
        for i in range(n_arms):
            means[i] = base[i]
    if shuffle != 0:
        order = g.permutation(n_arms)
        means = means[order]
    best = -1.0
    second = -1.0
    for i in range(n_arms):
        m = means[i]
        if m > best:
            second = best
            best = m
        elif m > second:
            second = m
    gap = best - second if n_arms > 1 else 0.0
    slots = np.full(memory, -1, np.int64)
    counters = np.zeros(6, np.int64)
    counters[_COMMITTED] = -1
    counters[_HORIZON] = horizon
    instance = np.array([best, gap])
    return means, slots, counters, instance


@nb.njit(cache=True, nogil=True)
def _successes(n, p, gaussian_threshold, g):
    if gaussian_threshold > 0 and n > gaussian_threshold:
        mean = p + g.standard_normal() * 2.0 / math.sqrt(n)
        s = math.floor(n * mean + 0.5)
        if s < 0.0:
            return 0
        if s >= n:
            return n
        return np.int64(s)
    return g.binomial(n, p)


@nb.njit(cache=True, nogil=True)
def stream_apply(params, env_state, op, slot, count, rng):
    """Apply one operation; return ``(status, pulls_done, successes, gap)``.

    * READ: the next arm of the stream into the free ``slot``; status = its stream position.
    * PULL: ``n = min(count, T - pulls used)`` pulls of the arm in ``slot`` (the last batch is
      cut short so that a run has exactly T pulls); successes ``~ Binomial(n, mu)`` (or the
      Gaussian shortcut); gap = ``mu* - mu``; status = the arm's stream position.
    * DISCARD: frees ``slot``; the arm is gone for ever.
    * COMMIT: PULL with ``n = T - pulls used``; nothing is accepted afterwards.

    A negative status (:data:`STATUS_MESSAGES`) means the operation was refused and the state is
    unchanged. Memory in use and its peak are tracked (a committed arm stays stored).
    """
    gaussian_threshold = params[5]
    means, slots, counters, instance = env_state
    memory = slots.size
    if counters[_COMMITTED] >= 0 or counters[_USED] >= counters[_HORIZON]:
        return ERR_FINISHED, 0, 0, 0.0
    if op < 0 or op > 3:
        return ERR_OPERATION, 0, 0, 0.0
    if slot < 0 or slot >= memory:
        return ERR_SLOT_RANGE, 0, 0, 0.0
    if op == READ:
        if slots[slot] >= 0:
            return ERR_SLOT_OCCUPIED, 0, 0, 0.0
        position = counters[_NEXT]
        if position >= means.size:
            return ERR_STREAM_EXHAUSTED, 0, 0, 0.0
        slots[slot] = position
        counters[_NEXT] = position + 1
        counters[_IN_USE] += 1
        if counters[_IN_USE] > counters[_PEAK]:
            counters[_PEAK] = counters[_IN_USE]
        return position, 0, 0, 0.0
    position = slots[slot]
    if position < 0:
        return ERR_EMPTY_SLOT, 0, 0, 0.0
    if op == DISCARD:
        slots[slot] = -1
        counters[_IN_USE] -= 1
        return position, 0, 0, 0.0
    remaining = counters[_HORIZON] - counters[_USED]
    if op == PULL:
        if count < 1:
            return ERR_COUNT, 0, 0, 0.0
        n = count if count < remaining else remaining
    else:
        n = remaining
        counters[_COMMITTED] = position
    p = means[position]
    s = _successes(n, p, gaussian_threshold, generator_of(rng))
    counters[_USED] += n
    return position, n, s, instance[0] - p


_F_EXACT, _F_OFFICIAL, _F_EXPLORE_REGRET, _F_COMMITTED_GAP, _F_INSTANCE_GAP = 0, 1, 2, 3, 4
_I_PEAK, _I_READ, _I_EXPLORE_PULLS, _I_OPERATIONS = 0, 1, 2, 3


@nb.njit(cache=True, nogil=True)
def run_streaming_replication(
    params,
    horizon,
    policy_init,
    policy_select,
    policy_update,
    hyper,
    headline_official,
    max_operations,
    record_points,
    env_stream,
    policy_stream,
    regret_out,
    reward_out,
    counts_out,
    float_out,
    int_out,
    error_out,
):
    """Run one streaming policy until T pulls are used (record points count pulls).

    ``state = init(K, T, M, oracle_gap, hyper)`` after :func:`stream_env_init`; then repeatedly
    ``op, slot, count, charged = select(state, hyper, policy_stream)``,
    :func:`stream_apply`, ``update(state, hyper, op, slot, status, n, successes)``. A batch of
    ``n`` pulls starting after ``u`` pulls adds ``(p - u) * gap`` to the regret at every record
    point ``p`` in ``(u, u + n]`` (exact: the gap is constant within a batch); the realised
    reward at a point inside a batch is the value after the last completed operation.

    The regret curve is exact pseudo-regret, or the official accounting (the batch charged at
    the mean of the arm in ``charged``) when ``headline_official``. Final values:
    ``float_out = (exact regret, official regret, exact regret before the commit, gap of the
    committed arm (NaN if none), instance gap)``, ``int_out = (peak memory, arms read, pulls
    before the commit (T if none), operations)``; ``counts_out[i]`` pulls of the i-th arriving
    arm (if it has room). On a refused operation ``error_out = (status, operation index, op)``
    and the run stops.
    """
    env_state = stream_env_init(params, horizon, env_stream)
    means, slots, counters, instance = env_state
    n_arms = means.size
    memory = slots.size
    mu_star = instance[0]
    state = kernel(policy_init)(n_arms, horizon, memory, instance[1], hyper)
    exact = 0.0
    official = 0.0
    reward = 0.0
    operations = 0
    explore_pulls = horizon
    explore_regret = -1.0
    committed_gap = np.nan
    next_record = 0
    n_records = record_points.size
    keep_counts = counts_out.size == n_arms
    counts = np.zeros(n_arms if keep_counts else 0, np.int64)
    while counters[_USED] < horizon:
        op, slot, count, charged = kernel(policy_select)(state, hyper, policy_stream)
        start = counters[_USED]
        charged_gap = 0.0
        if op == PULL and charged != slot and 0 <= charged < memory and slots[charged] >= 0:
            charged_gap = mu_star - means[slots[charged]]
            differs = True
        else:
            differs = False
        status, n, s, gap = stream_apply(params, env_state, op, slot, count, env_stream)
        operations += 1
        if status < 0 or operations > max_operations:
            error_out[0] = status if status < 0 else ERR_TOO_MANY_OPERATIONS
            error_out[1] = operations - 1
            error_out[2] = op
            return
        kernel(policy_update)(state, hyper, op, slot, status, n, s)
        if n > 0:
            if not differs:
                charged_gap = gap
            headline = official if headline_official != 0 else exact
            headline_gap = charged_gap if headline_official != 0 else gap
            stop = start + n
            while next_record < n_records and record_points[next_record] <= stop:
                point = record_points[next_record]
                regret_out[next_record] = headline + (point - start) * headline_gap
                reward_out[next_record] = reward + (s if point == stop else 0)
                next_record += 1
            if op == COMMIT:
                explore_pulls = start
                explore_regret = exact
                committed_gap = gap
            exact += n * gap
            official += n * charged_gap
            reward += s
            if keep_counts:
                counts[status] += n
    if explore_regret < 0.0:
        explore_regret = exact
    while next_record < n_records:  # only when record points exceed T (not for the runner)
        regret_out[next_record] = official if headline_official != 0 else exact
        reward_out[next_record] = reward
        next_record += 1
    if keep_counts:
        counts_out[:] = counts
    float_out[_F_EXACT] = exact
    float_out[_F_OFFICIAL] = official
    float_out[_F_EXPLORE_REGRET] = explore_regret
    float_out[_F_COMMITTED_GAP] = committed_gap
    float_out[_F_INSTANCE_GAP] = instance[1]
    int_out[_I_PEAK] = counters[_PEAK]
    int_out[_I_READ] = counters[_NEXT]
    int_out[_I_EXPLORE_PULLS] = explore_pulls
    int_out[_I_OPERATIONS] = operations


# ---------------------------------------------------------------------------------------------
# Problem
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class StreamingBandit:
    """A single-pass streaming bandit problem (:mod:`environments.streaming`); the horizon T is
    the runner's (or the shell's) horizon, not a problem field.

    Parameters
    ----------
    arms : {"mix-in", "clear-cut", "explicit"}, default "mix-in"
        How the means are made: drawn per replication (mix-in: i.i.d. Uniform[0, 1];
        clear-cut: ``K - 1`` truncated normals plus one arm at ``clear_cut_best``), or given
        (``means``).
    n_arms : int, optional
        K (``>= 1``; ``>= 2`` for clear-cut); for "explicit" it defaults to ``len(means)``.
    means : sequence of float in [0, 1], optional
        The arm means in stream order before shuffling (only with ``arms="explicit"``).
    memory : int, default 32
        M, the slots of arm memory, the arriving arm counted (enough for all six algorithms up
        to K ~ 10^13: L1 needs ``floor(ln K) + 1``).
    shuffle : bool, default True
        Draw the arrival order uniformly at random from the environment stream at reset (all
        policies of a replication share it); False keeps the given order.
    gaussian_threshold : int, default 0
        0: exact binomial batches. ``> 0``: batches of more pulls draw their mean from
        ``N(mu, (2/sqrt(n))^2)``, the official code's shortcut (100000 there).
    record_pull_counts : bool, default True
        Record pulls per arm (in arrival order) as ``pull_counts`` (P, R, K); False records an
        empty (P, R, 0) array (K = 50,000 x 50 replications x 6 policies would be 120 MB).
    clear_cut_mean, clear_cut_std, clear_cut_high, clear_cut_best : float
        The clear-cut setting: normal mean 0.5 and standard deviation 0.1 truncated to
        ``[0, clear_cut_high = 0.8]``; the best arm's mean 0.82 (official values).
    """

    arms: str = "mix-in"
    n_arms: int | None = None
    means: tuple | None = None
    memory: int = 32
    shuffle: bool = True
    gaussian_threshold: int = 0
    record_pull_counts: bool = True
    clear_cut_mean: float = 0.5
    clear_cut_std: float = 0.1
    clear_cut_high: float = 0.8
    clear_cut_best: float = 0.82

    name: ClassVar[str] = "StreamingBandit"
    time_unit: ClassVar[str] = "pull"
    #: default record points: every pull up to 10, then 20 per decade (horizons reach 10^17:
    #: the general 200 per decade would store 12,621 points per replication)
    record_density: ClassVar[tuple] = (10, 20)
    reward_range: ClassVar[tuple] = (0.0, 1.0)

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        check_choice("arms", self.arms, ARM_SETTINGS)
        if self.arms == "explicit":
            if self.means is None:
                raise ValueError("means: must be given with arms='explicit', got None")
            means = check_real_vector("means", self.means, low=0.0, high=1.0)
            if self.n_arms is not None and check_integer("n_arms", self.n_arms, low=1) != means.size:
                raise ValueError(f"n_arms: must equal len(means) = {means.size}, got {self.n_arms}")
            set_("means", tuple(means.tolist()))
            set_("n_arms", int(means.size))
        else:
            if self.means is not None:
                raise ValueError(f"means: only with arms='explicit' (arms={self.arms!r} draws them), got {self.means!r}")
            if self.n_arms is None:
                raise ValueError(f"n_arms: must be given with arms={self.arms!r}, got None")
            set_("n_arms", check_integer("n_arms", self.n_arms, low=2 if self.arms == "clear-cut" else 1))
        set_("memory", check_integer("memory", self.memory, low=1))
        for flag in ("shuffle", "record_pull_counts"):
            if not isinstance(getattr(self, flag), (bool, np.bool_)):
                raise ValueError(f"{flag}: must be True or False, got {getattr(self, flag)!r}")
            set_(flag, bool(getattr(self, flag)))
        set_("gaussian_threshold", check_integer("gaussian_threshold", self.gaussian_threshold, low=0))
        set_("clear_cut_std", check_real("clear_cut_std", self.clear_cut_std, low=0.0, low_open=True))
        set_("clear_cut_high", check_real("clear_cut_high", self.clear_cut_high, low=0.0, high=1.0, low_open=True))
        set_("clear_cut_mean", check_real("clear_cut_mean", self.clear_cut_mean))
        set_("clear_cut_best", check_real("clear_cut_best", self.clear_cut_best, low=0.0, high=1.0))
        if self.arms == "clear-cut":
            z = lambda x: 0.5 * (1.0 + math.erf((x - self.clear_cut_mean) / (self.clear_cut_std * math.sqrt(2.0))))  # noqa: E731
            acceptance = z(self.clear_cut_high) - z(0.0)
            if acceptance < 1e-6:
                raise ValueError(
                    f"clear_cut_mean: N({self.clear_cut_mean}, {self.clear_cut_std}^2) must put probability >= 1e-6 "
                    f"on [0, {self.clear_cut_high}] for rejection sampling, got {acceptance:.3g}"
                )
        base = np.array(self.means if self.means is not None else (), np.float64)
        base.setflags(write=False)
        shape = np.array([self.clear_cut_mean, self.clear_cut_std, self.clear_cut_high, self.clear_cut_best])
        shape.setflags(write=False)
        set_(
            "_kernel_params",
            (base, np.int64(_ARMS_CODE[self.arms]), np.int64(self.n_arms), np.int64(self.memory),
             np.int64(self.shuffle), np.int64(self.gaussian_threshold), shape),
        )

    @property
    def kernel_params(self) -> tuple:
        """``(base means, arms code, K, M, shuffle, gaussian_threshold, (clear-cut mean, std,
        high, best))``: what :func:`stream_env_init` and :func:`stream_apply` read."""
        return self._kernel_params

    def to_dict(self) -> dict:
        """Constructor parameters as plain Python values."""
        out = {"arms": self.arms, "n_arms": self.n_arms}
        if self.arms == "explicit":
            out["means"] = list(self.means)
        out.update(memory=self.memory, shuffle=self.shuffle, gaussian_threshold=self.gaussian_threshold,
                   record_pull_counts=self.record_pull_counts)
        if self.arms == "clear-cut":
            out.update(clear_cut_mean=self.clear_cut_mean, clear_cut_std=self.clear_cut_std,
                       clear_cut_high=self.clear_cut_high, clear_cut_best=self.clear_cut_best)
        return out

    def instance(self, seed) -> tuple[np.ndarray, float]:
        """``(means in stream order, oracle gap)`` of the replication whose environment stream
        starts from ``seed`` (an int or Generator), exactly as the runner and the shell draw
        them."""
        from bandits.rng import as_generator

        stream = make_random_stream(as_generator(seed))
        means, _, _, instance = stream_env_init(self.kernel_params, 1, stream)
        return means, float(instance[1])

    # -- runner hooks ----------------------------------------------------------------------------
    def check_policy_compatible(self, policy, path: str = "policy") -> None:
        """``ValueError`` unless ``policy`` is a streaming policy that fits in ``memory``."""
        if not isinstance(policy, StreamingPolicy):
            raise ValueError(f"{path}: must be a streaming policy (bandits.policies.streaming), got {policy!r}")
        needed = policy.memory_required(self.n_arms)
        if needed > self.memory:
            raise ValueError(
                f"{path}: {policy.label} needs memory >= {needed} slots for K = {self.n_arms} arms, "
                f"but the problem has memory = {self.memory}"
            )

    def fused_loop(self, policies, horizon, record_points):
        """The fused runner's loop for this problem (:class:`StreamingLoop`)."""
        return StreamingLoop(self, policies, horizon, record_points)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "means")
        return f"StreamingBandit({args})"


# ---------------------------------------------------------------------------------------------
# Fused loop
# ---------------------------------------------------------------------------------------------
class StreamingLoop(FusedLoop):
    """:func:`run_streaming_replication` for a :class:`StreamingBandit`.

    Outputs: ``cumulative_regret`` (P, R, J) (exact, or official accounting for policies with
    ``paper_accounting=True``), ``cumulative_reward`` (P, R, J) successes, ``pull_counts``
    (P, R, K) pulls per arm in arrival order (or (P, R, 0)). Metrics (P, R): ``exact_regret``,
    ``official_regret`` (final regret under each accounting, same trajectory),
    ``exploration_regret`` (exact regret before the commit), ``committed_gap`` (NaN if the
    horizon ran out before a commit), ``instance_gap`` (best minus second-best mean),
    ``peak_memory``, ``arms_read``, ``exploration_pulls`` (pulls before the commit, T if none),
    ``operations`` (int64).
    """

    loop = run_streaming_replication

    def __init__(self, problem, policies, horizon, record_points):
        horizon = check_integer("horizon", horizon, low=1, high=MAX_COUNT)
        self.problem = problem
        self.horizon = horizon
        self.record_points = record_points
        self.labels = [p.label for p in policies]
        self.hypers = [p.kernel_hyper(problem.n_arms, horizon) for p in policies]
        self.headline = [np.int64(1 if p.paper_accounting else 0) for p in policies]
        self.references = [
            tuple(kernel_reference(k) for k in (type(p).init_kernel, type(p).select_kernel, type(p).update_kernel))
            for p in policies
        ]
        self.max_operations = np.int64(200 * problem.n_arms + 10_000)

    def allocate(self, n_policies, n_replications):
        shape = (n_policies, n_replications, self.record_points.size)
        n_counts = self.problem.n_arms if self.problem.record_pull_counts else 0
        return {
            "cumulative_regret": np.zeros(shape),
            "cumulative_reward": np.zeros(shape),
            "pull_counts": np.zeros((n_policies, n_replications, n_counts), np.int64),
            "_float": np.zeros((n_policies, n_replications, 5)),
            "_int": np.zeros((n_policies, n_replications, 4), np.int64),
            "_error": np.zeros((n_policies, n_replications, 3), np.int64),
        }

    def arguments(self, p, i, outputs, env_stream, policy_stream):
        return (
            self.problem.kernel_params,
            np.int64(self.horizon),
            *self.references[p],
            self.hypers[p],
            self.headline[p],
            self.max_operations,
            self.record_points,
            env_stream,
            policy_stream,
            outputs["cumulative_regret"][p, i],
            outputs["cumulative_reward"][p, i],
            outputs["pull_counts"][p, i],
            outputs["_float"][p, i],
            outputs["_int"][p, i],
            outputs["_error"][p, i],
        )

    def check_outputs(self, outputs, labels):
        error = outputs.pop("_error")
        bad = np.argwhere(error[:, :, 0] < 0)
        if bad.size:
            p, i = (int(x) for x in bad[0])
            status, index, op = (int(x) for x in error[p, i])
            name = OPERATION_NAMES[op] if 0 <= op < 4 else str(op)
            raise ValueError(
                f"policies[{p}]: {labels[p]} made an invalid operation {name} (number {index}) in replication slot {i}: "
                f"{STATUS_MESSAGES.get(status, status)}"
            )
        values = outputs.pop("_float")
        counters = outputs.pop("_int")
        for name, k in (("exact_regret", _F_EXACT), ("official_regret", _F_OFFICIAL),
                        ("exploration_regret", _F_EXPLORE_REGRET), ("committed_gap", _F_COMMITTED_GAP),
                        ("instance_gap", _F_INSTANCE_GAP)):
            outputs[name] = values[:, :, k].copy()
        for name, k in (("peak_memory", _I_PEAK), ("arms_read", _I_READ), ("exploration_pulls", _I_EXPLORE_PULLS),
                        ("operations", _I_OPERATIONS)):
            outputs[name] = counters[:, :, k].copy()


# ---------------------------------------------------------------------------------------------
# Gymnasium shell
# ---------------------------------------------------------------------------------------------
class StreamingOperationSpace(spaces.Dict):
    """``Dict(op=Discrete(4), slot=Discrete(M), count=Box(1, 2^62, (), int64))``.

    ``contains`` checks the structure only. Whether an operation is *valid* depends on the
    environment's state (free or stored slots, arms left), so ``sample()`` of the space owned by
    a :class:`StreamingBanditEnv` draws a valid operation for the current state: a READ into a
    uniformly random free slot while arms and slots remain, otherwise a single PULL of a random
    stored arm (never COMMIT or DISCARD, which would end or shrink a random run quickly).
    """

    def __init__(self, memory: int, seed=None, env=None):
        super().__init__(
            {
                "op": spaces.Discrete(4),
                "slot": spaces.Discrete(memory),
                "count": spaces.Box(1, MAX_COUNT, (), np.int64),
            },
            seed=seed,
        )
        self._env = env

    def sample(self, mask=None, probability=None):
        env = self._env
        if env is None or env._env_state is None or mask is not None or probability is not None:
            return super().sample(mask=mask, probability=probability)
        _, slots, counters, _ = env._env_state
        free = np.flatnonzero(slots < 0)
        stored = np.flatnonzero(slots >= 0)
        rng = self.np_random
        if free.size and counters[_NEXT] < env.problem.n_arms:
            return {"op": READ, "slot": int(rng.choice(free)), "count": 1}
        if stored.size:
            return {"op": PULL, "slot": int(rng.choice(stored)), "count": 1}
        return super().sample()


class StreamingBanditEnv(gym.Env):
    """Gymnasium environment ``regretlab/StreamingBandit-v0``: one operation per step.

    Action (:class:`StreamingOperationSpace`): ``{"op", "slot", "count"}`` with op READ = 0,
    PULL = 1, DISCARD = 2, COMMIT = 3. With ``batch_pulls=False`` (default: one pull at a time)
    a PULL's count must be 1; COMMIT always consumes every remaining pull in one step. An invalid
    operation (occupied or empty slot, a discarded arm, reading past the end, count < 1) raises
    ``ValueError`` naming the rule and changes nothing.

    Observation ``Dict(occupied=MultiBinary(M), arms_read=Discrete(K + 1))``; reward = the
    successes of the operation; ``truncated=True`` once T pulls are used (never terminated).
    ``info``: ``status`` (the arm's stream position), ``pulls_done``, ``pulls_used``,
    ``expected_reward = n mu``, ``optimal_expected_reward = n mu*``, ``memory_in_use``.
    ``reset`` info: ``optimal_expected_reward`` (mu*) and ``oracle_gap`` (best minus
    second-best mean: oracle information, for oracle-assisted policies only).
    :attr:`regret` is the exact pseudo-regret so far, :attr:`learner_view` what a learner may
    know (K, T, M).

    Parameters
    ----------
    problem : StreamingBandit, optional
        Default ``StreamingBandit(arms="mix-in", n_arms=10, memory=4)``, or built from
        ``problem_params``.
    horizon : int, default 1000
        T, ``1 <= T <= 2^62``.
    batch_pulls : bool, default False
        Allow PULL counts above 1.
    """

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, problem=None, *, horizon=1000, batch_pulls=False, **problem_params):
        if problem is None:
            problem = StreamingBandit(**({"arms": "mix-in", "n_arms": 10, "memory": 4} | problem_params))
        elif problem_params:
            raise ValueError(f"problem_params: pass either a problem or its parameters, got both ({sorted(problem_params)})")
        if not isinstance(problem, StreamingBandit):
            raise ValueError(f"problem: must be a StreamingBandit, got {problem!r}")
        if not isinstance(batch_pulls, (bool, np.bool_)):
            raise ValueError(f"batch_pulls: must be True or False, got {batch_pulls!r}")
        self.problem = problem
        self.horizon = check_integer("horizon", horizon, low=1, high=MAX_COUNT)
        self.batch_pulls = bool(batch_pulls)
        self.action_space = StreamingOperationSpace(problem.memory, env=self)
        self.observation_space = spaces.Dict(
            {"occupied": spaces.MultiBinary(problem.memory), "arms_read": spaces.Discrete(problem.n_arms + 1)}
        )
        self._stream = None
        self._stream_source = None
        self._env_state = None
        self.regret = 0.0

    @property
    def learner_view(self) -> dict:
        """What a learner may know: ``{"n_arms": K, "horizon": T, "memory": M}``."""
        return {"n_arms": self.problem.n_arms, "horizon": self.horizon, "memory": self.problem.memory}

    @property
    def peak_memory(self) -> int:
        """Largest number of arms stored at once so far."""
        return int(self._env_state[2][_PEAK]) if self._env_state is not None else 0

    @property
    def pulls_used(self) -> int:
        return int(self._env_state[2][_USED]) if self._env_state is not None else 0

    @property
    def means(self) -> np.ndarray:
        """This replication's means in stream order (for evaluation; hidden from learners)."""
        return self._env_state[0].copy()

    def _current_stream(self):
        generator = self.np_random
        if generator is not self._stream_source:
            self._stream = make_random_stream(generator)
            self._stream_source = generator
            params = self.problem.kernel_params
            self._init_entry = compiled_entry_point(stream_env_init, (params, np.int64(1), self._stream))
            # a sample state for the signature, drawn from a throw-away stream (drawing it from
            # this replication's stream would shift every later draw)
            state = self._init_entry(params, np.int64(1), make_random_stream(np.random.default_rng(0)))
            self._apply_entry = compiled_entry_point(stream_apply, (params, state, 0, 0, 0, self._stream))
        return self._stream

    def _observation(self):
        _, slots, counters, _ = self._env_state
        return {"occupied": (slots >= 0).astype(np.int8), "arms_read": int(counters[_NEXT])}

    def reset(self, *, seed=None, options=None):
        """Draw this replication's means and order (the runner's draws for the same seed)."""
        super().reset(seed=seed)
        stream = self._current_stream()
        self._env_state = self._init_entry(self.problem.kernel_params, np.int64(self.horizon), stream)
        self.regret = 0.0
        instance = self._env_state[3]
        return self._observation(), {"optimal_expected_reward": float(instance[0]), "oracle_gap": float(instance[1])}

    def step(self, action):
        if self._env_state is None:
            raise RuntimeError("step: call reset() first")
        if self.pulls_used >= self.horizon:
            raise RuntimeError(f"step: all T = {self.horizon} pulls are used (truncated); call reset()")
        op, slot, count = _parse_action(action, self.problem.memory)
        if op == PULL and not self.batch_pulls and count != 1:
            raise ValueError(f"action['count']: must be 1 with batch_pulls=False, got {count}")
        stream = self._current_stream()
        status, n, s, gap = self._apply_entry(self.problem.kernel_params, self._env_state, op, slot, count, stream)
        if status < 0:
            raise ValueError(f"action: {OPERATION_NAMES[op]} slot {slot}: {STATUS_MESSAGES[int(status)]}")
        self.regret += n * gap
        mu_star = float(self._env_state[3][0])
        info = {
            "status": int(status),
            "pulls_done": int(n),
            "pulls_used": self.pulls_used,
            "expected_reward": n * (mu_star - gap),
            "optimal_expected_reward": n * mu_star,
            "memory_in_use": int(self._env_state[2][_IN_USE]),
        }
        truncated = self.pulls_used >= self.horizon
        return self._observation(), float(s), False, truncated, info


def _parse_action(action, memory):
    if not isinstance(action, dict) or not {"op", "slot"} <= set(action):
        raise ValueError(f"action: must be a dict with keys 'op', 'slot', 'count', got {action!r}")
    values = []
    for name in ("op", "slot", "count"):
        value = action.get(name, 1)
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"action['{name}']: must be an integer, got {value!r}")
        values.append(int(value))
    op, slot, count = values
    if not 0 <= op <= 3:
        raise ValueError(f"action['op']: {STATUS_MESSAGES[ERR_OPERATION]}, got {op}")
    if not 0 <= slot < memory:
        raise ValueError(f"action['slot']: must be in [0, {memory - 1}], got {slot}")
    if op == PULL and not 1 <= count <= MAX_COUNT:
        raise ValueError(f"action['count']: must be in [1, 2^62] for PULL, got {count}")
    return op, slot, count


#: Gymnasium id -> entry point.
ENVIRONMENT_IDS = {"regretlab/StreamingBandit-v0": "environments.streaming:StreamingBanditEnv"}

#: setting name -> problem class.
PROBLEMS = {"StreamingBandit": StreamingBandit}


# ---------------------------------------------------------------------------------------------
# Report extension: regret relative to uniform exploration, both accountings, memory
# ---------------------------------------------------------------------------------------------
def _mean_se(values, digits=3) -> str:
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return f"{values.mean():.{digits}g}"
    return f"{values.mean():.{digits}g} ± {values.std(ddof=1) / np.sqrt(values.size):.{digits}g}"


def relative_regret(final, baseline):
    """Per-replication ratios ``final / baseline`` (NaN where the baseline is 0): the regret of
    a policy relative to uniform exploration on the same instance and stream order."""
    final = np.asarray(final, dtype=np.float64)
    baseline = np.asarray(baseline, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(baseline > 0, final / np.where(baseline > 0, baseline, 1.0), np.nan)


def normalised_regret(problem, policies, horizons, *, n_replications, seed, n_jobs=1):
    """Final regret divided by ``K^(1/3) T^(2/3)`` (the lower-bound rate, reference §2) for each
    horizon ``T`` in ``horizons``: one :func:`bandits.runner.run` per horizon (the algorithms'
    epsilon = (K / T)^(1/3) depends on T), same ``seed`` for every horizon, so instances and
    arrival orders are shared. Returns ``(mean, se)``, arrays of shape (policies, horizons), over
    replications (per-replication ratios; the exact accounting, or the official one for policies
    with ``paper_accounting=True``, as in the regret curves)."""
    from bandits.runner import run

    horizons = [check_integer(f"horizons[{j}]", T, low=2, high=MAX_COUNT) for j, T in enumerate(horizons)]
    if len(horizons) < 1:
        raise ValueError("horizons: must hold at least one horizon, got []")
    mean = np.empty((len(policies), len(horizons)))
    se = np.empty_like(mean)
    for j, T in enumerate(horizons):
        result = run(problem, policies, horizon=T, n_replications=n_replications, seed=seed, n_jobs=n_jobs)
        ratio = result.final_regret / (problem.n_arms ** (1 / 3) * float(T) ** (2 / 3))
        mean[:, j] = ratio.mean(axis=1)
        se[:, j] = ratio.std(axis=1, ddof=1) / math.sqrt(n_replications) if n_replications > 1 else math.nan
    return mean, se


def log_log_horizon_slope(horizons, mean, se):
    """Weighted least-squares slope of ``ln mean`` against ``ln ln T`` and its standard error
    (weights ``mean / se``, the delta-method standard errors of ``ln mean``). Regret growing like
    ``K^(1/3) T^(2/3) (ln T)^a`` gives slope ``a``: 1/3 for uniform exploration (reference §2),
    0 for the optimal algorithms."""
    x = np.log(np.log(np.asarray(horizons, dtype=float)))
    mean = np.asarray(mean, dtype=float)
    se = np.asarray(se, dtype=float)
    if x.size < 3 or np.any(mean <= 0) or np.any(~(se > 0)):
        raise ValueError(f"mean, se: need >= 3 horizons with positive means and standard errors, got {mean}, {se}")
    coefficients, covariance = np.polyfit(x, np.log(mean), 1, w=mean / se, cov="unscaled")
    return float(coefficients[0]), float(math.sqrt(covariance[0, 0]))


def streaming_report_section(env, out, config):
    """The streaming part of a report: per policy, final regret relative to uniform exploration
    (mean ± standard error and median of per-replication ratios, and the ratio of means), the
    regret under both accountings, peak memory, exploration pulls and how often the committed
    arm was the best; a figure of regret against peak memory; notes on oracle information."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bandits.report import ReportSection, save_figure

    result = env.result
    metrics = result.metrics
    labels = result.policy_labels
    names = [entry["name"] for entry in config["policies"]]
    final = result.final_regret
    baseline = names.index("uniform_exploration") if "uniform_exploration" in names else None
    rows = []
    for p, label in enumerate(labels):
        row = [label]
        if baseline is not None:
            ratios = relative_regret(final[p], final[baseline])
            ratios = ratios[np.isfinite(ratios)]
            ratio_of_means = final[p].mean() / final[baseline].mean() if final[baseline].mean() > 0 else math.nan
            row += [_mean_se(ratios) if ratios.size else "n/a", f"{np.median(ratios):.3g}" if ratios.size else "n/a",
                    f"{ratio_of_means:.3g}"]
        row += [
            _mean_se(metrics["exact_regret"][p], 4),
            _mean_se(metrics["official_regret"][p], 4),
            f"{int(metrics['peak_memory'][p].max())}",
            f"{metrics['exploration_pulls'][p].mean():.3g}",
            f"{np.mean(metrics['committed_gap'][p] == 0.0):.2f}",
        ]
        rows.append(row)
    header = ["policy"]
    if baseline is not None:
        header += ["regret / U (mean ± s.e.)", "median ratio", "ratio of means"]
    header += ["exact regret", "official-accounting regret", "peak memory", "exploration pulls",
               "committed the best arm (fraction)"]

    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    n = final.shape[1]
    for p, label in enumerate(labels):
        memory = metrics["peak_memory"][p].max()
        half = 1.96 * final[p].std(ddof=1) / math.sqrt(n) if n > 1 else 0.0
        ax.errorbar([memory], [final[p].mean()], yerr=[half], fmt="o", capsize=4, label=label)
    ax.set_xlabel("peak arm memory (slots, arriving arm included)")
    ax.set_ylabel("final regret (mean, 95% CI)")
    ax.set_title(f"{env.name}: regret against memory", fontsize=11)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    figure = save_figure(fig, out, f"memory_env{env.index}")
    plt.close(fig)

    paper = [labels[p] for p, entry in enumerate(config["policies"]) if entry.get("paper_accounting")]
    notes = [
        "Regret curves: exact pseudo-regret (every pull charged at the pulled arm's mean), except for policies "
        "with paper_accounting=True, whose curves follow the official code's charging (challengers of the level "
        "algorithms charged at their champion's mean). Both final values are tabulated for every policy, on the same "
        "trajectories." + (f" Official accounting in the curves: {', '.join(paper)}." if paper else ""),
        "Ratios to uniform exploration (U) are per replication (same instance and arrival order), then averaged.",
    ]
    oracle = [labels[p] for p, entry in enumerate(config["policies"]) if entry.get("gap_hint") == "oracle"]
    if oracle:
        notes.append(
            f"ORACLE INFORMATION: {', '.join(oracle)} use(s) the true best/second-best gap of each instance "
            "(as the official Game-of-Arms code does); a learner does not have it."
        )
    return ReportSection(figures=[figure], tables=[("Streaming metrics", header, rows)], notes=notes)


def _register_report_extension():
    from bandits.report import register_report_extension

    register_report_extension("StreamingBandit", streaming_report_section)


_register_report_extension()
