"""The leaderboard's pure domain: calibration observations, metrics, ranking, trends, rendering.

No I/O on import, no NATS/PostgreSQL/HTTP. Sources (``domain.sources``) read the calibration
data that ships inside PyPI packages; everything else is pure functions over observations.
"""

from services.leaderboard.domain.methodology import (
    DEFAULT_METRIC,
    METHODOLOGY_VERSION,
    METRICS,
    MetricDefinition,
    UnknownMetricError,
    metric_definition,
)
from services.leaderboard.domain.metrics import CalibrationSummary, metrics_from_calibration, summarize_calibration
from services.leaderboard.domain.model import Conversion, Observation, SourceRef
from services.leaderboard.domain.ranking import Leaderboard, LeaderboardRow, latest_per_device, leaderboard, rank
from services.leaderboard.domain.runs import observation_from_run
from services.leaderboard.domain.trend import TrendBucket, trend

__all__ = [
    "DEFAULT_METRIC",
    "METHODOLOGY_VERSION",
    "METRICS",
    "CalibrationSummary",
    "Conversion",
    "Leaderboard",
    "LeaderboardRow",
    "MetricDefinition",
    "Observation",
    "SourceRef",
    "TrendBucket",
    "UnknownMetricError",
    "latest_per_device",
    "leaderboard",
    "metric_definition",
    "metrics_from_calibration",
    "observation_from_run",
    "rank",
    "summarize_calibration",
    "trend",
]
