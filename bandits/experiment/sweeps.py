"""Parameter sweeps as data: an environment or policy entry of an experiment that carries
``sweep = { param = [values, ...], other_param = [...] }`` stands for one entry per combination
of the listed values, its *cells*.

::

    [[environments]]
    name = "EvenlySpacedBernoulliBandit"
    sweep = { n_arms = [2, 5, 10, 20, 50, 100] }     # six environments

    [[environments]]
    name = "StreamingBandit"
    n_arms = 1000
    sweep = { memory = [2, 4, 8], horizon = [10000, 100000] }   # the Cartesian product: 6 cells

    [[policies]]
    name = "kl_ucb"
    sweep = { c = [0.5, 1.0, 2.0], c_loglog = [0.0, 0.0, 3.0], mode = "zip" }   # paired: 3 cells

``mode = "product"`` (the default) takes the Cartesian product of the lists, in the order they
are written, the last varying fastest; ``mode = "zip"`` pairs the i-th values of lists of one
length. (``mode`` is therefore the one parameter name a sweep cannot vary.) An environment entry may also sweep (or set) ``horizon``: its cells then run for their
own horizon, with their own record points. Every cell is an ordinary environment or policy of the
experiment, validated like any other before any work starts; errors name the cell, e.g.
``environments[0]{n_arms=1}.n_arms: must be >= 2, got 1``. The cells' swept values are kept in
the result directory's layout, become columns of ``load_results(..., frame=True)``, and drive
the report's sweep figures.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

__all__ = ["SWEEP_KEY", "SWEEP_MODES", "Cell", "cell_path", "expand_entries", "is_geometric"]

#: The key of an entry that holds its sweep.
SWEEP_KEY = "sweep"
#: How the lists of a sweep combine: Cartesian product (default) or element-wise pairs.
SWEEP_MODES = ("product", "zip")


@dataclass(frozen=True)
class Cell:
    """One entry of the expanded configuration.

    Attributes
    ----------
    origin : int
        Index of the entry in the file it comes from (``environments[origin]``).
    values : dict
        The swept parameters and this cell's values, in the order the sweep lists them (empty
        for an entry without a sweep).
    entry : dict
        The entry itself: ``name``, its fixed parameters and this cell's values.
    axes : tuple of tuple of str
        The sweep's axes: each swept key alone (``mode = "product"``), or all of them together
        (``mode = "zip"``: they vary as one).
    """

    origin: int
    values: dict = field(default_factory=dict)
    entry: dict = field(default_factory=dict)
    axes: tuple = ()  # the sweep's axes: one key each (product), or all keys together (zip)


def _format_value(value) -> str:
    """Exact (``repr``) for floats and strings, so that two cells never print alike."""
    return repr(value) if isinstance(value, (float, str)) else str(value)


def cell_path(kind: str, cell: Cell) -> str:
    """The configuration path of a cell: ``environments[0]`` for an entry without a sweep,
    ``environments[0]{n_arms=5, horizon=1000}`` for a cell of a sweep."""
    values = ", ".join(f"{key}={_format_value(value)}" for key, value in cell.values.items())
    return f"{kind}[{cell.origin}]" + (f"{{{values}}}" if cell.values else "")


def _valid_list(values) -> bool:
    return isinstance(values, list) and len(values) > 0


def expand_entries(kind: str, entries: list, problems: list) -> list[Cell]:
    """Expand the ``sweep`` of every entry of ``kind`` (``"environments"`` or ``"policies"``)
    into cells; entries without a sweep become one cell each. Problems with a sweep's shape are
    appended to ``problems`` (with their paths) and that entry yields no cell; entries that are
    not tables are passed through for the caller to report."""
    cells = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or SWEEP_KEY not in entry:
            cells.append(Cell(index, {}, entry))
            continue
        path = f"{kind}[{index}].{SWEEP_KEY}"
        sweep = entry[SWEEP_KEY]
        fixed = {key: value for key, value in entry.items() if key != SWEEP_KEY}
        if not isinstance(sweep, dict):
            problems.append(f"{path}: must be a table of parameter = [values, ...], got {sweep!r}")
            continue
        mode = sweep.get("mode", "product")
        lists = {key: value for key, value in sweep.items() if key != "mode"}
        found = []
        if mode not in SWEEP_MODES:
            found.append(f"{path}.mode: must be one of {', '.join(map(repr, SWEEP_MODES))}, got {mode!r}")
        if not lists:
            found.append(f"{path}: names no parameter to sweep (write sweep = {{ param = [values, ...] }})")
        for key, values in lists.items():
            if key == "name":
                found.append(f"{path}.name: the name cannot be swept; write one entry per name")
            elif key in fixed:
                found.append(f"{path}.{key}: also given outside the sweep ({key} = {fixed[key]!r}); give it in one place")
            elif not _valid_list(values):
                found.append(f"{path}.{key}: must be a non-empty list of values, got {values!r}")
            elif any(isinstance(v, float) and math.isnan(v) for v in values):
                found.append(f"{path}.{key}: NaN cannot be a swept value (it equals nothing, not even itself)")
            elif mode != "zip" and any(values[i] == values[j] for i in range(len(values)) for j in range(i)):
                found.append(f"{path}.{key}: lists a value twice ({values!r}); each cell must differ")
        if mode == "zip" and lists and all(_valid_list(v) for v in lists.values()):
            lengths = {len(v) for v in lists.values()}
            if len(lengths) > 1:
                sizes = ", ".join(f"{key}: {len(values)}" for key, values in lists.items())
                found.append(f"{path}: mode \"zip\" pairs lists of one length, got {sizes}")
            else:
                pairs = list(zip(*lists.values()))
                if any(pairs[i] == pairs[j] for i in range(len(pairs)) for j in range(i)):
                    found.append(f"{path}: mode \"zip\" pairs the same values twice ({pairs!r}); each cell must "
                                 "differ")
        if found:
            problems.extend(found)
            continue
        keys = list(lists)
        combinations = zip(*lists.values()) if mode == "zip" else itertools.product(*lists.values())
        axes = (tuple(keys),) if mode == "zip" else tuple((key,) for key in keys)
        for combination in combinations:
            values = dict(zip(keys, combination))
            cells.append(Cell(index, values, {**fixed, **values}, axes))
    return cells


def is_geometric(values) -> bool:
    """Whether a grid of numbers is better shown on a log axis: all positive, at least three
    distinct values, and steps more even in ratio than in difference (1, 2, 4, 8; 2, 5, 10, 20,
    50, 100), or spanning two decades or more."""
    try:
        grid = sorted({float(v) for v in values})
    except (TypeError, ValueError):
        return False
    if len(grid) < 2 or grid[0] <= 0.0 or not all(math.isfinite(v) for v in grid):
        return False
    if grid[-1] / grid[0] >= 100.0:
        return True
    if len(grid) < 3:
        return False
    differences = [b - a for a, b in itertools.pairwise(grid)]
    ratios = [math.log(b / a) for a, b in itertools.pairwise(grid)]

    def spread(xs):
        mean = sum(xs) / len(xs)
        return math.sqrt(sum((x - mean) ** 2 for x in xs) / len(xs)) / mean

    return spread(ratios) < spread(differences)
