"""``ql witness`` without servers of ours: the key file, the state file, the tlog-witness HTTP
server (real HTTP, on a free port) and one-shot checks against a log held in memory, honest or
forked."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from qlprov.tlog.checkpoint import Checkpoint, SignedCheckpoint, open_checkpoint, sign_checkpoint, trusted_logs
from qlprov.tlog.cosignature import verified_cosigners
from qlprov.tlog.fork import verify_fork_evidence
from qlprov.tlog.keys import Ed25519Signer
from qlprov.tlog.memory import MemoryTree
from qlprov.tlog.merkle import consistency_proof, tree_hash
from qlprov.tlog.tilereader import TileHashReader
from qlprov.tlog.tiles import Tile, tile_data
from qlprov.tlog.witness import SIZE_CONTENT_TYPE, format_add_checkpoint
from quantumledger.witness import (
    FileWitnessStore,
    check_log,
    evidence_from_json,
    evidence_to_json,
    make_server,
    read_key,
    write_key,
)
from quantumledger.witness.keys import WitnessKeyError

ORIGIN = "ledger.example/log"


def _seed(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


class MemoryLog:
    """A log held in memory, serving what a QuantumLedger serves (for ``check_log``)."""

    def __init__(self, signer: Ed25519Signer, leaves: Sequence[bytes] = ()) -> None:
        self.signer, self.tree = signer, MemoryTree()
        self.lie_about_proofs = False
        for d in leaves:
            self.tree.append(d)

    def signed(self, size: int | None = None) -> bytes:
        size = self.tree.size if size is None else size
        return sign_checkpoint(Checkpoint(ORIGIN, size, tree_hash(size, self.tree.read)), [self.signer])

    def checkpoint(self) -> bytes:
        return self.signed()

    def consistency(self, old: int, new: int) -> list[bytes]:
        proof = consistency_proof(old, new, self.tree.read)
        return [b"\x00" * 32 for _ in proof] if self.lie_about_proofs else proof

    def tiles(self, tiles: Sequence[Tile]) -> list[bytes]:
        return [tile_data(t, self.tree.read) for t in tiles]

    def reader(self, signed: SignedCheckpoint) -> TileHashReader:
        return TileHashReader(signed.checkpoint.size, signed.checkpoint.root_hash, self.tiles)


@pytest.fixture
def log() -> MemoryLog:
    return MemoryLog(Ed25519Signer(ORIGIN, _seed("log")), [b"entry %d" % i for i in range(5)])


def logs_for(log: MemoryLog) -> dict[str, Any]:
    return trusted_logs([log.signer.verifier().vkey()])


def test_the_key_file(tmp_path: Path) -> None:
    made = write_key(tmp_path / "w.key", "witness.example/w1")
    assert (tmp_path / "w.key").stat().st_mode & 0o777 == 0o600
    again = read_key(tmp_path / "w.key")
    assert again.verifier().vkey() == made.verifier().vkey() and again.verifier().vkey().startswith(
        "witness.example/w1+"
    )
    with pytest.raises(FileExistsError):
        write_key(tmp_path / "w.key", "witness.example/w1")
    text = (tmp_path / "w.key").read_text()
    (tmp_path / "w.key").write_text(text.replace("witness.example/w1", "witness.example/w2"))
    with pytest.raises(WitnessKeyError, match="key ID"):
        read_key(tmp_path / "w.key")
    (tmp_path / "w.key").chmod(0o644)
    with pytest.raises(WitnessKeyError, match="readable"):
        read_key(tmp_path / "w.key")


def test_the_state_file_is_a_compare_and_swap(tmp_path: Path, log: MemoryLog) -> None:
    store = FileWitnessStore(tmp_path / "state.json")
    first = open_checkpoint(log.signed(3), logs_for(log))
    assert store.latest(ORIGIN) is None and store.swap(ORIGIN, 0, first) is None
    assert store.swap(ORIGIN, 0, first) == 3  # the old size it was given is not the latest any more
    reopened = FileWitnessStore(tmp_path / "state.json").latest(ORIGIN)
    assert reopened is not None and reopened.checkpoint == first.checkpoint

    newer = open_checkpoint(log.signed(5), logs_for(log))
    results: list[int | None] = []
    threads = [threading.Thread(target=lambda: results.append(store.swap(ORIGIN, 3, newer))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(None) == 1 and results.count(5) == 7  # one request advanced it, the others got 409s


@pytest.fixture
def served(tmp_path: Path, log: MemoryLog) -> Iterator[tuple[str, Any, Path]]:
    signer = write_key(tmp_path / "w.key", "witness.example/w1")
    store = FileWitnessStore(tmp_path / "state.json")
    refusals = tmp_path / "refusals"
    server = make_server("127.0.0.1", 0, signer, logs_for(log), store, refusals=refusals, clock=time.time)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", signer, refusals
    finally:
        server.shutdown()
        server.server_close()


def test_the_witness_server_speaks_tlog_witness(served: tuple[str, Any, Path], log: MemoryLog) -> None:
    url, signer, refusals = served
    add = url + "/add-checkpoint"
    with httpx.Client() as h:
        first = h.post(add, content=format_add_checkpoint(0, [], log.signed(3)))
        assert first.status_code == 200, first.text
        note = open_checkpoint(log.signed(3) + first.content, logs_for(log)).note
        assert [c.name for c in verified_cosigners(note, [signer.verifier()])] == ["witness.example/w1"]
        grown = h.post(add, content=format_add_checkpoint(3, log.consistency(3, 5), log.signed(5)))
        assert grown.status_code == 200
        stale = h.post(add, content=format_add_checkpoint(3, log.consistency(3, 5), log.signed(5)))
        assert stale.status_code == 409 and stale.text == "5\n" and stale.headers["content-type"] == SIZE_CONTENT_TYPE
        log.tree.append(b"entry 5")
        bad = h.post(add, content=format_add_checkpoint(5, [b"\x01" * 32], log.signed(6)))
        assert bad.status_code == 422
        other = Ed25519Signer(ORIGIN, _seed("another key"))
        forged = sign_checkpoint(Checkpoint(ORIGIN, 6, b"\x02" * 32), [other])
        assert h.post(add, content=format_add_checkpoint(5, [], forged)).status_code == 403
        unknown = sign_checkpoint(
            Checkpoint("other.example/log", 1, b"\x02" * 32), [Ed25519Signer("other.example/log", _seed("o"))]
        )
        assert h.post(add, content=format_add_checkpoint(0, [], unknown)).status_code == 404
        assert h.post(add, content=b"old x\n\n").status_code == 400
        assert h.post(add, content=b"x" * 70_000).status_code == 413
        assert h.post(url + "/elsewhere", content=b"").status_code == 404
        assert h.get(url + "/").json()["name"] == "witness.example/w1"
    kept = [json.loads(line) for line in refusals.read_text().splitlines()]
    assert [k["status"] for k in kept] == [409, 422]


def test_check_follows_an_honest_log_and_cosigns(tmp_path: Path, log: MemoryLog) -> None:
    store, signer = FileWitnessStore(tmp_path / "s.json"), write_key(tmp_path / "k", "monitor.example/m")
    out = check_log(log, logs_for(log), store, signer, time.time)  # type: ignore[arg-type]
    assert (out.status, out.new_size) == ("recorded", 5) and out.cosigned is not None
    cosigned = open_checkpoint(out.cosigned, logs_for(log)).note
    assert [c.name for c in verified_cosigners(cosigned, [signer.verifier()])] == ["monitor.example/m"]
    assert check_log(log, logs_for(log), store, None, time.time).status == "unchanged"  # type: ignore[arg-type]
    log.tree.append(b"entry 5")
    log.lie_about_proofs = True  # a broken proof endpoint: the authenticated tiles decide, consistently
    out = check_log(log, logs_for(log), store, None, time.time)  # type: ignore[arg-type]
    assert (out.status, out.old_size, out.new_size) == ("consistent", 5, 6)


def test_check_catches_a_rewritten_history_with_evidence(tmp_path: Path, log: MemoryLog) -> None:
    store = FileWitnessStore(tmp_path / "s.json")
    assert check_log(log, logs_for(log), store, None, time.time).status == "recorded"  # type: ignore[arg-type]
    forked = MemoryLog(log.signer, [b"entry 0", b"rewritten", b"entry 2", b"entry 3", b"entry 4", b"entry 5"])
    out = check_log(forked, logs_for(log), store, None, time.time)  # type: ignore[arg-type]
    assert out.status == "fork" and out.evidence is not None
    again = evidence_from_json(json.loads(json.dumps(evidence_to_json(out.evidence))))
    verify_fork_evidence(again, logs_for(log))  # anyone can check it with the log's key alone
    same_size = MemoryLog(log.signer, [b"entry 0", b"entry 1", b"entry 2", b"entry 3", b"other 4"])
    out = check_log(same_size, logs_for(log), store, None, time.time)  # type: ignore[arg-type]
    assert out.status == "fork" and "two roots" in out.detail
    stale = MemoryLog(log.signer, [b"entry 0", b"entry 1"])
    assert check_log(stale, logs_for(log), store, None, time.time).status == "stale"  # type: ignore[arg-type]
    stranger = MemoryLog(Ed25519Signer(ORIGIN, _seed("not the log")), [b"x"])
    assert check_log(stranger, logs_for(log), store, None, time.time).status == "error"  # type: ignore[arg-type]
