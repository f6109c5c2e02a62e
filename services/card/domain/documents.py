"""What the card service reads from a run document: the few members a card shows or scores.

``run.ingested`` carries the document as RFC 8785 canonical JSON without ``run_hash``
(~75 KB with a 127-qubit calibration). Decoding it into these Structs makes msgspec skip the
calibration tables and the transpiled circuit without building them, so the projection pays
microseconds a run; ``hash_verified`` is a BLAKE3 of the very bytes that were hashed.
"""

from __future__ import annotations

import blake3
import msgspec

from services.card.domain.model import RunSummary
from services.card.domain.programs import program_hash

__all__ = ["RunFacts", "decode_facts", "hash_matches"]


class _Program(msgspec.Struct):
    name: str
    source: str


class _Backend(msgspec.Struct):
    provider: str
    name: str
    num_qubits: int


class _Calibration(msgspec.Struct):
    taken_at: str


class _Execution(msgspec.Struct):
    shots: int
    status: str


class _Results(msgspec.Struct):
    counts: dict[str, int]


class _Document(msgspec.Struct):
    created_at: str
    program: _Program
    backend: _Backend
    calibration: _Calibration
    execution: _Execution
    results: _Results


_decoder = msgspec.json.Decoder(_Document)


class RunFacts(msgspec.Struct, frozen=True):
    """A run as the card read model keeps it (the ``runs`` table, less its document bytes)."""

    program_name: str
    program_hash: str
    backend_provider: str
    backend_name: str
    num_qubits: int
    shots: int
    calibration_taken_at: str
    created_at: str
    status: str
    counts: dict[str, int]

    def summary(self, run_id: str, run_hash: str, hash_verified: bool) -> RunSummary:
        return RunSummary(
            run_id=run_id,
            run_hash=run_hash,
            hash_verified=hash_verified,
            program_name=self.program_name,
            program_hash=self.program_hash,
            backend_provider=self.backend_provider,
            backend_name=self.backend_name,
            num_qubits=self.num_qubits,
            shots=self.shots,
            calibration_taken_at=self.calibration_taken_at,
            created_at=self.created_at,
            status=self.status,
        )


def decode_facts(document: bytes) -> RunFacts:
    """The card's view of a run document (raises ``msgspec.ValidationError``/``DecodeError``)."""
    d = _decoder.decode(document)
    return RunFacts(
        program_name=d.program.name,
        program_hash=program_hash(d.program.source),
        backend_provider=d.backend.provider,
        backend_name=d.backend.name,
        num_qubits=d.backend.num_qubits,
        shots=d.execution.shots,
        calibration_taken_at=d.calibration.taken_at,
        created_at=d.created_at,
        status=d.execution.status,
        counts=d.results.counts,
    )


def hash_matches(canonical_body: bytes, run_hash: str) -> bool:
    """Does the canonical document (without ``run_hash``) hash to ``run_hash``?"""
    return blake3.blake3(canonical_body).hexdigest() == run_hash
