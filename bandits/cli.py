"""The ``regretlab`` command: run experiments, write reports, list components, benchmark.

Exit status: 0 on success, 2 on invalid input (nothing is written), 130 on interruption.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import inspect
import json
import os
import sys

__all__ = ["main"]

_RUN_EXAMPLES = """examples:
  regretlab run experiments/default.toml --out results/default
  regretlab run experiments/default.toml --out results/default --jobs 2   # resume or complete
  regretlab run experiments/sweeps/classic_arms.toml --out results/arms --dask-workers 2
  regretlab run experiments/sweeps/classic_arms.toml --out results/arms --scheduler tcp://10.0.0.5:8786

--scheduler and --dask-workers need the dask extra (pip install 'regretlab[dask]'); results are
the same as a run in this process. See docs/cluster.md.
"""
_REPORT_EXAMPLES = """examples:
  regretlab report results/default        # writes report.md, report.html and figures there
"""
_BENCH_EXAMPLES = """examples:
  regretlab bench --policy ucb1 --arms 10 --horizon 10000 --reps 100 --jobs 1
  regretlab bench --policy ucb1 --gym --reps 5             # the Gymnasium shell, step by step
  regretlab bench --policy ucb1 --env gaussian --json

More examples, one per setting, are in docs/performance.md.
"""


def _bench_epilog():
    """The examples, then every setting's bench presets, from the setting registry."""
    from bandits.core.registry import settings

    lines = [_BENCH_EXAMPLES, "presets (--env; the first one a policy can run on is its default):"]
    for setting in settings().values():
        for name, preset in setting.bench_presets.items():
            lines.append(f"  {name:<22} [{setting.name}] {preset.description}")
    extras = [(name, setting) for setting in settings().values() for name in setting.bench_commands]
    if extras:
        lines += ["", "benchmarks of a setting's own numerics (regretlab bench --NAME --help for their options):"]
        for name, setting in extras:
            lines.append(f"  --{name:<20} [{setting.name}]")
    return "\n".join(lines)


def _bench_command(argv):
    """``(function, its arguments)`` when ``argv`` is ``bench --NAME ...`` for a benchmark a
    setting registers (``Setting.bench_commands``), else None."""
    from bandits.core.registry import resolve, settings

    if len(argv) >= 2 and argv[0] == "bench" and argv[1].startswith("--"):
        for setting in settings().values():
            reference = setting.bench_commands.get(argv[1][2:])
            if reference is not None:
                return resolve(reference), list(argv[2:])
    return None


