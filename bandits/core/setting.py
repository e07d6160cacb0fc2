"""The record of one research setting (:class:`Setting`) and its benchmark presets
(:class:`BenchPreset`); the registry that holds the records is :mod:`bandits.core.registry`."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Mapping

__all__ = ["Setting", "BenchPreset", "problem_name_of_id"]


@dataclass(frozen=True)
class BenchPreset:
    """A problem that ``regretlab bench`` builds from its ``--arms`` argument.

    Attributes
    ----------
    description : str
        One line for ``regretlab bench --help`` and the benchmark's output.
    build : callable
        ``build(arms) -> (problem name, constructor keyword arguments)``; plain data, so that
        reading the record imports nothing.
    """

    description: str
    build: Callable[[int], tuple]


def _frozen(mapping) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Setting:
    """One research setting: what it provides, named by ``"module:attribute"`` strings.

    Attributes
    ----------
    name : str
        The setting's key (``"cascading"``); a policy's ``setting`` class attribute holds it.
    title : str
        Human-readable name (``"Cascading bandits and cascading RL"``).
    papers : tuple of str
        The papers the setting implements, with arXiv ids.
    problems : mapping of str to str
        Problem name (as used in experiment files) -> problem class.
    environments : mapping of str to str
        Gymnasium id (``"regretlab/<Name>-v0"``) -> environment class; the id's ``<Name>`` is the
        problem's name, or the environment class names its problem in a ``problem_name`` class
        attribute (so that the id works as an experiment file's environment name).
    policies : mapping of str to str
        Policy name (as used in experiment files and on the command line) -> policy class.
    policy_check : str or None
        ``check(policy, *, seed, **options)`` raising :class:`bandits.core.conformance.PolicyCheckError`.
    report_section : str or None
        ``section(env_results, out, config) -> ReportSection`` with the setting's own figures
        and tables, added after the generic regret section; None for none.
    bench_presets : mapping of str to BenchPreset
        Problems for ``regretlab bench --env``; the first one on which a policy can run is its
        default.
    bench_commands : mapping of str to str
        Benchmarks of the setting's own numerics, run as ``regretlab bench --NAME [options]``:
        name -> ``main(argv) -> exit status``, which parses its own options.
    bench_policy_params : mapping of str to dict
        Constructor arguments ``regretlab bench`` and the registry-wide tests pass to a policy
        that has required ones.
    example_problems : tuple of (str, dict)
        Small instances, ``(problem name, constructor arguments)``, on which the registry-wide
        tests run every policy of the setting, on every example it is compatible with: the
        Gymnasium driver must equal the fused runner.
    example_horizon : int
        The horizon of those tests, in the setting's time unit.
    """

    name: str
    title: str
    problems: Mapping[str, str]
    policies: Mapping[str, str]
    environments: Mapping[str, str] = field(default_factory=dict)
    papers: tuple = ()
    policy_check: str | None = None
    report_section: str | None = None
    bench_presets: Mapping[str, BenchPreset] = field(default_factory=dict)
    bench_policy_params: Mapping[str, dict] = field(default_factory=dict)
    bench_commands: Mapping[str, str] = field(default_factory=dict)
    example_problems: tuple = ()
    example_horizon: int = 100

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"name: must be a Python identifier, got {self.name!r}")
        for attribute in ("problems", "policies", "environments", "bench_presets", "bench_policy_params",
                          "bench_commands"):
            object.__setattr__(self, attribute, _frozen(getattr(self, attribute)))
        object.__setattr__(self, "papers", tuple(self.papers))
        object.__setattr__(self, "example_problems", tuple((name, dict(params)) for name, params in self.example_problems))
        for name, _ in self.example_problems:
            if name not in self.problems:
                raise ValueError(f"{self.name}: example problem {name!r} is not one of its problems")
        for reference in [*self.problems.values(), *self.policies.values(), *self.environments.values(),
                          *self.bench_commands.values(), self.policy_check, self.report_section]:
            if reference is not None and (not isinstance(reference, str) or ":" not in reference):
                raise ValueError(f"{self.name}: references must be 'module:attribute' strings, got {reference!r}")
        for env_id in self.environments:
            name = problem_name_of_id(env_id)
            if name is None:
                raise ValueError(f"{self.name}: Gymnasium ids must read 'regretlab/<Name>-v0', got {env_id!r}")


def problem_name_of_id(env_id: str):
    if isinstance(env_id, str) and env_id.startswith("regretlab/") and env_id.endswith("-v0"):
        return env_id[len("regretlab/") : -len("-v0")]
    return None


