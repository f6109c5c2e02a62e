"""Checks over the workspace's API keys: the credentials that can write provenance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from services.attestation.domain.checks.base import Check, CheckParams, Observation, Subject, parse_time
from services.attestation.domain.snapshot import ApiKeyFacts, WorkspaceSnapshot

__all__ = ["KEY_CHECKS", "active_keys"]


def active_keys(snapshot: WorkspaceSnapshot) -> list[ApiKeyFacts]:
    """Keys that still work at ``snapshot.as_of``: not revoked and not expired."""
    now = parse_time(snapshot.as_of)
    return [
        key
        for key in snapshot.api_keys
        if not key.revoked and (key.expires_at is None or parse_time(key.expires_at) > now)
    ]


class ExpiryParams(CheckParams, frozen=True, kw_only=True):
    max_lifetime_days: int | None = None


def _expiry(snapshot: WorkspaceSnapshot, p: ExpiryParams) -> Iterator[Observation]:
    for key in active_keys(snapshot):
        facts = {"prefix": key.prefix, "created_at": key.created_at, "expires_at": key.expires_at}
        reason = ""
        if key.expires_at is None:
            reason = "key never expires"
        elif p.max_lifetime_days is not None and key.created_at is not None:
            lifetime = parse_time(key.expires_at) - parse_time(key.created_at)
            if lifetime > timedelta(days=p.max_lifetime_days):
                reason = f"key lives longer than {p.max_lifetime_days} days"
        yield Observation(Subject("api_key", key.prefix), not reason, facts, reason)


class LeastPrivilegeParams(CheckParams, frozen=True, kw_only=True):
    forbidden_scopes: tuple[str, ...]


def _least_privilege(snapshot: WorkspaceSnapshot, p: LeastPrivilegeParams) -> Iterator[Observation]:
    for key in active_keys(snapshot):
        held = sorted(set(key.scopes) & set(p.forbidden_scopes))
        facts = {"prefix": key.prefix, "scopes": sorted(key.scopes)}
        reason = "holds broad scopes: " + ", ".join(held) if held else ""
        yield Observation(Subject("api_key", key.prefix), not held, facts, reason)


KEY_CHECKS: tuple[Check, ...] = (
    Check("api_keys_expire", "Every active API key expires (within N days of creation)", ExpiryParams, _expiry),
    Check(
        "api_keys_least_privilege",
        "No active API key holds the listed broad scopes",
        LeastPrivilegeParams,
        _least_privilege,
    ),
)
