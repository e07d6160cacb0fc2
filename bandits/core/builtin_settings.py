"""The records of the settings that ship with regretlab (see :mod:`bandits.core.registry`).

Each record is plain data: strings naming where things live, and benchmark presets that return a
problem name and its arguments. Reading this module imports no setting.
"""

from __future__ import annotations

from bandits.core.setting import BenchPreset, Setting

__all__ = ["BUILTIN_SETTINGS", "CASCADING", "CLASSIC", "PRIVATE_BAI", "RECOVERING", "SOLVER_TUNING", "STREAMING",
           "TALLYING"]


def _linear_means(arms: int) -> list:
    """``linspace(0.1, 0.9, arms)`` as a list (0.5 for one arm), written without numpy."""
    if arms == 1:
        return [0.5]
    return [0.1 + 0.8 * k / (arms - 1) for k in range(arms)]


CLASSIC = Setting(
    name="classic",
    title="Stochastic K-armed bandit",
    papers=(
        "Auer, Cesa-Bianchi & Fischer 2002 (UCB1)",
        "Garivier & Cappe 2011, arXiv:1102.2490 (KL-UCB)",
        "Zimmert & Seldin 2021, arXiv:1807.07623 (Tsallis-INF)",
    ),
    problems={
        "BernoulliBandit": "environments.classic:BernoulliBandit",
        "GaussianBandit": "environments.classic:GaussianBandit",
        "EvenlySpacedBernoulliBandit": "environments.classic:EvenlySpacedBernoulliBandit",
    },
    environments={
        "regretlab/BernoulliBandit-v0": "environments.classic:BernoulliBanditEnv",
        "regretlab/GaussianBandit-v0": "environments.classic:GaussianBanditEnv",
    },
    policies={
        "ucb1": "bandits.policies.classic:UCB1",
        "kl_ucb": "bandits.policies.classic:KLUCB",
        "thompson_beta": "bandits.policies.classic:BernoulliThompsonSampling",
        "thompson_gaussian": "bandits.policies.classic:GaussianThompsonSampling",
        "epsilon_greedy": "bandits.policies.classic:EpsilonGreedy",
        "decaying_epsilon_greedy": "bandits.policies.classic:DecayingEpsilonGreedy",
        "exp3": "bandits.policies.classic:EXP3",
        "tsallis_inf": "bandits.policies.classic:TsallisINF",
        "successive_elimination": "bandits.policies.classic:SuccessiveElimination",
        "explore_then_commit": "bandits.policies.classic:ExploreThenCommit",
    },
    policy_check="bandits.policies.classic:check_classic_policy",
    report_section=None,
    bench_presets={
        "bernoulli": BenchPreset(
            "K = arms Bernoulli arms, means linspace(0.1, 0.9, K)",
            lambda arms: ("BernoulliBandit", {"means": _linear_means(arms)}),
        ),
        "gaussian": BenchPreset(
            "K = arms Gaussian arms N(mu_k, 1), means linspace(0.1, 0.9, K)",
            lambda arms: ("GaussianBandit", {"means": _linear_means(arms)}),
        ),
    },
    example_problems=(
        ("BernoulliBandit", {"means": [0.2, 0.5, 0.45, 0.7]}),
        ("GaussianBandit", {"means": [0.2, 0.5, 0.45, 0.7], "noise_std": 0.5}),
    ),
    example_horizon=250,
)

