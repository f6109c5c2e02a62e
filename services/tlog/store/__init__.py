"""The tlog service's PostgreSQL: schema (``DDL``, ``TABLES``) and every query, one module per table group."""

from services.tlog.store import checkpoints, entries, settings, tree
from services.tlog.store.schema import DDL, TABLES

__all__ = ["DDL", "TABLES", "checkpoints", "entries", "settings", "tree"]
