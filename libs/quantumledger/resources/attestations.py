"""Attestations: issue (plan feature ``attestations``, ``attest:write``), list, read, download
their evidence, revoke, verify online (public), and verify here against the published keys.

``verify_offline`` asks the ledger for its JWKS (one public GET) and, with
``fetch_evidence=True``, streams the evidence bundle into the check (the owner's credential);
to verify with no network at all, pass a JWKS you hold to
:func:`quantumledger.attest.verify_attestation`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import msgspec
from qlprov.attest import JWKS_PATH, REVOCATIONS_PATH, Envelope, Jwks, decode_envelope, read_statement
from qlprov.attest import VerificationError as FormatError

from quantumledger._calls import Call, Page, Resource, decoded, endpoint, json_value, paginated, seg
from quantumledger._download import FileSink, check_announced
from quantumledger.attest import Evidence, EvidenceStream, load_attestation, verify_attestation, with_evidence
from quantumledger.errors import VerificationError
from quantumledger.models import (
    AttestationRecord,
    AttestationSummary,
    EvidenceDisclosure,
    EvidenceDownload,
    IssuedAttestation,
    Revoked,
    Verification,
)
from quantumledger.resources.compliance import ws_path

__all__ = ["AttestationLike", "Attestations", "EnvelopeLike"]

M = TypeVar("M")
EnvelopeLike = Envelope | Mapping[str, Any] | bytes | str
"""A DSSE envelope, parsed or as JSON (a signed revocation list is one too)."""
AttestationLike = EnvelopeLike | msgspec.Struct | Path
"""An envelope, what ``issue``/``get`` answered, or the file ``ql attest issue -o`` saved."""


def _page(r: httpx.Response) -> Page[AttestationSummary]:
    nxt = r.links.get("next", {}).get("url")
    cursor = parse_qs(urlsplit(nxt).query).get("cursor", [None])[0] if nxt else None
    return Page(decoded(list[AttestationSummary])(r), next_url=nxt, next_cursor=cursor)


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _evidence_path(attestation_id: str) -> str:
    return f"/api/v1/attestations/{seg(attestation_id)}/evidence"


class Attestations(Resource[M]):
    """Ed25519-signed attestations (an in-toto Statement in a DSSE envelope) over a workspace's
    compliance evidence; ``workspace`` defaults to the caller's own."""

    @endpoint
    def issue(self, framework_id: str, *, workspace: str | None = None) -> Call[IssuedAttestation]:
        """Sign an attestation over the enabled framework's evaluation of the current state.
        Not retried after a 503 (each request issues a new attestation); a 409 means the
        framework is not enabled for the workspace."""
        body = {"framework_id": framework_id}
        return Call(
            "POST", ws_path(workspace, "/attestations"), decoded(IssuedAttestation), body=body, idempotent=False
        )

    @endpoint
    def list(
        self, *, limit: int = 100, cursor: str | None = None, workspace: str | None = None
    ) -> Call[Page[AttestationSummary]]:
        """One page of the workspace's attestations, newest first; ``page.next_cursor`` fetches the next."""
        params = {"limit": limit, "cursor": cursor}
        return Call("GET", ws_path(workspace, "/attestations"), _page, params=params)

    @paginated
    def iter(self, *, limit: int = 100, workspace: str | None = None) -> Call[Page[AttestationSummary]]:
        """Every attestation of the workspace, newest first, page after page (``Link: rel=next``)."""
        return Call("GET", ws_path(workspace, "/attestations"), _page, params={"limit": limit})

    @endpoint
    def get(self, attestation_id: str) -> Call[AttestationRecord]:
        """One of your attestations: its envelope and how much evidence it has, with its digests
        and URL (the items are downloaded with :meth:`download_evidence`)."""
        return Call("GET", f"/api/v1/attestations/{seg(attestation_id)}", decoded(AttestationRecord))

    @endpoint
    def evidence(self, attestation_id: str, evidence_id: str) -> Call[EvidenceDisclosure]:
        """One evidence item and its inclusion proof under the signed root (to disclose one
        item without the others; check it with :func:`quantumledger.attest.verify_evidence_item`)."""
        path = f"/api/v1/attestations/{seg(attestation_id)}"
        return Call("GET", path, decoded(EvidenceDisclosure), params={"evidence_id": evidence_id})

    @endpoint
    def download_evidence(
        self, attestation_id: str, to: Path | str | IO[bytes], *, page: int | None = None
    ) -> Call[EvidenceDownload]:
        """Stream the evidence bundle (exactly the bytes the statement signs: 38 MB for a
        workspace of 20,000 runs) to a file, never holding it; ``page``: only that page of
        1,024 items. A path is written beside it and renamed when complete, after its sha256
        was checked against what the ledger announced (:class:`VerificationError` if not)."""
        sink = FileSink(Path(to) if isinstance(to, str | Path) else to)

        def saved(r: httpx.Response) -> EvidenceDownload:
            check_announced(r, sink)
            return EvidenceDownload(
                attestation_id=attestation_id,
                path=str(sink.target) if isinstance(sink.target, Path) else None,
                bytes=sink.bytes,
                sha256=sink.sha256,
                count=_int(r.headers.get("x-evidence-count")),
                pages=_int(r.headers.get("x-evidence-pages")),
                page=page,
            )

        return Call("GET", _evidence_path(attestation_id), saved, params={"page": page}, sink=sink)

    @endpoint
    def revoke(self, attestation_id: str, reason: str) -> Call[Revoked]:
        """Revoke with a reason; the first revocation stands (again: ``already_revoked``)."""
        path = f"/api/v1/attestations/{seg(attestation_id)}/revoke"
        return Call("POST", path, decoded(Revoked), body={"reason": reason}, idempotent=True)

    @endpoint
    def verify(self, attestation_id: str) -> Call[Verification]:
        """Ask the ledger: signature, evidence and revocation of a stored attestation (public)."""
        return Call("GET", f"/api/v1/attestations/{seg(attestation_id)}/verify", decoded(Verification))

    @endpoint
    def verify_envelope(self, envelope: AttestationLike) -> Call[Verification]:
        """Ask the ledger about an envelope you hold (its evidence and revocation from the ledger)."""
        body = {"envelope": msgspec.to_builtins(load_attestation(envelope)[0])}
        return Call("POST", "/api/v1/attestations/verify", decoded(Verification), body=body, idempotent=True)

    @endpoint
    def verify_offline(
        self,
        attestation: AttestationLike,
        *,
        evidence: Evidence | None = None,
        fetch_evidence: bool = False,
        revocations: EnvelopeLike | None = None,
    ) -> Call[Verification]:
        """Verify here: fetch the ledger's JWKS once, then check the signature and the statement
        and, with the evidence, every item's digest, the Merkle root and the subject digests.

        ``evidence``: the bundle (a file ``download_evidence`` wrote, or bytes) or the items.
        ``fetch_evidence=True``: the bundle is streamed from the ledger into the check as it
        arrives (your attestation: ``runs:read``); nothing is trusted from the ledger but bytes.
        Whether it was revoked is only known from a signed revocation list (``revocations``);
        without one, ``revocation_checked`` is false."""
        envelope = load_attestation(attestation)[0]

        def checked(r: httpx.Response) -> Verification:
            return verify_attestation(attestation, r.content, evidence=evidence, revocations=revocations)

        if not fetch_evidence:
            return Call("GET", JWKS_PATH, checked)
        if evidence is not None:
            raise ValueError("pass the evidence or fetch it, not both")
        try:
            statement = read_statement(envelope)  # which evidence to fetch; trusted once verified
        except FormatError as exc:
            raise VerificationError(str(exc)) from exc
        stream = EvidenceStream(statement)

        def signed(r: httpx.Response) -> Verification:
            return verify_attestation(envelope, r.content, revocations=revocations)

        def then(v: Verification) -> Call[Verification] | None:
            if not v.signature_valid or v.attestation_id is None:
                return None  # nothing signed to check the evidence against
            return Call(
                "GET", _evidence_path(v.attestation_id), lambda _: with_evidence(v, stream.errors()), sink=stream
            )

        return Call("GET", JWKS_PATH, signed, then=then)

    @endpoint
    def jwks(self) -> Call[Jwks]:
        """The published keys (RFC 8037 Ed25519 JWKS), the active one first."""
        return Call("GET", JWKS_PATH, decoded(Jwks))

    @endpoint
    def revocation_list(self) -> Call[Envelope]:
        """The signed list of every revocation (a DSSE envelope; pass it to ``verify_offline``)."""
        return Call("GET", REVOCATIONS_PATH, lambda r: decode_envelope(r.content))

    @endpoint
    def trust_center(
        self, org_slug: str, *, attestations_offset: int = 0, cards_offset: int = 0
    ) -> Call[dict[str, Any]]:
        """An org's public trust center: frameworks and status, and a page each of its
        attestations and published cards (``attestations_next``/``cards_next`` give the next
        offsets, ``attestations_total``/``cards_total`` how many there are)."""
        params = {"attestations_offset": attestations_offset or None, "cards_offset": cards_offset or None}
        return Call("GET", f"/api/v1/trust/{seg(org_slug)}", json_value, params=params)