CASCADING = Setting(
    name="cascading",
    title="Cascading bandits and cascading RL",
    papers=(
        "Kveton, Szepesvari, Wen & Ashkan, ICML 2015, arXiv:1502.02763",
        "Du, Srikant & Chen, ICLR 2024, arXiv:2401.08961",
    ),
    problems={
        "CascadingBandit": "environments.cascading:CascadingBandit",
        "BLBCascadingBandit": "environments.cascading:BLBCascadingBandit",
        "CascadingMDP": "environments.cascading:CascadingMDP",
        "RandomCascadingMDP": "environments.cascading:RandomCascadingMDP",
    },
    environments={
        "regretlab/CascadingBandit-v0": "environments.cascading:CascadingBanditEnv",
        "regretlab/CascadingMDP-v0": "environments.cascading:CascadingMDPEnv",
    },
    policies={
        "cascade_ucb1": "bandits.policies.cascading:CascadeUCB1",
        "cascade_kl_ucb": "bandits.policies.cascading:CascadeKLUCB",
        "cascading_vi": "bandits.policies.cascading:CascadingVI",
        "cascading_vi_oracle": "bandits.policies.cascading:CascadingVIOracle",
        "cascading_vi_bonus": "bandits.policies.cascading:CascadingVIBonus",
        "cascading_bpi": "bandits.policies.cascading:CascadingBPI",
        "adapt_vi": "bandits.policies.cascading:AdaptVI",
    },
    policy_check="bandits.policies.cascading:check_cascading_policy",
    report_section="bandits.report.cascading:cascading_report_section",
    bench_presets={
        "cascading_mdp": BenchPreset(
            "Du et al.'s shape: N = arms items, S = 20, H = 3, m = 3 (steps are episodes)",
            lambda arms: ("RandomCascadingMDP",
                          {"n_items": arms, "n_states": 20, "episode_length": 3, "list_length": min(3, arms)}),
        ),
        "cascading_bandit": BenchPreset(
            "Kveton et al.'s B_LB(L, 4, 0.2, 0.15) with L = arms items",
            lambda arms: ("BLBCascadingBandit", {"n_items": arms, "list_length": min(4, arms), "p": 0.2, "gap": 0.15}),
        ),
    },
    example_problems=(
        ("RandomCascadingMDP", {"n_items": 5, "n_states": 3, "episode_length": 2, "list_length": 2, "instance_seed": 3}),
        ("BLBCascadingBandit", {"n_items": 6, "list_length": 2, "p": 0.2, "gap": 0.15}),
    ),
    example_horizon=60,
)

STREAMING = Setting(
    name="streaming",
    title="Single-pass streaming bandits",
    papers=("Chen Wang, ICML 2023, arXiv:2306.02208",),
    problems={"StreamingBandit": "environments.streaming:StreamingBandit"},
    environments={"regretlab/StreamingBandit-v0": "environments.streaming:StreamingBanditEnv"},
    policies={
        "uniform_exploration": "bandits.policies.streaming:UniformExploration",
        "naive_epsilon_best": "bandits.policies.streaming:NaiveEpsilonBest",
        "log_memory": "bandits.policies.streaming:LogMemoryTournament",
        "log_log_memory": "bandits.policies.streaming:LogLogMemoryTournament",
        "log_star_memory": "bandits.policies.streaming:LogStarMemory",
        "game_of_arms": "bandits.policies.streaming:GameOfArms",
    },
    policy_check="bandits.policies.streaming:check_streaming_policy",
    report_section="bandits.report.streaming:streaming_report_section",
    bench_presets={
        "streaming_clear_cut": BenchPreset(
            "Chen Wang's clear-cut arms, K = arms (steps are pulls; horizons up to 10^18)",
            lambda arms: ("StreamingBandit", {"arms": "clear-cut", "n_arms": arms, "record_pull_counts": False}),
        ),
        "streaming_mix_in": BenchPreset(
            "Chen Wang's mix-in arms, K = arms (steps are pulls)",
            lambda arms: ("StreamingBandit", {"arms": "mix-in", "n_arms": arms, "record_pull_counts": False}),
        ),
    },
    example_problems=(("StreamingBandit", {"arms": "mix-in", "n_arms": 40, "memory": 12}),),
    example_horizon=100_000,
)

