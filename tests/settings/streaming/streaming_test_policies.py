"""The policy list shared by the streaming tests (not a test module: pytest puts this folder on
``sys.path``, so the test modules import it as ``streaming_test_policies``)."""

from __future__ import annotations

from bandits.policies.streaming import (
    GameOfArms,
    LogLogMemoryTournament,
    LogMemoryTournament,
    LogStarMemory,
    NaiveEpsilonBest,
    UniformExploration,
)

__all__ = ["all_policies"]


def all_policies(**common):
    """One instance of each of the six streaming algorithms (U, N, L1, L2, L*, G), in the
    paper's order, with the hyper-parameters ``common`` to all of them; Game-of-Arms with the
    oracle gap, as the official code runs it."""
    return [
        UniformExploration(**common),
        NaiveEpsilonBest(**common),
        LogMemoryTournament(**common),
        LogLogMemoryTournament(**common),
        LogStarMemory(**common),
        GameOfArms(gap_hint="oracle", **common),
    ]
