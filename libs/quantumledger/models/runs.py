"""Runs: ingest results and the run list."""

from __future__ import annotations

from typing import Any

from quantumledger.models._base import Model

__all__ = ["IngestResult", "RunSummary", "StreamResult"]


class IngestResult(Model, frozen=True, kw_only=True):
    """``deduplicated``: the ledger already held this ``run_hash`` (the same ``run_id`` again)."""

    run_id: str
    run_hash: str
    deduplicated: bool = False


class StreamResult(Model, frozen=True, kw_only=True):
    """The answer for one bundle of a streaming ingest: its 1-based position among the bundles
    given (``line``) and either the ingest result or ``error``, a problem document."""

    line: int
    run_id: str | None = None
    run_hash: str | None = None
    deduplicated: bool | None = None
    error: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class RunSummary(Model, frozen=True, kw_only=True):
    run_id: str
    backend: str
    shots: int
    status: str
    run_hash: str | None = None
    created_at: str | None = None
    program: str | None = None  # the program's name (servers before the web app: absent)
    reproduction_of: str | None = None  # the run this one reproduces, when it is a reproduction
    kind: str = "original"  # or "reproduction", or "simulated" (a simulated reproduction: listed only when asked for)
