"""What the card service reads from a run document: the few members a card shows or scores.

``run.ingested`` carries the document as RFC 8785 canonical JSON without ``run_hash``
(~75 KB with a 127-qubit calibration). Decoding it into these Structs makes msgspec skip the
calibration tables and the transpiled circuit without building them, so the projection pays
microseconds a run; ``hash_verified`` is a BLAKE3 of the very bytes that were hashed.
"""

from __future__ import annotations

import re
from typing import Any

import blake3
import msgspec
from qlprov.document import is_simulated_reproduction

from services.card.domain.model import RunSummary
from services.card.domain.programs import program_hash

__all__ = ["RunFacts", "decode_facts", "hash_matches", "ran_on_simulator"]


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
    seed_simulator: int | None = None


class _Lineage(msgspec.Struct):
    reproduction_of: str | None = None


class _Results(msgspec.Struct):
    counts: dict[str, int]


class _Document(msgspec.Struct):
    created_at: str
    program: _Program
    backend: _Backend
    calibration: _Calibration
    execution: _Execution
    results: _Results
    lineage: _Lineage | None = None
    reproduction: Any = None  # the reproduce service's record of a drift simulation (any JSON: an extra member)


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
    on_simulator: bool = False
    """Simulated, not run on hardware (:func:`ran_on_simulator`)."""

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
        on_simulator=ran_on_simulator(
            d.backend.provider,
            d.backend.name,
            d.execution.seed_simulator,
            reproduction_of=d.lineage.reproduction_of if d.lineage else None,
            has_reproduction_record=isinstance(d.reproduction, dict),
        ),
    )


_SIMULATOR_PROVIDERS = frozenset({"aer", "qiskit_aer", "qiskit-aer", "cirq", "simulator", "local"})
_SIMULATOR_NAME = re.compile(r"(?:^|[_.\-])(?:fake|sim|simulator|aer|statevector|qasm_simulator)(?:$|[_.\-])|simulator")


def ran_on_simulator(
    provider: str,
    name: str,
    seed_simulator: int | None,
    *,
    reproduction_of: str | None = None,
    has_reproduction_record: bool = False,
) -> bool:
    """Whether a run was simulated rather than run on a device: a simulator seed, a simulated
    reproduction (``qlprov.document.is_simulated_reproduction``), or a simulator's provider or name
    (``aer``, ``fake_*``, ``*simulator*``). A run on hardware records none of these."""
    if seed_simulator is not None or is_simulated_reproduction(
        reproduction_of, seed_simulator, has_reproduction_record=has_reproduction_record
    ):
        return True
    return provider.lower() in _SIMULATOR_PROVIDERS or _SIMULATOR_NAME.search(name.lower()) is not None


def hash_matches(canonical_body: bytes, run_hash: str) -> bool:
    """Does the canonical document (without ``run_hash``) hash to ``run_hash``?"""
    return blake3.blake3(canonical_body).hexdigest() == run_hash
