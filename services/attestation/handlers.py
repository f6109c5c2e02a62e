"""The attestation service's operations over NATS: thin adapters from requests to the
commands and queries of :mod:`.compliance`, :mod:`.attestations` and :mod:`.trust`.

Workspace operations name the workspace (the gateway passes the path's ``ws_id``) and act only
when it is the caller's own: another workspace is a 404, like one that does not exist. Public
operations (frameworks, verify, JWKS, revocations, trust center) need no caller.
"""

from __future__ import annotations

import msgspec
from qlcore.errors import Conflict, NotFound, Unauthorized
from qlcore.rpc import RpcReply, RpcRequest, RpcServer, json_reply
from qlcore.service import ServiceContext

from services.attestation import attestations, compliance, keys, trust
from services.attestation.domain import Envelope, KeyringError, framework_digest
from services.attestation.domain.trust_center import CONTENT_SECURITY_POLICY

__all__ = ["register"]

PUBLIC_CACHE = "public, max-age=60"


class WorkspaceQuery(msgspec.Struct, forbid_unknown_fields=True):
    workspace_id: str


class EnableCommand(msgspec.Struct, forbid_unknown_fields=True):
    workspace_id: str
    framework_id: str
    version: str | None = None


class AttestCommand(msgspec.Struct, forbid_unknown_fields=True):
    workspace_id: str
    framework_id: str


class AttestationRef(msgspec.Struct, forbid_unknown_fields=True):
    attestation_id: str
    evidence_id: str | None = None


class RevokeCommand(msgspec.Struct, forbid_unknown_fields=True):
    workspace_id: str
    attestation_id: str
    reason: str


class FrameworkQuery(msgspec.Struct, forbid_unknown_fields=True):
    framework_id: str
    version: str | None = None


class VerifyEnvelope(msgspec.Struct, forbid_unknown_fields=True):
    envelope: Envelope


class TrustQuery(msgspec.Struct, forbid_unknown_fields=True):
    org_slug: str


def _own(req: RpcRequest, workspace_id: str | None) -> str:
    """The caller's workspace when it is the one named (404 otherwise, never another's data)."""
    if not req.ctx.workspace_id:
        raise Unauthorized("this operation needs a workspace")
    if workspace_id != req.ctx.workspace_id:
        raise NotFound(f"no workspace {workspace_id!r}")
    return req.ctx.workspace_id


