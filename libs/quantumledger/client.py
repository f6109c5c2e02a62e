"""The HTTP client of the SDK: ingest (one, or a stream), list and fetch runs, verify offline."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson

from quantumledger.errors import APIError

__all__ = ["APIError", "Client", "default_api_key", "default_base_url"]


def default_base_url() -> str:
    return os.environ.get("QL_URL") or f"http://127.0.0.1:{os.environ.get('QL_PORT', '8000')}"


def default_api_key() -> str | None:
    """``QL_TOKEN``, else the dev key that `make run` wrote to ``$QL_HOME/dev-api-key``."""
    if os.environ.get("QL_TOKEN"):
        return os.environ["QL_TOKEN"]
    f = Path(os.environ.get("QL_HOME", ".ql")) / "dev-api-key"
    return f.read_text().strip() if f.exists() else None


def _raise_for(r: httpx.Response) -> None:
    if r.status_code >= 400:
        try:
            problem = r.json()
        except ValueError:
            problem = {"title": r.reason_phrase, "status": r.status_code, "detail": r.text[:500]}
        raise APIError(r.status_code, problem)


def _bytes(bundle: dict[str, Any] | bytes | str | Path) -> bytes:
    if isinstance(bundle, Path):
        return bundle.read_bytes()
    if isinstance(bundle, str):
        return bundle.encode()
    if isinstance(bundle, bytes):
        return bundle
    return orjson.dumps(bundle)


class Runs:
    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def list(
        self, *, backend: str | None = None, status: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of runs, most recent first, and the next page's URL (or ``None``)."""
        params = {
            k: v
            for k, v in {"backend": backend, "status": status, "limit": limit, "cursor": cursor}.items()
            if v is not None
        }
        r = self._http.get("/api/v1/runs", params=params)
        _raise_for(r)
        return r.json(), r.links.get("next", {}).get("url")

    def iter(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every run, following the ``Link: rel=next`` pages."""
        page, nxt = self.list(**filters)
        yield from page
        while nxt:
            r = self._http.get(nxt)
            _raise_for(r)
            yield from r.json()
            nxt = r.links.get("next", {}).get("url")

    def get(self, run_id: str, *, verify: bool = True) -> dict[str, Any]:
        """The full document; verified offline (hash and schema) unless ``verify=False``."""
        r = self._http.get(f"/api/v1/runs/{run_id}")
        _raise_for(r)
        doc: dict[str, Any] = r.json()
        if verify:
            from quantumledger.verify import verify as _verify

            _verify(doc)
        return doc


class Client:
    """``Client(base_url, api_key)``; both default to the environment (and `make run`'s dev key)."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None, *, timeout: float = 60.0) -> None:
        key = api_key or default_api_key()
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._http = httpx.Client(base_url=base_url or default_base_url(), headers=headers, timeout=timeout)
        self.runs = Runs(self._http)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def ingest(self, bundle: dict[str, Any] | bytes | str | Path) -> dict[str, Any]:
        """Ingest one bundle: ``{run_id, run_hash, deduplicated}``."""
        r = self._http.post("/api/v1/ingest/runs", content=_bytes(bundle), headers={"Content-Type": "application/json"})
        _raise_for(r)
        return r.json()  # type: ignore[no-any-return]

    def ingest_stream(self, bundles: Iterable[dict[str, Any] | bytes | str | Path]) -> Iterator[dict[str, Any]]:
        """Stream bundles as NDJSON; yields one result per bundle as the server acknowledges it.

        Each result has ``line`` (1-based position in ``bundles``) and either the ingest result or
        ``error`` (a problem document): one bad bundle does not stop the others.
        """

        def body() -> Iterator[bytes]:
            for b in bundles:
                data = _bytes(b)
                yield data.replace(b"\n", b" ") + b"\n" if b"\n" in data else data + b"\n"

        with self._http.stream(
            "POST",
            "/api/v1/ingest/runs:stream",
            content=body(),
            headers={"Content-Type": "application/x-ndjson"},
            timeout=None,
        ) as r:
            if r.status_code >= 400:
                r.read()
                _raise_for(r)
            for line in r.iter_lines():
                if line.strip():
                    yield orjson.loads(line)

    def me(self) -> dict[str, Any]:
        r = self._http.get("/api/v1/me")
        _raise_for(r)
        return r.json()  # type: ignore[no-any-return]

    def health(self) -> dict[str, Any]:
        r = self._http.get("/api/v1/health")
        return r.json()  # type: ignore[no-any-return]
