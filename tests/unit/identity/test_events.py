from __future__ import annotations

from typing import Any, Union

import msgspec
import pytest
from qlcore.events.identity import (
    IDENTITY_EVENTS,
    AccountRegistered,
    ApiKeyCreated,
    SessionStarted,
)

from services.gateway.domain.passwords import Argon2Params, PasswordHashing
from services.gateway.domain.tokens import issue_api_key

AnyIdentityEvent = Union[IDENTITY_EVENTS]  # type: ignore[valid-type]  # noqa: UP007
SECRET_WORDS = ("password", "token", "key", "secret")


def test_tags_are_unique_and_namespaced() -> None:
    tags = [str(t.__struct_config__.tag) for t in IDENTITY_EVENTS]
    assert len(set(tags)) == len(tags)
    assert all(
        tag.split(".")[0] in {"account", "org", "workspace", "member", "api_key", "session", "invitation"}
        for tag in tags
    )


@pytest.mark.parametrize("event_type", IDENTITY_EVENTS, ids=lambda t: t.__name__)
def test_no_event_can_carry_a_secret_in_clear(event_type: type[Any]) -> None:
    for name in event_type.__struct_fields__:
        if any(word in name for word in SECRET_WORDS):
            assert name.endswith(("_hash", "_id")), f"{event_type.__name__}.{name}"
    assert event_type.__struct_config__.frozen


def test_api_key_created_round_trips_with_hash_and_prefix_only() -> None:
    key = issue_api_key()
    event = ApiKeyCreated.new(
        actor="acc1",
        workspace_id="ws1",
        key_id=key.token_id,
        org_id="org1",
        name="ci",
        prefix=key.prefix,
        key_hash=key.token_hash,
        scopes=["runs:read"],
        expires_at="2027-01-01T00:00:00Z",
        created_by="acc1",
    )
    data = msgspec.json.encode(event)
    assert key.token.encode() not in data
    assert msgspec.json.decode(data, type=AnyIdentityEvent) == event
    assert msgspec.json.decode(data)["type"] == "api_key.created"


def test_account_registered_keeps_a_hash_that_still_verifies_after_replay() -> None:
    hashing = PasswordHashing(Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1))
    event = AccountRegistered.new(
        actor="system",
        workspace_id=None,
        account_id="acc1",
        email="ada@lab.example",
        name="Ada",
        password_hash=hashing.hash("correct horse battery"),
    )
    replayed = msgspec.json.decode(msgspec.json.encode(event), type=AnyIdentityEvent)
    assert isinstance(replayed, AccountRegistered)
    assert hashing.verify(replayed.password_hash, "correct horse battery")
    assert "correct horse" not in msgspec.json.encode(event).decode()


def test_consumers_tolerate_fields_added_later() -> None:
    event = SessionStarted.new(
        actor="acc1",
        workspace_id="ws1",
        session_id="s1",
        account_id="acc1",
        org_id="org1",
        token_hash="0" * 64,
        expires_at="2026-03-15T12:00:00Z",
    )
    raw = msgspec.json.decode(msgspec.json.encode(event))
    raw["device_name"] = "laptop"
    assert msgspec.convert(raw, AnyIdentityEvent) == event


def test_every_identity_event_is_in_the_run_log_registry() -> None:
    from qlcore.events.registry import EVENT_TYPES, decode_event

    assert set(IDENTITY_EVENTS) <= set(EVENT_TYPES)
    event = SessionStarted.new(
        actor="account:a",
        workspace_id="ws1",
        session_id="s1",
        account_id="a",
        org_id="org1",
        token_hash="0" * 64,
        expires_at="2026-03-15T12:00:00Z",
    )
    assert decode_event(msgspec.json.encode(event), "session.started", 1) == event


def test_events_logged_before_phase_2_still_decode() -> None:
    """The first four types were in the log before the others: their old payloads must decode."""
    from qlcore.events.identity import OrgCreated, WorkspaceCreated
    from qlcore.events.registry import decode_event

    envelope = {
        "event_id": "e1",
        "occurred_at": "2026-01-01T00:00:00Z",
        "workspace_id": "ws1",
        "actor": "operator",
        "correlation_id": "e1",
        "causation_id": None,
        "version": 1,
    }
    old_key = {
        **envelope,
        "type": "api_key.created",
        "key_id": "key_1",
        "org_id": "org_1",
        "name": "default",
        "prefix": "ql_live_abcdefgh",
        "key_hash": "0" * 64,
        "scopes": ["runs:read"],
        "expires_at": None,
        "created_by": "operator",
    }
    key = decode_event(msgspec.json.encode(old_key), "api_key.created", 1)
    assert isinstance(key, ApiKeyCreated) and key.account_id is None and key.scopes == ["runs:read"]
    old_org = {
        **envelope,
        "workspace_id": None,
        "type": "org.created",
        "org_id": "org_1",
        "slug": "lab",
        "name": "Lab",
        "plan": "free",
    }
    org = decode_event(msgspec.json.encode(old_org), "org.created", 1)
    assert isinstance(org, OrgCreated) and org.created_by is None
    old_ws = {**envelope, "type": "workspace.created", "org_id": "org_1", "name": "default", "slug": "default"}
    ws = decode_event(msgspec.json.encode(old_ws), "workspace.created", 1)
    assert isinstance(ws, WorkspaceCreated) and ws.is_default is False
