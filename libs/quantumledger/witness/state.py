"""A witness's state in one JSON file: the last checkpoint it cosigned, per log origin.

``swap`` is the compare-and-swap the witness protocol needs (c2sp.org/tlog-witness: checking
the old size and recording the new checkpoint must be atomic): under a thread lock and an
``flock`` on a lock file beside it, so two requests, threads or processes never both advance one
origin. The file is replaced atomically (write, fsync, rename), so a crash leaves the old state
or the new one, never half of either.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qlprov.tlog.checkpoint import SignedCheckpoint, parse_checkpoint_note

__all__ = ["FileWitnessStore"]


class FileWitnessStore:
    """A :class:`qlprov.tlog.witness.WitnessStore` kept in ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.path.with_name(self.path.name + ".lock"), "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            yield

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        checkpoints = data.get("checkpoints", {}) if isinstance(data, dict) else {}
        return {str(k): str(v) for k, v in checkpoints.items()}

    def _write(self, checkpoints: dict[str, str]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name + ".")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"version": 1, "checkpoints": checkpoints}, f, indent=2, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def latest(self, origin: str) -> SignedCheckpoint | None:
        with self._locked():
            text = self._read().get(origin)
        if text is None:
            return None
        cp, note = parse_checkpoint_note(text)
        return SignedCheckpoint(cp, note)

    def swap(self, origin: str, expected_size: int, new: SignedCheckpoint) -> int | None:
        with self._locked():
            checkpoints = self._read()
            current = checkpoints.get(origin)
            size = parse_checkpoint_note(current)[0].size if current is not None else 0
            if size != expected_size:
                return size
            checkpoints[origin] = new.encoded.decode("utf-8")
            self._write(checkpoints)
        return None

    def origins(self) -> list[str]:
        with self._locked():
            return sorted(self._read())
