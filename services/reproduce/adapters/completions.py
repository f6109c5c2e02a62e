"""Waiting for a job's end in the process that took the request, whichever process ran it.

Every reproduce process listens (plain NATS, no consumer) on the run log's subjects of
``reproduction.completed`` and ``reproduction.failed``: JetStream stores what is published there
and NATS delivers it to these subscribers as well. A request handler registers its job before
enqueuing it and is woken by the terminal event. Plain NATS is at-most-once, so a missed event
only costs the caller the wait: it then gets 202 and reads the outcome from the read model.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from qlcore.bus import HDR_TYPE, HDR_VERSION
from qlcore.config import Settings
from qlcore.events.registry import UnknownEvent, decode_event
from qlcore.events.reproduce import ReproductionCompleted, ReproductionFailed

__all__ = ["Completions", "Terminal"]

log = structlog.get_logger("reproduce.completions")

Terminal = ReproductionCompleted | ReproductionFailed


class Completions:
    def __init__(self, nc: NATS, settings: Settings) -> None:
        self.nc, self.settings = nc, settings
        self._waiting: dict[str, asyncio.Future[Terminal]] = {}
        self._subs: list[Any] = []

    async def start(self) -> None:
        prefix = self.settings.log_subject_prefix
        for t in (ReproductionCompleted, ReproductionFailed):
            self._subs.append(await self.nc.subscribe(f"{prefix}.{t.__struct_config__.tag}", cb=self._on_event))

    async def stop(self) -> None:
        for sub in self._subs:
            try:
                await sub.unsubscribe()
            except Exception as exc:  # the connection may be closing already (shutdown)
                log.info("completions.unsubscribe_failed", error=repr(exc))
        self._subs.clear()

    def expect(self, job_id: str) -> asyncio.Future[Terminal]:
        """A future resolved by the job's terminal event; call :meth:`forget` when done with it."""
        fut: asyncio.Future[Terminal] = asyncio.get_running_loop().create_future()
        self._waiting[job_id] = fut
        return fut

    def forget(self, job_id: str) -> None:
        self._waiting.pop(job_id, None)

    async def _on_event(self, msg: Msg) -> None:
        if not self._waiting:
            return
        h = msg.headers or {}
        try:
            event = decode_event(msg.data, h.get(HDR_TYPE), int(h.get(HDR_VERSION, "1")))
        except (UnknownEvent, ValueError) as exc:  # msgspec errors are ValueErrors
            log.warning("completions.undecodable", error=repr(exc))
            return
        if isinstance(event, ReproductionCompleted | ReproductionFailed):
            fut = self._waiting.get(event.job_id)
            if fut is not None and not fut.done():
                fut.set_result(event)
