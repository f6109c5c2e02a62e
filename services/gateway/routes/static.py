"""``/static/...``: the gateway's own files, the card page's style, scripts and icon
(``services/gateway/static/``), served byte for byte as they are in the source tree.

No CDN and no third-party code: everything a card page runs comes from here, so that it works
under ``script-src 'self'`` and offline. The files are read once, at import; each answer names
its SHA-256 (``Repr-Digest``, RFC 9530) and ``/static/SHA256SUMS`` lists them all in
``sha256sum`` format, so a reader can compare what their browser ran with a release of the
source (``sha256sum -c``; docs/transparency-log.md, "What the card page checks"). Revalidated on
every use (``no-cache`` with a strong ETag): a page never runs a script older than the server's.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from qlcore.errors import NotFound
from qlcore.http_cache import if_none_match

__all__ = ["ASSETS", "STATIC_DIR", "Asset", "load_assets", "static_file"]

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
SUMS = "SHA256SUMS"


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str

    @property
    def sha256(self) -> bytes:
        return hashlib.sha256(self.body).digest()

    def headers(self) -> dict[str, str]:
        return {
            "ETag": f'"sha256-{self.sha256.hex()}"',
            "Cache-Control": "no-cache",
            "Repr-Digest": f"sha-256=:{base64.b64encode(self.sha256).decode()}:",
            "X-Content-Type-Options": "nosniff",
            "Access-Control-Allow-Origin": "*",
        }


def load_assets(root: Path) -> dict[str, Asset]:
    """Every ``.js``/``.css``/``.svg`` file under ``root`` by its path relative to it, and ``SHA256SUMS``."""
    assets = {
        path.relative_to(root).as_posix(): Asset(path.read_bytes(), MEDIA_TYPES[path.suffix])
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.suffix in MEDIA_TYPES
    }
    sums = "".join(f"{asset.sha256.hex()}  {name}\n" for name, asset in assets.items())
    assets[SUMS] = Asset(sums.encode(), "text/plain; charset=utf-8")
    return assets


ASSETS = load_assets(STATIC_DIR)


@get("/static/{path:path}", operation_id="staticFile", include_in_schema=False, media_type="text/plain")
async def static_file(request: Request[Any, Any, Any], path: str) -> Response[bytes]:
    asset = ASSETS.get(path.lstrip("/"))
    if asset is None:
        raise NotFound(f"no static file {path!r}")
    headers = asset.headers()
    if if_none_match(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(b"", status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)
