"""The exact bytes each kind of log entry publishes, so that anyone can rebuild them and compare.

An entry (:mod:`qlprov.tlog.entry`) carries the BLAKE3 and SHA-256 of one document. For the
check to mean anything outside the ledger, a reader holding what the ledger showed them (the
card JSON, the attestation JSON, their own run) must be able to rebuild those bytes without the
server. Each document is therefore the RFC 8785 (JCS) canonical JSON of values the public JSON
already shows, built the same way by the log service (from the events) and by a verifier (from
the JSON it was given):

=============================  ================================================================
``card_published``             :func:`card_version_document`: a card version's metadata and the
                               ``run_hash`` of its run (so the entry commits to both)
``reproduction_independent``   :func:`reproduction_document`: one independent reproduction as
                               the card lists it (its run's ``run_hash``, score and verdict)
``attestation_issued``,        :func:`attestation_document`: the DSSE envelope, canonical JSON
``attestation_revoked``        (the revocation entry names the envelope it revokes, at its time)
``run_committed``              the run document's canonical JSON without ``run_hash``, whose
                               BLAKE3 is the ``run_hash`` (``qlprov.hashing.canonical_body``)
=============================  ================================================================

A ``type`` member names each record we define, so that no other JSON can be mistaken for it.
The values contain strings, integers, ``null`` and (reproductions) two floats; JCS writes a float
as ECMAScript does, so a browser's ``JSON.stringify`` over keys sorted by UTF-16 code units gives
the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from qlprov.canonical import canonicalize

__all__ = [
    "CARD_VERSION_TYPE",
    "REPRODUCTION_TYPE",
    "attestation_document",
    "card_document_from_view",
    "card_version_document",
    "reproduction_document",
    "reproduction_document_from_view",
]

CARD_VERSION_TYPE = "qlog/card-version/1"
REPRODUCTION_TYPE = "qlog/reproduction/1"


def card_version_document(
    *,
    slug: str,
    concept_id: str,
    version_id: str,
    version: int,
    title: str,
    authors: Sequence[Mapping[str, Any]],
    abstract: str | None,
    license: str,
    keywords: Sequence[str],
    published_at: str,
    run_hash: str,
) -> bytes:
    """The canonical JSON of one published card version (``card_published`` entries)."""
    return canonicalize(
        {
            "type": CARD_VERSION_TYPE,
            "slug": slug,
            "concept_id": concept_id,
            "version_id": version_id,
            "version": version,
            "title": title,
            "authors": [dict(a) for a in authors],
            "abstract": abstract,
            "license": license,
            "keywords": list(keywords),
            "published_at": published_at,
            "run_hash": run_hash,
        }
    )


def card_document_from_view(card: Mapping[str, Any]) -> bytes:
    """The same bytes, rebuilt from the public card JSON (``GET /api/v1/cards/{slug}``).

    ``KeyError``/``TypeError`` when the JSON lacks a member the document needs.
    """
    return card_version_document(
        slug=card["slug"],
        concept_id=card["concept_id"],
        version_id=card["version_id"],
        version=card["version"],
        title=card["title"],
        authors=card["authors"],
        abstract=card.get("abstract"),
        license=card["license"],
        keywords=card["keywords"],
        published_at=card["published_at"],
        run_hash=card["run"]["run_hash"],
    )


def reproduction_document(
    *,
    slug: str,
    reproduction_id: str,
    run_hash: str,
    backend: str,
    shots: int,
    hellinger_fidelity: float,
    noise_floor: float,
    verdict: str,
    submitted_at: str,
) -> bytes:
    """The canonical JSON of one independent reproduction of card ``slug``."""
    return canonicalize(
        {
            "type": REPRODUCTION_TYPE,
            "slug": slug,
            "reproduction_id": reproduction_id,
            "run_hash": run_hash,
            "backend": backend,
            "shots": shots,
            "hellinger_fidelity": hellinger_fidelity,
            "noise_floor": noise_floor,
            "verdict": verdict,
            "submitted_at": submitted_at,
        }
    )


def reproduction_document_from_view(slug: str, item: Mapping[str, Any]) -> bytes:
    """The same bytes from one item of a card JSON's ``reproduction_list``."""
    return reproduction_document(
        slug=slug,
        reproduction_id=item["reproduction_id"],
        run_hash=item["run_hash"],
        backend=item["backend"],
        shots=item["shots"],
        hellinger_fidelity=item["hellinger_fidelity"],
        noise_floor=item["noise_floor"],
        verdict=item["verdict"],
        submitted_at=item["submitted_at"],
    )


def attestation_document(envelope: Mapping[str, Any]) -> bytes:
    """The canonical JSON of a DSSE envelope (``payload``, ``payloadType``, ``signatures``)."""
    if not isinstance(envelope, Mapping) or not isinstance(envelope.get("payload"), str):
        raise TypeError("a DSSE envelope is a JSON object with a payload")
    return canonicalize(dict(envelope))
