"""Pure logic of the provenance service (no I/O): the run list's query and cursors."""

from services.provenance.domain.listing import (
    KINDS,
    ListQuery,
    RunFilter,
    RunKind,
    decode_cursor,
    encode_cursor,
    item_kind,
    run_filter,
    run_kind,
)

__all__ = [
    "KINDS",
    "ListQuery",
    "RunFilter",
    "RunKind",
    "decode_cursor",
    "encode_cursor",
    "item_kind",
    "run_filter",
    "run_kind",
]
