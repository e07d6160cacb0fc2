"""bandits.core.array_copy.copy_into, and the rule it exists for: compiled code of the project
copies arrays with it, never by assigning an array to a slice (whose compilation costs about
1.7 s per process on a first run)."""

from __future__ import annotations

import ast
from pathlib import Path

import numba as nb
import numpy as np
import pytest

from bandits.core.array_copy import copy_into

REPO = Path(__file__).resolve().parents[2]


def test_copy_into_copies_vectors_matrices_and_views():
    vector = np.zeros(4, np.int64)
    copy_into(vector, np.arange(4))
    np.testing.assert_array_equal(vector, [0, 1, 2, 3])
    matrix = np.zeros((2, 3))
    copy_into(matrix, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(matrix, [[0, 1, 2], [3, 4, 5]])

    @nb.njit
    def copy_row_and_prefix(table, row, order, items):
        copy_into(table[1], row)
        copy_into(order[: items.size], items)

    table, order = np.zeros((2, 3)), np.full(5, -1)
    copy_row_and_prefix(table, np.array([7.0, 8.0, 9.0]), order, np.array([4, 3]))
    np.testing.assert_array_equal(table, [[0, 0, 0], [7, 8, 9]])
    np.testing.assert_array_equal(order, [4, 3, -1, -1, -1])


def test_copy_into_refuses_different_shapes():
    with pytest.raises(ValueError, match="shapes differ"):
        copy_into(np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match="shapes differ"):
        copy_into(np.zeros((2, 3)), np.ones((3, 2)))


def _compiled_functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any("jit" in ast.unparse(d) for d in node.decorator_list):
            yield node


def test_no_compiled_function_assigns_an_array_to_a_slice():
    """``out[:] = values`` (a non-constant value assigned to a slice) in a jitted function of
    ``bandits`` or ``environments``: use ``copy_into(out, values)`` instead. (Assigning a row,
    ``table[i] = row``, costs the same but cannot be told from a scalar store without types.)"""
    offenders = []
    for path in sorted([*REPO.joinpath("bandits").rglob("*.py"), *REPO.joinpath("environments").rglob("*.py")]):
        for function in _compiled_functions(ast.parse(path.read_text(encoding="utf-8"))):
            for node in ast.walk(function):
                if not isinstance(node, ast.Assign) or isinstance(node.value, (ast.Constant, ast.UnaryOp)):
                    continue
                for target in node.targets:
                    if isinstance(target, ast.Subscript) and any(isinstance(x, ast.Slice) for x in ast.walk(target.slice)):
                        offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}")
    assert not offenders, "\n".join(offenders)
