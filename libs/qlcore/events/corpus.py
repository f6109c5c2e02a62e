"""Calibration corpus events (leaderboard service). The calibration of every ingested run is an
observation too, derived from ``run.ingested``; these events carry the snapshots imported from
real data shipped in PyPI packages (``ql corpus import SOURCE``)."""

from __future__ import annotations

from typing import Any

from qlcore.events.envelope import Event

__all__ = ["CORPUS_EVENTS", "CalibrationObserved"]


class CalibrationObserved(Event, frozen=True, tag="calibration.observed"):
    """One device snapshot; ``key`` (provider/backend@taken_at) makes a re-import a no-op.

    ``metrics`` follow the methodology named by ``methodology``; ``conversions`` say which were
    converted from a vendor's other definition, ``source_values`` keep the vendor's own numbers,
    ``calibration`` the per-element numbers (qlprov/run/1.0 shape) where the vendor publishes them.
    """

    key: str
    provider: str
    backend: str
    num_qubits: int
    taken_at: str
    source: dict[str, Any]
    metrics: dict[str, float | None]
    methodology: str
    taken_at_is_stand_in: bool = False
    counts: dict[str, int] = {}
    conversions: list[dict[str, Any]] = []
    calibration: dict[str, Any] | None = None
    source_values: dict[str, Any] = {}
    notes: list[str] = []


CORPUS_EVENTS: tuple[type[Event], ...] = (CalibrationObserved,)
