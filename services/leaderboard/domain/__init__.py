"""The leaderboard's pure domain: which runs publish, ranking, trends, rendering, and the checks
of requests. No I/O.

The observation model, the methodology and the metrics are the corpus's
(:mod:`qlcore.corpus`): the importer measures snapshots with them on the operator's machine and
this service measures runs' calibrations with the same functions.
"""

from services.leaderboard.domain.ranking import Leaderboard, LeaderboardRow, latest_per_device, leaderboard, rank
from services.leaderboard.domain.runs import observation_from_run
from services.leaderboard.domain.trend import TrendBucket, trend

__all__ = [
    "Leaderboard",
    "LeaderboardRow",
    "TrendBucket",
    "latest_per_device",
    "leaderboard",
    "observation_from_run",
    "rank",
    "trend",
]
