"""Interoperability with an implementation that is not ours: Go's ``golang.org/x/mod/sumdb``.

``tests/interop/tlog/main.go`` is built from source with Debian's ``golang-go`` and
``golang-golang-x-mod-dev`` (``make install`` installs both as root), offline: ``GO111MODULE=off``
with ``GOPATH=/usr/share/gocode``. In both directions:

* Go's ``note.Open``, ``tlog.CheckRecord``, ``tlog.CheckTree`` and ``tlog.TileHashReader``
  accept our notes, checkpoints, cosignatures, proofs and tiles, and refuse tampered ones;
* our verifiers accept the keys, notes, trees, proofs and tiles that Go makes.

What differs between the two and is checked as such: Go's tile paths carry the tile height
(``tile/8/L/N``, C2SP ``tile/L/N``); Go's tree of size 0 has an all-zero hash where RFC 9162's
is ``SHA-256("")``; Go decodes base64 with non-zero pad bits, which we refuse.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from qlprov.tlog.bundle import ProofBundle, verify_bundle
from qlprov.tlog.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from qlprov.tlog.cosignature import CosignatureSigner, CosignatureVerifier, verified_cosigners
from qlprov.tlog.entry import Entry
from qlprov.tlog.keys import Ed25519Signer, Ed25519Verifier
from qlprov.tlog.memory import MemoryTree, split_stored_hash_index, stored_hash_index
from qlprov.tlog.merkle import consistency_proof, inclusion_proof, leaf_hash, tree_hash
from qlprov.tlog.note import NoteError, open_note, parse_note, sign_note
from qlprov.tlog.tilereader import TileError, TileHashReader
from qlprov.tlog.tiles import Tile, parse_tile_path, tile_data, tiles_for_size
from qlprov.tlog.verify import InvalidProof, verify_consistency, verify_inclusion

from tests.unit.tlog.conftest import ORIGIN, seed

SOURCE = Path(__file__).resolve().parents[2] / "interop" / "tlog"
GOPATH = Path(os.environ.get("QL_GOPATH", "/usr/share/gocode"))
XMOD = GOPATH / "src" / "golang.org" / "x" / "mod" / "sumdb"
NOW = 1_780_000_000

GoTool = Callable[[dict[str, Any]], dict[str, Any]]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def require_go() -> str:
    """The ``go`` binary; a failure naming the Debian package when Go or x/mod's source is missing."""
    go_bin = shutil.which("go")
    if go_bin is None:
        pytest.fail("the Go interop tests need Go: install Debian's golang-go (apt-get install golang-go)")
    if not (XMOD / "note" / "note.go").is_file() or not (XMOD / "tlog" / "tlog.go").is_file():
        pytest.fail(
            f"the Go interop tests need golang.org/x/mod's source under {GOPATH}/src: install Debian's "
            "golang-golang-x-mod-dev (apt-get install golang-golang-x-mod-dev)"
        )
    return go_bin


