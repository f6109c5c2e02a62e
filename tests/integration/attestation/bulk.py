"""Runs appended straight to the log in bulk, as ingest appends them (decision 0008): a document
entry, then its ``run.ingested`` with the headers ``Bus.append`` sets, published a thousand at a
time without waiting for each ack. Thousands of runs through HTTP would take minutes; tests of
large workspaces use this, then drive everything else through the real stack."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import msgspec
from qlcore.bus import HDR_RUN_ID, HDR_TYPE, HDR_VERSION, HDR_WORKSPACE, connect
from qlcore.events import RunIngested
from qlcore.events.registry import encode_event
from qlprov.hashing import canonical_body, digest_hex

from tests.fixtures import Stack

__all__ = ["append_runs"]


async def append_runs(
    stack: Stack, workspace_id: str, n: int, document: Callable[[int], dict[str, Any]], *, user: str | None = None
) -> None:
    """Append runs ``document(0)`` .. ``document(n - 1)`` to the workspace, with run ids
    ``01R<23 digits>`` (ascending, so evidence ids are in run order). ``user``: the NATS user on
    a closed bus (the tests' ``qlcore.busauth.TEST``); a server of a test's own has none."""
    bus = await connect(stack.settings, "bulk-test", user=user)
    js, stream = bus.js, stack.settings.stream
    try:
        for start in range(0, n, 1000):
            bodies = [canonical_body(document(i)) for i in range(start, min(n, start + 1000))]
            pending = [await js.publish_async(stack.settings.document_subject, b, stream=stream) for b in bodies]
            acks = await asyncio.gather(*pending)
            pending = []
            for j, (body, ack) in enumerate(zip(bodies, acks, strict=True)):
                event = RunIngested.new(
                    actor="test:bulk",
                    workspace_id=workspace_id,
                    run_id=f"01R{start + j:023d}",
                    run_hash=digest_hex(body),
                    head=msgspec.Raw(body),
                    received_at="2025-02-26T10:02:00Z",
                    document_seq=ack.seq,
                )
                headers = {
                    HDR_TYPE: event.type,
                    HDR_VERSION: str(event.schema_version),
                    HDR_WORKSPACE: workspace_id,
                    HDR_RUN_ID: event.run_id,
                    "Ql-Event-Id": event.event_id,
                    "Ql-Correlation-Id": event.correlation_id,
                }
                data = encode_event(event)
                pending.append(await js.publish_async(bus.subject_for(event), data, stream=stream, headers=headers))
            await asyncio.gather(*pending)
    finally:
        await bus.close()
