"""What the generic drivers need from a setting, written down once.

A *setting* (the classic bandit, cascading bandits, streaming bandits, ...) provides four things,
and the generic code in :mod:`bandits.runner` (the fused runner), :mod:`bandits.gym_driver` (the
Gymnasium driver), the experiment store, the reports and the command line use nothing else:

:class:`Problem`
    A frozen dataclass of the problem's parameters (validated in ``__post_init__``) that builds
    the setting's :class:`FusedLoop`, its Gymnasium shell and its :class:`LearnerView`.
:class:`FusedLoop`
    One compiled replication loop (environment and policy kernels together) and its arguments.
:class:`LearnerView`
    What a learner may know about the problem (sizes, features, the memory limit, the omega grid,
    the context interval), never the truth; policies are reset with it. It also turns one
    Gymnasium step ``(reward, info)`` into the *feedback* that the setting's policies learn from.
:class:`Shell`
    The Gymnasium environment (``gymnasium.Env``) over the problem, with the two extra members
    that let one generic driver measure regret exactly as the fused loop does.

These are :class:`typing.Protocol` classes except :class:`FusedLoop`, a base class whose
``check_outputs`` has a default.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

__all__ = ["FusedLoop", "Problem", "LearnerView", "Shell", "learner_view_of"]


class FusedLoop:
    """What :func:`bandits.runner.run` needs from a setting: one compiled replication loop and
    its arguments.

    A setting's problem class returns one from ``problem.fused_loop(policies, horizon,
    record_points)``. The runner owns seeding, threads, progress and timing; the loop object owns
    the output arrays and the argument tuple of its numba loop.

    Attributes
    ----------
    loop : numba dispatcher
        ``loop(*arguments(p, i, outputs, env_stream, policy_stream))`` runs policy ``p`` on
        replication slot ``i``, writing into the arrays of :meth:`allocate`.
    """

    loop = None

    def allocate(self, n_policies: int, n_replications: int) -> dict:
        """Output arrays by name, each with leading axes ``(policy, replication)``. Must include
        ``cumulative_regret`` and ``cumulative_reward`` ``(P, R, J)`` and ``pull_counts``
        ``(P, R, K)``; any other array becomes ``RunResult.metrics[name]``."""
        raise NotImplementedError

    def arguments(self, p: int, i: int, outputs: dict, env_stream, policy_stream) -> tuple:
        """The loop's arguments for policy ``p`` and replication slot ``i``."""
        raise NotImplementedError

    @staticmethod
    def core_outputs(n_policies: int, n_replications: int, n_records: int, n_counted: int) -> dict:
        """The arrays every setting records, zeroed: ``cumulative_regret`` and
        ``cumulative_reward`` float64 ``(P, R, n_records)`` and ``pull_counts`` int64
        ``(P, R, n_counted)`` (arms, items or omegas counted; 0 to record none). A loop's
        :meth:`allocate` adds its own arrays to these."""
        shape = (n_policies, n_replications, n_records)
        return {
            "cumulative_regret": np.zeros(shape),
            "cumulative_reward": np.zeros(shape),
            "pull_counts": np.zeros((n_policies, n_replications, n_counted), np.int64),
        }

    @staticmethod
    def policy_kernel_references(policies, kernels=("init_kernel", "select_kernel", "update_kernel")) -> list:
        """Per policy, the references (:func:`bandits.core.kernels.kernel_reference`) of the kernels
        its class names by the attributes ``kernels``: what a loop passes for its policy kernels."""
        from bandits.core.kernels import kernel_reference

        return [tuple(kernel_reference(getattr(type(p), name)) for name in kernels) for p in policies]

    def check_outputs(self, outputs: dict, labels: list) -> None:
        """Raise if a loop reported an error through its outputs (default: nothing to check)."""


@runtime_checkable
class LearnerView(Protocol):
    """What a learner may know about a problem, and how a Gymnasium step becomes feedback.

    A view is a small frozen dataclass of the setting (e.g. the number of arms; the items, states,
    episode length and list length of a cascading problem; the stream length and memory limit of
    a streaming problem; the omega grid and context interval of a solver-tuning problem). It never
    carries the truth (means, attraction probabilities, optimal values) except where a setting
    documents an *oracle* field for oracle baselines, and then reports flag the policies that
    read it.
    """

    def feedback(self, reward: float, info: dict) -> Any:
        """The feedback of one Gymnasium step, in the form the setting's policies'
        ``update(action, feedback)`` takes (a reward, a cost, a click record, ...)."""


@runtime_checkable
class Problem(Protocol):
    """A problem of some setting: frozen, validated parameters.

    Attributes
    ----------
    name : str
        The registry name of the problem class (``"BernoulliBandit"``).
    time_unit : str
        The unit of the horizon and of record points ("time step", "episode", "pull", "instance").
    learner_view : LearnerView
        What a learner may know.
    """

    name: ClassVar[str]
    time_unit: ClassVar[str]

    @property
    def learner_view(self) -> LearnerView: ...

    def fused_loop(self, policies: list, horizon: int, record_points) -> FusedLoop:
        """The setting's compiled loop for these policies."""

    def check_policy_compatible(self, policy, path: str = "policy") -> None:
        """``ValueError`` naming ``path`` unless ``policy`` can run on this problem."""

    def make_env(self, horizon: int):
        """The Gymnasium shell over this problem for a run of ``horizon`` time units: it
        truncates (``truncated=True``) when the run's horizon is used up."""

    def to_dict(self) -> dict:
        """The constructor arguments as plain Python values (for manifests and reports)."""


@runtime_checkable
class Shell(Protocol):
    """The extra members of a setting's Gymnasium environment (``env.unwrapped``) that let
    :func:`bandits.gym_driver.rollout` drive any setting and measure regret as the fused loop does.

    Attributes
    ----------
    learner_view : LearnerView
        What a learner may know; valid after ``reset`` (some views, such as a streaming
        problem's oracle gap, depend on the replication's draw).
    elapsed : int
        Time units of the run completed so far (steps, episodes, pulls or instances), counted
        from the last ``reset(seed=...)``.
    """

    @property
    def learner_view(self) -> LearnerView: ...

    @property
    def elapsed(self) -> int: ...

    def step_regret(self, info: dict, policy) -> float:
        """Pseudo-regret of the step just taken, in the fused loop's accounting: summing it over
        the steps of a run, in order, gives the fused loop's cumulative regret bit for bit.
        ``policy`` is the policy that acted (settings whose regret is a value of the policy's
        plan, such as cascading RL, read it; others ignore it)."""


def learner_view_of(source):
    """The learner view of ``source``: a view itself, a problem or a Gymnasium environment
    (``env.unwrapped.learner_view``, through any wrappers); ``ValueError`` otherwise."""
    if isinstance(source, LearnerView) and not hasattr(source, "learner_view"):
        return source
    unwrapped = getattr(source, "unwrapped", source)
    view = getattr(unwrapped, "learner_view", None)
    if view is None:
        raise ValueError(
            f"view: must be a learner view, a problem or a regretlab Gymnasium environment, got {source!r}"
        )
    return view
