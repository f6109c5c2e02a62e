"""Pure logic of the ingest service (no I/O): a bundle's validation and ``run_hash``, and when a
claim may decide."""

from services.ingest.domain.bundle import Prepared, prepare
from services.ingest.domain.claims import Claim, answer, in_time, settled

__all__ = ["Claim", "Prepared", "answer", "in_time", "prepare", "settled"]
