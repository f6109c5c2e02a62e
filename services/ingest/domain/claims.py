"""When a claim may be trusted, and what the answer to a sender is. Pure; no I/O.

A claim ``(workspace_id, run_hash) → run_id`` is a row in ingest's PostgreSQL, committed without
waiting for the WAL flush (decision 0003): after a crash it may be gone, or (before decision 0009)
name a run that never reached the log. The run log is the truth, so a claim is trusted only when

* it is **logged**: the claims projection (or a read-back of JetStream's duplicate ack) tied it
  to a ``run.ingested`` in the log, whose ``run_id`` it holds; or
* it is **settled**: the claims projection had applied the log up to its last event as it was
  once the request arrived (``log_end``), so no earlier ``run.ingested`` of this bundle is
  missing from the claims. Appending a new run is then safe.

An unsettled claim waits for the projection to reach ``log_end`` and is read again.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Claim", "answer", "in_time"]


@dataclass(frozen=True)
class Claim:
    run_id: str
    new: bool  # this caller created the claim (one caller at most per key)
    logged: bool  # its run's event is in the log and ``run_id`` is that event's
    checkpoint: int  # how far the claims projection had applied the log when the claim was read
    log_end: int  # the log's last event sequence, read after the request arrived
    read_at: float  # when ``log_end`` was read (monotonic seconds)

    @property
    def settled(self) -> bool:
        """Whether the claim can decide: logged, or read after the projection reached ``log_end``."""
        return self.logged or self.checkpoint >= self.log_end


def in_time(claim: Claim, now: float, dedup_window_s: float) -> bool:
    """Whether a settled, unlogged claim may still be appended.

    Settling proves that no ``run.ingested`` of the bundle is at or below ``log_end``; one
    appended after that (a concurrent sender) carries the same ``Nats-Msg-Id``, so JetStream drops
    ours as its duplicate, but only within its window. Appending within half of it after
    ``log_end`` was read leaves the other half as a margin (publish timeouts, clocks).
    """
    return now - claim.read_at < dedup_window_s / 2


def answer(run_id: str, created: set[str], run_hash: str) -> tuple[int, dict[str, object]]:
    """``(201, result)`` when this request created the run (its claim's ``run_id`` is the run's),
    else ``(200, result)`` with ``deduplicated: true``."""
    new = run_id in created
    return (201 if new else 200), {"run_id": run_id, "run_hash": run_hash, "deduplicated": not new}
