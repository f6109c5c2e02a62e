"""``ql dev run``: the whole stack in the foreground on the embedded default (``make run``)."""

from __future__ import annotations

import sys

import click

__all__ = ["dev"]


@click.group()
def dev() -> None:
    """Run QuantumLedger locally."""


@dev.command()
@click.option(
    "--cluster",
    is_flag=True,
    help="A 3-node JetStream cluster on loopback (streams and consumers at 3 replicas) and two processes "
    "of each service (`make run-cluster`).",
)
def run(cluster: bool) -> None:
    """Start NATS, PostgreSQL (embedded unless QL_NATS_URL/QL_DATABASE_URL are set), every service and
    the gateway on 127.0.0.1:$QL_PORT; data under $QL_HOME. A part that dies is restarted (after a
    backoff); one that keeps dying stops the stack, named. Ctrl-C stops all of it."""
    from qlcore.logging import configure_logging
    from qlcore.stack import StackSupervisor

    from services.registry import SERVICE_MODULE, SERVICES

    configure_logging("console", "warning")
    sup = StackSupervisor(services=SERVICES, module=SERVICE_MODULE, cluster=cluster)
    code = 1
    try:
        key = sup.start()
        home = sup.home
        url = sup.settings.base_url()
        key_note = f"dev API key (new): {key}" if key else f"dev API key: in {home}/dev-api-key"
        click.echo(
            f"\nQuantumLedger is up at {url}\n  {key_note}\n"
            f'  try: curl {url}/api/v1/me -H "Authorization: Bearer $(cat {home}/dev-api-key)"\n'
            "  Ctrl-C to stop.\n",
            err=True,
        )
        code = sup.wait()
    except RuntimeError as exc:
        click.echo(f"[ql] {exc}", err=True)
    finally:
        sup.stop()
    sys.exit(code)