def register(rpc: RpcServer, ctx: ServiceContext) -> None:
    async def frameworks_list(_: RpcRequest) -> RpcReply:
        catalog = compliance.catalog_of(ctx)
        items = [
            {
                "id": fw.id,
                "version": fw.version,
                "title": fw.title,
                "description": fw.description,
                "publisher": fw.publisher,
                "controls": len(fw.controls),
                "versions": [v.version for v in catalog.versions(fw.id)],
            }
            for fw in catalog.latest()
        ]
        return json_reply(items, headers={"Cache-Control": PUBLIC_CACHE})

    async def frameworks_get(req: RpcRequest) -> RpcReply:
        q: FrameworkQuery = req.json(FrameworkQuery)
        catalog = compliance.catalog_of(ctx)
        fw = catalog.get(q.framework_id, q.version)
        if fw is None:
            raise NotFound(f"no framework {q.framework_id!r}" + (f" version {q.version!r}" if q.version else ""))
        body = {
            **msgspec.to_builtins(fw),
            "digest": framework_digest(fw),
            "versions": [v.version for v in catalog.versions(fw.id)],
        }
        return json_reply(body, headers={"Cache-Control": PUBLIC_CACHE})

    async def enable(req: RpcRequest) -> RpcReply:
        cmd: EnableCommand = req.json(EnableCommand)
        status, body = await compliance.enable(ctx, req.ctx, _own(req, cmd.workspace_id), cmd.framework_id, cmd.version)
        return json_reply(body, status=status)

    async def evaluate(req: RpcRequest) -> RpcReply:
        q: WorkspaceQuery = req.json(WorkspaceQuery)
        return json_reply(await compliance.evaluate(ctx, req.ctx, _own(req, q.workspace_id)))

    async def status(req: RpcRequest) -> RpcReply:
        q: WorkspaceQuery = req.json(WorkspaceQuery)
        return json_reply(await compliance.status(ctx, _own(req, q.workspace_id)))

    async def gaps(req: RpcRequest) -> RpcReply:
        q: WorkspaceQuery = req.json(WorkspaceQuery)
        return json_reply(await compliance.gaps(ctx, _own(req, q.workspace_id)))

    async def issue(req: RpcRequest) -> RpcReply:
        cmd: AttestCommand = req.json(AttestCommand)
        body = await attestations.issue(ctx, req.ctx, _own(req, cmd.workspace_id), cmd.framework_id)
        return json_reply(body, status=201, headers={"Location": body["verify_url"]})

    async def list_attestations(req: RpcRequest) -> RpcReply:
        q: WorkspaceQuery = req.json(WorkspaceQuery)
        return json_reply(await attestations.list_for(ctx, _own(req, q.workspace_id)))

    async def get(req: RpcRequest) -> RpcReply:
        ref: AttestationRef = req.json(AttestationRef)
        workspace_id = _own(req, req.ctx.workspace_id)
        return json_reply(await attestations.get(ctx, workspace_id, ref.attestation_id, ref.evidence_id))

    async def verify(req: RpcRequest) -> RpcReply:
        ref: AttestationRef = req.json(AttestationRef)
        return json_reply(await attestations.verify(ctx, ref.attestation_id), headers={"Cache-Control": "no-store"})

    async def verify_envelope(req: RpcRequest) -> RpcReply:
        body: VerifyEnvelope = req.json(VerifyEnvelope)
        return json_reply(await attestations.verify_envelope(ctx, body.envelope))

    async def revoke(req: RpcRequest) -> RpcReply:
        cmd: RevokeCommand = req.json(RevokeCommand)
        return json_reply(
            await attestations.revoke(ctx, req.ctx, _own(req, cmd.workspace_id), cmd.attestation_id, cmd.reason)
        )

    async def jwks(_: RpcRequest) -> RpcReply:
        return json_reply(await keys.merged_jwks(ctx), headers={"Cache-Control": "public, max-age=300"})

    async def revocations(_: RpcRequest) -> RpcReply:
        body, etag = await attestations.revocation_list(ctx)
        return json_reply(body, headers={"ETag": etag, "Cache-Control": PUBLIC_CACHE})

    async def rotate(_: RpcRequest) -> RpcReply:
        """Operator command (NATS only, no HTTP route): a new active key, the old one kept public."""
        try:
            old, new, seq = await keys.rotate(ctx)
        except KeyringError as exc:
            raise Conflict(str(exc)) from exc
        await compliance.wait_applied(ctx, seq)
        return json_reply({"retired": old, "active": new})

    async def trust_json(req: RpcRequest) -> RpcReply:
        q: TrustQuery = req.json(TrustQuery)
        return json_reply(await trust.trust_json(ctx, q.org_slug), headers={"Cache-Control": PUBLIC_CACHE})

    async def trust_page(req: RpcRequest) -> RpcReply:
        q: TrustQuery = req.json(TrustQuery)
        page = await trust.trust_page(ctx, q.org_slug)
        return RpcReply(
            200,
            page.encode(),
            "text/html",
            {
                "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                "Cache-Control": PUBLIC_CACHE,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )

    for op, fn in {
        "frameworks.list": frameworks_list,
        "frameworks.get": frameworks_get,
        "frameworks.enable": enable,
        "compliance.evaluate": evaluate,
        "compliance.status": status,
        "compliance.gaps": gaps,
        "attestations.issue": issue,
        "attestations.list": list_attestations,
        "attestations.get": get,
        "attestations.verify": verify,
        "attestations.verify_envelope": verify_envelope,
        "attestations.revoke": revoke,
        "keys.jwks": jwks,
        "keys.rotate": rotate,
        "revocations.list": revocations,
        "trust.get": trust_json,
        "trust.page": trust_page,
    }.items():
        rpc.add(op, fn)
