"""The golden-section search for the instance-optimal omega of one heat-equation step, as the
official script ``h2d.m`` of Khodak, Chow, Balcan & Talwalkar (*Learning to Relax*, ICLR 2024,
arXiv:2310.02246, Appendix G.2) does it: the fixed omegas 1, 1.3, 1.5, 1.75, 1.95, then golden-
section steps up to 12 evaluations in total.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np

from bandits.core.validation import ParameterError, check_integer, check_real_vector

__all__ = ["HEAT_OMEGA_GRID", "GoldenSection", "golden_section_omega"]

#: The fixed omegas of ``h2d.m`` whose costs seed the golden-section search.
HEAT_OMEGA_GRID = (1.0, 1.3, 1.5, 1.75, 1.95)


class GoldenSection(NamedTuple):
    """Result of :func:`golden_section_omega`: the chosen ``omega`` and every evaluation in the
    order made (grid first)."""

    omega: float
    omegas: np.ndarray
    costs: np.ndarray


def golden_section_omega(
    cost_fn: Callable[[float], float],
    grid=HEAT_OMEGA_GRID,
    n_evals: int = 12,
    grid_costs=None,
) -> GoldenSection:
    """The instance-optimal omega of the official heat script ``h2d.m`` (Khodak et al.,
    arXiv:2310.02246, Appendix G.2). It is approximate: 12 evaluations of an integer-valued,
    non-smooth cost.

    1. Evaluate ``cost_fn`` (omega -> iteration count) on ``grid`` (or take ``grid_costs``, e.g.
       from the fixed-omega runs, as ``h2d.m`` does).
    2. Bracket the grid minimum by its neighbours: ``[grid[first argmin - 1], grid[last argmin +
       1]]`` (clipped at the ends of the grid).
    3. Golden-section steps with ``tau = (sqrt 5 - 1)/2`` (two interior points, then one new
       evaluation per step) until ``n_evals`` evaluations in total (grid included). When the two
       interior costs are equal, the side that moves alternates, the right end first.
    4. Return the midpoint of the smallest and the largest omega among all evaluations that
       achieve the minimum cost.

    The bracket and tie rules are documented choices, reconstructed: the paper and the official
    code's description state the procedure only in words.
    """
    grid = check_real_vector("grid", grid, low=0.0, high=2.0, low_open=True, high_open=True, min_length=2)
    steps = np.diff(grid)
    if (steps <= 0).any():
        i = int(np.argmax(steps <= 0)) + 1
        raise ParameterError(
            f"grid[{i}]", float(grid[i]), f"must be > grid[{i - 1}] = {float(grid[i - 1])!r} (strictly increasing)"
        )
    n_evals = check_integer("n_evals", n_evals, low=grid.size)
    if not callable(cost_fn):
        raise ParameterError("cost_fn", cost_fn, "must be callable (omega -> iterations)")

    omegas: list[float] = []
    costs: list[float] = []

    def evaluate(w):
        value = cost_fn(float(w))
        try:
            c = float(value)
        except (TypeError, ValueError):
            raise ParameterError("cost_fn", cost_fn, "must return a real number", got=f"{value!r} at omega = {w!r}") from None
        if not math.isfinite(c):
            raise ParameterError("cost_fn", cost_fn, "must return a finite number", got=f"{value!r} at omega = {w!r}")
        omegas.append(float(w))
        costs.append(c)
        return c

    if grid_costs is None:
        for w in grid:
            evaluate(w)
    else:
        given = check_real_vector("grid_costs", grid_costs)
        if given.size != grid.size:
            raise ParameterError("grid_costs", grid_costs, f"must have one entry per grid point ({grid.size})",
                                 got=str(given.size))
        omegas.extend(float(w) for w in grid)
        costs.extend(float(c) for c in given)

    best = min(costs)
    hits = [i for i, c in enumerate(costs) if c == best]
    a = float(grid[max(hits[0] - 1, 0)])
    b = float(grid[min(hits[-1] + 1, grid.size - 1)])
    tau = (math.sqrt(5.0) - 1.0) / 2.0
    if len(costs) < n_evals:
        x1 = b - tau * (b - a)
        f1 = evaluate(x1)
        if len(costs) < n_evals:
            x2 = a + tau * (b - a)
            f2 = evaluate(x2)
            move_right_end = True
            while len(costs) < n_evals:
                if f1 < f2 or (f1 == f2 and move_right_end):
                    if f1 == f2:
                        move_right_end = False
                    b, x2, f2 = x2, x1, f1
                    x1 = b - tau * (b - a)
                    f1 = evaluate(x1)
                else:
                    if f1 == f2:
                        move_right_end = True
                    a, x1, f1 = x1, x2, f2
                    x2 = a + tau * (b - a)
                    f2 = evaluate(x2)

    values = np.array(costs)
    points = np.array(omegas)
    at_min = points[values == values.min()]
    return GoldenSection(0.5 * (float(at_min.min()) + float(at_min.max())), points, values)
