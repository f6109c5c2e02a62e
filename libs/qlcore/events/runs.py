"""Events of the run log's core: runs entering the ledger."""

from __future__ import annotations

import msgspec

from qlcore.events.envelope import Event

__all__ = ["RunIngested"]


class RunIngested(Event, frozen=True, tag="run.ingested"):
    """A run document was accepted into a workspace; ``run_hash`` is the BLAKE3 of its canonical JSON.

    The whole document, RFC 8785 canonical JSON without ``run_hash``, is the run log's entry at
    ``document_seq`` (on the ``{namespace}.doc.run`` subject, appended just before this event).
    ``head`` is the canonical JSON of the document without the calibration's ``qubits`` and
    ``gates`` tables (``qlprov.document.document_head``): ~1.5 KB instead of ~75 KB for a 127-qubit
    device, so the read models that never look at those tables do not receive them
    (``docs/decisions/0008-run-ingested-carries-the-head.md``). ``qlcore.runlog.document_of``
    reads the whole document back.
    """

    run_id: str
    run_hash: str
    head: msgspec.Raw
    received_at: str
    document_seq: int
