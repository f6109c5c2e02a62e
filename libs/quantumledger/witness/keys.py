"""A witness's key in a file: ``PRIVATE+KEY+<name>+<key ID>+<base64(0x04 || seed)>``.

The same shape as Go's ``note`` private keys, with the ``cosignature/v1`` signature type (0x04)
instead of Ed25519's (0x01), so the key ID in the file is the one witnesses publish in their
vkeys. The file is created with mode 0600 and refused when readable by group or others.
"""

from __future__ import annotations

import os
from pathlib import Path

from nacl.signing import SigningKey
from qlprov.tlog.cosignature import ALG_COSIGNATURE_V1, CosignatureSigner
from qlprov.tlog.encoding import FormatError, b64, parse_b64

__all__ = ["WitnessKeyError", "generate_key", "read_key", "write_key"]

PREFIX = "PRIVATE+KEY+"


class WitnessKeyError(ValueError):
    """A witness key file that cannot be used."""


def generate_key(name: str) -> CosignatureSigner:
    return CosignatureSigner(name, bytes(SigningKey.generate()))


def _encode(signer: CosignatureSigner, seed: bytes) -> str:
    return f"{PREFIX}{signer.name}+{signer.key_id:08x}+{b64(bytes([ALG_COSIGNATURE_V1]) + seed)}\n"


def write_key(path: Path, name: str) -> CosignatureSigner:
    """Create a new key file (never overwrites one) and return its signer."""
    seed = bytes(SigningKey.generate())
    signer = CosignatureSigner(name, seed)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(_encode(signer, seed))
    return signer


def read_key(path: Path) -> CosignatureSigner:
    if path.stat().st_mode & 0o077:
        raise WitnessKeyError(f"{path}: the witness key is readable by group or others (chmod 600)")
    text = path.read_text("ascii").strip()
    if not text.startswith(PREFIX):
        raise WitnessKeyError(f"{path}: not a witness key ({PREFIX}<name>+<id>+<base64>)")
    parts = text[len(PREFIX) :].split("+", 2)
    if len(parts) != 3:
        raise WitnessKeyError(f"{path}: not a witness key")
    name, key_id, encoded = parts
    try:
        raw = parse_b64(encoded, size=33, what="key")
        if raw[0] != ALG_COSIGNATURE_V1:
            raise WitnessKeyError(f"{path}: not a cosignature/v1 key")
        signer = CosignatureSigner(name, raw[1:])
    except FormatError as exc:
        raise WitnessKeyError(f"{path}: {exc}") from exc
    if f"{signer.key_id:08x}" != key_id:
        raise WitnessKeyError(f"{path}: the key ID does not match the name and key")
    return signer
