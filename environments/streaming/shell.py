"""The Gymnasium shell of single-pass streaming bandits (Chen Wang, ICML 2023,
arXiv:2306.02208): :class:`StreamingBanditShell`, over a :class:`StreamingBandit` problem, one
operation per step. ``problem.make_env(horizon)`` builds it over a problem; the registered
environment ``regretlab/StreamingBandit-v0`` builds it from parameters
(:mod:`environments.streaming.gym_entry_points`).

The shell calls the same kernels as the fused loop (:func:`stream_env_init`,
:func:`stream_apply`) through compiled entry points, on a random stream over ``self.np_random``
(one boxing per generator, not per step), so that driving it with a policy and the seeds of
:func:`bandits.core.rng.replication_seeds` reproduces the fused runner's numbers exactly.
"""

from __future__ import annotations

from typing import ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from bandits.core.kernels import compiled_entry_point
from bandits.core.rng import make_random_stream
from bandits.core.validation import ParameterError, check_integer
from environments.streaming.dynamics import (
    ENV_MEMORY_IN_USE,
    ENV_NEXT_ARM,
    ENV_PEAK_MEMORY,
    ENV_PULLS_USED,
    stream_apply,
    stream_env_init,
)
from environments.streaming.protocol import (
    ERR_OPERATION,
    MAX_COUNT,
    OPERATION_NAMES,
    PULL,
    READ,
    STATUS_MESSAGES,
    StreamingLearnerView,
)

__all__ = ["StreamingOperationSpace", "StreamingBanditShell"]