_LIST_EXAMPLES = """examples:
  regretlab list
"""
_AUDIT_EXAMPLES = """examples:
  regretlab audit-privacy --policy dp_bai --set epsilon=1 --horizon 2000 --runs 20000 --jobs 2
  regretlab audit-privacy --policy dp_bai --set epsilon=1 --set noise_multiplier=0.25   # a broken mechanism
  regretlab audit-privacy --policy od_linbai --set epsilon=0.5 --problem SoareBAIProblem --problem-set dimension=4

The audit can show that a policy is NOT epsilon-DP (its lower bound exceeds epsilon); finding no
violation proves nothing. See docs/private_bai.md.
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
    from bandits import __version__

    parser.add_argument("--version", action="version", version=f"regretlab {__version__}")
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
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run the tasks on the Dask cluster of this scheduler (tcp://HOST:PORT)")
    where.add_argument("--dask-workers", type=int, metavar="N",
                       help="run the tasks on a local Dask cluster of N worker processes (one thread each)")

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
        "audit-privacy", help="empirically audit a private best-arm identification policy for epsilon-DP",
        epilog=_AUDIT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--policy", required=True, help="policy name of the private_bai setting (see 'regretlab list')")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="a policy parameter (TOML value: 1, 0.5, inf, \"od_linbai\"); repeatable")
    p.add_argument("--problem", default="RandomUnitArmsBAIProblem", help="problem name; default RandomUnitArmsBAIProblem")
    p.add_argument("--problem-set", action="append", default=[], metavar="NAME=VALUE",
                   help="a problem parameter (TOML value); repeatable")
    p.add_argument("--horizon", type=int, default=2000, help="budget T; default 2000")
    p.add_argument("--runs", type=int, default=20_000, help="runs on each of the two tables; default 20000")
    p.add_argument("--epsilon", type=float, default=None, help="level to test; default the policy's epsilon")
    p.add_argument("--seed", type=int, default=0, help="root seed; default 0")
    p.add_argument("--jobs", type=int, default=1, help="threads; default 1")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")

    p = commands.add_parser(
        "bench", help="measure steps per second of the fused runner or the Gymnasium driver (and settings' own benchmarks)",
        epilog=_bench_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--policy", required=True, help="policy name (see 'regretlab list')")
    p.add_argument(
        "--arms", type=int, default=10,
        help="the size the preset builds its problem from (arms, items, stream length or grid side; see the presets "
        "below); default 10",
    )
    p.add_argument("--horizon", type=int, default=10_000, help="T, in the setting's time unit; default 10000")
    p.add_argument("--reps", type=int, default=100, help="replications; default 100")
    p.add_argument("--jobs", type=int, default=1, help="threads; default 1")
    p.add_argument("--env", default=None, help="a bench preset of the policy's setting (listed below)")
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


_ABBREVIATIONS = ("al.", "Sec.", "e.g.", "i.e.", "vs.", "Eq.", "Fig.", "ch.", "cf.", "et.")


def _plain(text: str) -> str:
    """Docstring markup as plain text: ``code`` -> code, :role:`~a.b.Name` -> Name,
    :role:`text <target>` -> text."""
    import re

    text = re.sub(r":[a-z]+:`~?([^`<]*?)\s*<[^`>]*>`", r"\1", text)
    text = re.sub(r":[a-z]+:`~?([^`]*)`", lambda m: m.group(1).rsplit(".", 1)[-1] if "~" in m.group(0) else m.group(1), text)
    return text.replace("``", "")


def _first_line(cls) -> str:
    """The first sentence of the class docstring, whole and in plain text (a sentence ends at a
    full stop followed by a space, not after an abbreviation such as "et al.")."""
    doc = inspect.getdoc(cls) or ""
    paragraph = _plain(" ".join(doc.split("\n\n")[0].split()))
    words = paragraph.split(" ")
    sentence = []
    for word in words:
        sentence.append(word)
        if word.endswith(".") and not word.endswith(_ABBREVIATIONS) and len(sentence) > 2:
            break
    text = " ".join(sentence)
    return text if text.endswith(".") else text.rstrip(":;,") + "."


def _wrapped(text: str, indent: str = "        ", width: int = 100) -> str:
    import textwrap

    return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent)


def _list():
    from bandits.core.registry import resolve, settings

    for setting in settings().values():
        papers = f" ({'; '.join(setting.papers)})" if setting.papers else ""
        print(f"{setting.title} [{setting.name}]{papers}")
        print("  environments (name in experiment files; Gymnasium id):")
        for name, reference in setting.problems.items():
            cls = resolve(reference)
            gym_id = f"regretlab/{name}-v0"
            print(f"    {name}({_signature_text(cls)})" + (f"  [{gym_id}]" if gym_id in setting.environments else ""))
            print(_wrapped(_first_line(cls)))
        print("  policies:")
        for name, reference in setting.policies.items():
            cls = resolve(reference)
            print(f"    {name}({_signature_text(cls)})")
            print(_wrapped(_first_line(cls)))
        print()


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
        f"{figures['policy']} on {figures['problem']} (preset {figures['env']}, arms={figures['arms']}), "
        f"T={figures['horizon']}, {figures['reps']} replications, {figures['jobs']} thread(s), "
        f"{figures['driver']} driver\n"
        f"  steps/s      {figures['steps_per_s']:,.0f}  ({figures['time_unit']}s per second, median of "
        f"{figures['repeats']} warm runs)\n"
        f"  replications/s {figures['replications_per_s']:,.1f}\n"
        f"  warm run     {figures['run_s']:.3f} s\n"
        f"  first call   {figures['compile_s']:.3f} s ({cache})\n"
        f"  final regret {figures['mean_regret']:.2f} ± {figures['se_regret']:.2f} (mean ± s.e.)"
    )
    for name, value in figures["metrics"].items():
        print(f"  {name} {value:,.2f} (mean over replications)")


def _assignments(items, option):
    """``NAME=VALUE`` strings as a dict, each value parsed as a TOML value."""
    import tomllib

    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier():
            raise ValueError(f"{option}: must read NAME=VALUE, got {item!r}")
        try:
            out[name] = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            raise ValueError(f"{option}: {name}: must be a TOML value (1, 0.5, inf, \"text\"), got {value!r}") from None
    return out


def _build(cls, params, option):
    """``cls(**params)``; ``ValueError`` naming ``option`` for a parameter ``cls`` does not take."""
    accepted = [name for name in inspect.signature(cls.__init__).parameters if name != "self"]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise ValueError(f"{option}: {cls.__name__} has no parameter {', '.join(unknown)} "
                         f"(parameters: {', '.join(accepted)})")
    return cls(**params)


def _audit(args):
    import math

    from bandits.core.registry import policy_class, problem_class, setting_of
    from bandits.privacy_audit import audit_privacy

    for option, value, low in (("--runs", args.runs, 100), ("--horizon", args.horizon, 1), ("--jobs", args.jobs, 1),
                               ("--seed", args.seed, 0)):
        if value < low:
            raise ValueError(f"{option}: must be >= {low}, got {value}")
    try:
        policy_type = policy_class(args.policy)
    except ValueError:
        raise ValueError(f"--policy: unknown policy {args.policy!r} (see regretlab list)") from None
    if setting_of(policy_type).name != "private_bai":
        raise ValueError(f"--policy: must be a policy of the private_bai setting, got {args.policy!r}")
    try:
        problem_type = problem_class(args.problem)
    except ValueError:
        raise ValueError(f"--problem: unknown problem {args.problem!r} (see regretlab list)") from None
    policy = _build(policy_type, _assignments(args.set, "--set"), "--set")
    problem = _build(problem_type, _assignments(args.problem_set, "--problem-set"), "--problem-set")
    epsilon = args.epsilon if args.epsilon is not None else getattr(policy, "epsilon", math.inf)
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"--epsilon: the level to test must be finite and > 0, got {epsilon} "
                         "(give --epsilon for a policy run with epsilon=inf)")
    audit = audit_privacy(policy, problem, horizon=args.horizon, n_runs=args.runs, seed=args.seed, epsilon=epsilon,
                          n_jobs=args.jobs)
    if args.json:
        print(json.dumps({"policy": policy.label, "problem": repr(problem), "horizon": args.horizon,
                          "epsilon": audit.epsilon, "entry": list(audit.entry), "runs": audit.n_runs,
                          "lower_bound": audit.lower_bound, "estimate": audit.log_ratio,
                          "confidence": audit.confidence, "violated": audit.violated,
                          "final_phase": [list(audit.final_phase[0]), *audit.final_phase[1:]],
                          "counts": audit.counts.tolist()}))
    else:
        print(f"{policy.label} on {problem!r}, T = {args.horizon:,}\n  {audit.summary()}")


@contextlib.contextmanager
def _dask_client(args):
    """A ``distributed.Client`` for ``--scheduler`` or ``--dask-workers`` (closed on exit)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("--scheduler and --dask-workers need the dask extra: pip install 'regretlab[dask]'") from None
    from bandits.core.validation import check_integer
    from bandits.experiment.executors import ClusterError

    if args.dask_workers is not None:
        workers = check_integer("--dask-workers", args.dask_workers, low=1)
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            yield client
        return
    try:
        client = Client(args.scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(f"cannot reach the Dask scheduler at {args.scheduler} ({error}); start it or check "
                           "the address") from None
    with client:
        yield client


def _run(args):
    from bandits.experiment import load_config, run_experiment
    from bandits.report import write_report

    config = load_config(args.config)
    if args.jobs is not None:
        from dataclasses import replace

        from bandits.core.validation import check_integer

        config = replace(config, n_jobs=check_integer("--jobs", args.jobs, low=1))
    if args.scheduler is not None or args.dask_workers is not None:
        with _dask_client(args) as client:
            results = run_experiment(config, args.out, progress=not args.no_progress, client=client)
    else:
        results = run_experiment(config, args.out, progress=not args.no_progress)
    if results.get("computed_shards") == 0:
        print(f"already complete: {args.out} holds every result of this experiment", end="")
        print("; rewrote the report" if not args.no_report else "")
    if not args.no_report:
        path = write_report(args.out)
        print(f"report: {path} (and {path.with_suffix('.html')})")
    else:
        print(f"results: {args.out}")


def main(argv=None) -> int:
    """Entry point of the ``regretlab`` console script."""
    if not faulthandler.is_enabled():
        faulthandler.enable()  # a crash in compiled code prints the Python stack instead of nothing
    as_program = argv is None  # the console script or python -m bandits.cli, not a call from Python
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        extra = _bench_command(argv)  # reads the setting registry: a broken plug-in is reported here
        parser = None if extra is not None else _parser()
    except ValueError as error:
        print(f"regretlab: error: {error}", file=sys.stderr)
        return 2
    if extra is not None:
        function, arguments = extra
        return function(arguments)
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            _list()
        elif args.command == "bench":
            _bench(args)
        elif args.command == "run":
            _run(args)
        elif args.command == "audit-privacy":
            _audit(args)
        elif args.command == "report":
            from bandits.report import write_report

            print(f"report: {write_report(args.directory)}")
    except ValueError as error:  # includes ConfigError: invalid input, nothing written
        print(f"regretlab {args.command}: error: {error}", file=sys.stderr)
        return 2
    except RuntimeError as error:
        from bandits.experiment.executors import ClusterError

        if not isinstance(error, ClusterError):
            raise
        print(f"regretlab {args.command}: error: {error}", file=sys.stderr)  # finished shards are kept
        return 3
    except KeyboardInterrupt:
        print(f"regretlab {args.command}: interrupted; completed results are kept"
              + ("; run the same command again to resume" if args.command == "run" else ""), file=sys.stderr)
        if as_program:
            # Ctrl-C can land inside numba's compiler and leave half-built LLVM objects whose
            # finalisers crash the interpreter at exit (a segmentation fault after this message).
            # Everything worth keeping is on disk already (shards are atomic, the journal fsynced,
            # compile-ahead workers stopped, the directory lock goes with the process): leave now.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
