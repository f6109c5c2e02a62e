"""Pure logic of the ingest service (no I/O): a bundle's validation and ``run_hash``."""

from services.ingest.domain.bundle import Prepared, prepare

__all__ = ["Prepared", "prepare"]
