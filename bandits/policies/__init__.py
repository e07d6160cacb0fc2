"""Policies: numba kernels plus Python faces, one module per setting.

``POLICIES`` maps every registered name (as used in experiment files and on the command line)
to its class.
"""

from bandits.policies.base import Policy
from bandits.policies.cascading import (
    CASCADING_POLICIES,
    AdaptVI,
    CascadeKLUCB,
    CascadeUCB1,
    CascadingBPI,
    CascadingPolicy,
    CascadingVI,
    CascadingVIBonus,
    CascadingVIOracle,
)
from bandits.policies.checks import check_policy
from bandits.policies.streaming import (
    STREAMING_POLICIES,
    GameOfArms,
    LogLogMemoryTournament,
    LogMemoryTournament,
    LogStarMemory,
    NaiveEpsilonBest,
    StreamingPolicy,
    UniformExploration,
)
from bandits.policies.solver_tuning import (
    SOLVER_TUNING_POLICIES,
    ChebCB,
    FixedOmega,
    OmegaTsallisINF,
    OmegaTsallisINFCB,
    SolverTuningPolicy,
)
from bandits.policies.classic import (
    CLASSIC_POLICIES,
    EXP3,
    KLUCB,
    UCB1,
    BernoulliThompsonSampling,
    DecayingEpsilonGreedy,
    EpsilonGreedy,
    ExploreThenCommit,
    GaussianThompsonSampling,
    SuccessiveElimination,
    TsallisINF,
)

#: name -> policy class for every policy of every setting.
POLICIES = {**CLASSIC_POLICIES, **CASCADING_POLICIES, **STREAMING_POLICIES, **SOLVER_TUNING_POLICIES}

__all__ = [
    "Policy",
    "check_policy",
    "POLICIES",
    "UCB1",
    "KLUCB",
    "BernoulliThompsonSampling",
    "GaussianThompsonSampling",
    "EpsilonGreedy",
    "DecayingEpsilonGreedy",
    "EXP3",
    "TsallisINF",
    "SuccessiveElimination",
    "ExploreThenCommit",
    "CascadingPolicy",
    "CascadeUCB1",
    "CascadeKLUCB",
    "CascadingVI",
    "CascadingVIOracle",
    "CascadingVIBonus",
    "CascadingBPI",
    "AdaptVI",
    "StreamingPolicy",
    "SolverTuningPolicy",
    "OmegaTsallisINF",
    "OmegaTsallisINFCB",
    "ChebCB",
    "FixedOmega",
    "UniformExploration",
    "NaiveEpsilonBest",
    "LogMemoryTournament",
    "LogLogMemoryTournament",
    "LogStarMemory",
    "GameOfArms",
]
