"""Events of the run log's core: runs entering the ledger."""

from __future__ import annotations

import msgspec

from qlcore.events.envelope import Event

__all__ = ["RunIngested"]


class RunIngested(Event, frozen=True, tag="run.ingested"):
    """A run document was accepted into a workspace; ``run_hash`` is the BLAKE3 of its canonical JSON.

    The whole document, RFC 8785 canonical JSON without ``run_hash``, is in the run log:

    * with ``document_seq`` (what ingest writes): the document is the log entry at that sequence,
      on the ``{namespace}.doc.run`` subject, appended just before this event; ``document`` is its
      *head*, the canonical JSON of the document without the calibration's ``qubits`` and
      ``gates`` tables (``qlprov.document.document_head``): ~1.5 KB instead of ~75 KB for a
      127-qubit device, so the read models that never look at those tables do not receive them;
    * without it: ``document`` is the whole document.

    ``qlcore.runlog.document_at`` returns the whole document in either case.
    """

    run_id: str
    run_hash: str
    document: msgspec.Raw
    received_at: str
    document_seq: int | None = None
