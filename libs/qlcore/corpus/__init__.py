"""The calibration corpus: device calibration snapshots measured with one versioned methodology.

Both sides of ``ql corpus import`` use it: the operator's importer (``services/ops``) reads the
vendor packages (:mod:`.adapters`), converts each vendor's definitions (:mod:`.vendors`) and
measures the snapshots on the operator's machine; the leaderboard service checks the methodology
version of what it receives, measures every ingested run's calibration with the same
:func:`~.metrics.metrics_from_calibration`, and ranks. The pure part (everything but
:mod:`.adapters` and :mod:`.tools`) does no I/O. The wire format of the ``corpus.import``
operation between the two is :mod:`.protocol`.
"""

from qlcore.corpus.methodology import (
    DEFAULT_METRIC,
    METHODOLOGY_VERSION,
    METRICS,
    MetricDefinition,
    UnknownMetricError,
    metric_definition,
)
from qlcore.corpus.metrics import CalibrationSummary, metrics_from_calibration, summarize_calibration
from qlcore.corpus.model import Conversion, MetricValue, Observation, SourceRef, format_rfc3339, parse_rfc3339
from qlcore.corpus.observations import device_level_observation, observation_from_calibration

__all__ = [
    "DEFAULT_METRIC",
    "METHODOLOGY_VERSION",
    "METRICS",
    "CalibrationSummary",
    "Conversion",
    "MetricDefinition",
    "MetricValue",
    "Observation",
    "SourceRef",
    "UnknownMetricError",
    "device_level_observation",
    "format_rfc3339",
    "metric_definition",
    "metrics_from_calibration",
    "observation_from_calibration",
    "parse_rfc3339",
    "summarize_calibration",
]