SOLVER_TUNING = Setting(
    name="solver_tuning",
    title="SOR solver-parameter tuning",
    papers=("Khodak, Chow, Balcan & Talwalkar, ICLR 2024, arXiv:2310.02246",),
    problems={
        "SORTuning": "environments.solver_tuning:SORTuning",
        "HeatEquationTuning": "environments.solver_tuning:HeatEquationTuning",
    },
    environments={
        "regretlab/SORTuning-v0": "environments.solver_tuning:SORTuningEnv",
        "regretlab/HeatEquationTuning-v0": "environments.solver_tuning:HeatEquationTuningEnv",
    },
    policies={
        "omega_tsallis_inf": "bandits.policies.solver_tuning:OmegaTsallisINF",
        "omega_tsallis_inf_cb": "bandits.policies.solver_tuning:OmegaTsallisINFCB",
        "chebcb": "bandits.policies.solver_tuning:ChebCB",
        "fixed_omega": "bandits.policies.solver_tuning:FixedOmega",
    },
    policy_check="bandits.policies.solver_tuning:check_solver_tuning_policy",
    report_section="bandits.report.solver_tuning:solver_tuning_report_section",
    bench_presets={
        "sor_tuning_high": BenchPreset(
            "Khodak et al.'s shifted Laplacians, c = -0.15 + 0.6 Beta(1/2, 3/2), grid side N = arms "
            "(n = N^2 unknowns; steps are linear systems)",
            lambda arms: ("SORTuning", {"shift_distribution": "high", "grid_size": arms}),
        ),
        "sor_tuning_low": BenchPreset(
            "the same with c = -0.15 + 0.6 Beta(2, 6)",
            lambda arms: ("SORTuning", {"shift_distribution": "low", "grid_size": arms}),
        ),
    },
    bench_policy_params={"fixed_omega": {"omega_index": 0}},
    # regretlab bench --sor-sweep: our SOR kernels per iteration against PyAMG's compiled sweep
    bench_commands={"sor-sweep": "bandits.bench.sor_sweep:main"},
    example_problems=(("SORTuning", {"shift_distribution": "high"}), ("HeatEquationTuning", {"nx": 8})),
    example_horizon=40,
)

RECOVERING = Setting(
    name="recovering",
    title="Recovering rewards",
    papers=("Simchi-Levi, Zheng & Zhu, ICML 2021, arXiv:2106.14813",),
    problems={
        "RecoveringBandit": "environments.recovering:RecoveringBandit",
        "RandomRecoveringBandit": "environments.recovering:RandomRecoveringBandit",
    },
    environments={"regretlab/RecoveringBandit-v0": "environments.recovering:RecoveringBanditEnv"},
    policies={
        "periodic_ucb": "bandits.policies.recovering:PeriodicUCB",
        "purely_periodic": "bandits.policies.recovering:PurelyPeriodic",
        "myopic_greedy": "bandits.policies.recovering:MyopicGreedy",
        "myopic_greedy_ucb": "bandits.policies.recovering:MyopicGreedyUCB",
        "combinatorial_ucb": "bandits.policies.recovering:CombinatorialUCB",
        "random_subset": "bandits.policies.recovering:RandomSubset",
    },
    policy_check="bandits.policies.recovering:check_recovering_policy",
    report_section="bandits.report.recovering:recovering_report_section",
    bench_presets={
        "recovering": BenchPreset(
            "N = arms concave-recovery arms, K = 3, d_max = 10, Bernoulli rewards (steps are periods)",
            lambda arms: ("RandomRecoveringBandit",
                          {"family": "concave", "n_arms": arms, "d_max": 10, "max_pulls": min(3, arms)}),
        ),
    },
    example_problems=(
        ("RandomRecoveringBandit", {"family": "logistic", "n_arms": 6, "d_max": 4, "max_pulls": 2, "instance_seed": 3}),
        ("RecoveringBandit", {"recovery": [[0.1, 0.4, 0.8], [0.2, 0.2, 0.5], [0.3, 0.6, 0.6]], "max_pulls": 1,
                              "noise": "gaussian_clipped", "noise_std": 0.2}),
    ),
    example_horizon=200,
)

