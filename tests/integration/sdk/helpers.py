"""What the SDK and CLI integration tests share: a blocking client or ``ql`` used from the test's
event loop (the stack runs in that loop, so blocking calls go to a thread), and run bundles."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from click.testing import CliRunner, Result
from quantumledger import Client
from quantumledger.cli.main import cli
from quantumledger.examples import ghz_bundle

from tests.fixtures import Stack, Tenant

__all__ = ["Ran", "blocking", "ghz", "ql", "sdk"]

T = TypeVar("T")


async def blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking SDK or CLI call off the event loop the stack serves from."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def sdk(stack: Stack, tenant: Tenant | str | None, **options: Any) -> Client:
    """A client of the stack with the tenant's key (or this key; ``None``: no credential at all)."""
    key = tenant.api_key if isinstance(tenant, Tenant) else tenant
    return Client(stack.base_url, key or "", **options)


def ghz(n: int = 3, seed: int = 1234, backend: str = "kyiv") -> dict[str, Any]:
    """A real capture: GHZ-n on a real IBM device's calibration, simulated with its noise."""
    return ghz_bundle(n, backend=backend, seed=seed)


@dataclass(frozen=True)
class Ran:
    """A finished ``ql``: its exit code and what it printed (the in-process stack's log lines,
    which land on the same captured stdout, left out)."""

    exit_code: int
    stdout: str
    stderr: str


# a log record of the stack (one line), wherever another thread's write put it
_LOG_RECORD = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[\s*[a-z]+\s*\][^\n]*\n?")


def _own(text: str) -> str:
    return _LOG_RECORD.sub("", text)


def ql(stack: Stack, tenant: Tenant | None, *args: str, home: Path, stdin: str | None = None) -> Ran:
    """``ql ARGS`` as a user runs it: QL_URL, QL_TOKEN (unless None), a config folder of its own."""
    env = {
        "QL_URL": stack.base_url,
        "QL_TOKEN": tenant.api_key if tenant else None,
        "QL_HOME": str(home / "qlhome"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "QL_CONFIG_DIR": None,
    }
    result: Result = CliRunner().invoke(cli, list(args), env=env, input=stdin, catch_exceptions=False)
    return Ran(result.exit_code, _own(result.stdout), _own(result.stderr))
