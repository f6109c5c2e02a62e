"""The evidence, downloaded to a file and verified as it streams, on a scripted server.

What each test would catch: a download held in memory or left half-written under its name; a
retry that appends to the bytes of a failed attempt; a body that is not what the ledger
announced accepted; ``verify_offline(fetch_evidence=True)`` trusting the ledger instead of the
signature, or fetching evidence for an envelope that does not verify; the async client doing
less than the sync one.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from nacl.signing import SigningKey
from qlprov import attest as q
from quantumledger import AsyncClient, Client, VerificationError
from quantumledger.attest import verify_attestation

from tests.unit.sdk.fake import Script, problem, reply

ATT = "01JATT"
EVIDENCE = f"/api/v1/attestations/{ATT}/evidence"


class Key:
    """A ``qlprov.attest.Signer`` of the tests' own."""

    def __init__(self, seed: bytes) -> None:
        self._key = SigningKey(seed)
        self.jwk = q.public_jwk(bytes(self._key.verify_key))

    @property
    def keyid(self) -> str:
        return self.jwk.kid

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message).signature


KEY = Key(bytes(range(32)))
JWKS = {"keys": [msgspec.to_builtins(KEY.jwk)]}


def _items(n: int) -> list[dict[str, Any]]:
    items = []
    for i in range(n):
        item = {
            "id": f"RB-1/run:{i:06d}",
            "control_id": "RB-1",
            "subject": {"kind": "run", "id": f"{i:06d}"},
            "outcome": "pass" if i % 5 else "fail",
            "facts": {"python": "3.11.9", "n": i},
        }
        items.append({**item, "digest": q.evidence_digest(item)})
    return items


def signed(n: int = 2500) -> tuple[dict[str, Any], bytes]:
    """An attestation over ``n`` items (three pages) and its bundle, made with qlprov alone."""
    items = _items(n)
    bundle = q.evidence_bundle(items)
    statement = q.Statement(
        subject=[q.ResourceDescriptor(name=q.subject_name("ws_1", "fw", "1.0.0"), digest=q.bundle_digest(items))],
        predicate=q.CompliancePredicate(
            attestation_id=ATT,
            issuer="https://ledger.test",
            framework=q.FrameworkRef(id="fw", version="1.0.0", digest="0" * 64),
            workspace=q.WorkspaceRef(id="ws_1"),
            status="failing",
            controls=[],
            evidence_root=q.evidence_root(items),
            evidence_tree=q.EvidenceTree(size=n),
            result_digest="0" * 64,
            evaluated_at="2025-03-01T12:00:00Z",
        ),
    )
    envelope = q.sign_envelope(q.canonical_json(statement), q.PAYLOAD_TYPE, KEY)
    return msgspec.to_builtins(envelope), bundle


class Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body in pieces for either client; ``break_after``: the connection drops after that many."""

    def __init__(self, body: bytes, pieces: int, break_after: int | None) -> None:
        size = -(-len(body) // pieces)
        self._parts = [body[i : i + size] for i in range(0, len(body), size)]
        self._break = break_after

    def __iter__(self) -> Iterator[bytes]:
        for i, part in enumerate(self._parts):
            if i == self._break:
                raise httpx.ReadError("connection reset")
            yield part

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self:
            yield part


def served(
    bundle: bytes, *, pieces: int = 7, break_after: int | None = None, announced: bytes | None = None
) -> httpx.Response:
    """The bundle as the gateway streams it, its sha256 announced in ``ETag`` and ``Repr-Digest``
    (of ``announced`` when given: a body that is not the one announced)."""
    digest = hashlib.sha256(bundle if announced is None else announced).digest()
    headers = {
        "Content-Type": "application/json",
        "ETag": f'"sha256-{digest.hex()}"',
        "Repr-Digest": f"sha-256=:{base64.b64encode(digest).decode()}:",
        "X-Evidence-Count": "2500",
        "X-Evidence-Pages": "3",
    }
    return httpx.Response(200, stream=Pieces(bundle, pieces, break_after), headers=headers)


def test_the_bundle_is_streamed_to_the_file_and_verifies_offline(script: Script, ql: Client, tmp_path: Path) -> None:
    envelope, bundle = signed()
    script.on("GET", EVIDENCE, served(bundle))
    target = tmp_path / "evidence.json"
    got = ql.attestations.download_evidence(ATT, target)
    assert target.read_bytes() == bundle and list(tmp_path.iterdir()) == [target]  # no temporary left
    assert (got.bytes, got.sha256, got.count, got.pages, got.path) == (
        len(bundle),
        hashlib.sha256(bundle).hexdigest(),
        2500,
        3,
        str(target),
    )
    v = verify_attestation(envelope, JWKS, evidence=target)
    assert v.valid and v.evidence_checked and v.offline, v.errors


def test_a_broken_download_is_retried_from_the_start_and_a_wrong_one_never_lands(
    script: Script, ql: Client, tmp_path: Path
) -> None:
    _, bundle = signed()
    target = tmp_path / "evidence.json"
    script.on("GET", EVIDENCE, problem(503, "unavailable"), served(bundle, break_after=3), served(bundle))
    ql.attestations.download_evidence(ATT, target)
    assert target.read_bytes() == bundle and len(script.sent("GET", EVIDENCE)) == 3

    script.routes[("GET", EVIDENCE)] = [served(bundle[:-1] + b" ", announced=bundle)]
    with pytest.raises(VerificationError, match="not what the ledger sent"):
        ql.attestations.download_evidence(ATT, tmp_path / "other.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence.json"]


def test_a_page_goes_to_a_file_object(script: Script, ql: Client) -> None:
    _, bundle = signed()
    page = bundle[:5000]
    headers = {"ETag": f'"sha256-{hashlib.sha256(page).hexdigest()}"', "X-Evidence-Pages": "3"}
    script.on("GET", EVIDENCE, httpx.Response(200, content=page, headers=headers))
    out = io.BytesIO()
    got = ql.attestations.download_evidence(ATT, out, page=1)
    assert out.getvalue() == page and got.page == 1 and got.path is None
    assert script.sent("GET", EVIDENCE)[0].url.params["page"] == "1"


def test_fetched_evidence_is_checked_as_it_streams(script: Script, ql: Client) -> None:
    envelope, bundle = signed()
    script.on("GET", q.JWKS_PATH, reply(200, JWKS))
    script.on("GET", EVIDENCE, served(bundle, pieces=40))
    v = ql.attestations.verify_offline(envelope, fetch_evidence=True)
    assert v.valid and v.evidence_checked and v.offline and not v.revocation_checked, v.errors

    items = msgspec.json.decode(bundle)
    items[2100]["outcome"] = "fail" if items[2100]["outcome"] == "pass" else "pass"
    script.routes[("GET", EVIDENCE)] = [served(q.canonical_json(items))]
    bad = ql.attestations.verify_offline({"envelope": envelope, "evidence": {"count": 2500}}, fetch_evidence=True)
    assert bad.signature_valid and not bad.valid
    assert f"evidence {items[2100]['id']}: content does not match its digest" in bad.errors


def test_no_evidence_is_fetched_for_an_envelope_that_does_not_verify(script: Script, ql: Client) -> None:
    envelope, bundle = signed()
    stranger = Key(bytes(32))
    script.on("GET", q.JWKS_PATH, reply(200, {"keys": [msgspec.to_builtins(stranger.jwk)]}))
    script.on("GET", EVIDENCE, served(bundle))
    v = ql.attestations.verify_offline(envelope, fetch_evidence=True)
    assert not v.valid and not v.signature_valid and not v.evidence_checked
    assert f"no published key has the kid {KEY.keyid!r}" in v.errors[0]
    assert script.sent("GET", EVIDENCE) == []


async def test_async_download_and_streamed_verification(script: Script, aql: AsyncClient, tmp_path: Path) -> None:
    envelope, bundle = signed()
    script.on("GET", q.JWKS_PATH, reply(200, JWKS))
    script.on("GET", EVIDENCE, served(bundle, break_after=2), served(bundle))
    got = await aql.attestations.download_evidence(ATT, tmp_path / "ev.json")
    assert (tmp_path / "ev.json").read_bytes() == bundle and got.bytes == len(bundle)
    script.routes[("GET", EVIDENCE)] = [served(bundle)]
    v = await aql.attestations.verify_offline(envelope, fetch_evidence=True)
    assert v.valid and v.evidence_checked, v.errors
