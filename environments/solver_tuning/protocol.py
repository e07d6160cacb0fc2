"""The solver-tuning protocol: what a learner may know about a sequence of linear systems and what
it learns from one solve (Khodak, Chow, Balcan & Talwalkar, *Learning to Relax*, ICLR 2024,
arXiv:2310.02246).

Each round a linear system arrives; its scalar *context* (the diagonal shift ``c_t`` of the
synthetic sequence, or the diffusion coefficient kappa of the heat equation) is revealed first;
the learner picks an index into an omega grid; the solver runs with that omega and the learner
sees its iteration count (the *cost*), nothing else.

* :data:`DEFAULT_OMEGA_GRID` and :data:`MAX_COST`: the official code's grid and the largest cost
  the policies accept;
* :class:`OmegaGridView`: the learner view (omega grid, context interval) and
  :meth:`OmegaGridView.feedback`, which turns a Gymnasium step into the cost;
* :func:`check_problem_omega_grid`, :func:`check_flag`, :func:`check_policy_fits`: checks the two
  problems (and their shells) share.

The setting's policies (:mod:`bandits.policies.solver_tuning`) import these; the environments
never import the policies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bandits.core.policy import require_policy_of_setting
from bandits.core.validation import ParameterError, check_real, check_real_vector

__all__ = [
    "SETTING",
    "DEFAULT_OMEGA_GRID",
    "MAX_COST",
    "MAX_GRID_POINTS",
    "OMEGA_LOW",
    "OMEGA_HIGH",
    "OmegaGridView",
    "check_problem_omega_grid",
    "check_policy_fits",
    "check_flag",
]

#: The registry name of the setting (a policy's ``setting`` attribute).
SETTING = "solver_tuning"

#: The official code's grid ``linspace(1, 1.95, 20)``, which includes omega = 1 (the theory's grid
#: ``1 + (omega_max - 1) i / d`` does not).
DEFAULT_OMEGA_GRID = tuple(float(x) for x in np.linspace(1.0, 1.95, 20))

#: Largest cost the policies accept (iteration counts; the environments' cap is 10000 by default).
#: It keeps importance-weighted sums ``(cost - 1)/p`` and squared targets far from overflow.
MAX_COST = 1e9

#: Most grid points a problem may have: the fused loops record the omega index as int16.
MAX_GRID_POINTS = 32767

#: Bounds of the shells' continuous action space: the open interval (0, 2) as closed floats.
OMEGA_LOW, OMEGA_HIGH = float(np.nextafter(0.0, 1.0)), float(np.nextafter(2.0, 0.0))


@dataclass(frozen=True)
class OmegaGridView:
    """What a solver-tuning learner may know: the omega grid and the context interval.

    The defaults are the view of ``SORTuning()``: the official 20-point grid and the support
    ``[-0.15, -0.15 + 0.6]`` of the shift.

    Attributes
    ----------
    omega_grid : tuple of float in (0, 2)
        The environment's omega values; an action is an index into it (``n_omegas`` of them).
    context_low, context_high : float
        The environment's context interval (the support of the shift, or the heat runs'
        ``[cmin, cmax]``); contextual policies whose ``context_range`` is ``"environment"`` use it.
    """

    omega_grid: tuple = DEFAULT_OMEGA_GRID
    context_low: float = -0.15
    context_high: float = -0.15 + 0.6

    def __post_init__(self):
        values = check_real_vector("omega_grid", self.omega_grid, low=0.0, high=2.0, low_open=True, high_open=True)
        object.__setattr__(self, "omega_grid", tuple(float(x) for x in values))
        low = check_real("context_low", self.context_low)
        high = check_real("context_high", self.context_high)
        if not low < high:
            raise ParameterError("context_high", self.context_high, f"must be > context_low = {low!r}")
        object.__setattr__(self, "context_low", low)
        object.__setattr__(self, "context_high", high)

    @property
    def n_omegas(self) -> int:
        """The number of grid points d."""
        return len(self.omega_grid)

    def feedback(self, reward, info):
        """The cost of one Gymnasium step: ``info["iterations"]`` (the solver's iteration count,
        an int), else ``-reward`` (the shells' reward is minus the iterations)."""
        if info is not None and "iterations" in info:
            return info["iterations"]
        return -reward


def check_problem_omega_grid(grid) -> tuple:
    """A problem's ``omega_grid`` (None: :data:`DEFAULT_OMEGA_GRID`) as a tuple of floats in
    (0, 2), at most :data:`MAX_GRID_POINTS` of them; :class:`ParameterError` otherwise."""
    grid = DEFAULT_OMEGA_GRID if grid is None else grid
    values = check_real_vector("omega_grid", grid, low=0.0, high=2.0, low_open=True, high_open=True)
    if values.size > MAX_GRID_POINTS:
        raise ParameterError("omega_grid", grid, f"at most {MAX_GRID_POINTS} values (the omega trace is int16)",
                             got=str(values.size))
    return tuple(float(x) for x in values)


def check_flag(name: str, value) -> bool:
    """``value`` as a bool; :class:`ParameterError` unless it is True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(name, value, "must be True or False")
    return bool(value)


def check_policy_fits(policy, view: OmegaGridView, path: str = "policy") -> None:
    """:class:`ParameterError` naming ``path`` unless ``policy`` is a solver-tuning policy whose
    hyper-parameters fit ``view`` (its grid, its ``omega`` or ``omega_index``)."""
    require_policy_of_setting(policy, SETTING, path)
    try:
        policy.kernel_hyper(view, 1)
    except ValueError as error:
        raise ParameterError(path, policy, f"must fit the problem's omega_grid ({error})", got=policy.label) from None
