"""What every ``ql`` command shares: the client from the global options, exit codes, errors
turned into messages, and output (tables for people, ``--json`` for programs)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import click
import msgspec

from quantumledger.client import Client
from quantumledger.errors import (
    APIError,
    AuthError,
    ConnectionFailedError,
    NotFoundError,
    PlanError,
    QuantumLedgerError,
    UnauthenticatedError,
    UnavailableError,
    VerificationError,
    WaitTimeoutError,
)

__all__ = [
    "EXIT_AUTH",
    "EXIT_CODES_HELP",
    "EXIT_FAILED",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_UNAVAILABLE",
    "EXIT_USAGE",
    "EXIT_VERIFY",
    "CommandFailed",
    "client",
    "echo_json",
    "failure",
    "json_option",
    "table",
]

EXIT_OK = 0
EXIT_FAILED = 1  # the operation failed: the server refused it, or some bundles of an ingest
EXIT_USAGE = 2  # a usage error (click's own code)
EXIT_VERIFY = 3  # verification failed: a document's hash, an attestation's signature or evidence
EXIT_AUTH = 4  # not authenticated (401), not allowed (403) or not in the plan (402)
EXIT_NOT_FOUND = 5  # no such resource (404), or withdrawn (410)
EXIT_UNAVAILABLE = 6  # the server could not be reached, stayed unavailable (503) or a wait ran out

EXIT_CODES_HELP = """\b
Exit codes:
  0  success
  1  the operation failed (the server refused it; some bundles did not ingest)
  2  usage error (unknown option, missing argument)
  3  verification failed (a run_hash, an attestation's signature or evidence)
  4  authentication or permission: 401, 403, or 402 (the plan lacks it)
  5  not found (404) or withdrawn (410)
  6  server unreachable or unavailable (503), or a wait timed out
  130 interrupted (Ctrl-C)
"""

F = TypeVar("F", bound=Callable[..., Any])


class CommandFailed(click.ClickException):
    """A failure with its documented exit code and, where one helps, a hint."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED, hint: str | None = None) -> None:
        super().__init__(message + (f"\n  hint: {hint}" if hint else ""))
        self.exit_code = exit_code  # type: ignore[misc]  # click reads it when it exits


def failure(exc: QuantumLedgerError) -> CommandFailed:
    """The message and exit code for an SDK error."""
    if isinstance(exc, VerificationError):
        return CommandFailed(str(exc), EXIT_VERIFY)
    if isinstance(exc, ConnectionFailedError | WaitTimeoutError):
        return CommandFailed(str(exc), EXIT_UNAVAILABLE, "is the server running? (QL_URL, `make run`)")
    if not isinstance(exc, APIError):
        return CommandFailed(str(exc))
    hint = None
    if isinstance(exc, UnauthenticatedError):
        hint = "log in with `ql login`, or set QL_TOKEN to an API key"
    elif "scope" in exc.extensions:
        hint = f"the credential lacks the scope {exc.extensions['scope']!r}"
    elif isinstance(exc, PlanError) and "feature" in exc.extensions:
        hint = f"the org's plan lacks {exc.extensions['feature']!r}"
    code = EXIT_FAILED
    if isinstance(exc, AuthError | PlanError):
        code = EXIT_AUTH
    elif isinstance(exc, NotFoundError):
        code = EXIT_NOT_FOUND
    elif isinstance(exc, UnavailableError):
        code = EXIT_UNAVAILABLE
    return CommandFailed(str(exc), code, hint)


@contextmanager
def client(ctx: click.Context | None = None) -> Iterator[Client]:
    """A client from ``ql --url/--token`` (else the environment); SDK errors become exits."""
    ctx = ctx or click.get_current_context()
    opts = ctx.find_root().obj or {}
    try:
        with Client(opts.get("url"), opts.get("token")) as c:
            yield c
    except QuantumLedgerError as exc:
        raise failure(exc) from exc


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(f)


def echo_json(value: Any) -> None:
    """JSON on stdout: Structs and lists of them as plain JSON, non-ASCII kept."""
    click.echo(json.dumps(msgspec.to_builtins(value), indent=2, ensure_ascii=False))


def table(rows: Sequence[Sequence[Any]], header: Sequence[str], file: Any = None) -> None:
    """Columns aligned under a header; ``None`` shows as ``-``."""
    cells = [[("-" if v is None else str(v)) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(header)]
    out = file or sys.stdout
    for row in [list(header), *cells]:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip(), file=out)
