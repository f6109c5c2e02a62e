"""What the attestation operations accept (msgspec bodies, unknown members refused) and the
one rule every workspace operation applies: it acts only on the caller's own workspace.

Workspace operations name the workspace (the gateway passes the path's ``ws_id``); another
workspace is a 404, like one that does not exist, never another workspace's data.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from qlcore.errors import NotFound, Unauthorized
from qlcore.rpc import RpcRequest
from qlprov.attest import Envelope

__all__ = [
    "PUBLIC_CACHE",
    "AttestCommand",
    "AttestationRef",
    "EnableCommand",
    "FrameworkQuery",
    "GapsQuery",
    "ListQuery",
    "RevokeCommand",
    "TrustQuery",
    "VerifyEnvelope",
    "WorkspaceQuery",
    "own",
]

PUBLIC_CACHE = "public, max-age=60"


class WorkspaceQuery(msgspec.Struct, forbid_unknown_fields=True):
    workspace_id: str


class GapsQuery(msgspec.Struct, forbid_unknown_fields=True):
    workspace_id: str
    framework_id: str | None = None
    control_id: str | None = None
    offset: Annotated[int, msgspec.Meta(ge=0, le=2**31)] = 0
    limit: Annotated[int, msgspec.Meta(ge=1, le=10_000)] | None = None


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


class ListQuery(msgspec.Struct, forbid_unknown_fields=True):
    workspace_id: str
    limit: Annotated[int, msgspec.Meta(ge=1, le=500)] = 100
    cursor: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,18}$")] | None = None  # a page's last seq


class TrustQuery(msgspec.Struct, forbid_unknown_fields=True):
    org_slug: str
    attestations_offset: Annotated[int, msgspec.Meta(ge=0, le=2**31)] = 0
    cards_offset: Annotated[int, msgspec.Meta(ge=0, le=2**31)] = 0


def own(req: RpcRequest, workspace_id: str | None) -> str:
    """The caller's workspace when it is the one named (404 otherwise, never another's data)."""
    if not req.ctx.workspace_id:
        raise Unauthorized("this operation needs a workspace")
    if workspace_id != req.ctx.workspace_id:
        raise NotFound(f"no workspace {workspace_id!r}")
    return req.ctx.workspace_id
