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

from services.gateway.identity.passwords import Argon2Params, PasswordHashing
from services.gateway.identity.tokens import issue_api_key

AnyIdentityEvent = Union[IDENTITY_EVENTS]  # type: ignore[valid-type]  # noqa: UP007
SECRET_WORDS = ("password", "token", "key", "secret")


def test_tags_are_unique_and_namespaced() -> None:
    tags = [str(t.__struct_config__.tag) for t in IDENTITY_EVENTS]
    assert len(set(tags)) == len(tags)
    assert all(tag.split(".")[0] in {"account", "org", "workspace", "member", "api_key", "session"} for tag in tags)


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
