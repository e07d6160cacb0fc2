"""Run the fenced Python blocks of one Markdown file, in order, in one namespace (like a reader
pasting them into one interpreter); print one JSON line per block with its line number, status
and seconds. Used by test_snippets.py in a fresh process per file:

    python snippet_runner.py FILE.md

A block whose first line says "(not run by the tests)" is skipped (it needs a cluster or a
service this machine does not have). A line ending in ``# docs-test: CODE`` is replaced by
``CODE`` (keeping its indentation) so that a slow example runs at a small size.
"""

from __future__ import annotations

import json
import re
import sys
import time
import traceback
from pathlib import Path

FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
SMALLER = re.compile(r"^(?P<indent>\s*).*#\s*docs-test:\s*(?P<code>.+)$")


def blocks(path: Path):
    """``(line, code)`` of every fenced Python block of ``path``."""
    text = path.read_text(encoding="utf-8")
    for match in FENCE.finditer(text):
        yield text[: match.start()].count("\n") + 2, match.group(1)


def smaller(code: str) -> str:
    lines = []
    for line in code.splitlines():
        found = SMALLER.match(line)
        lines.append(found.group("indent") + found.group("code").strip() if found else line)
    return "\n".join(lines) + "\n"


def main(path: str) -> int:
    namespace = {"__name__": "__main__"}
    failed = 0
    for line, code in blocks(Path(path)):
        first = code.splitlines()[0] if code.strip() else ""
        if "(not run by the tests)" in first:
            print(json.dumps({"line": line, "status": "skipped"}), flush=True)
            continue
        start = time.perf_counter()
        try:
            exec(compile(smaller(code), f"{path}:{line}", "exec"), namespace)  # noqa: S102 - the docs' own code
        except BaseException:  # noqa: BLE001 - report every failure, with its traceback
            failed += 1
            print(json.dumps({"line": line, "status": "failed", "error": traceback.format_exc(limit=8)}), flush=True)
        else:
            print(json.dumps({"line": line, "status": "ok", "seconds": round(time.perf_counter() - start, 2)}),
                  flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
