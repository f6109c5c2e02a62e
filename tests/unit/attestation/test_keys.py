from __future__ import annotations

import base64
import os
import pickle
import stat
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from qlprov.attest import (
    Jwk,
    Jwks,
    VerificationError,
    b64url_decode,
    b64url_encode,
    decode_jwks,
    jwk_thumbprint,
    sign_envelope,
    verify_envelope,
    verify_key_from_jwk,
    verify_keys,
)

from services.attestation.adapters.keyring_files import KeyringDirectory
from services.attestation.domain import Keyring, KeyringError, SigningKey

# RFC 8037 appendix A: the Ed25519 key, its thumbprint (A.3) and a JWS signature (A.4).
RFC_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC_KID = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC_SIGNING_INPUT = b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
RFC_SIG = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
TYPE = "application/vnd.in-toto+json"


def _clock(text: str):  # type: ignore[no-untyped-def]
    return lambda: datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_rfc8037_vectors() -> None:
    key = SigningKey(b64url_decode(RFC_D))
    assert msgspec.to_builtins(key.jwk) == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": RFC_X,
        "kid": RFC_KID,
        "use": "sig",
        "alg": "EdDSA",
    }
    assert jwk_thumbprint(RFC_X) == RFC_KID
    assert b64url_encode(key.sign(RFC_SIGNING_INPUT)) == RFC_SIG


def test_jwk_with_a_wrong_kid_or_key_is_refused() -> None:
    with pytest.raises(VerificationError, match="thumbprint"):
        verify_key_from_jwk(Jwk(x=RFC_X, kid="my-key"))
    with pytest.raises(VerificationError, match="32-byte"):
        verify_key_from_jwk(Jwk(x=b64url_encode(b"short"), kid=jwk_thumbprint(b64url_encode(b"short"))))
    with pytest.raises(VerificationError):
        decode_jwks(b'{"keys":[{"kty":"RSA","n":"x","e":"AQAB","kid":"k"}]}')


def test_keyring_is_created_on_first_use_with_private_permissions(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    ring = KeyringDirectory.open(directory, now=_clock("2025-01-01T00:00:00"))
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    pem = directory / f"{ring.keyid}.pem"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    private = serialization.load_pem_private_key(pem.read_bytes(), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert b64url_encode(raw_public) == ring.active.jwk.x
    again = KeyringDirectory.open(directory)
    assert again.keyid == ring.keyid and again.records == ring.records
    # The private key is only in its own file: not in the manifest, the JWKS or a repr.
    seed = private.private_bytes_raw()
    for text in (
        (directory / "keyring.json").read_bytes(),
        msgspec.json.encode(ring.jwks()),
        repr(ring).encode(),
        repr(ring.active).encode(),
    ):
        assert seed not in text and base64.b64encode(seed) not in text and b64url_encode(seed).encode() not in text
    with pytest.raises(TypeError):
        pickle.dumps(ring.active)


def test_rotation_keeps_old_public_keys_and_destroys_old_private_keys(tmp_path: Path) -> None:
    ring = KeyringDirectory.open(tmp_path, now=_clock("2025-01-01T00:00:00"))
    first = ring.keyid
    old = sign_envelope(b'{"n":1}', TYPE, ring)
    second = ring.rotate(now=_clock("2025-06-01T00:00:00"))
    assert second != first and ring.keyid == second
    assert not (tmp_path / f"{first}.pem").exists() and (tmp_path / f"{second}.pem").exists()
    jwks = ring.jwks()
    assert [k.kid for k in jwks.keys] == [second, first]
    reopened = KeyringDirectory.open(tmp_path)
    assert reopened.keyid == second and reopened.jwks() == jwks
    retired = {r.kid: r.retired_at for r in reopened.records}
    assert retired == {first: "2025-06-01T00:00:00+00:00", second: None}
    published = verify_keys(decode_jwks(msgspec.json.encode(jwks)))
    assert verify_envelope(old, published).keyid == first  # old signatures still verify
    new = sign_envelope(b'{"n":2}', TYPE, reopened)
    assert verify_envelope(new, published).keyid == second


def test_a_private_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    ring = KeyringDirectory.open(tmp_path)
    os.chmod(tmp_path / f"{ring.keyid}.pem", 0o644)
    with pytest.raises(KeyringError, match="chmod 600"):
        KeyringDirectory.open(tmp_path)


def test_a_key_file_that_does_not_match_the_manifest_is_refused(tmp_path: Path) -> None:
    ring = KeyringDirectory.open(tmp_path)
    pem = tmp_path / f"{ring.keyid}.pem"
    other = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem.write_bytes(other)
    with pytest.raises(KeyringError, match="holds key"):
        KeyringDirectory.open(tmp_path)


@pytest.mark.parametrize("form", ["pem", "raw", "base64", "base64url"])
def test_keyring_from_a_configured_secret(form: str) -> None:
    seed = b64url_decode(RFC_D)
    data = {
        "pem": Ed25519PrivateKey.from_private_bytes(seed).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        "raw": seed,
        "base64": base64.b64encode(seed) + b"\n",
        "base64url": RFC_D.encode(),
    }[form]
    ring = Keyring.from_private_key(data)
    assert ring.keyid == RFC_KID
    with pytest.raises(KeyringError, match="replacing the secret"):
        ring.rotate()


def test_secret_keyring_publishes_retired_keys() -> None:
    old = SigningKey(bytes(32))
    ring = Keyring.from_private_key(b64url_decode(RFC_D), retired=[old.jwk])
    assert [k.kid for k in ring.jwks().keys] == [RFC_KID, old.keyid]
    envelope = sign_envelope(b"{}", TYPE, old)
    assert verify_envelope(envelope, ring.verify_keys()).keyid == old.keyid
    with pytest.raises(VerificationError):
        Keyring.from_private_key(b64url_decode(RFC_D), retired=[Jwk(x=RFC_X, kid="wrong")])


@pytest.mark.parametrize("data", [b"", b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n", b"abc"])
def test_bad_secrets_are_refused(data: bytes) -> None:
    with pytest.raises(KeyringError):
        Keyring.from_private_key(data)


def test_jwks_wire_format() -> None:
    ring = Keyring.from_private_key(b64url_decode(RFC_D))
    assert msgspec.json.decode(msgspec.json.encode(ring.jwks())) == {
        "keys": [{"kty": "OKP", "crv": "Ed25519", "x": RFC_X, "kid": RFC_KID, "use": "sig", "alg": "EdDSA"}]
    }
    assert isinstance(decode_jwks(msgspec.json.encode(ring.jwks())), Jwks)
