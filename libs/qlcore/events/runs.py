"""Events of the run log's core: runs entering the ledger."""

from __future__ import annotations

import msgspec

from qlcore.events.envelope import Event

__all__ = ["RunIngested"]


class RunIngested(Event, frozen=True, tag="run.ingested"):
    """A run document was accepted into a workspace.

    ``document`` is the RFC 8785 canonical JSON of the document without ``run_hash``
    (embedded as raw JSON, not re-encoded); ``run_hash`` is its BLAKE3.
    """

    run_id: str
    run_hash: str
    document: msgspec.Raw
    received_at: str
