"""The shape of the house: no import cycles, no source file over 600 lines, and a lazy public
API (``import bandits`` and ``import environments`` load no setting, no matplotlib, no pandas).
The one-way layers themselves are import-linter contracts (pyproject.toml), run by ``.ci/run``
as ``lint-imports``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from bandits.core.builtin_settings import BUILTIN_SETTINGS

REPO = Path(__file__).resolve().parents[2]
MAX_LINES = 600


def _strongly_connected_components(graph):
    """Tarjan's algorithm over ``graph.modules``; returns the components with a cycle."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(root):
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in graph.modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.find_modules_directly_imported_by(node):
                    found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles():
    graph = grimp.build_graph("bandits", "environments")
    assert _strongly_connected_components(graph) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    """The check above can fail: a package whose two modules import each other is caught."""
    package = tmp_path / "cyclic_package_for_test"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic_package_for_test import b\n")
    (package / "b.py").write_text("def f():\n    from cyclic_package_for_test import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("cyclic_package_for_test", cache_dir=None)
    assert _strongly_connected_components(graph) == [["cyclic_package_for_test.a", "cyclic_package_for_test.b"]]


def test_no_source_file_is_over_600_lines():
    too_long = {
        str(path.relative_to(REPO)): n
        for folder in ("bandits", "environments", "tests", "experiments")
        for path in (REPO / folder).rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert too_long == {}


_LOADED = """
import json, sys
import {module}
print(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize("module", ["bandits", "environments"])
def test_importing_the_package_loads_no_setting_and_no_plotting(module):
    out = subprocess.run([sys.executable, "-c", _LOADED.format(module=module)], capture_output=True, text=True,
                         check=True, cwd=REPO)
    loaded = set(json.loads(out.stdout))
    settings = {setting.name for setting in BUILTIN_SETTINGS}
    setting_modules = sorted(m for m in loaded if m.split(".")[:2] in (["environments", s] for s in settings)
                             or m.split(".")[:3] in (["bandits", "policies", s] for s in settings))
    assert setting_modules == []
    assert not {"matplotlib", "pandas", "bandits.report", "bandits.experiment"} & loaded
    if module == "bandits":
        assert not {"numba", "gymnasium", "numpy"} & loaded  # nothing at all until a name is used


def test_lazy_names_resolve_to_the_settings_classes():
    import bandits
    import environments
    from bandits.policies.classic import UCB1
    from environments.classic import BernoulliBandit

    assert bandits.UCB1 is UCB1 and environments.BernoulliBandit is BernoulliBandit
    assert "UCB1" in dir(bandits) and "StreamingBandit" in dir(environments)
    with pytest.raises(AttributeError, match="no attribute 'NoSuchPolicy'"):
        bandits.NoSuchPolicy  # noqa: B018
