"""Which events make leaves, and the entry each makes: pure, from the event alone."""

from __future__ import annotations

import hashlib
from typing import Any

import blake3
import msgspec
import pytest
from qlcore.events.attestation import AttestationIssued, AttestationRevoked
from qlcore.events.cards import CardPublished, ReproductionSubmitted
from qlcore.events.runs import RunIngested
from qlprov.tlog.documents import (
    attestation_document,
    card_document_from_view,
    reproduction_document_from_view,
)
from qlprov.tlog.entry import EntryKind, parse_entry

from services.tlog.domain.leaves import (
    LeafError,
    attestation_leaf,
    card_leaf,
    reproduction_leaf,
    revocation_leaf,
    run_leaf,
)

ENV: dict[str, Any] = {"workspace_id": "ws_1", "actor": "api_key:k", "correlation_id": "c"}


def card_event(**changes: Any) -> CardPublished:
    fields: dict[str, Any] = {
        "event_id": "e1",
        "occurred_at": "2026-05-01T12:00:00.250000Z",
        "concept_id": "cpt",
        "version_id": "ver1",
        "card_version": 1,
        "slug": "bell-ibm-kyiv",
        "run_id": "run1",
        "run_hash": "ab" * 32,
        "title": "Bell",
        "authors": [{"name": "Zoë", "orcid": "0000-0002-1825-0097"}, {"name": "李雷"}],
        "license": "CC-BY-4.0",
        "abstract": None,
        "keywords": ["bell"],
        "published_at": "2026-05-01T12:00:00Z",
    }
    return CardPublished(**ENV, **{**fields, **changes})


def test_a_card_version_entry_commits_to_what_the_card_json_shows() -> None:
    e = card_event()
    entry = parse_entry(card_leaf(e).data)
    assert (entry.kind, entry.subject, entry.time) == (
        EntryKind.CARD_PUBLISHED,
        "bell-ibm-kyiv",
        "2026-05-01T12:00:00.25Z",
    )
    shown = {  # the public card JSON's members (services.card.domain.views.CardView)
        "slug": e.slug,
        "concept_id": e.concept_id,
        "version_id": e.version_id,
        "version": 1,
        "title": e.title,
        "authors": e.authors,
        "abstract": None,
        "license": e.license,
        "license_url": "https://spdx.org/licenses/CC-BY-4.0.html",
        "keywords": ["bell"],
        "published_at": e.published_at,
        "first_published_at": e.published_at,
        "run": {"run_id": "run1", "run_hash": e.run_hash, "shots": 1024},
        "reproductions": {"count": 0},
    }
    assert entry.matches(card_document_from_view(shown))
    assert not entry.matches(card_document_from_view({**shown, "title": "Bell!"}))
    assert not entry.matches(card_document_from_view({**shown, "run": {"run_hash": "cd" * 32}}))
    assert card_leaf(card_event(version_id="ver2")).data != card_leaf(e).data


def test_a_reproduction_entry_is_what_the_card_lists() -> None:
    e = ReproductionSubmitted(
        **ENV,
        event_id="e2",
        occurred_at="2026-05-02T00:00:00Z",
        reproduction_id="rep1",
        concept_id="cpt",
        slug="bell-ibm-kyiv",
        run_id="run2",
        run_hash="cd" * 32,
        hellinger_fidelity=0.9871234567,
        noise_floor=1e-7,
        verdict="reproduced",
        backend_provider="ibm",
        backend_name="ibm_brisbane",
        shots=4096,
    )
    entry = parse_entry(reproduction_leaf(e).data)
    item = {
        "reproduction_id": "rep1",
        "run_hash": "cd" * 32,
        "backend": "ibm/ibm_brisbane",
        "shots": 4096,
        "hellinger_fidelity": 0.9871234567,
        "noise_floor": 1e-7,
        "verdict": "reproduced",
        "submitted_at": "2026-05-02T00:00:00Z",
    }
    assert entry.subject == "rep1" and entry.matches(reproduction_document_from_view("bell-ibm-kyiv", item))
    assert not entry.matches(reproduction_document_from_view("bell-ibm-kyiv", {**item, "verdict": "drifted"}))


def test_issuance_and_revocation_commit_to_the_envelope() -> None:
    envelope = {
        "payload": "e30=",
        "payloadType": "application/vnd.in-toto+json",
        "signatures": [{"keyid": "k", "sig": "c2ln"}],
    }
    issued = AttestationIssued(
        **ENV,
        event_id="e3",
        occurred_at="2026-05-03T00:00:00Z",
        attestation_id="att1",
        framework_id="fw",
        framework_version="1.0.0",
        evidence_root="00",
        keyid="k",
        envelope=envelope,
    )
    i = parse_entry(attestation_leaf(issued).data)
    assert i.matches(attestation_document(envelope))
    revoked = AttestationRevoked(
        **ENV, event_id="e4", occurred_at="2026-06-01T00:00:00Z", attestation_id="att1", reason="x"
    )
    r = parse_entry(revocation_leaf(revoked, i).data)
    assert (r.kind, r.subject, r.time, r.sha256) == (
        EntryKind.ATTESTATION_REVOKED,
        "att1",
        "2026-06-01T00:00:00Z",
        i.sha256,
    )
    with pytest.raises(LeafError):  # the issuance of another attestation
        revocation_leaf(msgspec.structs.replace(revoked, attestation_id="att2"), i)
    with pytest.raises(LeafError):
        attestation_leaf(msgspec.structs.replace(issued, envelope={"nope": 1}))


def test_a_committed_run_names_its_hash_not_its_id() -> None:
    document = b'{"schema":"qlprov/run/1.0"}'
    e = RunIngested(
        **ENV,
        event_id="e6",
        occurred_at="2026-05-04T00:00:00Z",
        run_id="run-private-id",
        run_hash=blake3.blake3(document).hexdigest(),
        head=b"{}",
        received_at="2026-05-04T00:00:00Z",
        document_seq=1,
    )
    leaf = run_leaf(e, document)
    entry = parse_entry(leaf.data)
    assert entry.subject == e.run_hash and b"run-private-id" not in leaf.data and leaf.ref == "run-private-id"
    assert entry.sha256 == hashlib.sha256(document).hexdigest()
    with pytest.raises(LeafError):
        run_leaf(e, document + b" ")


def test_an_event_time_without_a_zone_is_refused() -> None:
    with pytest.raises(LeafError):
        card_leaf(card_event(occurred_at="2026-05-01T12:00:00"))
