"""NATS credentials: one nkey per user, generated once, in files only their owner can read.

Why nkeys (Ed25519) rather than passwords: the server's configuration holds only public keys
(nothing in it is secret, so it can be rendered, logged and checked in as a template); the
client proves it holds the seed by signing a per-connection nonce, so nothing replayable ever
crosses the wire, with or without TLS; and a check costs an Ed25519 verification instead of a
bcrypt hash on every connect. The ``nkeys`` package is the NATS maintainers' own, on PyNaCl.

Layout: ``<root>/<namespace>/<user>.nk`` (mode 0600, folders 0700). ``make run`` keeps them under
``$QL_HOME/nats/credentials``; a production deployment mounts each process's own seed
(``QL_NATS_CREDENTIALS``), see ``docs/decisions/0010-closed-bus.md``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

import nkeys

__all__ = ["SEED_SUFFIX", "CredentialError", "check_private", "ensure_seeds", "new_seed", "public_key", "seed_file"]

SEED_SUFFIX = ".nk"


class CredentialError(Exception):
    """A credential file is missing, malformed or readable by others."""


def new_seed() -> bytes:
    """A fresh user nkey seed (``SU...``)."""
    return bytes(nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER))


def public_key(seed: bytes) -> str:
    """The public key (``U...``) the server's configuration names for this seed."""
    try:
        return bytes(nkeys.from_seed(bytearray(seed.strip())).public_key).decode()
    except (nkeys.NkeysError, ValueError) as exc:
        raise CredentialError(f"not an nkey user seed: {type(exc).__name__}") from exc


def seed_file(directory: Path, user: str) -> Path:
    return directory / f"{user}{SEED_SUFFIX}"


def check_private(path: Path) -> None:
    """Refuse a secret that others could read (as ``attestation`` does with its signing key)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise CredentialError(f"{path}: {exc.strerror}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialError(f"{path}: a NATS credential readable by group or others (chmod 600)")


def ensure_seeds(directory: Path, names: Iterable[str]) -> dict[str, str]:
    """Create the seeds missing under ``directory`` (never replacing one); return ``{user: public key}``.

    Safe against a concurrent creator: a seed is written to a private temporary file and linked
    into place, so a reader never sees a half-written one and the first writer wins.
    """
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory.chmod(0o700)
    out = {}
    for user in names:
        path = seed_file(directory, user)
        if not path.exists():
            tmp = directory / f".{user}.{os.getpid()}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, new_seed() + b"\n")
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process made it first: keep theirs
            finally:
                tmp.unlink()
        check_private(path)
        out[user] = public_key(path.read_bytes())
    return out
