"""The client side of ``corpus.import``: send observations to the leaderboard service in batches.

Used by ``ql corpus import`` (:mod:`services.ops.corpus`) and the benchmark; it speaks only the
operation's wire format (:mod:`qlcore.corpus.protocol`), never the service's code. Observations
are encoded once and packed into requests of at most ``max_batch_bytes`` (NATS' default
``max_payload`` is 1 MiB; the largest snapshot, a 156-qubit Heron device, is ~110 KB). Only the
last request asks the service to wait for its read model, so a finished import is visible to the
next query.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import msgspec
from qlcore import rpc
from qlcore.config import Settings
from qlcore.corpus.model import Observation
from qlcore.corpus.protocol import IMPORT_OPERATION, SERVICE, ImportResult
from qlcore.errors import QLError

__all__ = ["ImportFailedError", "ImportSummary", "batches", "send_observations"]

MAX_BATCH_BYTES = 768 * 1024
MAX_BATCH = 200  # observations a request carries (the service accepts up to protocol.MAX_BATCH)


class ImportFailedError(QLError):
    """The service refused a batch; ``problem`` is its problem document."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(str(problem.get("detail") or problem.get("title") or problem))
        self.status, self.problem_doc = status, problem


@dataclass
class ImportSummary:
    received: int = 0
    appended: int = 0
    already_imported: int = 0
    deduplicated_by_log: int = 0
    batches: int = 0
    seconds: float = 0.0

    @property
    def events_per_s(self) -> float:
        """Events appended (and projected) per second of the whole import."""
        return self.appended / self.seconds if self.seconds else 0.0

    @property
    def observations_per_s(self) -> float:
        return self.received / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            **self.__dict__,
            "events_per_s": round(self.events_per_s, 1),
            "observations_per_s": round(self.observations_per_s, 1),
        }


def batches(
    observations: Iterable[Observation], max_batch_bytes: int = MAX_BATCH_BYTES, max_batch: int = MAX_BATCH
) -> Iterable[list[bytes]]:
    """Encoded observations grouped into batches under both limits (one oversized item goes alone)."""
    batch: list[bytes] = []
    size = 0
    for obs in observations:
        encoded = msgspec.json.encode(obs)
        if batch and (size + len(encoded) > max_batch_bytes or len(batch) >= max_batch):
            yield batch
            batch, size = [], 0
        batch.append(encoded)
        size += len(encoded) + 1
    if batch:
        yield batch


def _body(encoded: list[bytes], operator: str, wait: bool) -> bytes:
    tail = msgspec.json.encode({"operator": operator, "wait": wait})
    return b'{"observations":[' + b",".join(encoded) + b"]," + tail[1:]


async def send_observations(
    nc: Any,
    settings: Settings,
    observations: Iterable[Observation],
    *,
    operator: str,
    on_batch: Callable[[int, ImportResult], None] | None = None,
    max_batch_bytes: int = MAX_BATCH_BYTES,
    timeout: float = 120.0,
) -> ImportSummary:
    """Import ``observations`` through the leaderboard service; ``on_batch(sent, result)`` after each."""
    summary = ImportSummary()
    t0 = time.perf_counter()
    pending: list[bytes] | None = None

    async def send(encoded: list[bytes], wait: bool) -> None:
        reply = await rpc.call(nc, settings, SERVICE, IMPORT_OPERATION, _body(encoded, operator, wait), timeout=timeout)
        if reply.status >= 400:
            raise ImportFailedError(reply.status, reply.json() or {})
        result = msgspec.convert(reply.json(), ImportResult)
        summary.batches += 1
        for name in ("received", "appended", "already_imported", "deduplicated_by_log"):
            setattr(summary, name, getattr(summary, name) + getattr(result, name))
        if on_batch is not None:
            on_batch(len(encoded), result)

    for batch in batches(observations, max_batch_bytes):
        if pending is not None:
            await send(pending, wait=False)
        pending = batch
    if pending is not None:
        await send(pending, wait=True)
    summary.seconds = time.perf_counter() - t0
    return summary
