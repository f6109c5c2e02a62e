"""Which events become leaves of the public log, and the entry each one makes (pure).

One leaf is one public fact (``qlog/entry/1``, :mod:`qlprov.tlog.entry`), made from one event
and nothing but the event (and, for a revocation, the entry of what it revokes), so a replay
makes the same leaves in the same order:

========================================  ===============================  =========================
event                                     entry kind, subject              document
========================================  ===============================  =========================
``card.published`` (a new version)        ``card_published``, slug         the card version record
``card.reproduction_submitted``           ``reproduction_independent``,    the reproduction record
(from another workspace than the card's)  reproduction id
``attestation.issued``                    ``attestation_issued``, id       the DSSE envelope
``attestation.revoked``                   ``attestation_revoked``, id      the same envelope
``run.ingested`` (workspace opted in)     ``run_committed``, ``run_hash``  the run's canonical JSON
========================================  ===============================  =========================

Documents are built by ``qlprov.tlog.documents``. The entry's time is the event's
``occurred_at``. A committed run is named by its ``run_hash``, not its id: the commitment says
that this content existed then, and nothing about who holds it. ``ref`` says what makes the
fact unique (a card version id, an attestation id...): a fact already logged (a card restored
without a change appends ``card.published`` again with the same version) is not logged twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import blake3
from qlcore.events.attestation import AttestationIssued, AttestationRevoked
from qlcore.events.cards import CardPublished, ReproductionSubmitted
from qlcore.events.runs import RunIngested
from qlprov.tlog.documents import attestation_document, card_version_document, reproduction_document
from qlprov.tlog.entry import Entry, EntryKind, format_time
from qlprov.tlog.merkle import leaf_hash

__all__ = [
    "Leaf",
    "LeafError",
    "attestation_leaf",
    "card_leaf",
    "reproduction_leaf",
    "revocation_leaf",
    "run_leaf",
]


class LeafError(ValueError):
    """An event that should make a leaf but cannot (the projection raises it: dead letter)."""


@dataclass(frozen=True, slots=True)
class Leaf:
    """One entry to append: its kind, subject, what makes it unique, and its bytes."""

    kind: EntryKind
    subject: str
    ref: str
    data: bytes

    @property
    def hash(self) -> bytes:
        return leaf_hash(self.data)


def _time(occurred_at: str) -> datetime:
    try:
        t = datetime.fromisoformat(occurred_at)
    except ValueError as exc:
        raise LeafError(f"the event time {occurred_at!r} is not RFC 3339") from exc
    if t.tzinfo is None:
        raise LeafError(f"the event time {occurred_at!r} has no time zone")
    return t


def _leaf(kind: EntryKind, subject: str, ref: str, when: str, document: bytes) -> Leaf:
    entry = Entry.for_document(kind, subject, _time(when), document)
    return Leaf(kind, subject, ref, entry.encode())


def card_leaf(e: CardPublished) -> Leaf:
    document = card_version_document(
        slug=e.slug,
        concept_id=e.concept_id,
        version_id=e.version_id,
        version=e.card_version,
        title=e.title,
        authors=e.authors,
        abstract=e.abstract,
        license=e.license,
        keywords=e.keywords,
        published_at=e.published_at,
        run_hash=e.run_hash,
    )
    return _leaf(EntryKind.CARD_PUBLISHED, e.slug, e.version_id, e.occurred_at, document)


def reproduction_leaf(e: ReproductionSubmitted) -> Leaf:
    """An independent reproduction: the caller has checked that it came from another workspace."""
    document = reproduction_document(
        slug=e.slug,
        reproduction_id=e.reproduction_id,
        run_hash=e.run_hash,
        backend=f"{e.backend_provider}/{e.backend_name}",
        shots=e.shots,
        hellinger_fidelity=e.hellinger_fidelity,
        noise_floor=e.noise_floor,
        verdict=e.verdict,
        submitted_at=e.occurred_at,
    )
    kind = EntryKind.REPRODUCTION_INDEPENDENT
    return _leaf(kind, e.reproduction_id, e.reproduction_id, e.occurred_at, document)


def attestation_leaf(e: AttestationIssued) -> Leaf:
    try:
        document = attestation_document(e.envelope)
    except TypeError as exc:
        raise LeafError(f"attestation {e.attestation_id}: {exc}") from exc
    return _leaf(EntryKind.ATTESTATION_ISSUED, e.attestation_id, e.attestation_id, e.occurred_at, document)


def revocation_leaf(e: AttestationRevoked, issued: Entry) -> Leaf:
    """The revocation of the attestation whose issuance entry is ``issued``: same envelope digests."""
    if issued.kind is not EntryKind.ATTESTATION_ISSUED or issued.subject != e.attestation_id:
        raise LeafError(f"{issued.kind} {issued.subject} is not the issuance of {e.attestation_id}")
    entry = Entry(
        EntryKind.ATTESTATION_REVOKED, e.attestation_id, format_time(_time(e.occurred_at)), issued.blake3, issued.sha256
    )
    return Leaf(entry.kind, entry.subject, e.attestation_id, entry.encode())


def run_leaf(e: RunIngested, document: bytes) -> Leaf:
    """A run's commitment; ``document`` is its canonical JSON as the run log holds it."""
    if blake3.blake3(document).hexdigest() != e.run_hash:
        raise LeafError(f"the document of run {e.run_id} does not hash to its run_hash")
    return _leaf(EntryKind.RUN_COMMITTED, e.run_hash, e.run_id, e.occurred_at, document)
