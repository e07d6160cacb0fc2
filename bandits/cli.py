"""The ``regretlab`` command: run experiments, write reports, list components, benchmark.

Exit status: 0 on success, 2 on invalid input (nothing is written), 130 on interruption.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys

__all__ = ["main"]

_RUN_EXAMPLES = """examples:
  regretlab run experiments/default.toml --out results/default
  regretlab run experiments/default.toml --out results/default --jobs 2   # resume or complete
"""
_REPORT_EXAMPLES = """examples:
  regretlab report results/default        # writes report.md, report.html and figures there
"""
_BENCH_EXAMPLES = """examples:
  regretlab bench --policy ucb1 --arms 10 --horizon 10000 --reps 100 --jobs 1
  regretlab bench --policy thompson_beta --jobs 2 --json
  regretlab bench --policy kl_ucb --gym --reps 5          # the Gymnasium shell, step by step
  regretlab bench --policy cascading_vi --arms 25 --horizon 20000 --reps 2   # episodes/s, N = 25, S = 20, H = 3
  regretlab bench --policy log_star_memory --arms 50000 --horizon 125000000000000000 --reps 50 --jobs 2
"""
_LIST_EXAMPLES = """examples:
  regretlab list
"""


def _parser():
    parser = argparse.ArgumentParser(
        prog="regretlab",
        description="Bandit simulations at compiled speed: run experiments, write regret reports, benchmark.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "examples:\n"
            "  regretlab run experiments/default.toml --out results/default\n"
            "  regretlab report results/default\n"
            "  regretlab list\n"
            "  regretlab bench --policy ucb1 --arms 10 --horizon 10000 --reps 100 --jobs 1\n\n"
            "Run 'regretlab COMMAND --help' for a command's options and examples."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser(
        "run", help="run an experiment file into a result directory and write its report",
        epilog=_RUN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("config", help="experiment TOML file (see docs/experiments.md)")
    p.add_argument("--out", required=True, help="result directory (created; resumed if it holds this experiment)")
    p.add_argument("--jobs", type=int, default=None, help="threads (overrides n_jobs of the file; results do not depend on it)")
    p.add_argument("--no-report", action="store_true", help="do not write the report after running")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p = commands.add_parser(
        "report", help="write the regret report of a result directory",
        epilog=_REPORT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("directory", help="result directory written by 'regretlab run'")

    commands.add_parser(
        "list", help="list environments and policies with their parameters and defaults",
        epilog=_LIST_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    p = commands.add_parser(
        "bench", help="measure steps per second of the fused runner or the Gymnasium shell",
        epilog=_BENCH_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--policy", default="ucb1", help="policy name (see 'regretlab list'); default ucb1")
    p.add_argument("--arms", type=int, default=10, help="K, arms with means linspace(0.1, 0.9, K) (items N for cascading policies); default 10")
    p.add_argument("--horizon", type=int, default=10_000, help="T; default 10000")
    p.add_argument("--reps", type=int, default=100, help="replications; default 100")
    p.add_argument("--jobs", type=int, default=1, help="threads; default 1")
    p.add_argument(
        "--env", default=None, choices=["bernoulli", "gaussian", "cascading_bandit", "cascading_mdp", "streaming_clear_cut", "streaming_mix_in"],
        help="environment; default bernoulli for classic policies, cascading_mdp (S=20, H=3, m=3; steps are "
        "episodes) for cascading ones, cascading_bandit (B_LB(arms, 4, 0.2, 0.15)) for CascadeUCB1/KL-UCB, "
        "streaming_clear_cut (K = arms; steps are pulls, so use horizons like 10**17) for streaming ones",
    )
    p.add_argument("--gym", action="store_true", help="drive the Gymnasium shell and policy face step by step instead")
    p.add_argument("--seed", type=int, default=0, help="root seed; default 0")
    p.add_argument("--repeats", type=int, default=3, help="warm runs timed; the median is reported; default 3")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return parser


def _signature_text(cls):
    parts = []
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "self":
            continue
        default = parameter.default
        if default is inspect.Parameter.empty:
            parts.append(name)
        elif isinstance(default, (list, tuple)) or hasattr(default, "tolist"):
            parts.append(f"{name}=<{len(default)} values>")
        else:
            parts.append(f"{name}={default!r}")
    return ", ".join(parts)


def _first_line(cls, width: int = 110):
    """The first sentence of the class docstring (its first paragraph, up to ". "), shortened to
    ``width`` characters."""
    doc = inspect.getdoc(cls) or ""
    paragraph = " ".join(doc.split("\n\n")[0].split())
    sentence = paragraph.split(". ")[0].rstrip(".") + "."
    return sentence if len(sentence) <= width else sentence[: width - 3] + "..."


def _list():
    from bandits.policies import POLICIES
    from environments import ENVIRONMENT_IDS, PROBLEMS

    print("environments (name in experiment files; Gymnasium id):")
    for name, cls in PROBLEMS.items():
        gym_id = next((i for i in ENVIRONMENT_IDS if i == f"regretlab/{name}-v0"), "")
        print(f"  {name}({_signature_text(cls)})  [{gym_id}]")
        print(f"      {_first_line(cls)}")
    print("\npolicies:")
    for name, cls in POLICIES.items():
        print(f"  {name}({_signature_text(cls)})")
        print(f"      {_first_line(cls)}")


def _bench(args):
    from bandits.bench import benchmark

    figures = benchmark(
        args.policy, arms=args.arms, horizon=args.horizon, reps=args.reps, jobs=args.jobs,
        env=args.env, gym_shell=args.gym, seed=args.seed, repeats=args.repeats,
    )
    if args.json:
        print(json.dumps(figures))
        return
    cache = {True: "loaded from cache", False: "compiled", None: "first steps"}[figures["cache_hit"]]
    print(
        f"{figures['policy']} on {figures['arms']} {figures['env']} arms, T={figures['horizon']}, "
        f"{figures['reps']} replications, {figures['jobs']} thread(s), {figures['driver']} driver\n"
        f"  steps/s      {figures['steps_per_s']:,.0f}  ({figures['time_unit']}s per second, median of "
        f"{figures['repeats']} warm runs)\n"
        f"  replications/s {figures['replications_per_s']:,.1f}\n"
        f"  warm run     {figures['run_s']:.3f} s\n"
        f"  first call   {figures['compile_s']:.3f} s ({cache})\n"
        f"  final regret {figures['mean_regret']:.2f} ± {figures['se_regret']:.2f} (mean ± s.e.)"
    )


def _run(args):
    from bandits.experiment import load_config, run_experiment
    from bandits.report import write_report

    config = load_config(args.config)
    if args.jobs is not None:
        from dataclasses import replace

        from bandits.validation import check_integer

        config = replace(config, n_jobs=check_integer("--jobs", args.jobs, low=1))
    run_experiment(config, args.out, progress=not args.no_progress)
    if not args.no_report:
        path = write_report(args.out)
        print(f"report: {path} (and {path.with_suffix('.html')})")
    else:
        print(f"results: {args.out}")


def main(argv=None) -> int:
    """Entry point of the ``regretlab`` console script."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            _list()
        elif args.command == "bench":
            _bench(args)
        elif args.command == "run":
            _run(args)
        elif args.command == "report":
            from bandits.report import write_report

            print(f"report: {write_report(args.directory)}")
    except ValueError as error:  # includes ConfigError: invalid input, nothing written
        print(f"regretlab {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"regretlab {args.command}: interrupted; completed results are kept", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
