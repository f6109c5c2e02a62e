"""The base of every result type."""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["Model"]


class Model(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=False):
    """A result read from the API: typed, immutable, forward-compatible.

    Members the server adds later are ignored (never an error), and every member the server
    may leave out has a default, so an older SDK keeps reading newer answers. ``to_dict()``
    gives plain JSON values (for printing or storing).
    """

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = msgspec.to_builtins(self)
        return out
