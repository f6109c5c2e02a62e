from __future__ import annotations

import argon2
import pytest
from argon2.exceptions import InvalidHashError

from services.gateway.domain.errors import PasswordPolicyViolation
from services.gateway.domain.passwords import (
    MAX_PASSWORD_LENGTH,
    PRODUCTION_PARAMS,
    Argon2Params,
    PasswordHashing,
    check_password_policy,
)

CHEAP = Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1)


@pytest.fixture(scope="module")
def cheap() -> PasswordHashing:
    return PasswordHashing(CHEAP)


def test_production_hash_is_argon2id_with_the_documented_parameters() -> None:
    hashing = PasswordHashing()
    encoded = hashing.hash("correct horse battery staple")
    assert encoded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PRODUCTION_PARAMS == Argon2Params(3, 64 * 1024, 4, 32, 16)
    assert hashing.verify(encoded, "correct horse battery staple")
    assert not hashing.needs_rehash(encoded)


def test_verify_accepts_the_password_and_rejects_others(cheap: PasswordHashing) -> None:
    encoded = cheap.hash("s3cret-passphrase")
    assert cheap.verify(encoded, "s3cret-passphrase")
    assert not cheap.verify(encoded, "s3cret-passphrasE")
    assert not cheap.verify(encoded, "")


def test_hashes_are_salted(cheap: PasswordHashing) -> None:
    assert cheap.hash("same password here") != cheap.hash("same password here")


def test_unicode_forms_of_one_password_verify_alike(cheap: PasswordHashing) -> None:
    composed, decomposed = "caf\u00e9-au-lait!", "cafe\u0301-au-lait!"
    assert composed != decomposed
    assert cheap.verify(cheap.hash(composed), decomposed)


def test_needs_rehash_when_parameters_change(cheap: PasswordHashing) -> None:
    old = cheap.hash("an old password")
    assert not cheap.needs_rehash(old)
    assert PasswordHashing(Argon2Params(time_cost=2, memory_cost_kib=8, parallelism=1)).needs_rehash(old)


def test_corrupt_stored_hash_raises_instead_of_answering_false(cheap: PasswordHashing) -> None:
    with pytest.raises(InvalidHashError):
        cheap.verify("not-a-phc-string", "whatever password")


def test_verify_unknown_spends_a_real_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown address costs one full argon2id verification with the production parameters,
    like a known one (counted, not timed: timings belong in benchmarks)."""
    hashing = PasswordHashing(Argon2Params(time_cost=3, memory_cost_kib=32 * 1024, parallelism=1))
    known = hashing.hash("a real password")
    verified: list[str] = []
    real_verify = argon2.PasswordHasher.verify

    def spy(self: argon2.PasswordHasher, hash: str, password: str) -> bool:
        verified.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", spy)
    assert hashing.verify(known, "wrong guess here") is False
    assert hashing.verify_unknown("wrong guess here") is False
    assert len(verified) == 2
    dummy = verified[1]
    assert dummy != known and argon2.extract_parameters(dummy) == argon2.extract_parameters(known)


@pytest.mark.parametrize(
    ("password", "email", "rule"),
    [
        ("short-pw1", None, "too_short"),
        ("x" * MAX_PASSWORD_LENGTH + "y", None, "too_long"),
        ("aaaaaaaaaaaa", None, "repeated"),
        ("Ada@Lab.example", "ada@lab.example", "matches_email"),
        ("ADA-LOVELACE", "ada-lovelace@lab.example", "matches_email"),
    ],
)
def test_policy_names_the_rule_broken(password: str, email: str | None, rule: str) -> None:
    with pytest.raises(PasswordPolicyViolation) as info:
        check_password_policy(password, email=email)
    assert info.value.rule == rule
    assert info.value.status == 422
    assert info.value.problem()["rule"] == rule


def test_policy_accepts_good_passwords_at_the_bounds() -> None:
    check_password_policy("0123456789")
    check_password_policy("p" * (MAX_PASSWORD_LENGTH - 1) + "q")
    check_password_policy("correct horse battery staple", email="ada@lab.example")


def test_policy_counts_characters_after_normalisation() -> None:
    # five "ﬀ" ligatures are ten characters once normalised, one repeated character
    with pytest.raises(PasswordPolicyViolation) as info:
        check_password_policy("\ufb00" * 5)
    assert info.value.rule == "repeated"