class StreamingOperationSpace(spaces.Dict):
    """``Dict(op=Discrete(4), slot=Discrete(M), count=Box(1, 2^62, (), int64))``.

    ``contains`` checks the structure only. Whether an operation is *valid* depends on the
    environment's state (free or stored slots, arms left), so ``sample()`` of the space owned by
    a :class:`StreamingBanditShell` draws a valid operation for the current state: a READ into a
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
        if free.size and counters[ENV_NEXT_ARM] < env.problem.n_arms:
            return {"op": READ, "slot": int(rng.choice(free)), "count": 1}
        if stored.size:
            return {"op": PULL, "slot": int(rng.choice(stored)), "count": 1}
        return super().sample()


class StreamingBanditShell(gym.Env):
    """Gymnasium shell over a single-pass streaming bandit problem: one operation per step.

    Action (:class:`StreamingOperationSpace`): ``{"op", "slot", "count"}`` with op READ = 0,
    PULL = 1, DISCARD = 2, COMMIT = 3. With ``batch_pulls=False`` (default: one pull at a time)
    a PULL's count must be 1; COMMIT always consumes every remaining pull in one step. An invalid
    operation (occupied or empty slot, a discarded arm, reading past the end, count < 1) raises
    ``ValueError`` naming the rule and changes nothing.

    Observation ``Dict(occupied=MultiBinary(M), arms_read=Discrete(K + 1))``; reward = the
    successes of the operation; ``truncated=True`` once T pulls are used (never terminated).
    ``info``: ``op`` and ``slot`` (the operation applied), ``status`` (the arm's stream
    position), ``pulls_done``, ``pulls_used``, ``gap`` (``mu* - mu`` of the pulled arm, 0.0 when
    nothing was pulled), ``expected_reward = n mu``, ``optimal_expected_reward = n mu*``,
    ``memory_in_use``. ``reset`` info: ``optimal_expected_reward`` (mu*) and ``oracle_gap``
    (best minus second-best mean: oracle information, for oracle-assisted policies only).
    :attr:`regret` is the exact pseudo-regret so far, :attr:`learner_view` what a learner may
    know (K, M, and after ``reset`` the oracle gap), :attr:`elapsed` the pulls used and
    :meth:`step_regret` the regret of a step as the fused loop counts it.

    Parameters
    ----------
    problem : StreamingBandit
        The problem (any object whose ``setting`` is ``"streaming"``).
    horizon : int, default 1000
        T, ``1 <= T <= 2^62``.
    batch_pulls : bool, default False
        Allow PULL counts above 1.
    """

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, problem, *, horizon=1000, batch_pulls=False):
        if getattr(problem, "setting", None) != "streaming":
            raise ParameterError("problem", problem, "must be a streaming problem (StreamingBandit)")
        if not isinstance(batch_pulls, (bool, np.bool_)):
            raise ParameterError("batch_pulls", batch_pulls, "must be True or False")
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

    # -- what a learner and a driver read --------------------------------------------------------
    @property
    def learner_view(self) -> StreamingLearnerView:
        """What a learner may know: ``StreamingLearnerView(K, M, oracle_gap)``, the oracle gap
        being this replication's (None before the first ``reset``)."""
        gap = None if self._env_state is None else float(self._env_state[3][1])
        return StreamingLearnerView(self.problem.n_arms, self.problem.memory, gap)

    @property
    def elapsed(self) -> int:
        """Pulls used since the last ``reset`` (the horizon's time unit)."""
        return self.pulls_used

    @property
    def peak_memory(self) -> int:
        """Largest number of arms stored at once so far."""
        return int(self._env_state[2][ENV_PEAK_MEMORY]) if self._env_state is not None else 0

    @property
    def pulls_used(self) -> int:
        return int(self._env_state[2][ENV_PULLS_USED]) if self._env_state is not None else 0

    @property
    def means(self) -> np.ndarray:
        """This replication's means in stream order (for evaluation; hidden from learners)."""
        return self._env_state[0].copy()

    def step_regret(self, info, policy=None) -> float:
        """The pseudo-regret of the step whose ``info`` is given, as the fused loop counts it in
        its regret curve: ``pulls_done * gap`` (exact accounting), or, for a policy with
        ``paper_accounting=True``, the official accounting, which charges a PULL at the mean of
        the arm in the policy's ``charged_slot`` (the level algorithms' challengers at their
        champion's mean). Summed over a run's steps in order, it equals the fused runner's final
        cumulative regret bit for bit. Call it right after the step (the official accounting
        reads the memory's current contents)."""
        n = info["pulls_done"]
        if n == 0:
            return 0.0
        gap = info["gap"]
        if getattr(policy, "paper_accounting", False):
            means, slots, _, instance = self._env_state
            charged, slot = policy.charged_slot, info["slot"]
            if info["op"] == PULL and charged != slot and 0 <= charged < slots.size and slots[charged] >= 0:
                gap = float(instance[0] - means[slots[charged]])
        return n * gap

    # -- gymnasium ---------------------------------------------------------------------------------
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
        return {"occupied": (slots >= 0).astype(np.int8), "arms_read": int(counters[ENV_NEXT_ARM])}

    def reset(self, *, seed=None, options=None):
        """Draw this replication's means and order (the runner's draws for the same seed)."""
        super().reset(seed=seed)
        stream = self._current_stream()
        self._env_state = self._init_entry(self.problem.kernel_params, np.int64(self.horizon), stream)
        self.regret = 0.0
        instance = self._env_state[3]
        return self._observation(), {"optimal_expected_reward": float(instance[0]), "oracle_gap": float(instance[1])}

    def step(self, action):
        """Apply one operation to the arm memory (``action``: READ, PULL, DISCARD or COMMIT of a
        slot); the class docstring describes the returned tuple and ``info``."""
        if self._env_state is None:
            raise RuntimeError("step: call reset() first")
        if self.pulls_used >= self.horizon:
            raise RuntimeError(f"step: all T = {self.horizon} pulls are used (truncated); call reset()")
        op, slot, count = _parse_action(action, self.problem.memory)
        if op == PULL and not self.batch_pulls and count != 1:
            raise ParameterError("action['count']", count, "must be 1 with batch_pulls=False")
        stream = self._current_stream()
        status, n, s, gap = self._apply_entry(self.problem.kernel_params, self._env_state, op, slot, count, stream)
        if status < 0:
            raise ValueError(f"action: {OPERATION_NAMES[op]} slot {slot}: {STATUS_MESSAGES[int(status)]}")
        self.regret += n * gap
        mu_star = float(self._env_state[3][0])
        info = {
            "op": op,
            "slot": slot,
            "status": int(status),
            "pulls_done": int(n),
            "pulls_used": self.pulls_used,
            "gap": float(gap),
            "expected_reward": n * (mu_star - gap),
            "optimal_expected_reward": n * mu_star,
            "memory_in_use": int(self._env_state[2][ENV_MEMORY_IN_USE]),
        }
        truncated = self.pulls_used >= self.horizon
        return self._observation(), float(s), False, truncated, info


def _parse_action(action, memory):
    if not isinstance(action, dict) or not {"op", "slot"} <= set(action):
        raise ParameterError("action", action, "must be a dict with keys 'op', 'slot', 'count'")
    values = []
    for name in ("op", "slot", "count"):
        value = action.get(name, 1)
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise ParameterError(f"action['{name}']", value, "must be an integer")
        values.append(int(value))
    op, slot, count = values
    if not 0 <= op <= 3:
        raise ParameterError("action['op']", op, STATUS_MESSAGES[ERR_OPERATION])
    if not 0 <= slot < memory:
        raise ParameterError("action['slot']", slot, f"must be in [0, {memory - 1}]")
    if op == PULL and not 1 <= count <= MAX_COUNT:
        raise ParameterError("action['count']", count, "must be in [1, 2^62] for PULL")
    return op, slot, count
