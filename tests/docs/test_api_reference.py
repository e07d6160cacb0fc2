"""The site's API reference (docs/api/index.rst) lists every public module of ``bandits`` and
``environments``, found by walking the packages with pkgutil, so that a new module cannot be
left out (and a removed one cannot linger). Autosummary turns each listed module into a page
documenting every public class, exception and function it defines (the template
docs/_templates/autosummary/module.rst); these tests read the files only and run no Sphinx."""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

import bandits
import environments

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "docs" / "api" / "index.rst"
MODULE_TEMPLATE = REPO / "docs" / "_templates" / "autosummary" / "module.rst"
DIRECTIVE = re.compile(r"^\.\. autosummary::[ \t]*\n((?:[ \t]+.*\n|[ \t]*\n)*)", re.M)


def public_modules() -> list[str]:
    """Every module and package of ``bandits`` and ``environments`` none of whose dotted parts
    starts with an underscore."""

    def unimportable(name):
        raise ImportError(f"{name} does not import: the reference could not document it")

    names = []
    for package in (bandits, environments):
        names.append(package.__name__)
        names += [found.name for found in pkgutil.walk_packages(package.__path__, package.__name__ + ".",
                                                                 onerror=unimportable)]
    return [name for name in names if not any(part.startswith("_") for part in name.split("."))]


def autosummary_blocks(text: str) -> list[tuple[list[str], list[str]]]:
    """``(options, entries)`` of every ``.. autosummary::`` directive of ``text``."""
    blocks = []
    for match in DIRECTIVE.finditer(text):
        lines = [line.strip() for line in match.group(1).splitlines() if line.strip()]
        blocks.append(([line for line in lines if line.startswith(":")],
                       [line for line in lines if not line.startswith(":")]))
    return blocks


def listed_modules() -> list[str]:
    return [entry for _, entries in autosummary_blocks(REFERENCE.read_text(encoding="utf-8")) for entry in entries]


def test_the_walk_finds_both_packages_and_their_settings():
    modules = public_modules()
    assert {"bandits", "environments", "bandits.core.policy", "bandits.runner", "environments.classic.problem",
            "environments.solver_tuning.linear_solvers.pcg"} <= set(modules)
    assert len(modules) == len(set(modules)) > 100


def test_every_public_module_is_in_the_reference():
    missing = sorted(set(public_modules()) - set(listed_modules()))
    assert not missing, (f"add these modules to an autosummary table of {REFERENCE.relative_to(REPO)}: "
                         + ", ".join(missing))


def test_the_reference_lists_no_module_twice_and_none_that_is_gone():
    listed = listed_modules()
    twice = sorted({name for name in listed if listed.count(name) > 1})
    gone = sorted(set(listed) - set(public_modules()))
    assert not twice, f"listed more than once: {twice}"
    assert not gone, f"no such public module (remove it from the reference): {gone}"


def test_every_table_generates_pages_with_the_module_template():
    blocks = autosummary_blocks(REFERENCE.read_text(encoding="utf-8"))
    assert blocks and all(":toctree: generated" in options for options, _ in blocks)
    # no :template: option: autosummary then uses autosummary/module.rst of templates_path
    assert not any(option.startswith(":template:") for options, _ in blocks for option in options)
    template = MODULE_TEMPLATE.read_text(encoding="utf-8")
    for kind, directive in (("classes", "autoclass"), ("exceptions", "autoexception"), ("functions", "autofunction")):
        assert re.search(rf"{{% for item in {kind} %}}\s*\.\. {directive}:: {{{{ fullname }}}}\.{{{{ item }}}}",
                         template), f"the module template must document every one of its {kind}"


def test_the_parser_reads_options_and_entries():
    text = "Title\n=====\n\n.. autosummary::\n   :toctree: generated\n\n   a.b\n   a.c\n\nText.\n"
    assert autosummary_blocks(text) == [([":toctree: generated"], ["a.b", "a.c"])]
