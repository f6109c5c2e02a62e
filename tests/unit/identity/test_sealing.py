"""Sealed identity secrets: only the gateway's keys open them, only in the field they were made for."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path
from typing import Any

import msgspec
import pytest
from qlcore.config import load_settings
from qlcore.events.identity import (
    IDENTITY_EVENTS,
    SEALED_FIELDS,
    AccountRegistered,
    ApiKeyCreated,
    SessionStarted,
)
from qlcore.events.registry import decode_event, encode_event

from services.gateway.config import load_config
from services.gateway.domain.sealing import (
    SealError,
    SealKeys,
    is_sealed,
    load_seal_keys,
    open_event,
    seal_event,
)

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"


def registered(password_hash: str = HASH) -> AccountRegistered:
    return AccountRegistered.new(
        actor="system",
        workspace_id=None,
        account_id="acc1",
        email="ada@lab.example",
        name="Ada",
        password_hash=password_hash,
    )


def test_a_sealed_field_is_ciphertext_that_only_the_keys_open() -> None:
    keys = SealKeys.generate()
    event = registered()
    sealed = seal_event(event, keys)
    assert isinstance(sealed, AccountRegistered) and is_sealed(sealed.password_hash)
    assert HASH not in encode_event(sealed).decode() and "argon2" not in sealed.password_hash
    assert sealed.password_hash.startswith(f"sealed.v1.{keys.kid}.")
    assert (sealed.email, sealed.event_id) == (event.email, event.event_id)  # only the secret changes
    assert seal_event(event, keys).password_hash != sealed.password_hash  # a fresh nonce every time
    back = decode_event(encode_event(sealed), "account.registered", 1)  # through the log's codec
    assert open_event(back, keys) == event
    with pytest.raises(SealError, match="does not have"):
        open_event(sealed, SealKeys.generate())


def test_a_sealed_value_opens_only_in_its_own_event_and_field() -> None:
    keys = SealKeys.generate()
    a, b = seal_event(registered(), keys), registered("other")
    moved = msgspec.structs.replace(b, password_hash=a.password_hash)  # copied into another event
    with pytest.raises(SealError, match="tampered or moved"):
        open_event(moved, keys)
    body = a.password_hash
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(SealError, match="tampered or moved"):
        open_event(msgspec.structs.replace(a, password_hash=flipped), keys)
    with pytest.raises(SealError, match="in clear"):
        open_event(registered(), keys)  # an unsealed secret is refused, not applied


def test_rotation_seals_with_the_first_key_and_opens_with_every_key() -> None:
    old_line = base64.b64encode(os.urandom(32)).decode()
    old = SealKeys.parse(old_line)
    new_line = base64.b64encode(os.urandom(32)).decode()
    rotated = SealKeys.parse(f"# rotated\n{new_line}\n{old_line}\n")
    assert rotated.kid != old.kid and rotated.kid == SealKeys.kid_of(base64.b64decode(new_line))
    before = seal_event(registered(), old)
    assert open_event(before, rotated).password_hash == HASH
    assert seal_event(registered(), rotated).password_hash.startswith(f"sealed.v1.{rotated.kid}.")
    with pytest.raises(SealError, match="not base64"):
        SealKeys.parse("not a key!\n")
    with pytest.raises(SealError, match="32 bytes"):
        SealKeys.parse(base64.b64encode(b"short").decode())
    with pytest.raises(SealError, match="no identity sealing key"):
        SealKeys.parse("# nothing\n")


def test_every_sealed_field_is_a_string_field_of_an_identity_event() -> None:
    by_tag = {str(t.__struct_config__.tag): t for t in IDENTITY_EVENTS}
    assert set(SEALED_FIELDS) <= set(by_tag)
    for tag, fields in SEALED_FIELDS.items():
        for f in fields:
            assert f in by_tag[tag].__struct_fields__ and f.endswith("_hash"), (tag, f)
    hashes = {(str(t.__struct_config__.tag), f) for t in IDENTITY_EVENTS for f in t.__struct_fields__ if "hash" in f}
    assert hashes == {(tag, f) for tag, fields in SEALED_FIELDS.items() for f in fields}  # none left in clear


@pytest.mark.parametrize(
    "event",
    [
        ApiKeyCreated.new(
            actor="a",
            workspace_id="ws",
            key_id="k",
            org_id="o",
            name="ci",
            prefix="ql_live_ab",
            key_hash="f" * 64,
            scopes=[],
        ),
        SessionStarted.new(
            actor="a",
            workspace_id="ws",
            session_id="s",
            account_id="a",
            org_id="o",
            token_hash="e" * 64,
            expires_at="x",
        ),
    ],
    ids=lambda e: e.type,
)
def test_token_hashes_are_sealed_too(event: Any) -> None:
    keys = SealKeys.generate()
    sealed = seal_event(event, keys)
    assert ("f" * 64 if isinstance(event, ApiKeyCreated) else "e" * 64) not in encode_event(sealed).decode()
    assert open_event(sealed, keys) == event


def test_the_embedded_default_makes_one_private_key_file_and_keeps_it(tmp_path: Path) -> None:
    settings = load_settings(env={"QL_HOME": str(tmp_path)})
    default = load_config(settings, {})
    keys = load_seal_keys(default.identity_keys_file, default.keys_home)
    path = tmp_path / "keys" / "identity.keys"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_seal_keys(default.identity_keys_file, default.keys_home).kid == keys.kid  # the same on the next start
    secret = tmp_path / "secret.keys"
    secret.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    secret.chmod(0o640)
    configured = load_config(settings, {"QL_IDENTITY_KEYS_FILE": str(secret)})
    with pytest.raises(SealError, match="chmod 600"):
        load_seal_keys(configured.identity_keys_file, configured.keys_home)
    secret.chmod(0o400)
    assert load_seal_keys(configured.identity_keys_file, configured.keys_home).kid != keys.kid
    with pytest.raises(SealError):  # a configured file is never made up
        load_seal_keys(tmp_path / "missing.keys", default.keys_home)
