"""Maintainers' tools for the corpus (never used at run time)."""
