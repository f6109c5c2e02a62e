"""Pure logic of the provenance service (no I/O): the run list's query and cursors."""

from services.provenance.domain.listing import ListQuery, RunFilter, decode_cursor, encode_cursor, run_filter

__all__ = ["ListQuery", "RunFilter", "decode_cursor", "encode_cursor", "run_filter"]
