"""The protocol of single-pass streaming bandits (Chen Wang, ICML 2023, arXiv:2306.02208): what
an algorithm may do, what the environment answers, and what a learner may know.

An algorithm may READ the next arm of the stream into a free memory slot, PULL a stored arm
``n`` times at once (it sees the number of successes), DISCARD a stored arm (gone for ever: a
single pass) and COMMIT a stored arm for every remaining pull. The environment answers each
operation with a *status*: the stream position of the arm concerned (``>= 0``), or a negative
error code (:data:`STATUS_MESSAGES`) when it refuses the operation and changes nothing.

This module holds the operation codes, the status codes, the learner view
(:class:`StreamingLearnerView`) and the feedback of one operation (:class:`StreamingFeedback`);
the environment (:mod:`environments.streaming`) and the policies
(:mod:`bandits.policies.streaming`) both import them from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from bandits.core.validation import ParameterError, check_integer, check_real

__all__ = [
    "READ",
    "PULL",
    "DISCARD",
    "COMMIT",
    "OPERATION_NAMES",
    "MAX_COUNT",
    "ERR_SLOT_RANGE",
    "ERR_SLOT_OCCUPIED",
    "ERR_STREAM_EXHAUSTED",
    "ERR_EMPTY_SLOT",
    "ERR_COUNT",
    "ERR_OPERATION",
    "ERR_FINISHED",
    "ERR_TOO_MANY_OPERATIONS",
    "STATUS_MESSAGES",
    "StreamingLearnerView",
    "StreamingFeedback",
]

#: Operation codes (the ``op`` of an action ``{"op", "slot", "count"}``).
READ, PULL, DISCARD, COMMIT = 0, 1, 2, 3
#: ``OPERATION_NAMES[op]``, for messages.
OPERATION_NAMES = ("READ", "PULL", "DISCARD", "COMMIT")
#: Largest batch, budget or horizon count: ``2^62`` leaves int64 headroom for
#: ``pulls_used + count``.
MAX_COUNT = 2**62

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


class StreamingFeedback(NamedTuple):
    """What a streaming policy learns from one operation (``update(action, feedback)``).

    Attributes
    ----------
    successes : int
        The number of successes of the pulls made (0 for READ and DISCARD); the Gymnasium
        step's reward.
    status : int
        The stream position of the arm concerned (``>= 0``: the operation was accepted).
    pulls_done : int
        The pulls actually made: the PULL's count, cut short at the horizon T for the last
        batch; every remaining pull for COMMIT; 0 for READ and DISCARD.
    """

    successes: int
    status: int
    pulls_done: int


@dataclass(frozen=True)
class StreamingLearnerView:
    """What a learner of a streaming bandit may know (the horizon T, the number of pulls, is
    passed to ``policy.reset`` as ``horizon``).

    Attributes
    ----------
    n_arms : int
        K, the number of arms in the stream (``>= 1``).
    memory : int
        M, the memory limit in slots, the arriving arm included (``>= 1``).
    oracle_gap : float or None, default None
        **Oracle information**: the best minus the second-best mean of the replication's
        instance (0 with a single arm). None unless the view comes from an environment that has
        been reset (the means are drawn per replication at reset); the shell fills it from the
        replication's draw, as its reset ``info["oracle_gap"]`` does. Only policies whose
        ``uses_oracle_gap`` is True read it (Game-of-Arms with ``gap_hint="oracle"``, as the
        official code of the paper does); reports flag them.
    """

    n_arms: int
    memory: int
    oracle_gap: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "n_arms", check_integer("n_arms", self.n_arms, low=1))
        object.__setattr__(self, "memory", check_integer("memory", self.memory, low=1))
        if self.oracle_gap is not None:
            if isinstance(self.oracle_gap, float) and math.isnan(self.oracle_gap):
                object.__setattr__(self, "oracle_gap", None)
            else:
                object.__setattr__(self, "oracle_gap", check_real("oracle_gap", self.oracle_gap, low=0.0, high=1.0))

    def feedback(self, reward, info) -> StreamingFeedback:
        """The feedback of one Gymnasium step: ``StreamingFeedback(reward, info["status"],
        info["pulls_done"])`` (``ValueError`` if ``info`` lacks them; ``update`` validates the
        values)."""
        try:
            return StreamingFeedback(reward, info["status"], info["pulls_done"])
        except (KeyError, TypeError):
            raise ParameterError("info", info, "must carry 'status' and 'pulls_done'") from None
