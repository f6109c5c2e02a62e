"""The corpus's types: a calibration observation of one device at one time.

An :class:`Observation` is what every source (a package's bundled calibration data, or an
ingested run's ``calibration``) is normalized into. It keeps the numbers *after* conversion to
the methodology's definitions (``metrics``, and ``calibration`` in the qlprov/run/1.0 shape) and
says what was converted (``conversions``) and where the numbers came from (``source``), so a
reader can always get back to the vendor's own definition.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

__all__ = [
    "Conversion",
    "MetricValue",
    "Observation",
    "SourceRef",
    "format_rfc3339",
    "parse_rfc3339",
]

MetricValue = float | int | None


class SourceRef(msgspec.Struct, frozen=True, kw_only=True):
    """Where a snapshot came from: a package, its version, and the file (or object) inside it."""

    package: str
    version: str
    path: str


class Conversion(msgspec.Struct, frozen=True, kw_only=True):
    """How one metric was derived from a vendor's differently defined number."""

    metric: str
    source_definition: str
    method: str


class Observation(msgspec.Struct, frozen=True, kw_only=True):
    """One device's calibration at one time, normalized to the leaderboard methodology.

    ``taken_at`` is always an RFC 3339 UTC time. Where the source carries no date,
    ``taken_at_is_stand_in`` is true and ``notes`` says which date stands in (for example the
    build date of the package that ships the numbers).
    """

    provider: str
    backend: str
    num_qubits: int
    taken_at: str
    source: SourceRef
    metrics: dict[str, MetricValue]
    taken_at_is_stand_in: bool = False
    calibration: dict[str, Any] | None = None
    conversions: list[Conversion] = msgspec.field(default_factory=list)
    counts: dict[str, int] = msgspec.field(default_factory=dict)
    source_values: dict[str, Any] = msgspec.field(default_factory=dict)
    notes: list[str] = msgspec.field(default_factory=list)
    methodology: str = ""

    @property
    def device(self) -> str:
        """``provider/backend``, as the API names a backend."""
        return f"{self.provider}/{self.backend}"

    @property
    def key(self) -> str:
        """Natural key of the snapshot; importing the same snapshot twice yields the same key."""
        return f"{self.provider}/{self.backend}@{self.taken_at}"

    @property
    def taken_at_dt(self) -> datetime:
        return parse_rfc3339(self.taken_at)


def parse_rfc3339(value: str) -> datetime:
    """Parse an RFC 3339 time (``Z`` or offset); naive times are taken as UTC."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_rfc3339(value: datetime) -> str:
    """Format as RFC 3339 in UTC with a ``Z``; milliseconds only when present."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    spec = "milliseconds" if value.microsecond else "seconds"
    return value.replace(tzinfo=None).isoformat(timespec=spec) + "Z"
