"""Every request the gateway accepts is read the same way (decision 0018-validation-400-422).

* **Media type** (:func:`require_media`): a body is JSON and says so: ``application/json`` or
  any ``application/*+json`` (the NDJSON stream: ``application/x-ndjson``), else 415. A request
  that carries a bearer token may also leave the type out or send what ``curl -d`` sends
  (``application/x-www-form-urlencoded``), as the API reference's examples do; the body must
  still be JSON. A browser cannot attach a bearer token to a cross-site request, so only
  cookie-authenticated and anonymous requests are held to the strict rule (CSRF: a form or a
  ``text/plain`` fetch cannot post JSON commands).
* **Body** (:func:`json_text`, :class:`StrictRequest`): I-JSON, the route's type, storable
  (``qlcore.validation``): 400 when it is not JSON, 422 naming the member otherwise.
* **Query and path** (:func:`screen_params`, an ASGI middleware): a query string that is not
  UTF-8 after percent-decoding is a 400; a parameter holding a control character (NUL first:
  PostgreSQL cannot even compare it) is a 422 naming it; a path holding one names no resource
  (404). Values that are well-formed but wrong (a limit out of range, a cursor that is not
  one) are 422 wherever they are checked: litestar's parameter validation is rendered as 422
  by ``services.gateway.problems``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

import orjson
from litestar import Request
from litestar.types import ASGIApp, Empty, Receive, Scope, Send
from qlcore.errors import BadRequest, NotFound, QLError, Unprocessable
from qlcore.storable import check_json
from qlcore.validation import parse_json
from qlprov.ijson import pointer

__all__ = [
    "JSON_MEDIA",
    "NDJSON_MEDIA",
    "StrictRequest",
    "UnsupportedMediaType",
    "json_text",
    "named_in",
    "require_media",
    "screen_params",
]

JSON_MEDIA = "application/json"
NDJSON_MEDIA = "application/x-ndjson"
_LENIENT = frozenset({"", "application/x-www-form-urlencoded"})  # with a bearer token only
#: the transparency log's static files parse their own paths (C2SP tile syntax; digits only) and
#: answer junk with their CORS headers, which readers in any browser page need to see
_OWN_PATHS = (b"/log/",)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UnsupportedMediaType(QLError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


def _media(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        return "", {}
    kind, _, rest = content_type.partition(";")
    params = {}
    for part in rest.split(";"):
        name, eq, value = part.partition("=")
        if eq:
            params[name.strip().lower()] = value.strip().strip('"').lower()
    return kind.strip().lower(), params


def _bearer(headers: Any) -> bool:
    return str(headers.get("authorization") or "").lower().startswith("bearer ")


def require_media(request: Request[Any, Any, Any], *accepted: str) -> None:
    """415 unless the body's ``Content-Type`` is one of ``accepted`` (JSON by default: also any
    ``application/*+json``), or, for a bearer-authenticated request, absent or form-encoded."""
    kind, params = _media(request.headers.get("content-type"))
    charset = params.get("charset")
    wanted = accepted or (JSON_MEDIA,)
    if kind in wanted or (JSON_MEDIA in wanted and kind.startswith("application/") and kind.endswith("+json")):
        if charset not in (None, "utf-8", "utf8"):
            raise UnsupportedMediaType(f"JSON is UTF-8; charset={charset} is not accepted", accepted=list(wanted))
        return
    if kind in _LENIENT and _bearer(request.headers):
        return
    shown = kind or "no Content-Type"
    raise UnsupportedMediaType(f"{shown} is not accepted here; send {' or '.join(wanted)}", accepted=list(wanted))


async def json_text(request: Request[Any, Any, Any], *, empty: bytes | None = b"{}") -> bytes:
    """The body as checked JSON text (media type, I-JSON, storable), for routes that pass it on
    as it is; an empty body is ``empty`` (``None``: an empty body is refused with 422)."""
    raw = (await request.body()).strip()
    if not raw:
        if empty is None:
            raise Unprocessable("the request needs a JSON body")
        return empty
    require_media(request)
    value = parse_json(raw)
    check_json(raw, value)
    return raw


class StrictRequest(Request[Any, Any, Any]):
    """The request class of the app: a route's ``data`` is read as :func:`json_text` reads."""

    async def json(self) -> Any:
        if self._json is Empty:
            if self._connection_state.json is not Empty:
                self._json = self._connection_state.json
            else:
                raw = (await self.body()).strip()
                value = None
                if raw:
                    require_media(self)
                    value = parse_json(raw)
                    check_json(raw, value)
                self._json = self._connection_state.json = value
        return self._json


def screen_params(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: refuse query strings and paths no service can look up (module docstring)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = _param_problem(scope)
            if problem is not None:
                body = orjson.dumps(problem.problem(instance=scope.get("path")))
                await send(
                    {
                        "type": "http.response.start",
                        "status": problem.status,
                        "headers": [(b"content-type", b"application/problem+json")],
                    }
                )
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
        await app(scope, receive, send)

    return middleware


def _param_problem(scope: Scope) -> QLError | None:
    raw_path = scope.get("raw_path")
    if bytes(raw_path or scope.get("path", "").encode()).startswith(_OWN_PATHS):  # raw: a mount strips "/log"
        return _query_problem(scope)
    path_bytes = unquote_to_bytes(raw_path) if isinstance(raw_path, bytes | bytearray) else None
    path = scope.get("path", "")
    if (path_bytes is not None and _CONTROL.search(path_bytes.decode("latin-1"))) or _CONTROL.search(path):
        return NotFound("no resource has a control character in its path")
    if path_bytes is not None:
        try:
            path_bytes.decode("utf-8")
        except UnicodeDecodeError:
            return NotFound("no resource has a path that is not UTF-8")
    return _query_problem(scope)


def _query_problem(scope: Scope) -> QLError | None:
    query = scope.get("query_string") or b""
    if not query:
        return None
    try:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return BadRequest("the query string is not UTF-8 once percent-decoded")
    for name, value in pairs:
        for text in (name, value):
            if _CONTROL.search(text):
                shown = name if not _CONTROL.search(name) else repr(name)
                return Unprocessable(
                    f"query parameter {shown} holds a control character (U+{ord(_CONTROL.search(text)[0]):04X})",  # type: ignore[index]
                    parameter=shown,
                )
    return None


_KEY_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_MISSING = re.compile(r"missing required field `([^`]+)`")


def named_in(errors: Any) -> dict[str, str]:
    """What litestar's validation errors name, as the gateway's problems name it: ``member`` (a JSON
    Pointer into the body: ``scopes[1]`` is ``/scopes/1``) or ``parameter`` (query, path, header)."""
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return {}
    first = errors[0]
    key, source = str(first.get("key") or ""), first.get("source")
    if source != "body":
        return {"parameter": key} if key else {}
    parts = [name or int(index) for name, index in _KEY_PART.findall(key)]
    if parts[:1] == ["data"]:  # the body as a whole: a missing member is named in the message
        parts = parts[1:]
        missing = _MISSING.search(str(first.get("message") or ""))
        if missing and not parts:
            parts = [missing.group(1)]
    return {"member": pointer(parts)}
