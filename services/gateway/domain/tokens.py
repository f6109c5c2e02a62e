"""Bearer secrets: API keys (``ql_live_…``), session tokens (``ql_sess_…``), email verification.

A token is ``<kind prefix><43 base62 chars: 32 random bytes><6 base62 chars: CRC32>``. The
checksum (as in GitHub's token format) lets the gateway reject a mistyped or truncated token
without touching the database, and lets secret scanners recognise a real key. The random part
alone carries the 256 bits of entropy.

Only a hash of a token is ever stored or logged, with a short visible prefix (``ql_live_AbCd``)
that tells a person which key is which. The hash is a plain SHA-256, not argon2: slow, salted
hashes exist to protect *low-entropy* secrets (passwords) from guessing, and a 256-bit random
secret cannot be guessed at any speed, so salt and work factor add nothing. A fast, unsalted
hash is also what makes the lookup possible at all: the gateway finds a key by the index on its
hash in O(1) per request, where a salted hash would need a scan of every key's salt.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import zlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from ulid import ULID

from services.gateway.domain.errors import InvalidToken, TokenExpired, TokenRevoked, TokenUsed

__all__ = [
    "INVITATION_TTL",
    "PREFIXES",
    "SECRET_BYTES",
    "SESSION_TTL",
    "VERIFICATION_TTL",
    "VISIBLE_PREFIX_LENGTH",
    "IssuedToken",
    "TokenKind",
    "VerificationTicket",
    "ensure_usable",
    "hash_token",
    "issue_api_key",
    "issue_session_token",
    "issue_token",
    "new_verification",
    "parse_token",
    "redeem_verification",
    "token_kind",
    "token_matches",
    "visible_prefix",
]

TokenKind = Literal["api_key", "session", "verification", "invitation"]
PREFIXES: dict[TokenKind, str] = {
    "api_key": "ql_live_",
    "session": "ql_sess_",
    "verification": "ql_verify_",
    "invitation": "ql_invite_",
}
SECRET_BYTES = 32
VISIBLE_PREFIX_LENGTH = 12
SESSION_TTL = timedelta(days=14)
VERIFICATION_TTL = timedelta(hours=24)
INVITATION_TTL = timedelta(days=7)

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BODY_LENGTH = 43  # ceil(256 / log2(62)): every 32-byte value fits
_CHECKSUM_LENGTH = 6  # 62**6 > 2**32


def _base62(value: int, width: int) -> str:
    digits = []
    while value:
        value, rem = divmod(value, 62)
        digits.append(_ALPHABET[rem])
    return "".join(reversed(digits)).rjust(width, "0")


def _checksum(head: str) -> str:
    return _base62(zlib.crc32(head.encode("ascii")), _CHECKSUM_LENGTH)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly made token: ``token`` is shown to its owner once and then forgotten."""

    token_id: str
    token: str = field(repr=False)
    prefix: str
    token_hash: str


def issue_token(kind: TokenKind) -> IssuedToken:
    """A new random token of ``kind``, with a ULID id, its visible prefix and its hash."""
    head = PREFIXES[kind] + _base62(int.from_bytes(secrets.token_bytes(SECRET_BYTES), "big"), _BODY_LENGTH)
    token = head + _checksum(head)
    return IssuedToken(token_id=str(ULID()), token=token, prefix=visible_prefix(token), token_hash=hash_token(token))


def issue_api_key() -> IssuedToken:
    return issue_token("api_key")


def issue_session_token() -> IssuedToken:
    return issue_token("session")


def hash_token(token: str) -> str:
    """SHA-256 (hex) of the whole token: what is stored, indexed and logged in place of it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def visible_prefix(token: str) -> str:
    return token[:VISIBLE_PREFIX_LENGTH]


def token_kind(token: str) -> TokenKind | None:
    """Which kind of token a bearer string claims to be (by prefix only; see :func:`parse_token`)."""
    for kind, prefix in PREFIXES.items():
        if token.startswith(prefix):
            return kind
    return None


def parse_token(token: str, kind: TokenKind) -> str:
    """Check a presented token's shape and checksum; return its hash for the lookup.

    Raises :class:`InvalidToken` for anything malformed, so a typo never reaches the store.
    """
    prefix = PREFIXES[kind]
    body = token[len(prefix) :]
    if (
        not token.startswith(prefix)
        or len(body) != _BODY_LENGTH + _CHECKSUM_LENGTH
        or not all(c in _ALPHABET for c in body)
        or not hmac.compare_digest(body[_BODY_LENGTH:], _checksum(token[: len(prefix) + _BODY_LENGTH]))
    ):
        raise InvalidToken("the token is malformed")
    return hash_token(token)


def token_matches(token: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented token with a stored hash."""
    return hmac.compare_digest(hash_token(token), stored_hash)


def ensure_usable(*, now: datetime, expires_at: datetime | None = None, revoked_at: datetime | None = None) -> None:
    """Raise if a stored credential is revoked or expired at ``now`` (expiry is exclusive)."""
    if revoked_at is not None and revoked_at <= now:
        raise TokenRevoked("this credential has been revoked")
    if expires_at is not None and expires_at <= now:
        raise TokenExpired("this credential has expired")


@dataclass(frozen=True, slots=True)
class VerificationTicket:
    """The stored side of an email verification token: its hash, expiry and whether it was used."""

    account_id: str
    email: str
    token_hash: str
    expires_at: datetime
    used_at: datetime | None = None


def new_verification(
    account_id: str, email: str, *, now: datetime, ttl: timedelta = VERIFICATION_TTL
) -> tuple[IssuedToken, VerificationTicket]:
    """A verification token (for the mail) and the ticket to store (for :func:`redeem_verification`)."""
    issued = issue_token("verification")
    ticket = VerificationTicket(account_id=account_id, email=email, token_hash=issued.token_hash, expires_at=now + ttl)
    return issued, ticket


def redeem_verification(ticket: VerificationTicket, token: str, *, now: datetime) -> VerificationTicket:
    """Check ``token`` against ``ticket`` and return the ticket marked used.

    Single use: a ticket already used raises :class:`TokenUsed` even with the right token.
    """
    if not token_matches(token, ticket.token_hash):
        raise InvalidToken("the verification token does not match")
    if ticket.used_at is not None:
        raise TokenUsed("this verification link has already been used")
    if ticket.expires_at <= now:
        raise TokenExpired("this verification link has expired; ask for a new one")
    return replace(ticket, used_at=now)
