"""A scripted server for the SDK's unit tests: httpx's MockTransport answering from a script,
recording every request, and a clock that records the sleeps the client asked for."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from quantumledger import _async, _sync

__all__ = ["Script", "problem", "reply"]

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response] | Exception


def reply(status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    content = b"" if body is None else json.dumps(body).encode()
    h = {"Content-Type": "application/json", **(headers or {})} if body is not None else dict(headers or {})
    return httpx.Response(status, content=content, headers=h)


def problem(
    status: int, slug: str, detail: str | None = None, headers: dict[str, str] | None = None, **ext: Any
) -> httpx.Response:
    body = {
        "type": f"https://quantumledger.dev/problems/{slug}",
        "title": slug.replace("-", " ").capitalize(),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(ext)
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/problem+json", **(headers or {})},
    )


@dataclass
class Script:
    """Answers in order, per (method, path); ``requests`` records what the client sent."""

    routes: dict[tuple[str, str], list[Answer]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    def on(self, method: str, path: str, *answers: Answer) -> Script:
        self.routes.setdefault((method, path), []).extend(answers)
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return problem(404, "not-found", f"no scripted answer for {request.method} {request.url.path}")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer(request) if callable(answer) else answer

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self.handle(request)

    def sync_transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def async_transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.ahandle)

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def install_clock(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The client's sleeps are recorded, not slept."""

        async def asleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        monkeypatch.setattr(_sync, "_sleep", self.sleeps.append)
        monkeypatch.setattr(_async, "_sleep", asleep)
