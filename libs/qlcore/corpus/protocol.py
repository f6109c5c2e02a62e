"""The ``corpus.import`` operation of the leaderboard service: its request and its reply.

The importer (``ql corpus import``, ``services/ops``) sends observations it measured; the
service validates them, appends one ``calibration.observed`` event per snapshot not yet in its
read model, and replies with the counts. Both sides decode with these types, so neither needs
the other's code.
"""

from __future__ import annotations

import msgspec

from qlcore.corpus.model import Observation

__all__ = ["IMPORT_OPERATION", "MAX_BATCH", "SERVICE", "ImportBatch", "ImportResult"]

SERVICE = "leaderboard"
IMPORT_OPERATION = "corpus.import"
MAX_BATCH = 1000  # observations a request may carry


class ImportBatch(msgspec.Struct, forbid_unknown_fields=True):
    observations: list[Observation]
    operator: str = "unknown"
    wait: bool = True  # reply only once the read model shows the batch


class ImportResult(msgspec.Struct, frozen=True):
    """``appended`` new events; repeats caught by the read model (``already_imported``) or by the
    log's de-duplication window (``deduplicated_by_log``); ``last_seq`` of the batch's appends."""

    received: int
    appended: int
    already_imported: int
    deduplicated_by_log: int
    last_seq: int
