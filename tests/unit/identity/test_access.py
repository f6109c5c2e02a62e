from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
import yaml

from services.gateway.domain.access import (
    SCOPES,
    Principal,
    Role,
    Scope,
    authorize,
    check_expiry_grantable,
    check_grantable,
    check_workspace_grantable,
    effective_scopes,
    load_roles,
    role_at_least,
    roles,
    session_scopes,
)
from services.gateway.domain.errors import Forbidden, MissingRole, MissingScope, NotHeld


def principal(role: Role, scopes: frozenset[Scope] | None = None, via: str = "session") -> Principal:
    return Principal(
        account_id="acc1",
        org_id="org1",
        org_slug="lab",
        org_name="Lab",
        workspace_id="ws1",
        workspace_slug="default",
        workspace_name="Default",
        role=role,
        scopes=session_scopes(role) if scopes is None else scopes,
        plan="free",
        via=via,  # type: ignore[arg-type]
        key_id="key1" if via == "api_key" else None,
    )


def test_scopes_and_roles_are_the_documented_ones() -> None:
    assert set(SCOPES) == {"runs:read", "runs:write", "cards:publish", "attest:write", "admin"}
    table = roles()
    assert sorted(table, key=lambda r: -table[r].rank) == ["owner", "admin", "member", "viewer"]
    assert session_scopes("owner") == frozenset(SCOPES)
    assert session_scopes("viewer") == {"runs:read"}
    assert "admin" not in session_scopes("member")


def test_role_order() -> None:
    assert role_at_least("owner", "admin")
    assert role_at_least("admin", "admin")
    assert not role_at_least("member", "admin")
    assert role_at_least("viewer", "viewer")


def test_authorize_passes_with_scope_and_role() -> None:
    authorize(principal("member"), scope="runs:write", role="member")
    authorize(principal("owner"), scope="admin", role="admin")


def test_authorize_names_the_missing_scope() -> None:
    key = principal("admin", scopes=frozenset({"runs:read"}), via="api_key")
    with pytest.raises(MissingScope) as info:
        authorize(key, scope="runs:write")
    assert isinstance(info.value, Forbidden) and info.value.status == 403
    assert info.value.scope == "runs:write"
    assert info.value.problem()["scope"] == "runs:write"
    assert info.value.problem()["granted"] == ["runs:read"]


def test_authorize_names_the_missing_role_before_the_scope() -> None:
    with pytest.raises(MissingRole) as info:
        authorize(principal("viewer"), scope="admin", role="admin")
    assert (info.value.required, info.value.role, info.value.status) == ("admin", "viewer", 403)


def test_effective_scopes_narrow_when_the_creator_is_demoted() -> None:
    granted = ["runs:read", "runs:write", "attest:write"]
    assert effective_scopes("admin", granted) == set(granted)
    assert effective_scopes("member", granted) == {"runs:read", "runs:write"}
    assert effective_scopes("viewer", granted) == {"runs:read"}


def test_check_grantable_within_the_role() -> None:
    assert check_grantable(principal("member"), ["runs:read", "runs:write"]) == {"runs:read", "runs:write"}
    with pytest.raises(NotHeld) as info:
        check_grantable(principal("member"), ["runs:read", "admin"])
    assert info.value.scope == "admin" and info.value.status == 403
    with pytest.raises(ValueError, match="unknown scopes"):
        check_grantable(principal("owner"), ["runs:delete"])


def test_a_key_grants_only_the_scopes_it_holds() -> None:
    """Issue 11: an ``admin``-only key minted a key with runs:write. ``admin`` implies nothing else."""
    admin_key = principal("owner", scopes=frozenset({"admin"}), via="api_key")
    assert check_grantable(admin_key, ["admin"]) == {"admin"}
    for scope in ("runs:read", "runs:write", "attest:write", "cards:publish"):
        with pytest.raises(NotHeld) as info:
            check_grantable(admin_key, ["admin", scope])
        assert info.value.scope == scope
        problem = info.value.problem()
        assert problem["type"].endswith("/privilege-not-held") and problem["held"] == ["admin"]
    narrow = principal("owner", scopes=frozenset({"runs:read", "admin"}), via="api_key")
    assert check_grantable(narrow, ["runs:read"]) == {"runs:read"}
    with pytest.raises(NotHeld):
        check_grantable(narrow, ["runs:write"])


def test_a_key_holds_no_more_than_its_members_role() -> None:
    # a key made when its member was an admin, the member now a viewer: the stored scopes do not count
    demoted = principal("viewer", scopes=frozenset({"runs:read", "runs:write", "admin"}), via="api_key")
    with pytest.raises(NotHeld):
        check_grantable(demoted, ["runs:write"])


def test_a_key_grants_only_its_own_workspace() -> None:
    key = principal("owner", scopes=frozenset(SCOPES), via="api_key")
    check_workspace_grantable(key, "ws1")
    with pytest.raises(NotHeld) as info:
        check_workspace_grantable(key, "ws2")
    assert info.value.workspace == "ws2" and info.value.problem()["held_workspace"] == "ws1"
    check_workspace_grantable(principal("member"), "ws2")  # a session is the member, across the org


def test_principal_is_frozen_and_round_trips() -> None:
    p = principal("member", via="api_key")
    assert msgspec.json.decode(msgspec.json.encode(p), type=Principal) == p
    with pytest.raises(AttributeError):
        p.role = "owner"  # type: ignore[misc]
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({**msgspec.to_builtins(p), "role": "superuser"}, Principal)


def test_roles_file_must_define_every_role(tmp_path: Path) -> None:
    data = yaml.safe_load((Path(__file__).parents[3] / "services/gateway/domain/roles.yaml").read_text())
    data.pop("viewer")
    path = tmp_path / "roles.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match="exactly"):
        load_roles(path)
    data["viewer"] = {"rank": 10, "description": "x", "permissions": ["runs:delete"]}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(msgspec.ValidationError):
        load_roles(path)


def test_actor_names_the_person_for_a_session_and_the_credential_for_a_key() -> None:
    assert principal("member").actor == "account:acc1"
    assert principal("member", via="api_key").actor == "api_key:key1"


def test_a_key_grants_no_later_expiry_than_its_own() -> None:
    friday = datetime(2030, 1, 4, tzinfo=UTC)
    key = msgspec.structs.replace(principal("owner", scopes=frozenset(SCOPES), via="api_key"), expires_at=friday)
    check_expiry_grantable(key, friday)
    check_expiry_grantable(key, friday - timedelta(days=1))
    for later in (None, friday + timedelta(seconds=1)):
        with pytest.raises(NotHeld) as info:
            check_expiry_grantable(key, later)
        assert info.value.problem()["held_expires_at"] == "2030-01-04T00:00:00Z"
    check_expiry_grantable(msgspec.structs.replace(key, expires_at=None), None)  # a key without expiry
    session = msgspec.structs.replace(principal("owner"), expires_at=friday)
    check_expiry_grantable(session, None)  # a session is the member: their keys outlive it
