"""Single-pass streaming bandits with limited arm memory (Chen Wang, "Tight Regret Bounds for
Single-pass Streaming Multi-armed Bandits", ICML 2023, arXiv:2306.02208).

K arms arrive once; an algorithm stores a few of them, pulls only stored arms in batches, and a
discarded arm is gone for ever. Modules:

- :mod:`~environments.streaming.protocol`: operation and status codes, the learner view
  (:class:`StreamingLearnerView`) and the feedback of an operation (:class:`StreamingFeedback`);
- :mod:`~environments.streaming.dynamics`: the numba kernels that draw an instance and apply an
  operation (exact binomial batches, or the official Gaussian shortcut);
- :mod:`~environments.streaming.loop`: the fused replication loop and its :class:`StreamingLoop`,
  both regret accountings;
- :mod:`~environments.streaming.shell`: :class:`StreamingBanditShell`, the Gymnasium shell over a
  problem (``problem.make_env(T)``), and its action space :class:`StreamingOperationSpace`;
- :mod:`~environments.streaming.problem`: :class:`StreamingBandit`, the problem's parameters;
- :mod:`~environments.streaming.gym_entry_points`: :class:`StreamingBanditEnv`, the registered
  ``regretlab/StreamingBandit-v0``, built from parameters.
"""

from environments.streaming.dynamics import batch_successes, stream_apply, stream_env_init
from environments.streaming.gym_entry_points import StreamingBanditEnv
from environments.streaming.loop import StreamingLoop, run_streaming_replication
from environments.streaming.problem import StreamingBandit
from environments.streaming.protocol import (
    COMMIT,
    DISCARD,
    MAX_COUNT,
    OPERATION_NAMES,
    PULL,
    READ,
    STATUS_MESSAGES,
    StreamingFeedback,
    StreamingLearnerView,
)
from environments.streaming.shell import StreamingBanditShell, StreamingOperationSpace

__all__ = [
    "StreamingBandit",
    "StreamingBanditEnv",
    "StreamingBanditShell",
    "StreamingOperationSpace",
    "StreamingLoop",
    "StreamingLearnerView",
    "StreamingFeedback",
    "READ",
    "PULL",
    "DISCARD",
    "COMMIT",
    "OPERATION_NAMES",
    "MAX_COUNT",
    "STATUS_MESSAGES",
    "stream_env_init",
    "stream_apply",
    "batch_successes",
    "run_streaming_replication",
]
