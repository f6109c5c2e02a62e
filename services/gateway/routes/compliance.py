"""Compliance: the framework catalogue (public) and a workspace's frameworks, evaluation, status
and gaps (the attestation service owns them).

Frameworks are public: they are published standards, the same for everyone, and a journal or
an auditor reads them without an account. A workspace's compliance needs the ``compliance``
plan feature; reading needs ``runs:read``, changing it ``attest:write``. A ``ws_id`` other than
the caller's own workspace is a 404 from the service, never another workspace's data.
"""

from __future__ import annotations

from typing import Any

import orjson
from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from qlcore.errors import Unprocessable

from services.gateway.deps import authorized, forward
from services.gateway.validation import json_text

__all__ = ["ComplianceController", "FrameworksController", "json_body"]

SERVICE = "attestation"
FEATURE = "compliance"


async def json_body(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The request's JSON object (an empty body is ``{}``), read as every body is
    (``services.gateway.validation``); anything but an object is a 422."""
    body = orjson.loads(await json_text(request))
    if not isinstance(body, dict):
        raise Unprocessable("the body must be a JSON object")
    return body


class FrameworksController(Controller):
    path = "/api/v1/frameworks"
    tags = ["compliance"]

    @get("/", operation_id="listFrameworks", summary="Compliance frameworks (public): latest version of each")
    async def list_frameworks(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return await forward(request, SERVICE, "frameworks.list", {})

    @get(
        "/{fw_id:str}",
        operation_id="getFramework",
        summary="One framework (public): its controls, rules and remediations (?version= for an older one)",
    )
    async def get_framework(
        self, request: Request[Any, Any, Any], fw_id: str, version: str | None = None
    ) -> Response[bytes]:
        q = {"framework_id": fw_id, **({"version": version} if version else {})}
        return await forward(request, SERVICE, "frameworks.get", q)


class ComplianceController(Controller):
    path = "/api/v1/workspaces/{ws_id:str}"
    tags = ["compliance"]

    @post(
        "/frameworks/{fw_id:str}/enable",
        operation_id="enableFramework",
        status_code=200,
        summary='Enable a framework for the workspace (its latest version, or {"version"}); idempotent',
    )
    async def enable(self, request: Request[Any, Any, Any], ws_id: str, fw_id: str) -> Response[bytes]:
        p = await authorized(request, scope="attest:write", feature=FEATURE)
        body = await json_body(request)
        cmd = {
            "workspace_id": ws_id,
            "framework_id": fw_id,
            **({"version": body["version"]} if "version" in body else {}),
        }
        return await forward(request, SERVICE, "frameworks.enable", cmd, p)

    @post(
        "/compliance/evaluate",
        operation_id="evaluateCompliance",
        status_code=200,
        summary="Evaluate every enabled framework; safe to repeat (unchanged state records nothing new)",
    )
    async def evaluate(self, request: Request[Any, Any, Any], ws_id: str) -> Response[bytes]:
        p = await authorized(request, scope="attest:write", feature=FEATURE)
        return await forward(request, SERVICE, "compliance.evaluate", {"workspace_id": ws_id}, p, timeout=60)

    @get(
        "/compliance",
        operation_id="complianceStatus",
        summary="Per framework and control: passing, failing, not_applicable, evidence count, evaluated_at",
    )
    async def status(self, request: Request[Any, Any, Any], ws_id: str) -> Response[bytes]:
        p = await authorized(request, scope="runs:read", feature=FEATURE)
        return await forward(request, SERVICE, "compliance.status", {"workspace_id": ws_id}, p)

    @get(
        "/gaps",
        operation_id="complianceGaps",
        summary="Each failing control with the runs, cards or keys failing it and what would fix it"
        " (a page of subjects each: ?offset=&limit=, ?framework_id=&control_id= for one control)",
    )
    async def gaps(
        self,
        request: Request[Any, Any, Any],
        ws_id: str,
        framework_id: str | None = None,
        control_id: str | None = None,
        offset: int = Parameter(default=0, ge=0, le=2**31),
        limit: int | None = Parameter(default=None, ge=1, le=10_000),
    ) -> Response[bytes]:
        p = await authorized(request, scope="runs:read", feature=FEATURE)
        q = {"workspace_id": ws_id, "framework_id": framework_id, "control_id": control_id, "limit": limit}
        body = {k: v for k, v in q.items() if v is not None} | {"offset": offset}
        return await forward(request, SERVICE, "compliance.gaps", body, p)
