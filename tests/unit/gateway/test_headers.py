"""The gateway's security headers hook, on ASGI messages (no server)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from services.gateway.headers import (
    DEFAULT_CSP,
    DOCS_CSP,
    normalize_content_type,
    security_headers,
    with_frame_ancestors,
)


def test_one_charset() -> None:
    assert normalize_content_type("text/html; charset=utf-8; charset=utf-8") == "text/html; charset=utf-8"
    assert normalize_content_type("text/html") == "text/html; charset=utf-8"
    assert normalize_content_type("image/svg+xml") == "image/svg+xml; charset=utf-8"
    assert normalize_content_type("application/json") == "application/json"
    assert normalize_content_type("text/plain;charset=utf-8;") == "text/plain; charset=utf-8"


def test_frame_ancestors_is_set_once() -> None:
    csp = "default-src 'none'; frame-ancestors *; img-src 'self'"
    assert with_frame_ancestors(csp, "'none'") == "default-src 'none'; img-src 'self'; frame-ancestors 'none'"
    assert with_frame_ancestors("default-src 'none';", "*") == "default-src 'none'; frame-ancestors *"


async def _sent(
    headers: list[tuple[bytes, bytes]], path: str = "/x", query: bytes = b"", opt: Any = None
) -> dict[str, str]:
    message: Any = {"type": "http.response.start", "status": 200, "headers": headers}
    scope: Any = {"type": "http", "path": path, "query_string": query}
    if opt is not None:
        scope["route_handler"] = SimpleNamespace(opt=opt)
    await security_headers(message, scope)
    names = [k for k, _ in message["headers"]]
    assert len(names) == len(set(names)), names
    return {k.decode(): v.decode() for k, v in message["headers"]}


async def test_a_bare_html_page_gets_every_header() -> None:
    h = await _sent([(b"content-type", b"text/html; charset=utf-8; charset=utf-8")])
    assert h["content-type"] == "text/html; charset=utf-8"
    assert h["x-content-type-options"] == "nosniff" and h["referrer-policy"] == "no-referrer"
    assert h["content-security-policy"] == DEFAULT_CSP + "; frame-ancestors 'none'"
    assert h["x-frame-options"] == "DENY"


async def test_a_producers_policy_is_kept_but_not_its_framing() -> None:
    card = b"default-src 'none'; style-src 'sha256-x'; frame-ancestors *"
    h = await _sent(
        [(b"content-type", b"text/html"), (b"content-security-policy", card), (b"referrer-policy", b"same-origin")],
        path="/cards/c",
        opt={"frameable": "embed"},
    )
    assert h["content-security-policy"] == "default-src 'none'; style-src 'sha256-x'; frame-ancestors 'none'"
    assert h["referrer-policy"] == "same-origin"
    h = await _sent(
        [(b"content-type", b"text/html"), (b"content-security-policy", card)],
        path="/cards/c",
        query=b"embed=1",
        opt={"frameable": "embed"},
    )
    assert h["content-security-policy"].endswith("frame-ancestors *") and "x-frame-options" not in h


async def test_docs_svg_and_json() -> None:
    h = await _sent([(b"content-type", b"text/html; charset=utf-8")], path="/schema/swagger")
    assert h["content-security-policy"] == with_frame_ancestors(DOCS_CSP, "'none'")  # the web app's policy
    h = await _sent([(b"content-type", b"image/svg+xml")], path="/badge/c/provenance.svg")
    assert h["content-security-policy"] == DEFAULT_CSP and "x-frame-options" not in h
    assert h["content-type"] == "image/svg+xml; charset=utf-8"
    h = await _sent([(b"content-type", b"application/json")])
    assert "content-security-policy" not in h and h["x-content-type-options"] == "nosniff"


async def test_other_messages_are_untouched() -> None:
    body: Any = {"type": "http.response.body", "body": b"<html>"}
    await security_headers(body, {"type": "http", "path": "/"})  # type: ignore[arg-type]
    assert body == {"type": "http.response.body", "body": b"<html>"}
