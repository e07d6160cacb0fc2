"""Recovering rewards (Simchi-Levi, Zheng & Zhu, *Offline Planning and Online Learning under
Recovering Rewards*, ICML 2021, arXiv:2106.14813): the environment side of the setting.

=====================  ==========================================================================
module                 holds
=====================  ==========================================================================
``protocol``           :class:`RecoveringLearnerView` (what a learner may know),
                       :class:`RecoveringFeedback` (what it learns from a period), the idle-time
                       convention, :func:`parse_pull_set`
``instances``          the recovery families and :func:`recovery_table`
``planning``           the fluid LP upper bound UB* (:func:`solve_fluid_lp`, :func:`fluid_upper_bound`),
                       period rounding, the purely periodic policy's stationary lower bound
``exact_optimum``      the exact optimum of tiny instances: long-run average (relative value
                       iteration) and finite-horizon total (backward induction)
``dynamics``           the reward and idle-time kernels :func:`recovering_env_init`, :func:`recovering_step`
``loop``               the fused loop :func:`run_recovering_replication`, :class:`RecoveringLoop`
``shell``              :class:`PullSetSpace` and :class:`RecoveringBanditShell`
``problem``            :class:`RecoveringBandit`, :class:`RandomRecoveringBandit`
``gym_entry_points``   ``regretlab/RecoveringBandit-v0``
=====================  ==========================================================================
"""

from environments.recovering.dynamics import (
    NOISE_CODES,
    recovering_env_init,
    recovering_step,
)
from environments.recovering.exact_optimum import (
    optimal_average_reward,
    optimal_total_reward,
)
from environments.recovering.gym_entry_points import RecoveringBanditEnv
from environments.recovering.instances import (
    RECOVERY_FAMILIES,
    clipped_gaussian_mean,
    recovery_table,
)
from environments.recovering.loop import RecoveringLoop, run_recovering_replication
from environments.recovering.planning import (
    FluidSolution,
    collision_factors,
    deterministic_periods,
    fluid_upper_bound,
    period_rates,
    periodic_lower_bound,
    randomised_periods,
    solve_fluid_lp,
)
from environments.recovering.problem import RandomRecoveringBandit, RecoveringBandit
from environments.recovering.protocol import (
    RecoveringFeedback,
    RecoveringLearnerView,
    check_idle_times,
    check_recovery_table,
    next_idle_times,
    parse_pull_set,
)
from environments.recovering.shell import PullSetSpace, RecoveringBanditShell

__all__ = [
    "NOISE_CODES",
    "RECOVERY_FAMILIES",
    "FluidSolution",
    "PullSetSpace",
    "RandomRecoveringBandit",
    "RecoveringBandit",
    "RecoveringBanditEnv",
    "RecoveringBanditShell",
    "RecoveringFeedback",
    "RecoveringLearnerView",
    "RecoveringLoop",
    "check_idle_times",
    "check_recovery_table",
    "clipped_gaussian_mean",
    "collision_factors",
    "deterministic_periods",
    "fluid_upper_bound",
    "next_idle_times",
    "optimal_average_reward",
    "optimal_total_reward",
    "parse_pull_set",
    "period_rates",
    "periodic_lower_bound",
    "randomised_periods",
    "recovering_env_init",
    "recovering_step",
    "recovery_table",
    "run_recovering_replication",
    "solve_fluid_lp",
]
