"""One stack and one corpus import for every leaderboard test (the import takes seconds).

The stack is the leaderboard's own (a fresh namespace on the session's servers, only the
services these tests use), so runs that other suites ingest on real devices (``ibm/ibm_kyiv``)
cannot change the rankings compared here with the independent computation.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from qlcore.busauth import OPERATOR, nats_env
from qlcore.corpus.adapters.ibm_history import history_wheels

from tests.fixtures import Infra, Stack, stack_context
from tests.integration.leaderboard.reference import Expected, expected_latest

SERVICES = ("ingest", "leaderboard", "gateway")


@dataclass
class Imported:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


@pytest.fixture(scope="package")
async def lb_stack(infra: Infra) -> AsyncIterator[Stack]:
    async for s in stack_context(infra, SERVICES):
        yield s


async def run_cli(stack: Stack, *args: str, home: Path) -> Imported:
    """Run ``ql`` in a child process against ``stack`` (the event loop keeps serving meanwhile)."""
    env = {
        **os.environ,
        **nats_env(stack.settings, OPERATOR),
        "QL_HOME": str(home),
        "QL_OPERATOR": "pytest",
    }
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("ql")),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 300)
    return Imported(proc.returncode or 0, out.decode(), err.decode(), loop.time() - t0)


@pytest.fixture(scope="package")
async def imported(lb_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Imported:
    """``ql corpus import all`` once, through the real CLI, NATS, service, log and projection."""
    result = await run_cli(lb_stack, "corpus", "import", "all", home=tmp_path_factory.mktemp("ql-home"))
    assert result.returncode == 0, result.stderr
    await lb_stack.wait_caught_up("leaderboard")
    return result


@pytest.fixture(scope="package")
def expected() -> dict[str, Expected]:
    """Each device's latest snapshot, computed from the packages' raw files (not our code)."""
    return expected_latest(history_wheels())