TALLYING = Setting(
    name="tallying",
    title="Weighted tallying bandits",
    papers=("Malik, Igoe, Li & Singh, ICML 2023, arXiv:2305.02955",),
    problems={
        "WeightedTallyingBandit": "environments.tallying:WeightedTallyingBandit",
        "SyntheticTallyingBandit": "environments.tallying:SyntheticTallyingBandit",
    },
    environments={"regretlab/WeightedTallying-v0": "environments.tallying:WeightedTallyingEnv"},
    policies={
        "se_burn_in": "bandits.policies.tallying:SuccessiveEliminationBurnIn",
        "blocked_exp3": "bandits.policies.tallying:BlockedEXP3",
        "fixed_arm": "bandits.policies.tallying:FixedArm",
    },
    policy_check="bandits.policies.tallying:check_tallying_policy",
    report_section="bandits.report.tallying:tallying_report_section",
    bench_presets={
        "tallying_geometric": BenchPreset(
            "K = arms actions, m = 10, geometric weights 0.9^(i-1), synthetic repeated-exposure losses",
            lambda arms: ("SyntheticTallyingBandit", {"n_arms": max(2, arms), "memory": 10, "weighting": "geometric",
                                                      "decay": 0.9, "reward_form": "one_minus_loss"}),
        ),
        "tallying_unweighted": BenchPreset(
            "K = arms actions, m = 10, unweighted tallies (the tallying bandit), synthetic losses",
            lambda arms: ("SyntheticTallyingBandit", {"n_arms": max(2, arms), "memory": 10, "weighting": "unweighted",
                                                      "reward_form": "one_minus_loss"}),
        ),
    },
    bench_policy_params={"se_burn_in": {"burn_in": 10}},
    example_problems=(
        ("SyntheticTallyingBandit", {"n_arms": 3, "memory": 3, "reward_form": "one_minus_loss"}),
        ("WeightedTallyingBandit", {"weights": [1.0, 0.5], "loss_knots": [0.0, 1.5],
                                    "loss_values": [[0.8, 0.1], [0.4, 0.4], [0.6, 0.3]], "noise": "bernoulli",
                                    "comparator": "exact", "reward_form": "one_minus_loss"}),
    ),
    example_horizon=200,
)

PRIVATE_BAI = Setting(
    name="private_bai",
    title="Differentially private fixed-budget best-arm identification",
    papers=(
        "Chen, Karthik, Chee & Tan, ICLR 2024, arXiv:2401.09073 (DP-BAI)",
        "Yang & Tan, NeurIPS 2022, arXiv:2105.13017 (OD-LinBAI)",
        "Karnin, Koren & Somekh, ICML 2013 (sequential halving)",
    ),
    problems={
        "LinearBAIProblem": "environments.private_bai:LinearBAIProblem",
        "SoareBAIProblem": "environments.private_bai:SoareBAIProblem",
        "RandomUnitArmsBAIProblem": "environments.private_bai:RandomUnitArmsBAIProblem",
    },
    environments={"regretlab/PrivateLinearBAI-v0": "environments.private_bai:PrivateLinearBAIEnv"},
    policies={
        "dp_bai": "bandits.policies.private_bai:DPBAI",
        "od_linbai": "bandits.policies.private_bai:ODLinBAI",
        "sequential_halving": "bandits.policies.private_bai:SequentialHalving",
        "uniform_allocation": "bandits.policies.private_bai:UniformAllocation",
    },
    policy_check="bandits.policies.private_bai:check_private_bai_policy",
    report_section="bandits.report.private_bai:private_bai_report_section",
    bench_presets={
        "private_bai_unit_arms": BenchPreset(
            "K = arms random unit arms in R^4 plus a constant coordinate (d = 5), means in [0.1, 0.9]; "
            "steps are pulls of one budget",
            lambda arms: ("RandomUnitArmsBAIProblem", {"n_arms": max(2, arms), "dimension": 4}),
        ),
        "private_bai_soare": BenchPreset(
            "Soare et al.'s hard instance in dimension d = max(2, arms - 1) (K = d + 1 arms)",
            lambda arms: ("SoareBAIProblem", {"dimension": max(2, arms - 1)}),
        ),
    },
    example_problems=(
        ("RandomUnitArmsBAIProblem", {"n_arms": 12, "dimension": 2, "instance_seed": 1}),
        ("SoareBAIProblem", {"dimension": 2}),
    ),
    example_horizon=300,
)

BUILTIN_SETTINGS = (CLASSIC, CASCADING, STREAMING, SOLVER_TUNING, RECOVERING, TALLYING, PRIVATE_BAI)
