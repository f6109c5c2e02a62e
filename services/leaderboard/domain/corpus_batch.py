"""What ``corpus.import`` accepts: the checks of a batch of observations, before anything is
appended (pure). An observation that could not be ranked or keyed consistently is a 422 that
names it; the batch is all or nothing."""

from __future__ import annotations

import re

from qlcore.corpus.methodology import METHODOLOGY_VERSION, METRICS
from qlcore.corpus.model import Observation, format_rfc3339, parse_rfc3339
from qlcore.corpus.protocol import MAX_BATCH, ImportBatch
from qlcore.errors import Unprocessable

__all__ = ["distinct_snapshots", "validate"]

_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")


def validate(index: int, obs: Observation) -> None:
    """422 naming the observation when it could not be ranked or keyed consistently."""
    problems = []
    if obs.methodology != METHODOLOGY_VERSION:
        problems.append(f"measured with methodology {obs.methodology!r}, the service uses {METHODOLOGY_VERSION!r}")
    if not (_NAME.match(obs.provider) and _NAME.match(obs.backend)):
        problems.append("provider and backend must match [A-Za-z0-9_.-]{1,128}")
    try:
        if format_rfc3339(parse_rfc3339(obs.taken_at)) != obs.taken_at:
            problems.append(f"taken_at {obs.taken_at!r} is not in canonical RFC 3339 UTC form")
    except ValueError:
        problems.append(f"taken_at {obs.taken_at!r} is not an RFC 3339 time")
    unknown = sorted(set(obs.metrics) - set(METRICS))
    if unknown:
        problems.append(f"unknown metrics {unknown}")
    if obs.num_qubits < 1:
        problems.append("num_qubits must be at least 1")
    if problems:
        raise Unprocessable(f"observation {index} ({obs.key}): {'; '.join(problems)}", index=index)


def distinct_snapshots(batch: ImportBatch) -> dict[str, Observation]:
    """The batch's observations by key, each checked (:func:`validate`); the first of a key wins."""
    if len(batch.observations) > MAX_BATCH:
        raise Unprocessable(f"at most {MAX_BATCH} observations a batch, got {len(batch.observations)}")
    unique: dict[str, Observation] = {}
    for index, obs in enumerate(batch.observations):
        validate(index, obs)
        unique.setdefault(obs.key, obs)
    return unique
