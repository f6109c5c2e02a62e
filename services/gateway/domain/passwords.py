"""Password hashing (argon2id) and the password policy.

Parameters are explicit rather than argon2-cffi's defaults so that a library upgrade never
silently changes them; :func:`needs_rehash` tells the login path when a stored hash was made
with other parameters, and the gateway then stores a fresh hash (a ``PasswordRehashed`` event).

Passwords are normalised to Unicode NFKC before hashing and before the policy counts their
length (NIST SP 800-63B §5.1.1.2), so "é" typed as one code point or as "e" + combining accent
logs in alike. Changing this normalisation would lock out existing accounts: it is fixed.
"""

from __future__ import annotations

import unicodedata

import msgspec
from argon2 import PasswordHasher, Type
from argon2.exceptions import VerificationError

from services.gateway.domain.errors import PasswordPolicyViolation

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "PRODUCTION_PARAMS",
    "Argon2Params",
    "PasswordHashing",
    "check_password_policy",
    "normalize_password",
]

MIN_PASSWORD_LENGTH = 10
# Long passphrases are welcome; the cap only keeps one request from costing unbounded CPU/memory.
MAX_PASSWORD_LENGTH = 256


class Argon2Params(msgspec.Struct, frozen=True):
    """argon2id cost parameters.

    The production values are RFC 9106's second recommended option ("if much less memory is
    available"): t=3 passes over m=64 MiB with 4 lanes, 16-byte salt, 32-byte tag. On the
    2-core reference machine a hash or a verification takes ~0.1 s, which bounds a stolen hash
    to a handful of guesses per second per core while keeping a login cheap.
    """

    time_cost: int = 3
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 4
    hash_len: int = 32
    salt_len: int = 16


PRODUCTION_PARAMS = Argon2Params()


def normalize_password(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def check_password_policy(password: str, *, email: str | None = None) -> None:
    """Raise :class:`PasswordPolicyViolation` naming the first rule a new password breaks.

    Rules: at least 10 and at most 256 characters (after NFKC), not one character repeated,
    not the account's own email address or its local part.
    """
    pw = normalize_password(password)
    if len(pw) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyViolation("too_short", f"use at least {MIN_PASSWORD_LENGTH} characters")
    if len(pw) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyViolation("too_long", f"use at most {MAX_PASSWORD_LENGTH} characters")
    if len(set(pw)) == 1:
        raise PasswordPolicyViolation("repeated", "a password of one repeated character is too easy to guess")
    if email:
        lowered = pw.casefold()
        address = email.strip().casefold()
        if lowered in {address, address.partition("@")[0]}:
            raise PasswordPolicyViolation("matches_email", "the password must not be your email address")


class PasswordHashing:
    """Hash and verify passwords with one fixed set of argon2id parameters."""

    def __init__(self, params: Argon2Params = PRODUCTION_PARAMS) -> None:
        self.params = params
        self._hasher = PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_cost_kib,
            parallelism=params.parallelism,
            hash_len=params.hash_len,
            salt_len=params.salt_len,
            type=Type.ID,
        )
        self._dummy: str | None = None  # computed on first use, never at import

    def hash(self, password: str) -> str:
        """The PHC string (``$argon2id$v=19$m=...,t=...,p=...$salt$tag``) of a password."""
        return self._hasher.hash(normalize_password(password))

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches; a malformed stored hash raises (it is corrupt data)."""
        try:
            return self._hasher.verify(password_hash, normalize_password(password))
        except VerificationError:
            return False

    def verify_unknown(self, password: str) -> bool:
        """Spend one verification on no account and answer False.

        A login for an unknown address must cost as much as one for a known address, or the
        response time tells an attacker which addresses have accounts.
        """
        if self._dummy is None:
            self._dummy = self._hasher.hash("dummy password for an unknown account")
        self.verify(self._dummy, password)
        return False

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether a stored hash was made with other parameters (or another argon2 variant)."""
        return self._hasher.check_needs_rehash(password_hash)
