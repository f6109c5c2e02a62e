"""Observations to ``calibration.observed`` events and back.

The event carries everything the observation holds, the per-element ``calibration`` included,
so the log alone can rebuild the read model (and re-derive metrics if the methodology changes).
The read model keeps the observation without its calibration: no query needs it.
"""

from __future__ import annotations

from typing import Any

import msgspec
from qlcore.corpus.methodology import METRICS
from qlcore.corpus.model import Conversion, MetricValue, Observation, SourceRef
from qlcore.events.corpus import CalibrationObserved

__all__ = ["event_from_observation", "observation_from_event"]

_COUNT_UNITS = frozenset({"qubits", "couplers"})


def event_from_observation(
    observation: Observation, *, actor: str, correlation_id: str | None = None
) -> CalibrationObserved:
    """A new event (fresh id and time) carrying ``observation``; public data: no workspace."""
    return CalibrationObserved.new(
        actor=actor,
        workspace_id=None,
        correlation_id=correlation_id,
        key=observation.key,
        provider=observation.provider,
        backend=observation.backend,
        num_qubits=observation.num_qubits,
        taken_at=observation.taken_at,
        taken_at_is_stand_in=observation.taken_at_is_stand_in,
        source=msgspec.to_builtins(observation.source),
        metrics={name: (None if value is None else float(value)) for name, value in observation.metrics.items()},
        methodology=observation.methodology,
        counts=dict(observation.counts),
        conversions=msgspec.to_builtins(observation.conversions),
        calibration=observation.calibration,
        source_values=dict(observation.source_values),
        notes=list(observation.notes),
    )


def _metric(name: str, value: float | None) -> MetricValue:
    """Counts travel as JSON numbers that decode as floats: give them back their integer type."""
    definition = METRICS.get(name)
    if value is not None and definition is not None and definition.unit in _COUNT_UNITS and value.is_integer():
        return int(value)
    return value


def observation_from_event(event: CalibrationObserved, *, with_calibration: bool = False) -> Observation:
    source: dict[str, Any] = event.source
    return Observation(
        provider=event.provider,
        backend=event.backend,
        num_qubits=event.num_qubits,
        taken_at=event.taken_at,
        taken_at_is_stand_in=event.taken_at_is_stand_in,
        source=SourceRef(package=str(source["package"]), version=str(source["version"]), path=str(source["path"])),
        metrics={name: _metric(name, value) for name, value in event.metrics.items()},
        calibration=event.calibration if with_calibration else None,
        conversions=[msgspec.convert(c, Conversion) for c in event.conversions],
        counts=dict(event.counts),
        source_values=dict(event.source_values),
        notes=list(event.notes),
        methodology=event.methodology,
    )
