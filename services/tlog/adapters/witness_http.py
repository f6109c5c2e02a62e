"""Submitting a checkpoint to a witness: ``POST <prefix>/add-checkpoint`` (c2sp.org/tlog-witness)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

__all__ = ["WitnessAnswer", "WitnessClient"]

MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class WitnessAnswer:
    status: int
    body: bytes
    content_type: str


class WitnessClient:
    """One keep-alive HTTP client for every witness (the specification asks for keep-alive)."""

    def __init__(self, timeout: float) -> None:
        self._http = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def add_checkpoint(self, url: str, body: bytes) -> WitnessAnswer:
        """The witness's answer; ``httpx.HTTPError`` when it cannot be reached in time."""
        r = await self._http.post(url, content=body, headers={"Content-Type": "text/plain; charset=utf-8"})
        return WitnessAnswer(r.status_code, r.content[:MAX_BODY], r.headers.get("content-type", ""))

    async def close(self) -> None:
        await self._http.aclose()
