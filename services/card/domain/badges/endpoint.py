"""The shields.io endpoint badge JSON (https://shields.io/badges/endpoint-badge).

shields validates an endpoint's answer strictly (``services/endpoint-common.js``): an object
with ``schemaVersion`` 1, a string ``label`` (may be empty), a non-empty string ``message``,
optional string ``color``/``labelColor``/``style``/``namedLogo``/``logoSvg`` (not both
logos), boolean ``isError``, integer ``cacheSeconds`` ≥ 0, and no other key. It caches an
endpoint badge for at least 300 s whatever it is told, so we say 300 or more.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import msgspec

__all__ = ["MIN_CACHE_SECONDS", "ShieldsEndpoint", "endpoint_json", "validate_endpoint"]

MIN_CACHE_SECONDS = 300


class ShieldsEndpoint(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True, rename="camel"):
    """The endpoint schema, field for field (logos left out: we never send them)."""

    schema_version: Literal[1]
    label: str
    message: Annotated[str, msgspec.Meta(min_length=1)]
    color: Annotated[str, msgspec.Meta(min_length=1)] | None = None
    label_color: Annotated[str, msgspec.Meta(min_length=1)] | None = None
    is_error: bool = False
    style: Literal["flat", "flat-square", "plastic", "for-the-badge", "social"] | None = None
    cache_seconds: Annotated[int, msgspec.Meta(ge=0)] | None = None


_encoder = msgspec.json.Encoder()


def endpoint_json(label: str, message: str, color: str, *, cache_seconds: int = MIN_CACHE_SECONDS) -> bytes:
    """The endpoint JSON of one badge (compact UTF-8)."""
    if cache_seconds < MIN_CACHE_SECONDS:
        raise ValueError(f"cacheSeconds below {MIN_CACHE_SECONDS} is ignored by shields; say {MIN_CACHE_SECONDS}")
    payload = ShieldsEndpoint(schema_version=1, label=label, message=message, color=color, cache_seconds=cache_seconds)
    return _encoder.encode(payload)


def validate_endpoint(data: Mapping[str, Any]) -> ShieldsEndpoint:
    """Check ``data`` as shields would; raises ``msgspec.ValidationError`` where it would reject."""
    if not isinstance(data, Mapping):
        raise msgspec.ValidationError("an endpoint badge is a JSON object")
    return msgspec.convert(dict(data), ShieldsEndpoint, strict=True)
