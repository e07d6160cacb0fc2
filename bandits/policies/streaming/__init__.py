"""Single-pass streaming bandit algorithms with limited arm memory (Chen Wang, "Tight Regret
Bounds for Single-pass Streaming Multi-armed Bandits", ICML 2023, arXiv:2306.02208).

The setting (:mod:`environments.streaming`): K arms arrive once, in a seeded order; an algorithm
may READ the next arm into a free memory slot, PULL a stored arm ``n`` times at once, DISCARD a
stored arm (gone for ever) and COMMIT a stored arm for the rest of the horizon T. Every algorithm
finds an (approximately) best arm with ``epsilon = (K / T)^(1/3)`` and commits to it.

Modules:

- :mod:`~bandits.policies.streaming.face`: :class:`StreamingPolicy`, the face every algorithm
  shares (``reset(view, *, seed, horizon)``, ``select()``, ``update(action, feedback)``) and the
  kernel protocol;
- :mod:`~bandits.policies.streaming.state`: the kernel state layout and the common ``update``
  kernel;
- :mod:`~bandits.policies.streaming.champion`: uniform exploration (U) and the naive
  epsilon-best algorithm (N);
- :mod:`~bandits.policies.streaming.tournaments`: the log K, log log K and log* K memory level
  tournaments (L1, L2, L*);
- :mod:`~bandits.policies.streaming.game_of_arms`: Game-of-Arms (G);
- :mod:`~bandits.policies.streaming.checks`: :func:`check_streaming_policy`.

Three kernel sets (champion, levels, Game-of-Arms), so only three fused loops are ever compiled
for this setting.
"""

from bandits.policies.streaming.champion import NaiveEpsilonBest, UniformExploration
from bandits.policies.streaming.checks import check_streaming_policy
from bandits.policies.streaming.face import StreamingPolicy, batch_count, epsilon_of
from bandits.policies.streaming.game_of_arms import GameOfArms
from bandits.policies.streaming.state import streaming_update
from bandits.policies.streaming.tournaments import (
    LogLogMemoryTournament,
    LogMemoryTournament,
    LogStarMemory,
    log_star_levels,
)

__all__ = [
    "StreamingPolicy",
    "UniformExploration",
    "NaiveEpsilonBest",
    "LogMemoryTournament",
    "LogLogMemoryTournament",
    "LogStarMemory",
    "GameOfArms",
    "check_streaming_policy",
    "epsilon_of",
    "batch_count",
    "log_star_levels",
    "streaming_update",
]

