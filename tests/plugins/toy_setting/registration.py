"""The toy setting's registry record: the one object the ``regretlab.settings`` entry point names."""

from bandits.core.setting import BenchPreset, Setting

SETTING = Setting(
    name="toy",
    title="Two coins (a test plug-in)",
    problems={"TwoCoins": "toy_setting.environment:TwoCoins"},
    environments={"regretlab/TwoCoins-v0": "toy_setting.environment:CoinEnv"},
    policies={"follow_the_leader": "toy_setting.policy:FollowTheLeader"},
    policy_check="toy_setting.policy:check_toy_policy",
    report_section="toy_setting.report:toy_report_section",
    bench_presets={"two_coins": BenchPreset("coins with means 0.4 and 0.6 (arms is ignored)",
                                            lambda arms: ("TwoCoins", {"means": [0.4, 0.6]}))},
    example_problems=(("TwoCoins", {"means": [0.4, 0.6]}),),
    example_horizon=50,
)
