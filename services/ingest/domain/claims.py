"""When a claim may decide, and what the answer to a sender is. Pure; no I/O.

A claim ``(workspace_id, run_hash) → run_id`` is a row in ingest's PostgreSQL, committed without
waiting for the WAL flush (decision 0003): after a crash it may be gone while its run's event is
in the log. The run log is the truth. Two things cover it, and a claim that is not *logged*
(tied by the claims projection, or a read-back, to its ``run.ingested``) decides only when
together they cover every event the claims could be missing, i.e. every ``run.ingested`` after
the claims projection's checkpoint (decision 0012):

* JetStream's de-duplication, when the projection is *fresh*: the newest event it has applied
  occurred less than a quarter of the window before the claim was read. Every event after its
  checkpoint was appended after that one, so an append of this bundle made within half the
  window of the read (:func:`in_time`) is still inside JetStream's window of any of them: it is
  dropped as a duplicate, and the original's run is answered. A quarter is left for clocks; or
* the claims projection, when it had applied the log up to its end as read after the request
  arrived (``checkpoint >= log_end``): then nothing is missing.

Otherwise the request waits for the projection to reach ``log_end``, and reads the claim again.
Under load the projection is fresh (it lags by milliseconds) and nobody waits or reads the log's
end; when idle its checkpoint is at the log's end; after a crash that lost commits, or during a
replay, it is neither, and requests wait until it has applied what the claims lost.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Claim", "answer", "fresh", "in_time", "settled"]


@dataclass(frozen=True)
class Claim:
    run_id: str
    new: bool  # this caller created the claim (one caller at most per key)
    logged: bool  # its run's event is in the log and ``run_id`` is that event's
    checkpoint: int  # how far the claims projection had applied the log when the claim was read
    read_at: float  # when the claim was read (monotonic seconds)
    # how long before ``read_at`` the newest event the claims projection had applied occurred (wall
    # clocks); None when it has applied none
    projection_lag_s: float | None


def fresh(claim: Claim, dedup_window_s: float) -> bool:
    """Whether every event the claims may miss is young enough for JetStream's de-duplication."""
    lag = claim.projection_lag_s
    # a newest event "in the future" by more than clocks drift says a clock is wrong: do not trust it
    return lag is not None and -dedup_window_s / 8 < lag < dedup_window_s / 4


def settled(claim: Claim, dedup_window_s: float, log_end: int | None = None) -> bool:
    """Whether the claim may decide (module docstring): logged, or every ``run.ingested`` the claims
    may miss is covered by JetStream's window or by the projection (caught up to ``log_end``, the
    log's last event sequence read after the request arrived; ``None``: not read yet)."""
    if claim.logged or fresh(claim, dedup_window_s):
        return True
    return log_end is not None and claim.checkpoint >= log_end


def in_time(claim: Claim, now: float, dedup_window_s: float) -> bool:
    """Whether a settled, unlogged claim may still be appended: within half the window of its read.

    An append of the bundle that settling could not see (the projection had not applied it, or it
    came after the read) is then inside JetStream's window of ours, so JetStream drops ours as its
    duplicate and reports its sequence.
    """
    return now - claim.read_at < dedup_window_s / 2


def answer(run_id: str, created: set[str], run_hash: str) -> tuple[int, dict[str, object]]:
    """``(201, result)`` when this request created the run (its claim's ``run_id`` is the run's),
    else ``(200, result)`` with ``deduplicated: true``."""
    new = run_id in created
    return (201 if new else 200), {"run_id": run_id, "run_hash": run_hash, "deduplicated": not new}