@pytest.fixture(scope="module")
def go(tmp_path_factory: pytest.TempPathFactory) -> GoTool:
    go_bin = require_go()
    tmp = tmp_path_factory.mktemp("go")
    exe = tmp / "tlog-interop"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(tmp / "cache"),
        "GOFLAGS": "",
        "GOPROXY": "off",
        "CGO_ENABLED": "0",
    }
    built = subprocess.run(
        [go_bin, "build", "-o", str(exe), "main.go"], cwd=SOURCE, env=env, capture_output=True, text=True, timeout=600
    )
    if built.returncode != 0:
        pytest.fail(f"building {SOURCE}/main.go failed:\n{built.stderr}")

    def call(request: dict[str, Any]) -> dict[str, Any]:
        done = subprocess.run([str(exe)], input=json.dumps(request).encode(), capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr.decode()
        out: dict[str, Any] = json.loads(done.stdout)
        return out

    return call


@pytest.fixture(scope="module")
def keys() -> tuple[Ed25519Signer, list[CosignatureSigner]]:
    return Ed25519Signer(ORIGIN, seed("log")), [CosignatureSigner(f"w{i}.example/w", seed(f"w{i}")) for i in range(2)]


def cosigner_json(w: CosignatureSigner) -> dict[str, str]:
    return {"name": w.name, "pub": b64(w.public_key)}


def test_go_opens_our_checkpoints_with_cosignatures(
    go: GoTool, keys: tuple[Ed25519Signer, list[CosignatureSigner]]
) -> None:
    log, ws = keys
    tree = MemoryTree(leaf_hash(i.to_bytes(4, "big")) for i in range(1000))
    cp = sign_checkpoint(Checkpoint(ORIGIN, tree.size, tree.root()), [log])
    text = parse_note(cp).text
    cosigned = cp.decode() + "".join(w.cosign(text, NOW).line() for w in ws)
    res = go(
        {"notes": [{"note": cosigned, "vkeys": [log.verifier().vkey()], "cosigners": [cosigner_json(w) for w in ws]}]}
    )
    got = res["notes"][0]
    assert got["ok"], got
    assert got["verified"] == [f"{log.name}+{log.key_id:08x}", *(f"{w.name}+{w.key_id:08x}" for w in ws)]


def test_go_and_we_judge_every_tampered_note_alike(go: GoTool) -> None:
    """Every one-bit change of a signed note is refused by both (and invalid UTF-8 by us)."""
    signer = Ed25519Signer("example.com/log", seed("flip"))
    good = sign_note("example.com/log\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", [signer])
    flips = [good[:i] + bytes([good[i] ^ (1 << b)]) + good[i + 1 :] for i in range(len(good)) for b in range(8)]
    sendable: list[tuple[bytes, str]] = []
    for raw in flips:
        try:
            sendable.append((raw, raw.decode()))
        except UnicodeDecodeError:  # JSON cannot carry it to Go; Go's Open refuses invalid UTF-8 too
            with pytest.raises(NoteError):
                open_note(raw, [signer.verifier()])
    res = go({"notes": [{"note": text, "vkeys": [signer.verifier().vkey()]} for _, text in sendable]})
    for (raw, _), verdict in zip(sendable, res["notes"], strict=True):
        try:
            open_note(raw, [signer.verifier()])
            ours = True
        except NoteError:
            ours = False
        assert verdict["ok"] == ours, raw


def test_base64_with_pad_bits_is_the_one_difference(go: GoTool) -> None:
    """Go decodes a signature whose last base64 character has non-zero pad bits; we refuse it."""
    signer = Ed25519Signer("example.com/log", seed("pad"))
    good = sign_note("a\n", [signer]).decode()
    head, sig = good.rstrip("\n").rsplit(" ", 1)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(sig[-2])  # one "=": the last character carries 2 pad bits
    noncanonical = f"{head} {sig[:-2]}{alphabet[last | 1 if last & 3 == 0 else last & ~3]}=\n"
    assert base64.b64decode(noncanonical.split(" ")[-1]) == base64.b64decode(sig)
    res = go({"notes": [{"note": noncanonical, "vkeys": [signer.verifier().vkey()]}]})
    assert res["notes"][0]["ok"]
    with pytest.raises(NoteError):
        open_note(noncanonical, [signer.verifier()])


def test_go_checks_our_proofs(go: GoTool) -> None:
    rng = random.Random(7)
    records, trees, expect = [], [], []
    for size in [1, 2, 3, 7, 8, 9, 255, 256, 257, 1000, 4097]:
        t = MemoryTree(leaf_hash(i.to_bytes(4, "big")) for i in range(size))
        root = t.root()
        for i in {0, size - 1, rng.randrange(size)}:
            proof = inclusion_proof(size, i, t.read)
            rec = {"size": size, "root": b64(root), "index": i, "leaf": b64(i.to_bytes(4, "big"))}
            records.append({**rec, "proof": [b64(h) for h in proof]})
            expect.append(True)
            if proof:
                bad = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
                records.append({**rec, "proof": [b64(h) for h in bad]})
                expect.append(False)
        for m in {1, size, rng.randint(1, size)}:
            old = tree_hash(m, t.read)
            proof = consistency_proof(m, size, t.read)
            trees.append(
                {
                    "old_size": m,
                    "old_root": b64(old),
                    "new_size": size,
                    "new_root": b64(root),
                    "proof": [b64(h) for h in proof],
                }
            )
    res = go({"records": records, "trees": trees})
    assert [r["ok"] for r in res["records"]] == expect, [r for r in res["records"] if r.get("error")][:3]
    assert all(r["ok"] for r in res["trees"]), [r for r in res["trees"] if not r["ok"]][:3]


@pytest.mark.parametrize("size", [1, 255, 256, 257, 65_536, 70_000])
def test_go_rebuilds_proofs_from_our_tiles(go: GoTool, size: int) -> None:
    t = MemoryTree(leaf_hash(i.to_bytes(4, "big")) for i in range(size))
    tiles = {tile.path(): b64(tile_data(tile, t.read)) for tile in tiles_for_size(size)}
    rng = random.Random(size)
    indexes = sorted(rng.sample(range(size), min(size, 8)))
    olds = sorted({1, size, *rng.sample(range(1, size + 1), min(size, 4))})
    res = go(
        {"tiles": [{"size": size, "root": b64(t.root()), "tiles": tiles, "prove_record": indexes, "prove_tree": olds}]}
    )
    got = res["tiles"][0]
    assert got["ok"], got["error"]
    for i, proof in zip(indexes, got["record_proofs"], strict=True):
        assert [base64.b64decode(h) for h in proof or []] == inclusion_proof(size, i, t.read)
    for m, proof, head in zip(olds, got["tree_proofs"], got["tree_hashes"], strict=True):
        assert [base64.b64decode(h) for h in proof or []] == consistency_proof(m, size, t.read)
        assert base64.b64decode(head) == tree_hash(m, t.read)
    if size == 1:
        return  # a one-leaf tree's proofs read no hash
    # Tamper with leaf 1's hash in the first level-0 tile, then prove leaf 0 (leaf 1 is its sibling).
    victim = Tile(0, 0, min(size, 256))
    raw = bytearray(base64.b64decode(tiles[victim.path()]))
    raw[40] ^= 0x10
    bad_tiles = {**tiles, victim.path(): b64(bytes(raw))}
    served = {parse_tile_path(k): base64.b64decode(v) for k, v in bad_tiles.items()}
    ours = TileHashReader(size, t.root(), lambda ts: [served[x] for x in ts])
    with pytest.raises(TileError):  # our reader authenticates every tile before using it
        inclusion_proof(size, 0, ours)
    res = go({"tiles": [{"size": size, "root": b64(t.root()), "tiles": bad_tiles, "prove_record": [0]}]})
    got = res["tiles"][0]
    if got["ok"]:
        # Go's TileHashReader (x/mod 0.7.0 and later) skips the parent check of the tiles listed
        # between the tree head's tiles and len(stx) (its loop starts at the count of head
        # subtrees, not of head tiles), so it can hand out a hash from a tampered tile; the proof
        # it builds must then fail, in Go and in ours.
        proof = [base64.b64decode(h) for h in got["record_proofs"][0]]
        with pytest.raises(InvalidProof):
            verify_inclusion(leaf_hash((0).to_bytes(4, "big")), 0, size, proof, t.root())
        check = go(
            {
                "records": [
                    {
                        "size": size,
                        "root": b64(t.root()),
                        "index": 0,
                        "leaf": b64((0).to_bytes(4, "big")),
                        "proof": got["record_proofs"][0],
                    }
                ]
            }
        )
        assert not check["records"][0]["ok"]
    else:
        assert "inconsistent" in got["error"]


def test_stored_hash_layout_and_tile_paths_match_go(go: GoTool) -> None:
    coords = [(level, n) for level in range(12) for n in range(0, 3000, 37)]
    tiles = [Tile(0, 0), Tile(0, 1234067, 7), Tile(3, 999), Tile(1, 1_000_000, 255), Tile(63, 123456789012)]
    res = go(
        {"stored_index": coords, "split": list(range(5000)), "tile_paths": [[t.level, t.index, t.width] for t in tiles]}
    )
    assert res["stored_index"] == [stored_hash_index(level, n) for level, n in coords]
    assert [tuple(x) for x in res["split"]] == [split_stored_hash_index(i) for i in range(5000)]
    for tile, go_path in zip(tiles, res["tile_paths"], strict=True):
        assert go_path == "tile/8/" + tile.path().removeprefix("tile/")
        assert parse_tile_path("tile/" + go_path.removeprefix("tile/8/")) == tile


def test_we_verify_what_go_makes(go: GoTool) -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    entries = [Entry.for_document("run_committed", f"run-{i}", when, str(i).encode()).encode() for i in range(600)]
    req = {
        "name": ORIGIN,
        "seed": b64(seed("go-log")),
        "text": "a note made by Go\n",
        "leaves": [b64(e) for e in entries],
        "old_size": 345,
        "cosigner": "go-witness.example/w",
        "cosign_seed": b64(seed("go-witness")),
        "time": NOW,
    }
    p = go({"produce": req})["produced"]
    ours = Ed25519Signer(ORIGIN, seed("go-log"))
    assert p["vkey"] == ours.verifier().vkey()  # the same key ID and vkey from the same key
    assert Ed25519Signer.from_skey(p["skey"]).seed == seed("go-log")
    v = Ed25519Verifier.from_vkey(p["vkey"])
    assert open_note(p["note"], [v]).text == "a note made by Go\n"
    assert p["note"].encode() == sign_note("a note made by Go\n", [ours])
    tree = MemoryTree()
    for e in entries:
        tree.append(e)
    root = base64.b64decode(p["root"])
    assert root == tree.root()
    for i, proof in enumerate(p["record_proofs"]):
        verify_inclusion(leaf_hash(entries[i]), i, len(entries), [base64.b64decode(h) for h in proof or []], root)
    old_root = base64.b64decode(p["old_root"])
    verify_consistency(345, 600, old_root, root, [base64.b64decode(h) for h in p["tree_proof"]])
    for go_path, data in p["tiles"].items():
        if ".p/" in go_path and go_path not in {t_go(t) for t in tiles_for_size(600)}:
            continue  # Go lists every intermediate partial width; C2SP serves the current one
        tile = parse_tile_path("tile/" + go_path.removeprefix("tile/8/"))
        assert base64.b64decode(data) == tile_data(tile, tree.read), go_path
    assert {t_go(t) for t in tiles_for_size(600)} <= set(p["tiles"])
    # Go's checkpoint, signed by Go with our log key and a cosignature/v1 of its own making
    signed = open_checkpoint(p["checkpoint"], {ORIGIN: [v]})
    assert signed.checkpoint == Checkpoint(ORIGIN, 600, root)
    witness = CosignatureVerifier("go-witness.example/w", base64.b64decode(p["cosigner_pub"]))
    assert [(c.name, c.timestamp) for c in verified_cosigners(signed.note, [witness])] == [(witness.name, NOW)]
    bundle = ProofBundle(
        7, tuple(base64.b64decode(h) for h in p["record_proofs"][7]), p["checkpoint"].encode(), entries[7]
    )
    r = verify_bundle(bundle.encode(), {ORIGIN: [v]}, witness_keys=[witness], min_witnesses=1, document=b"7")
    assert r.ok, r.steps


def t_go(tile: Tile) -> str:
    return "tile/8/" + tile.path().removeprefix("tile/")


def test_the_documented_go_verifier_checks_our_bundles(
    go: GoTool, tmp_path: Path, keys: tuple[Ed25519Signer, list[CosignatureSigner]]
) -> None:
    """docs/transparency-log.md's verify-proof.go, built with Go, accepts our bundle and refuses a bad one."""
    doc = (SOURCE.parents[2] / "docs" / "transparency-log.md").read_text()
    code = doc.split("```go\n", 1)[1].split("```", 1)[0]
    src = tmp_path / "verify-proof.go"
    src.write_text(code)
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": str(GOPATH), "GOCACHE": str(tmp_path / "cache"), "GOFLAGS": ""}
    exe = tmp_path / "verify-proof"
    built = subprocess.run(
        ["go", "build", "-o", str(exe), str(src)], env=env, capture_output=True, text=True, timeout=600
    )
    assert built.returncode == 0, built.stderr
    log, ws = keys
    tree = MemoryTree()
    entry = Entry.for_document("card_published", "bell-state", datetime(2026, 5, 1, tzinfo=UTC), b"{}")
    for i in range(40):
        tree.append(f"filler {i}".encode())
    index = tree.append(entry.encode())
    tree.append(b"after")
    cp = sign_checkpoint(Checkpoint(ORIGIN, tree.size, tree.root()), [log])
    cp += ws[0].cosign(parse_note(cp).text, NOW).line().encode()
    good = ProofBundle.for_entry(entry, index, inclusion_proof(tree.size, index, tree.read), cp)
    (tmp_path / "good.tlog-proof").write_bytes(good.encode())
    ok = subprocess.run(
        [str(exe), log.verifier().vkey(), str(tmp_path / "good.tlog-proof")], capture_output=True, text=True
    )
    assert ok.returncode == 0 and ok.stdout.startswith(f"OK: entry {index} of {ORIGIN}"), ok.stderr
    assert entry.encode().decode() in ok.stdout
    wrong_index = ProofBundle(index - 1, good.proof, good.checkpoint, good.extra)
    (tmp_path / "bad.tlog-proof").write_bytes(wrong_index.encode())
    bad = subprocess.run(
        [str(exe), log.verifier().vkey(), str(tmp_path / "bad.tlog-proof")], capture_output=True, text=True
    )
    assert bad.returncode == 1 and "inclusion" in bad.stderr


def test_a_missing_toolchain_fails_naming_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="apt-get install golang-go"):
        require_go()
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/go")
    monkeypatch.setitem(require_go.__globals__, "XMOD", tmp_path)  # no x/mod source there
    with pytest.raises(pytest.fail.Exception, match="apt-get install golang-golang-x-mod-dev"):
        require_go()
