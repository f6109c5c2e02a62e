"""How the operator commands reach a stack: settings from ``QL_*`` completed by the running
``make run`` stack's ``stack.json`` (its NATS, namespace and credentials folder), a connection
as the ``operator`` NATS user, one RPC call, and who the operator is (for audit trails).

The operator's credential is ``QL_NATS_CREDENTIALS`` (its seed) or ``operator.nk`` in
``QL_NATS_CREDENTIALS_DIR``, else in the running stack's folder when talking to that stack."""

from __future__ import annotations

import asyncio
import getpass
import os
from pathlib import Path
from typing import Any

import click

__all__ = ["call", "connect", "operator", "settings"]


def settings() -> Any:
    """Settings from QL_* variables, completed by the running `make run` stack's stack.json."""
    from qlcore.config import load_settings
    from qlcore.stack import read_stack_file

    env = dict(os.environ)
    running = read_stack_file(Path(env.get("QL_HOME", ".ql")))
    same_server = env.get("QL_NATS_URL", running.get("nats_url")) == running.get("nats_url")
    own = "QL_NATS_CREDENTIALS" in env or "QL_NATS_CREDENTIALS_DIR" in env
    for var, key in (("QL_NATS_URL", "nats_url"), ("QL_NAMESPACE", "namespace")):
        if var not in env and running.get(key):
            env[var] = running[key]
    if same_server and not own and running.get("nats_credentials_dir"):
        env["QL_NATS_CREDENTIALS_DIR"] = running["nats_credentials_dir"]
    return load_settings(env)


async def connect(s: Any, **options: Any) -> Any:
    """A NATS connection as the operator."""
    from qlcore.bus import connect_nats
    from qlcore.busauth import OPERATOR

    return await connect_nats(s, "ql-ops", user=OPERATOR, **options)


def call(service: str, op: str, body: Any = b"", timeout: float = 600.0) -> Any:
    """Call ``service``'s ``op`` and return its JSON reply; a problem or no answer is a ClickException."""
    from qlcore import rpc
    from qlcore.busauth import CredentialError
    from qlcore.errors import QLError

    s = settings()

    async def go() -> Any:
        nc = await connect(s, connect_timeout=3, max_reconnect_attempts=1)
        try:
            return await rpc.call(nc, s, service, op, body, timeout=timeout)
        finally:
            await nc.close()

    try:
        reply = asyncio.run(go())
    except (QLError, CredentialError) as exc:
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
