"""The single-pass streaming bandit problem (Chen Wang, ICML 2023, arXiv:2306.02208): frozen,
validated parameters that build the fused loop, the Gymnasium shell and the learner view.

Model
-----
K Bernoulli arms arrive one at a time in a fixed order (uniformly shuffled by default). An
algorithm may READ the next arm of the stream into a free memory slot, PULL a stored arm ``n``
times at once, DISCARD a stored arm (it is gone for ever: a single pass) and COMMIT a stored arm
for all remaining pulls. Memory M counts the slots, the arriving arm included (the convention
that "single-arm memory" means a stored champion plus the arriving arm, 2 slots). A run uses
exactly T pulls: a batch that would overshoot is cut short at T (the official code does not
count every pull, so its runs do not total T).

The batch draws, the arm settings and the draw discipline are described in
:mod:`environments.streaming.dynamics`; the regret accountings in
:mod:`environments.streaming.loop`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from bandits.core.policy import require_policy_of_setting
from bandits.core.rng import as_generator, make_random_stream
from bandits.core.validation import ParameterError, check_choice, check_integer, check_real, check_real_vector
from environments.streaming.dynamics import ARM_SETTINGS, ARMS_CODE, stream_env_init
from environments.streaming.loop import StreamingLoop
from environments.streaming.protocol import StreamingLearnerView
from environments.streaming.shell import StreamingBanditShell

__all__ = ["StreamingBandit"]


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
    setting: ClassVar[str] = "streaming"
    time_unit: ClassVar[str] = "pull"
    #: default record points: every pull up to 10, then 20 per decade (horizons reach 10^17:
    #: the general 200 per decade would store 12,621 points per replication)
    record_density: ClassVar[tuple] = (10, 20)
    #: Per-replication metrics a sweep report plots against the swept parameters.
    sweep_metrics: ClassVar[tuple] = (("peak_memory", "peak memory (arm slots)", "mean"),)
    reward_range: ClassVar[tuple] = (0.0, 1.0)
    #: Time axis of the report's regret curves: regret accrues while arms are explored, in the
    #: first ~T^(2/3) pulls, which a linear axis reaching T = 10^17 squeezes against t = 0.
    regret_time_scale: ClassVar[str] = "log"
    #: The rate of the lower bound for single-pass algorithms with o(K) arm memory,
    #: Omega(K^(1/3) T^(2/3)) (arXiv:2306.02208): a sweep report divides regret by it
    #: (:meth:`regret_rate`), so that an algorithm with the optimal rate draws a flat line.
    regret_rate_label: ClassVar[str] = "K^(1/3) T^(2/3)"

    @classmethod
    def regret_rate(cls, params: dict, horizon: int) -> float:
        """``K^(1/3) T^(2/3)`` for an environment entry's ``params`` (``n_arms``, or the length
        of ``means``) at horizon ``T``: the rate of the lower bound for o(K)-memory
        algorithms (arXiv:2306.02208)."""
        n_arms = params.get("n_arms") or len(params["means"])
        return float(n_arms) ** (1 / 3) * float(horizon) ** (2 / 3)

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        check_choice("arms", self.arms, ARM_SETTINGS)
        if self.arms == "explicit":
            if self.means is None:
                raise ParameterError("means", None, "must be given with arms='explicit'")
            means = check_real_vector("means", self.means, low=0.0, high=1.0)
            if self.n_arms is not None and check_integer("n_arms", self.n_arms, low=1) != means.size:
                raise ParameterError("n_arms", self.n_arms, f"must equal len(means) = {means.size}")
            set_("means", tuple(means.tolist()))
            set_("n_arms", int(means.size))
        else:
            if self.means is not None:
                raise ParameterError("means", self.means, f"only with arms='explicit' (arms={self.arms!r} draws them)")
            if self.n_arms is None:
                raise ParameterError("n_arms", None, f"must be given with arms={self.arms!r}")
            set_("n_arms", check_integer("n_arms", self.n_arms, low=2 if self.arms == "clear-cut" else 1))
        set_("memory", check_integer("memory", self.memory, low=1))
        for flag in ("shuffle", "record_pull_counts"):
            if not isinstance(getattr(self, flag), (bool, np.bool_)):
                raise ParameterError(flag, getattr(self, flag), "must be True or False")
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
                raise ParameterError(
                    "clear_cut_mean", self.clear_cut_mean,
                    f"N({self.clear_cut_mean}, {self.clear_cut_std}^2) must put probability >= 1e-6 "
                    f"on [0, {self.clear_cut_high}] for rejection sampling",
                    got=f"{acceptance:.3g}",
                )
        base = np.array(self.means if self.means is not None else (), np.float64)
        base.setflags(write=False)
        shape = np.array([self.clear_cut_mean, self.clear_cut_std, self.clear_cut_high, self.clear_cut_best])
        shape.setflags(write=False)
        set_(
            "_kernel_params",
            (base, np.int64(ARMS_CODE[self.arms]), np.int64(self.n_arms), np.int64(self.memory),
             np.int64(self.shuffle), np.int64(self.gaussian_threshold), shape),
        )

    @property
    def kernel_params(self) -> tuple:
        """``(base means, arms code, K, M, shuffle, gaussian_threshold, (clear-cut mean, std,
        high, best))``: what :func:`stream_env_init` and :func:`stream_apply` read."""
        return self._kernel_params

    @property
    def learner_view(self) -> StreamingLearnerView:
        """What a learner may know before a replication is drawn: ``StreamingLearnerView(K, M)``
        (no oracle gap: the means are drawn per replication; a reset shell's view has it)."""
        return StreamingLearnerView(self.n_arms, self.memory)

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
        stream = make_random_stream(as_generator(seed))
        means, _, _, instance = stream_env_init(self.kernel_params, 1, stream)
        return means, float(instance[1])

    # -- runner and driver hooks ---------------------------------------------------------------
    def check_policy_compatible(self, policy, path: str = "policy") -> None:
        """``ValueError`` unless ``policy`` is a policy of the streaming setting that fits in
        ``memory``."""
        require_policy_of_setting(policy, self.setting, path)
        needed = policy.memory_required(self.n_arms)
        if needed > self.memory:
            raise ParameterError(
                path, policy, f"{policy.label} needs memory >= {needed} slots for K = {self.n_arms} arms",
                got=f"a problem with memory = {self.memory}",
            )

    def fused_loop(self, policies, horizon, record_points):
        """The fused runner's loop for this problem (:class:`StreamingLoop`)."""
        return StreamingLoop(self, policies, horizon, record_points)

    def make_env(self, horizon: int) -> StreamingBanditShell:
        """The Gymnasium shell over this problem for a run of ``horizon`` pulls
        (:class:`StreamingBanditShell`), with batch pulls (a PULL of any count is one step); it
        truncates once the horizon is used up."""
        return StreamingBanditShell(self, horizon=horizon, batch_pulls=True)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "means")
        return f"StreamingBandit({args})"
