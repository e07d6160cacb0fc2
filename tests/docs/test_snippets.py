"""Every fenced Python block of README.md and docs/*.md runs as written (blocks of one file in
order, in one namespace, in a fresh process whose working directory holds the repository's
``experiments`` folder), so no snippet can rot. Slow examples run at a small size through
``# docs-test: CODE`` markers; blocks that need a cluster say "(not run by the tests)"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("snippet_runner.py")
FILES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
WITH_PYTHON = [path for path in FILES if "```python" in path.read_text(encoding="utf-8")]


def test_the_runner_finds_blocks_and_skips_only_marked_ones():
    sys.path.insert(0, str(RUNNER.parent))
    try:
        import snippet_runner
    finally:
        sys.path.remove(str(RUNNER.parent))
    total = sum(len(list(snippet_runner.blocks(path))) for path in WITH_PYTHON)
    skipped = sum("(not run by the tests)" in code.splitlines()[0] for path in WITH_PYTHON
                  for _, code in snippet_runner.blocks(path))
    assert total >= 30 and skipped <= 3
    assert snippet_runner.smaller("    n = 2000  # docs-test: n = 20\n") == "    n = 20\n"


@pytest.mark.parametrize("path", WITH_PYTHON, ids=[str(path.relative_to(REPO)) for path in WITH_PYTHON])
def test_every_python_block_runs(path, tmp_path):
    (tmp_path / "experiments").symlink_to(REPO / "experiments")
    env = dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, str(RUNNER), str(path)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    failures = [f"{path.name}:{r['line']}\n{r['error']}" for r in records if r["status"] == "failed"]
    assert not failures, "\n".join(failures)
    assert done.returncode == 0 and records, done.stderr[-2000:]
