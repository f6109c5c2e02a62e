"""Downloads streamed to a file (the evidence bundle of a 20,000-run workspace is 38 MB).

:class:`FileSink` is the :class:`~quantumledger._calls.Sink` of a download: a path is written
to a temporary file beside it and moved into place only when the answer is complete and its
digest is the one the ledger announced, so a failed or interrupted download never leaves a
partial file under the name asked for (what ``curl -o`` and most package managers also do).
A binary file object is written where it stands.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO

import httpx

from quantumledger.errors import ConnectionFailedError, VerificationError

__all__ = ["FileSink", "announced_sha256", "check_announced"]


class FileSink:
    """Writes a body to ``target`` (a path, or a binary file object) and hashes it (sha256)."""

    def __init__(self, target: Path | IO[bytes]) -> None:
        self.target = target
        self._file: IO[bytes] | None = None if isinstance(target, Path) else target
        self._origin = 0 if isinstance(target, Path) or not target.seekable() else target.tell()
        self._temp: Path | None = None
        self._sha = hashlib.sha256()
        self.bytes = 0

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    def start(self) -> None:
        if isinstance(self.target, Path):
            if self._file is None:
                handle = tempfile.NamedTemporaryFile(  # kept open across writes; closed by finish or discard
                    dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".part", delete=False
                )
                self._file, self._temp = handle, Path(handle.name)
        assert self._file is not None
        if self.bytes:  # a retry starts the body over
            if not self._file.seekable():
                raise ConnectionFailedError("the download broke off, and its file object cannot be rewound")
            self._file.seek(self._origin)
            self._file.truncate()
        self._sha, self.bytes = hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        assert self._file is not None
        self._file.write(data)
        self._sha.update(data)
        self.bytes += len(data)

    def finish(self) -> None:
        if isinstance(self.target, Path) and self._file is not None and self._temp is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self._temp, self.target)
            self._file = self._temp = None

    def discard(self) -> None:
        if isinstance(self.target, Path) and self._file is not None and self._temp is not None:
            self._file.close()
            self._temp.unlink(missing_ok=True)
            self._file = self._temp = None


def announced_sha256(r: httpx.Response) -> str | None:
    """The sha256 (hex) the server says its body has: ``Repr-Digest: sha-256=:…:`` (RFC 9530),
    else a strong ``ETag`` naming it (``"sha256-<hex>"``, the ledger's content-addressed names)."""
    for member in r.headers.get("repr-digest", "").split(","):
        algorithm, _, value = member.strip().partition("=")
        if algorithm.lower() == "sha-256" and value.startswith(":") and value.endswith(":"):
            try:
                return base64.b64decode(value[1:-1], validate=True).hex()
            except (binascii.Error, ValueError):
                return None  # a malformed digest announces nothing
    etag = r.headers.get("etag", "")
    if etag.startswith('"sha256-') and etag.endswith('"'):
        return etag[len('"sha256-') : -1]
    return None


def check_announced(r: httpx.Response, sink: FileSink) -> None:
    """Raise :class:`VerificationError` if the body received is not the one the server announced."""
    expected = announced_sha256(r)
    if expected is not None and expected != sink.sha256:
        raise VerificationError(f"the download is not what the ledger sent: sha256 {sink.sha256}, announced {expected}")
