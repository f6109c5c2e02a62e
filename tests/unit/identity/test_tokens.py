from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from ulid import ULID

from services.gateway.domain.errors import InvalidToken, TokenExpired, TokenRevoked, TokenUsed
from services.gateway.domain.tokens import (
    VERIFICATION_TTL,
    ensure_usable,
    hash_token,
    issue_api_key,
    issue_session_token,
    issue_token,
    new_verification,
    parse_token,
    redeem_verification,
    token_kind,
    token_matches,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def test_api_key_shape_prefix_hash_and_id() -> None:
    issued = issue_api_key()
    assert re.fullmatch(r"ql_live_[0-9A-Za-z]{49}", issued.token)
    assert issued.prefix == issued.token[:12]
    assert issued.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert str(ULID.from_str(issued.token_id)) == issued.token_id
    assert issued.token not in repr(issued)


def test_random_part_carries_256_bits() -> None:
    body = issue_session_token().token[len("ql_sess_") :][:43]
    value = 0
    for c in body:
        value = value * 62 + BASE62.index(c)
    assert value < 2**256
    assert 62**43 > 2**256 > 62**42  # 43 base62 digits are needed and enough


def test_tokens_are_unique() -> None:
    tokens = {issue_api_key().token for _ in range(2000)}
    assert len(tokens) == 2000


def test_session_tokens_have_their_own_prefix() -> None:
    token = issue_session_token().token
    assert token.startswith("ql_sess_")
    assert token_kind(token) == "session"
    assert token_kind(issue_api_key().token) == "api_key"
    assert token_kind("Bearer nonsense") is None


def test_parse_token_returns_the_lookup_hash() -> None:
    issued = issue_api_key()
    assert parse_token(issued.token, "api_key") == issued.token_hash


def _flip(token: str, index: int) -> str:
    c = token[index]
    return token[:index] + ("a" if c != "a" else "b") + token[index + 1 :]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: _flip(t, 20),  # a typo in the random part: checksum mismatch
        lambda t: _flip(t, len(t) - 1),  # a typo in the checksum
        lambda t: t[:-1],  # truncated
        lambda t: t + "0",  # too long
        lambda t: t[:30] + "-" + t[31:],  # not base62
        lambda t: "ql_sess_" + t[len("ql_live_") :],  # another kind's prefix
    ],
)
def test_parse_token_rejects_malformed_tokens(mangle) -> None:  # type: ignore[no-untyped-def]
    token = issue_api_key().token
    with pytest.raises(InvalidToken):
        parse_token(mangle(token), "api_key")


def test_token_matches_in_constant_time_against_the_stored_hash() -> None:
    issued = issue_token("verification")
    assert token_matches(issued.token, issued.token_hash)
    assert not token_matches(issue_token("verification").token, issued.token_hash)
    assert hash_token(issued.token) == issued.token_hash


def test_ensure_usable() -> None:
    ensure_usable(now=NOW)
    ensure_usable(now=NOW, expires_at=NOW + timedelta(seconds=1))
    ensure_usable(now=NOW, revoked_at=NOW + timedelta(seconds=1))  # a revocation scheduled later
    with pytest.raises(TokenExpired):
        ensure_usable(now=NOW, expires_at=NOW)
    with pytest.raises(TokenRevoked):
        ensure_usable(now=NOW, revoked_at=NOW - timedelta(days=1), expires_at=NOW - timedelta(days=2))


def test_verification_token_is_single_use() -> None:
    issued, ticket = new_verification("acc1", "ada@lab.example", now=NOW)
    assert issued.token.startswith("ql_verify_")
    assert ticket.token_hash == issued.token_hash
    assert ticket.expires_at == NOW + VERIFICATION_TTL
    used = redeem_verification(ticket, issued.token, now=NOW + timedelta(hours=1))
    assert used.used_at == NOW + timedelta(hours=1)
    assert ticket.used_at is None
    with pytest.raises(TokenUsed):
        redeem_verification(used, issued.token, now=NOW + timedelta(hours=2))


def test_verification_token_expires() -> None:
    issued, ticket = new_verification("acc1", "ada@lab.example", now=NOW, ttl=timedelta(minutes=30))
    redeem_verification(ticket, issued.token, now=NOW + timedelta(minutes=29))
    with pytest.raises(TokenExpired):
        redeem_verification(ticket, issued.token, now=NOW + timedelta(minutes=30))


def test_verification_rejects_another_token() -> None:
    _, ticket = new_verification("acc1", "ada@lab.example", now=NOW)
    other, _ = new_verification("acc1", "ada@lab.example", now=NOW)
    with pytest.raises(InvalidToken):
        redeem_verification(ticket, other.token, now=NOW)
