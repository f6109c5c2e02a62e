"""Where the log's signing key comes from. It never enters the run log or the database.

* ``QL_TLOG_KEY_FILE``: a secret as a secrets manager mounts it: Go's ``PRIVATE+KEY+<name>+<id>+
  <base64(0x01 || seed)>`` (what ``note.GenerateKey`` makes; its name must be the origin), or a
  32-byte Ed25519 seed, raw or in base64. Refused when readable by group or others.
* otherwise ``<QL_TLOG_KEY_DIR>/log.key`` (default ``$QL_HOME/keys/tlog``, mode 0700), created
  with a fresh seed on first start under a file lock, so two instances starting together on one
  directory make one key.

The key is named after the origin (the checkpoint's first line), as tlog-checkpoint recommends:
a seed kept in the directory signs for whatever origin is configured, so renaming the log (a new
origin) gives a new key ID, i.e. a new log, with the same secret.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import os
from pathlib import Path

from nacl.signing import SigningKey
from qlprov.tlog.encoding import FormatError
from qlprov.tlog.keys import Ed25519Signer

__all__ = ["KeyFileError", "load_signer"]

KEY_NAME = "log.key"


class KeyFileError(RuntimeError):
    """The configured key cannot be used (the service refuses to start)."""


def _seed(raw: bytes, where: str) -> bytes:
    text = raw.strip()
    if len(raw) == 32:
        return raw
    try:
        seed = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise KeyFileError(f"{where}: neither Go's PRIVATE+KEY encoding nor a 32-byte seed") from exc
    if len(seed) != 32:
        raise KeyFileError(f"{where}: a seed is 32 bytes, got {len(seed)}")
    return seed


def _from_secret(path: Path, origin: str) -> Ed25519Signer:
    try:
        if path.stat().st_mode & 0o077:
            raise KeyFileError(f"{path}: the log key is readable by group or others (chmod 600)")
        raw = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"QL_TLOG_KEY_FILE={path}: {exc}") from exc
    if raw.startswith(b"PRIVATE+KEY+"):
        try:
            signer = Ed25519Signer.from_skey(raw.decode("ascii").strip())
        except (FormatError, UnicodeDecodeError) as exc:
            raise KeyFileError(f"{path}: {exc}") from exc
        if signer.name != origin:
            raise KeyFileError(f"{path}: the key is named {signer.name!r}, the log's origin is {origin!r}")
        return signer
    return Ed25519Signer(origin, _seed(raw, str(path)))


def _from_directory(directory: Path, origin: str) -> Ed25519Signer:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = directory / KEY_NAME
    with open(directory / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not key.exists():
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(base64.b64encode(bytes(SigningKey.generate())) + b"\n")
                f.flush()
                os.fsync(f.fileno())
    return _from_secret(key, origin)


def load_signer(origin: str, key_file: Path | None, key_dir: Path) -> Ed25519Signer:
    """The log's signer for ``origin`` (see the module docstring)."""
    return _from_secret(key_file, origin) if key_file is not None else _from_directory(key_dir, origin)
