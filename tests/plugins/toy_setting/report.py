"""The toy setting's report section: one table, how often the better coin was tossed."""

from bandits.report.sections import ReportSection


def toy_report_section(env, out, config):
    counts = env.result.pull_counts  # (policy, replication, coin)
    better = int(env.params.get("means", [0.4, 0.6])[1] >= env.params.get("means", [0.4, 0.6])[0])
    rows = [[label, f"{counts[p, :, better].sum() / counts[p].sum():.3f}"] for p, label in enumerate(env.result.policy_labels)]
    return ReportSection(tables=[("Share of tosses of the better coin", ["policy", "share"], rows)])
