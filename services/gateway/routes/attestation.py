"""Attestations (issue, read, verify, revoke), the public keys and revocation list under
``/.well-known/``, and the org trust center (JSON and an HTML page).

Public, no credential: ``verify``, an attestation's signed ``envelope`` (what a card page's
reader checks), the JWKS, the revocation list and the trust center: anyone holding an
attestation must be able to check it. An attestation's evidence (100,000 items, 38 MB,
for a workspace of 20,000 runs) is read from the Object Store by the gateway itself and streamed
(``/evidence``), after the service has checked the caller and named the pages: it never travels
in a NATS message, so no ``max_payload`` bounds it. Issuing and revoking need ``attest:write``
(revoking also accepts ``admin``: an org administrator withdraws a claim without a special
key) and the ``attestations`` plan feature (402 naming it). The trust center is published for
orgs whose plan includes ``trust_center``; for any other slug it does not exist (404).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Stream
from qlcore import rpc
from qlcore.errors import NotFound
from qlcore.http_cache import if_none_match
from qlcore.objects import Objects

from services.gateway import store
from services.gateway.deps import authorized, forward, gw_of, principal_of, require_feature_of
from services.gateway.domain.errors import MissingScope
from services.gateway.routes.compliance import json_body

__all__ = ["AttestationsController", "TrustController", "WellKnownController"]

SERVICE = "attestation"
FEATURE = "attestations"
EVIDENCE_CACHE_CONTROL = "private, no-cache"  # immutable, but access is checked again on every revalidation


async def _bundle(objects: Objects, pages: list[str], first: bytes) -> AsyncIterator[bytes]:
    """The evidence bundle from its pages (canonical JSON arrays): ``[`` + their members joined by
    ``,`` + ``]``, the exact bytes the statement's subject digests; the next page is fetched while
    one is sent."""
    yield b"["
    ahead = asyncio.ensure_future(objects.get(pages[1])) if len(pages) > 1 else None
    try:
        current = first
        for i in range(len(pages)):
            if i:
                yield b","
            yield current[1:-1]
            if ahead is not None:
                current = await ahead
                ahead = asyncio.ensure_future(objects.get(pages[i + 2])) if i + 2 < len(pages) else None
    finally:
        if ahead is not None:
            ahead.cancel()
    yield b"]"


class AttestationsController(Controller):
    path = "/api/v1"
    tags = ["attestations"]

    @post(
        "/workspaces/{ws_id:str}/attestations",
        operation_id="issueAttestation",
        status_code=201,
        summary="Issue an Ed25519-signed attestation (in-toto Statement in DSSE) over a framework's evidence",
    )
    async def issue(self, request: Request[Any, Any, Any], ws_id: str) -> Response[bytes]:
        p = await authorized(request, scope="attest:write", feature=FEATURE)
        body = await json_body(request)
        cmd = {"workspace_id": ws_id, "framework_id": body.get("framework_id")}
        return await forward(request, SERVICE, "attestations.issue", cmd, p, timeout=60)

    @get(
        "/workspaces/{ws_id:str}/attestations",
        operation_id="listAttestations",
        summary="The workspace's attestations, newest first (a page: ?limit=, Link rel=next)",
    )
    async def list_attestations(
        self,
        request: Request[Any, Any, Any],
        ws_id: str,
        limit: int = Parameter(default=100, ge=1, le=500),
        cursor: str | None = None,
    ) -> Response[bytes]:
        p = await authorized(request, scope="runs:read", feature=FEATURE)
        q = {"workspace_id": ws_id, "limit": limit, **({"cursor": cursor} if cursor is not None else {})}
        resp = await forward(request, SERVICE, "attestations.list", q, p)
        nxt = resp.headers.pop("X-Next-Cursor", None) if resp.headers else None
        if nxt:
            resp.headers["Link"] = f'<{request.url.path}?{urlencode({"limit": limit, "cursor": nxt})}>; rel="next"'
        return resp

    @get(
        "/attestations/{att_id:str}",
        operation_id="getAttestation",
        summary="One of your workspace's attestations: its envelope and its evidence's size, digests and URL"
        " (?evidence_id=: one item and its inclusion proof)",
    )
    async def get_attestation(
        self, request: Request[Any, Any, Any], att_id: str, evidence_id: str | None = None
    ) -> Response[bytes]:
        p = await authorized(request, scope="runs:read", feature=FEATURE)
        q = {"attestation_id": att_id, **({"evidence_id": evidence_id} if evidence_id else {})}
        return await forward(request, SERVICE, "attestations.get", q, p)

    @get(
        "/attestations/{att_id:str}/evidence",
        operation_id="getAttestationEvidence",
        summary="The evidence bundle the statement's subject digests (JSON array, streamed);"
        " ?page=N: one page of items (Link rel=next)",
    )
    async def evidence(
        self,
        request: Request[Any, Any, Any],
        att_id: str,
        page: int | None = Parameter(default=None, ge=0, le=2**31),
    ) -> Response[Any]:
        p = await authorized(request, scope="runs:read", feature=FEATURE)
        gw = gw_of(request)
        found = await rpc.call(
            gw.nc, gw.settings, SERVICE, "attestations.evidence", {"attestation_id": att_id}, gw.ctx(p)
        )
        if found.status != 200:
            return Response(found.body, status_code=found.status, media_type=found.content_type)
        where = found.json()
        pages: list[str] = where["pages"]
        objects = Objects(gw.bus.js, gw.settings)
        headers = {
            "Cache-Control": EVIDENCE_CACHE_CONTROL,
            "X-Evidence-Count": str(where["count"]),
            "X-Evidence-Pages": str(len(pages)),
        }
        if page is not None:
            if page >= len(pages):
                raise NotFound(f"attestation {att_id!r} has {len(pages)} evidence page(s)")
            if page + 1 < len(pages):
                headers["Link"] = f'<{request.url.path}?page={page + 1}>; rel="next"'
            body = await objects.get(pages[page])
            return Response(body, media_type="application/json", headers={**headers, "ETag": f'"{pages[page]}"'})
        digest = base64.b64encode(bytes.fromhex(where["sha256"])).decode()
        headers |= {"ETag": f'"sha256-{where["sha256"]}"', "Repr-Digest": f"sha-256=:{digest}:"}
        if if_none_match(request.headers.get("if-none-match"), headers["ETag"]):
            return Response(b"", status_code=304, headers=headers)
        if not pages:
            return Response(b"[]", media_type="application/json", headers=headers)
        first = await objects.get(pages[0])  # a missing object is a problem answer, not a cut stream
        headers["Content-Length"] = str(where["bytes"])
        return Stream(_bundle(objects, pages, first), media_type="application/json", headers=headers)

    @get(
        "/attestations/{att_id:str}/verify",
        operation_id="verifyAttestation",
        summary="Verify an attestation's signature, evidence root and revocation (public, no auth)",
    )
    async def verify(self, request: Request[Any, Any, Any], att_id: str) -> Response[bytes]:
        return await forward(request, SERVICE, "attestations.verify", {"attestation_id": att_id})

    @get(
        "/attestations/{att_id:str}/envelope",
        operation_id="getAttestationEnvelope",
        summary="An attestation's signed DSSE envelope, as issued (public, no auth): check it with the JWKS",
    )
    async def envelope(self, request: Request[Any, Any, Any], att_id: str) -> Response[bytes]:
        return await forward(request, SERVICE, "attestations.envelope", {"attestation_id": att_id})

    @post(
        "/attestations/verify",
        operation_id="verifyAttestationEnvelope",
        status_code=200,
        summary='Verify a DSSE envelope you hold ({"envelope": ...}) against the JWKS and the ledger (public)',
    )
    async def verify_envelope(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return await forward(request, SERVICE, "attestations.verify_envelope", await json_body(request))

    @post(
        "/attestations/{att_id:str}/revoke",
        operation_id="revokeAttestation",
        status_code=200,
        summary="Revoke an attestation with a reason (attest:write or admin); verify reports it from then on",
    )
    async def revoke(self, request: Request[Any, Any, Any], att_id: str) -> Response[bytes]:
        p = await principal_of(request)
        if not {"attest:write", "admin"} & p.scopes:
            raise MissingScope("attest:write", p.scopes)
        require_feature_of(request, p, FEATURE)
        body = await json_body(request)
        cmd = {"workspace_id": p.workspace_id, "attestation_id": att_id, "reason": body.get("reason")}
        return await forward(request, SERVICE, "attestations.revoke", cmd, p)


class WellKnownController(Controller):
    path = "/.well-known"
    tags = ["attestations"]

    @get(
        "/quantumledger-jwks.json",
        operation_id="jwks",
        summary="Public JWKS (RFC 8037 Ed25519) for verifying attestation signatures yourself",
    )
    async def jwks(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return await forward(request, SERVICE, "keys.jwks", {})

    @get(
        "/quantumledger-revocations.json",
        operation_id="revocations",
        summary="The signed revocation list (DSSE envelope, same keys as attestations)",
    )
    async def revocations(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        resp = await forward(request, SERVICE, "revocations.list", {})
        etag = (resp.headers or {}).get("ETag")
        if etag and request.headers.get("if-none-match") == etag:
            return Response(b"", status_code=304, headers={"ETag": etag})
        return resp


async def _published(request: Request[Any, Any, Any], org_slug: str) -> None:
    """404 unless the org exists and its plan includes the trust center."""
    gw = gw_of(request)
    async with gw.pool.connection() as conn:
        org = await store.org_by_id_or_slug(conn, org_slug)
    if org is None or org.slug != org_slug or not gw.catalog.get(org.plan).has("trust_center"):
        raise NotFound(f"no trust center for {org_slug!r}")


class TrustController(Controller):
    tags = ["trust center"]

    @get(
        "/api/v1/trust/{org_slug:str}",
        operation_id="trustCenter",
        summary="An org's trust center (public): frameworks and status, attestations with verify links, cards"
        " (a page of each: ?attestations_offset=, ?cards_offset=)",
    )
    async def trust(
        self,
        request: Request[Any, Any, Any],
        org_slug: str,
        attestations_offset: int = Parameter(default=0, ge=0, le=2**31),
        cards_offset: int = Parameter(default=0, ge=0, le=2**31),
    ) -> Response[bytes]:
        await _published(request, org_slug)
        q = {"org_slug": org_slug, "attestations_offset": attestations_offset, "cards_offset": cards_offset}
        return await forward(request, SERVICE, "trust.get", q)

    @get(
        "/trust/{org_slug:str}",
        operation_id="trustCenterPage",
        summary="The trust center as a page for people",
        include_in_schema=False,
    )
    async def page(self, request: Request[Any, Any, Any], org_slug: str) -> Response[bytes]:
        await _published(request, org_slug)
        return await forward(request, SERVICE, "trust.page", {"org_slug": org_slug})
