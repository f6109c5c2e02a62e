"""``/schema/openapi.json``: litestar's document, completed into a typed OpenAPI 3.1 contract.

Litestar documents the routes it can read types from (the auth and key routes' bodies, the
parameters); routes that pass a service's answer through untouched are typed here from
``services.gateway.contract`` (msgspec Structs, JSON Schema by ``msgspec.json.schema_components``):

* the request body of every command (``REQUESTS``) and the answers of every operation
  (``RESPONSES``), each with its media types;
* the security schemes: ``bearer`` (an API key or a session token) and ``session`` (the
  ``ql_session`` cookie of the web app); public operations say they need none;
* errors as RFC 9457 ``application/problem+json`` with the status codes the gateway answers
  (decision 0018-validation-400-422 says which is which), and ``default`` for the rest;
* the NDJSON streaming ingest, which is a raw ASGI route litestar cannot see.
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec
from litestar import Request
from litestar.openapi.plugins import (
    JsonRenderPlugin,
    OpenAPIRenderPlugin,
    YamlRenderPlugin,
)

from services.gateway.contract import PUBLIC, REQUESTS, RESPONSES, STREAM_LINE, OneOf, Problem
from services.gateway.principal import SESSION_COOKIE

__all__ = ["Typed", "TypedOpenAPI", "TypedOpenAPIYaml", "render_plugins", "typed", "typed_document"]

PROBLEM = "application/problem+json"
REF = "#/components/schemas/{name}"
_METHODS = ("get", "post", "put", "patch", "delete")
_ERRORS = {
    400: "The request cannot be parsed: a body that is not JSON, a query string that is not UTF-8",
    401: "No credential, or one that is unknown, revoked or expired",
    402: "The org's plan lacks the feature, or its quota is used up",
    403: "The credential lacks the scope, or the member the role",
    404: "No such resource in your workspace (another org's resources are not found either)",
    413: "The body is larger than the limit",
    415: "The body's media type is not what the operation reads",
    422: "Parsed, but a value is wrong (member or parameter named in the problem)",
    429: "Too many requests; Retry-After says when to come back",
    503: "A service is unavailable or catching up; retry (Retry-After)",
}
_STREAM_PATH = "/api/v1/ingest/runs:stream"


def _schemas(types: list[Any]) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
    return msgspec.json.schema_components(types, ref_template=REF)


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": _ERRORS.get(status, "An error, as a problem document"),
        "content": {PROBLEM: {"schema": {"$ref": REF.format(name="Problem")}}},
    }


def _errors_for(op_id: str, method: str, path: str, op: dict[str, Any], has_body: bool) -> list[int]:
    statuses = [404] if "{" in path else []
    if op_id not in PUBLIC:
        statuses += [401, 402, 403]
    if has_body:
        statuses += [400, 413, 415, 422]
    elif op.get("parameters") or method != "get":
        statuses += [422]
    statuses += [429, 503]
    return sorted(set(statuses))


def typed(document: dict[str, Any]) -> dict[str, Any]:
    """The litestar document with types, security and problems (module docstring)."""
    doc = copy.deepcopy(document)
    doc["openapi"] = "3.1.0"
    request_types = [x for t, _ in REQUESTS.values() for x in (t if isinstance(t, OneOf) else (t,))]
    response_types = [t for media in RESPONSES.values() for by_type in media.values() for t in by_type.values()]
    types = [Problem, *STREAM_LINE, *request_types, *response_types]
    generated, components = _schemas(types)
    schemas_of: dict[Any, dict[str, Any]] = dict(zip(types, generated, strict=True))
    for t, _ in REQUESTS.values():
        if isinstance(t, OneOf):
            schemas_of[t] = {"oneOf": [schemas_of[x] for x in t]}
    comps = doc.setdefault("components", {})
    comps.setdefault("schemas", {}).update(components)
    comps["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key (ql_live_...) or a session token from POST /api/v1/auth/login",
        },
        "session": {
            "type": "apiKey",
            "in": "cookie",
            "name": SESSION_COOKIE,
            "description": "The web app's session cookie (HttpOnly, Secure, SameSite=Lax), set by login",
        },
    }
    doc["security"] = [{"bearer": []}, {"session": []}]
    for path, item in doc.get("paths", {}).items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            op_id = op.get("operationId", "")
            if op_id in PUBLIC:
                op["security"] = []
            if op_id in REQUESTS:
                body_type, required = REQUESTS[op_id]
                op["requestBody"] = {
                    "required": required,
                    "content": {"application/json": {"schema": schemas_of[body_type]}},
                }
            has_body = "requestBody" in op
            responses: dict[str, Any] = {
                k: v for k, v in op.get("responses", {}).items() if not (k.startswith("4") or k.startswith("5"))
            }
            if op_id in RESPONSES:
                responses = {}
                for status, media in RESPONSES[op_id].items():
                    content = {m: {"schema": schemas_of[t]} for m, t in media.items()}
                    described = responses.setdefault(str(status), {"description": _SUCCESS.get(status, "Success")})
                    if content:
                        described["content"] = content
            for status in _errors_for(op_id, method, path, op, has_body):
                responses[str(status)] = _problem_response(status)
            responses["default"] = _problem_response(0)
            op["responses"] = responses
    doc.setdefault("paths", {})[_STREAM_PATH] = {"post": _stream_operation(schemas_of)}
    return doc


_SUCCESS = {
    200: "OK",
    201: "Created",
    202: "Accepted: still running (poll Location)",
    204: "No content",
    304: "Not modified (If-None-Match matched the ETag)",
}


def _stream_operation(schemas_of: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    line, result = STREAM_LINE
    return {
        "operationId": "ingestRunsStream",
        "tags": ["runs"],
        "summary": "Ingest run bundles as NDJSON (one bundle a line); one result line per bundle, as acknowledged",
        "description": "Each request line is a qlprov/run/1.0 document (the schema below is one line's). The answer"
        " is NDJSON: per line {line, run_id, run_hash, deduplicated} or {line, error: problem}; a bad line fails"
        " alone (400 when it is not JSON, 413 over the size limit, 422 otherwise). The limit applies to each"
        " line, never to the stream.",
        "requestBody": {"required": True, "content": {"application/x-ndjson": {"schema": schemas_of[line]}}},
        "responses": {
            "200": {
                "description": "One NDJSON result line per bundle (the schema is one line's)",
                "content": {"application/x-ndjson": {"schema": schemas_of[result]}},
            },
            **{str(s): _problem_response(s) for s in (401, 402, 403, 415, 429, 503)},
            "default": _problem_response(0),
        },
    }


_TYPED: dict[int, dict[str, Any]] = {}


def typed_document(openapi_schema: dict[str, Any]) -> dict[str, Any]:
    """:func:`typed` of litestar's document, computed once (litestar builds its document once)."""
    key = id(openapi_schema)
    if key not in _TYPED:
        _TYPED.clear()
        _TYPED[key] = typed(openapi_schema)
    return _TYPED[key]


class Typed(OpenAPIRenderPlugin):
    """A render plugin that renders the typed document instead of litestar's."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, typed_document(openapi_schema))  # type: ignore[safe-super]


class TypedOpenAPI(Typed, JsonRenderPlugin):
    """The typed document at ``/schema/openapi.json``."""


class TypedOpenAPIYaml(Typed, YamlRenderPlugin):
    """The same document as YAML at ``/schema/openapi.yaml`` (and ``.yml``)."""


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """The typed document as JSON and YAML under ``/schema`` (the pages that show it are the web
    app's, rendered on the server: litestar's own UIs load their scripts from CDNs)."""
    return [TypedOpenAPI(), TypedOpenAPIYaml()]
