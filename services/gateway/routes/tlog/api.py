"""The transparency log's JSON API, its public identity, and a workspace's commitment setting.

Public and anonymous (``Access-Control-Allow-Origin: *``, for readers' browsers):

* ``GET /api/v1/log/entries/{index}``: one entry, parsed, with its leaf hash;
* ``GET /api/v1/log/proof/inclusion?index=&size=``: an inclusion proof (``size`` defaults to the
  latest checkpoint's);
* ``GET /api/v1/log/proof/consistency?from=&to=``: a consistency proof between two tree sizes;
* ``GET /api/v1/log/bundle?kind=card&subject=<slug>``: the offline proof bundle (C2SP tlog-proof)
  of the latest entry of that kind about that subject (kinds: card, reproduction, attestation,
  revocation, run);
* ``GET /.well-known/quantumledger-log.json``: the log's origin, public key (vkey) and witnesses.

Numbers are passed on as text and parsed by the service, strictly (one 400 for every hostile
spelling). The workspace setting (``/api/v1/workspaces/{ws_id}/transparency``) is read with
``runs:read`` and changed by an admin (``admin`` scope and role), like other workspace settings.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from qlcore.errors import Unprocessable

from services.gateway.deps import authorized, forward
from services.gateway.validation import json_text

__all__ = ["LogApiController", "LogIdentityController", "WorkspaceTransparencyController"]

SERVICE = "tlog"
PUBLIC = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}


async def _public(request: Request[Any, Any, Any], op: str, body: dict[str, Any]) -> Response[bytes]:
    resp = await forward(request, SERVICE, op, {k: v for k, v in body.items() if v is not None})
    resp.headers.update(PUBLIC)
    return resp


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({k for k, _ in pairs}) != len(pairs):
        raise ValueError("a member name is repeated")
    return dict(pairs)


def _setting(raw: bytes) -> bool:
    """``{"run_commitments": <bool>}`` and nothing else (I-JSON: a repeated member is refused)."""
    try:
        body = json.loads(raw, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as exc:
        raise Unprocessable(f"the body is not one JSON object: {exc}") from None
    if not isinstance(body, dict) or set(body) != {"run_commitments"} or not isinstance(body["run_commitments"], bool):
        raise Unprocessable('the body is {"run_commitments": true} or {"run_commitments": false}')
    return bool(body["run_commitments"])


def _required(value: str | None, name: str) -> str:
    if value is None:
        raise Unprocessable(f"the query parameter {name!r} is required")
    return value


class LogApiController(Controller):
    path = "/api/v1/log"
    tags = ["transparency log"]

    @get("/entries/{index:str}", operation_id="getLogEntry", summary="One log entry (public)")
    async def entry(self, request: Request[Any, Any, Any], index: str) -> Response[bytes]:
        return await _public(request, "log.entry", {"index": index})

    @get(
        "/proof/inclusion",
        operation_id="getInclusionProof",
        summary="RFC 9162 inclusion proof of entry ?index= in the tree of ?size= (default: latest checkpoint)",
    )
    async def inclusion(
        self, request: Request[Any, Any, Any], index: str | None = None, size: str | None = None
    ) -> Response[bytes]:
        return await _public(request, "log.inclusion", {"index": _required(index, "index"), "size": size})

    @get(
        "/proof/consistency",
        operation_id="getConsistencyProof",
        summary="RFC 9162 consistency proof from tree size ?from= to ?to= (default: latest checkpoint)",
    )
    async def consistency(
        self,
        request: Request[Any, Any, Any],
        old: str | None = Parameter(query="from", default=None),
        new: str | None = Parameter(query="to", default=None),
    ) -> Response[bytes]:
        return await _public(request, "log.consistency", {"old": _required(old, "from"), "new": new})

    @get(
        "/bundle",
        operation_id="getProofBundle",
        summary="Offline proof bundle (C2SP tlog-proof) of ?kind= (card|reproduction|attestation|revocation|run)"
        " about ?subject=",
    )
    async def bundle(
        self,
        request: Request[Any, Any, Any],
        kind: str | None = None,
        subject: str | None = None,
        size: str | None = None,
    ) -> Response[bytes]:
        body = {"kind": _required(kind, "kind"), "subject": _required(subject, "subject"), "size": size}
        return await _public(request, "log.bundle", body)


class LogIdentityController(Controller):
    path = "/.well-known"
    tags = ["transparency log"]

    @get(
        "/quantumledger-log.json",
        operation_id="logIdentity",
        summary="The transparency log's origin, Ed25519 public key (vkey), witnesses and size",
    )
    async def identity(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return await _public(request, "log.info", {})


class WorkspaceTransparencyController(Controller):
    path = "/api/v1/workspaces"
    tags = ["transparency log"]

    @get(
        "/{ws_id:str}/transparency",
        operation_id="getWorkspaceTransparency",
        summary="Whether the public log commits the runs this workspace ingests",
    )
    async def setting(self, request: Request[Any, Any, Any], ws_id: str) -> Response[bytes]:
        p = await authorized(request, scope="runs:read")
        return await forward(request, SERVICE, "transparency.get", {"workspace_id": ws_id}, p)

    @post(
        "/{ws_id:str}/transparency",
        operation_id="setWorkspaceTransparency",
        status_code=200,
        summary='Commit this workspace\'s runs to the public log from now on ({"run_commitments": true}), or stop',
    )
    async def change(self, request: Request[Any, Any, Any], ws_id: str) -> Response[bytes]:
        p = await authorized(request, scope="admin", role="admin")
        cmd = {"workspace_id": ws_id, "run_commitments": _setting(await json_text(request, empty=None))}
        return await forward(request, SERVICE, "transparency.set", cmd, p)
