"""How the operator commands reach a stack: settings from ``QL_*`` completed by the running
``make run`` stack's ``stack.json``, one RPC call, and who the operator is (for audit trails)."""

from __future__ import annotations

import asyncio
import getpass
import os
from pathlib import Path
from typing import Any

import click

__all__ = ["call", "operator", "settings"]


def settings() -> Any:
    """Settings from QL_* variables, completed by the running `make run` stack's stack.json."""
    from qlcore.config import load_settings
    from qlcore.stack import read_stack_file

    env = dict(os.environ)
    running = read_stack_file(Path(env.get("QL_HOME", ".ql")))
    for var, key in (("QL_NATS_URL", "nats_url"), ("QL_NAMESPACE", "namespace")):
        if var not in env and running.get(key):
            env[var] = running[key]
    return load_settings(env)


def call(service: str, op: str, body: Any = b"", timeout: float = 600.0) -> Any:
    """Call ``service``'s ``op`` and return its JSON reply; a problem or no answer is a ClickException."""
    import nats
    from qlcore import rpc
    from qlcore.errors import QLError

    s = settings()

    async def go() -> Any:
        nc = await nats.connect(s.nats_url, connect_timeout=3, max_reconnect_attempts=1)
        try:
            return await rpc.call(nc, s, service, op, body, timeout=timeout)
        finally:
            await nc.close()

    try:
        reply = asyncio.run(go())
    except QLError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot reach NATS at {s.nats_url}: {exc}") from exc
    if reply.status >= 400:
        raise click.ClickException(reply.body.decode(errors="replace"))
    return reply.json()


def operator() -> str:
    """Who runs the command, for the audit trail (``operator:<name>`` on the event)."""
    try:
        return os.environ.get("QL_OPERATOR") or getpass.getuser()
    except OSError:
        return "unknown"
