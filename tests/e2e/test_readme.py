"""The README runs as written (issue 15.6): every ``sh``/``bash`` and ``python`` block, in order,
in one bash session, against a fresh stack started as ``make run`` starts it.

The session is set up like a user's second terminal: the working directory is a checkout-like
folder holding ``.venv`` (the venv running these tests) and make run's ``.ql``; ``.venv/bin`` is
not on PATH until the README activates it; no ``QL_TOKEN``/``QL_URL``; ``QL_PORT`` is exported
because this stack listens on a free port; a config folder of its own (``ql login`` writes there).
A block is skipped only when the line before it is ``<!-- readme-test: skip ... -->`` (the
``make run`` block itself, which this test replaces by starting the stack).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from qlcore.embedded import free_port

from tests.e2e.test_make_run import start, stop

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SKIP = "<!-- readme-test: skip"
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.DOTALL | re.MULTILINE)
RUNNABLE = {"sh": "sh", "bash": "sh", "shell": "sh", "python": "python"}


@dataclass(frozen=True)
class Block:
    kind: str  # sh | python
    code: str
    line: int  # where the block starts in README.md
    skipped: bool


def readme_blocks(text: str) -> list[Block]:
    """Every fenced block of a runnable language, marked skipped when the marker precedes it."""
    out = []
    for m in FENCE.finditer(text):
        kind = RUNNABLE.get(m.group(1).lower())
        if kind is None:
            continue
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        out.append(Block(kind, m.group(2), text.count("\n", 0, m.start()) + 1, before.startswith(SKIP)))
    return out


def session_script(blocks: list[Block]) -> str:
    """One bash script: each block announced, python blocks fed to the venv's python on stdin."""
    parts = ["set -eo pipefail"]
    for b in blocks:
        if b.skipped:
            continue
        parts.append(f"echo '::: README.md:{b.line}' >&2")
        if b.kind == "python":
            parts.append(f"python - <<'README_PYTHON'\n{b.code}README_PYTHON")
        else:
            parts.append(b.code)
    return "\n".join(parts) + "\n"


def test_the_readme_marks_only_the_stack_itself_as_not_run() -> None:
    blocks = readme_blocks((ROOT / "README.md").read_text())
    skipped = [b for b in blocks if b.skipped]
    assert len(skipped) == 1 and "make run" in skipped[0].code
    assert sum(b.kind == "python" for b in blocks) >= 1 and sum(not b.skipped for b in blocks) >= 8


def test_the_readme_runs_as_written_against_a_fresh_make_run(tmp_path: Path) -> None:
    work = tmp_path / "checkout"
    work.mkdir()
    venv = Path(sys.executable).parent.parent
    (work / ".venv").symlink_to(venv)
    port = free_port()
    stack = start(work / ".ql", port)
    try:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("QL_", "VIRTUAL_ENV")) and k not in ("PYTHONHOME",)
        }
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != venv / "bin")
        env |= {"QL_PORT": str(port), "XDG_CONFIG_HOME": str(tmp_path / "config")}
        script = session_script(readme_blocks((ROOT / "README.md").read_text()))
        (tmp_path / "readme.sh").write_text(script)
        out = subprocess.run(
            ["bash", str(tmp_path / "readme.sh")], cwd=work, env=env, capture_output=True, text=True, timeout=1200
        )
    finally:
        stop(stack)
    where = re.findall(r"::: (README\.md:\d+)", out.stderr)
    assert out.returncode == 0, f"failed in the block at {where[-1] if where else '?'}:\n{out.stderr[-4000:]}"
    said = out.stdout
    # what the README promises along the way
    assert '"deduplicated":false' in said and said.count('"run_id"') >= 2
    assert "@misc{" in said and "TY  - DATA" in said  # citations, by curl and by ql
    assert "VALID  attestation.json  (checked offline)" in said
    assert "logged in to http://127.0.0.1:" in said and "ada@lab.example" in said
    assert re.search(r"key \(shown once\): ql_live_\w+", said)
    assert (work / "report.html").read_text().lstrip().lower().startswith("<!doctype html")
    assert (tmp_path / "config" / "quantumledger" / "credentials").exists()
