"""The cross-vendor hardware leaderboard and device trends (public: no credential needed)."""

from __future__ import annotations

from typing import Any, TypeVar

from quantumledger._calls import Call, Resource, decoded, endpoint, json_value, seg
from quantumledger.models import Leaderboard, Trend

__all__ = ["LeaderboardResource"]

M = TypeVar("M")


class LeaderboardResource(Resource[M]):
    """Rankings by calibration metric, their methodology, and each device's trend."""

    @endpoint
    def get(
        self,
        metric: str = "median_2q_error",
        *,
        provider: str | None = None,
        min_qubits: int | None = None,
        as_of: str | None = None,
    ) -> Call[Leaderboard]:
        """Devices ranked best first; an unknown metric raises ``ValidationError`` listing the
        valid ones (``extensions["valid_metrics"]``). ``as_of``: a date or RFC 3339 time."""
        params = {"metric": metric, "provider": provider, "min_qubits": min_qubits, "as_of": as_of}
        return Call("GET", "/api/v1/leaderboard", decoded(Leaderboard), params=params)

    @endpoint
    def methodology(self) -> Call[dict[str, Any]]:
        """The versioned metric definitions the leaderboard ranks by."""
        return Call("GET", "/api/v1/leaderboard/methodology", json_value)

    @endpoint
    def trend(
        self,
        provider: str,
        backend: str,
        *,
        metric: str = "median_2q_error",
        from_: str | None = None,
        to: str | None = None,
        bucket: str = "day",
    ) -> Call[Trend]:
        """A device's metric over time: median, p10, p90 and n per ``day`` or ``week``."""
        params = {"metric": metric, "from": from_, "to": to, "bucket": bucket}
        return Call("GET", f"/api/v1/backends/{seg(provider)}/{seg(backend)}/trend", decoded(Trend), params=params)
