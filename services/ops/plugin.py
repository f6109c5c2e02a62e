"""The server's commands for the SDK's ``ql`` (entry point group ``quantumledger.cli``)."""

from __future__ import annotations

import click

__all__ = ["register"]


def register(cli: click.Group) -> None:
    from services.ops.corpus import corpus
    from services.ops.dev import dev
    from services.ops.maintenance import admin, ops
    from services.ops.secrets import bus_secrets

    ops.add_command(bus_secrets)
    for command in (ops, admin, dev, corpus):
        cli.add_command(command)
