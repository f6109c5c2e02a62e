"""An attestation's evidence in the Object Store: stored when issued, served to the gateway page by
page, one item proven from its page, and the whole checked against the signed statement.

The evidence grows with the workspace (100,000 items, 38 MB, for 20,000 runs), so it never
travels in a NATS message: issuing puts its pages and manifest (``domain.evidence_set``) in the
bucket, ``attestation.issued`` names the manifest, and the gateway streams the pages from the
bucket itself after ``attestations.evidence`` has checked the caller and named them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

from qlcore.errors import NotFound
from qlcore.objects import ObjectMissing, ObjectRef, digest_name
from qlcore.rpc import RpcReply, RpcRequest, json_reply
from qlprov.attest import InclusionProof, Statement

from services.attestation import store
from services.attestation.domain import (
    AttestationError,
    Evaluation,
    EvidenceItem,
    EvidenceManifest,
    EvidenceSet,
    StoredEvidenceCheck,
    decode_manifest,
    decode_page,
    item_proof,
    page_of,
    paginate_evaluation,
)
from services.attestation.handlers.requests import AttestationRef, own

if TYPE_CHECKING:
    from services.attestation.bootstrap import Deps

__all__ = ["evidence", "evidence_errors", "manifest_of", "owned_attestation", "prove", "store_evidence"]

PREFETCH = 4  # pages fetched ahead while one is checked


async def store_evidence(deps: Deps, evaluation: Evaluation) -> tuple[EvidenceSet, ObjectRef]:
    """Put the evidence's pages, then its manifest (so a manifest never names a missing page)."""
    evidence = await asyncio.to_thread(paginate_evaluation, evaluation)
    await deps.objects.put_many(evidence.pages)
    return evidence, await deps.objects.put(evidence.manifest_body)


async def owned_attestation(deps: Deps, workspace_id: str, attestation_id: str) -> store.AttestationRow:
    async with deps.rt.pool.connection() as conn:
        row = await store.attestation(conn, attestation_id)
    if row is None or row.workspace_id != workspace_id:  # another workspace's is not found either
        raise NotFound(f"no attestation {attestation_id!r} in this workspace")
    return row


async def manifest_of(deps: Deps, row: store.AttestationRow) -> EvidenceManifest:
    try:
        return decode_manifest(await deps.objects.get(row.evidence_set))
    except AttestationError as exc:
        raise ObjectMissing(f"{row.evidence_set}: {exc}") from exc


async def evidence(deps: Deps, req: RpcRequest) -> RpcReply:
    """Where the caller's attestation's evidence is, for the gateway to stream it: the pages'
    objects in order, and the bundle's size and digests (those the statement signs). The reply
    grows by 75 bytes a page of 1024 items: 1 MB at some 14 million evidence items."""
    ref: AttestationRef = req.json(AttestationRef)
    row = await owned_attestation(deps, own(req, req.ctx.workspace_id), ref.attestation_id)
    manifest = await manifest_of(deps, row)
    body = {
        "attestation_id": row.attestation_id,
        "count": manifest.size,
        "bytes": manifest.bundle.bytes,
        "sha256": manifest.bundle.sha256,
        "blake3": manifest.bundle.blake3,
        "page_size": manifest.page_size,
        "pages": [digest_name(p.sha256) for p in manifest.pages],
    }
    return json_reply(body)


async def prove(deps: Deps, row: store.AttestationRow, evidence_id: str) -> tuple[EvidenceItem, InclusionProof]:
    """One item and its inclusion proof under the signed root, from its page and the manifest."""
    manifest = await manifest_of(deps, row)
    index = page_of(manifest, evidence_id)
    found = None
    if index is not None:
        try:
            page = decode_page(await deps.objects.get(digest_name(manifest.pages[index].sha256)))
        except AttestationError as exc:
            raise ObjectMissing(f"page {index} of {row.evidence_set}: {exc}") from exc
        found = item_proof(manifest, index, page, evidence_id)
    if found is None:
        raise NotFound(f"no evidence item {evidence_id!r} in attestation {row.attestation_id!r}")
    return found


async def evidence_errors(deps: Deps, statement: Statement, manifest_name: str) -> list[str]:
    """Check the stored evidence against the signed statement, page by page, fetching a few pages
    ahead (never more in memory); the problems found, none when the evidence is what was signed."""
    try:
        manifest = decode_manifest(await deps.objects.get(manifest_name))
    except (ObjectMissing, AttestationError) as exc:
        return [f"evidence manifest: {exc}"]
    check = StoredEvidenceCheck(statement, manifest)
    if check.errors:
        return check.finish()

    async def fetch(name: str) -> bytes | ObjectMissing:
        try:
            return await deps.objects.get(name)
        except ObjectMissing as exc:
            return exc

    names = iter([digest_name(p.sha256) for p in manifest.pages])
    window: deque[asyncio.Task[bytes | ObjectMissing]] = deque()

    def refill() -> None:
        while len(window) < PREFETCH and (name := next(names, None)) is not None:
            window.append(asyncio.ensure_future(fetch(name)))

    refill()
    index = 0
    try:
        while window:
            body = await window.popleft()
            refill()
            if isinstance(body, ObjectMissing):
                check.problem(f"evidence page {index}: {body}")
            else:
                await asyncio.to_thread(check.add, index, body)
            index += 1
    finally:
        for task in window:
            task.cancel()
    return check.finish()
