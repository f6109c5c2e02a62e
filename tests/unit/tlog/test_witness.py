"""C2SP tlog-cosignature and tlog-witness: cosignatures, the add-checkpoint body, the witness's rule."""

from __future__ import annotations

import base64
import hashlib
import threading

import pytest
from qlprov.tlog.checkpoint import Checkpoint, sign_checkpoint
from qlprov.tlog.cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    cosignature_message,
    verified_cosigners,
)
from qlprov.tlog.encoding import FormatError
from qlprov.tlog.keys import Ed25519Signer, key_id
from qlprov.tlog.memory import MemoryTree
from qlprov.tlog.merkle import EMPTY_ROOT, consistency_proof, leaf_hash, tree_hash
from qlprov.tlog.note import InvalidSignature, open_note, parse_note
from qlprov.tlog.witness import (
    MemoryWitnessStore,
    Witness,
    WitnessRefusal,
    format_add_checkpoint,
    origin_hash,
    parse_add_checkpoint,
)

from tests.unit.tlog.conftest import ORIGIN

NOW = 1_780_000_000

# c2sp.org/tlog-witness's example request body
EXAMPLE_BODY = (
    b"old 20852014\n"
    b"PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    b"jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    b"5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    b"/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    b"\n"
    b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
    b"\xe2\x80\x94 example.com/behind-the-sofa "
    b"Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)


def test_cosignature_format(witnesses: list[CosignatureSigner]) -> None:
    w = witnesses[0]
    text = f"{ORIGIN}\n5\n{base64.b64encode(EMPTY_ROOT).decode()}\n"
    sig = w.cosign(text, NOW)
    assert sig.key_id == key_id(w.name, 0x04, w.public_key) != key_id(w.name, 0x01, w.public_key)
    assert sig.sig[:8] == NOW.to_bytes(8, "big") and len(sig.sig) == 72
    assert cosignature_message(text, NOW) == f"cosignature/v1\ntime {NOW}\n{text}".encode()
    v = w.verifier()
    assert v.verify(text.encode(), sig.sig) and CosignatureVerifier.from_vkey(v.vkey()) == v
    assert v.vkey().split("+")[2].startswith("B")  # base64 of 0x04 || key
    assert not v.verify(text.encode() + b"x", sig.sig)
    assert not v.verify(text.encode(), (NOW + 1).to_bytes(8, "big") + sig.sig[8:])  # the time is signed
    assert not v.verify(text.encode(), (2**63).to_bytes(8, "big") + sig.sig[8:])
    future = CosignatureVerifier(w.name, w.public_key, clock=lambda: NOW - 3600)
    assert not future.verify(text.encode(), sig.sig)


def test_verified_cosigners_counts_distinct_known_witnesses(
    log_signer: Ed25519Signer, witnesses: list[CosignatureSigner]
) -> None:
    cp = Checkpoint(ORIGIN, 1, leaf_hash(b"x"))
    note = parse_note(sign_checkpoint(cp, [log_signer]))
    lines = [w.cosign(note.text, NOW + i) for i, w in enumerate(witnesses)]
    cosigned = parse_note(note.encode() + lines[0].line().encode() + lines[1].line().encode() * 2)
    found = verified_cosigners(cosigned, [w.verifier() for w in witnesses])
    assert sorted(c.name for c in found) == [witnesses[0].name, witnesses[1].name]
    assert verified_cosigners(cosigned, [witnesses[2].verifier()]) == []
    bad = lines[0].line().replace(lines[0].line()[-10:-2], "AAAAAAAA")
    with pytest.raises(InvalidSignature):
        verified_cosigners(parse_note(note.encode() + bad.encode()), [witnesses[0].verifier()])


def test_add_checkpoint_body_parses_and_formats() -> None:
    req = parse_add_checkpoint(EXAMPLE_BODY)
    assert req.old_size == 20852014 and len(req.proof) == 4
    assert req.checkpoint.startswith(b"example.com/behind-the-sofa\n")
    assert format_add_checkpoint(req.old_size, req.proof, req.checkpoint) == EXAMPLE_BODY
    assert parse_add_checkpoint(b"old 0\n\n" + req.checkpoint).proof == ()
    for bad in [
        b"old 01\n\n" + req.checkpoint,
        b"old -1\n\n" + req.checkpoint,
        b"Old 1\n\n" + req.checkpoint,
        b"old 1\n" + req.checkpoint,
        b"old 1\nAAAA\n\n" + req.checkpoint,
        b"old 1\n" + b"PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n" * 64 + b"\n" + req.checkpoint,
        b"old 1\n\xff\n\n" + req.checkpoint,
    ]:
        with pytest.raises(FormatError):
            parse_add_checkpoint(bad)


def test_origin_hash() -> None:
    assert origin_hash(ORIGIN) == hashlib.sha256(ORIGIN.encode()).hexdigest()


class Log:
    """A log under test: a tree, its key, and add-checkpoint bodies."""

    def __init__(self, signer: Ed25519Signer) -> None:
        self.signer, self.tree = signer, MemoryTree()

    def grow(self, n: int) -> None:
        for _ in range(n):
            self.tree.append(self.tree.size.to_bytes(8, "big"))

    def checkpoint(self, size: int | None = None, root: bytes | None = None) -> bytes:
        size = self.tree.size if size is None else size
        root = tree_hash(size, self.tree.read) if root is None else root
        return sign_checkpoint(Checkpoint(ORIGIN, size, root), [self.signer])

    def body(self, old: int, size: int | None = None, **kw: object) -> bytes:
        size = self.tree.size if size is None else size
        proof = consistency_proof(old, size, self.tree.read) if old <= size else []
        return format_add_checkpoint(old, kw.get("proof", proof), self.checkpoint(size, kw.get("root")))  # type: ignore[arg-type]


@pytest.fixture
def setup(log_signer: Ed25519Signer, witnesses: list[CosignatureSigner]) -> tuple[Log, Witness]:
    w = Witness(witnesses[:1], {ORIGIN: [log_signer.verifier()]}, MemoryWitnessStore(), clock=lambda: NOW)
    return Log(log_signer), w


def refusal(w: Witness, body: bytes) -> WitnessRefusal:
    with pytest.raises(WitnessRefusal) as e:
        w.add_checkpoint(body)
    return e.value


def test_a_witness_follows_a_growing_log(setup: tuple[Log, Witness], witnesses: list[CosignatureSigner]) -> None:
    log, w = setup
    log.grow(5)
    lines = w.add_checkpoint(log.body(0))
    note = open_note(log.checkpoint().decode() + lines, [witnesses[0].verifier()])
    assert len(note.verified) == 1
    log.grow(7)
    w.add_checkpoint(log.body(5))
    w.add_checkpoint(log.body(12))  # the same checkpoint again is cosigned again
    latest = w.store.latest(ORIGIN)
    assert latest is not None and latest.checkpoint.size == 12


def test_refusals_have_the_specifications_statuses(setup: tuple[Log, Witness]) -> None:
    log, w = setup
    log.grow(8)
    w.add_checkpoint(log.body(0, 3))
    r = refusal(w, log.body(0))  # the witness knows size 3
    assert (r.status, r.body, r.content_type) == (409, "3\n", "text/x.tlog.size")
    assert refusal(w, log.body(4)).body == "3\n"
    assert refusal(w, b"garbage").status == 400
    assert refusal(w, log.body(3, 2)).status == 400  # old size above the checkpoint's
    stranger = Ed25519Signer("stranger.example/log", b"\x09" * 32)
    foreign = sign_checkpoint(Checkpoint("stranger.example/log", 1, leaf_hash(b"")), [stranger])
    assert refusal(w, format_add_checkpoint(0, [], foreign)).status == 404
    unsigned = sign_checkpoint(Checkpoint(ORIGIN, 8, log.tree.root()), [Ed25519Signer(ORIGIN, b"\x05" * 32)])
    assert refusal(w, format_add_checkpoint(3, [], unsigned)).status == 403
    forged = log.body(3).replace(b"\n8\n", b"\n9\n")
    assert refusal(w, forged).status == 403
    wrong_root = log.body(3, root=leaf_hash(b"forked"))
    r = refusal(w, wrong_root)
    assert r.status == 422 and r.checkpoint is not None  # kept as evidence of misbehaviour
    assert refusal(w, log.body(3, proof=[])).status == 422
    assert refusal(w, log.body(3, 3, root=leaf_hash(b"x"))).status == 422  # same size, another root
    assert refusal(w, log.body(3, 3, proof=[EMPTY_ROOT])).status == 422
    w.add_checkpoint(log.body(3, 3))
    latest = w.store.latest(ORIGIN)
    assert latest is not None and latest.checkpoint.size == 3  # nothing refused was recorded


def test_size_zero_rules(log_signer: Ed25519Signer, witnesses: list[CosignatureSigner]) -> None:
    w = Witness(witnesses[:1], {ORIGIN: [log_signer.verifier()]}, MemoryWitnessStore(), clock=lambda: NOW)
    empty = sign_checkpoint(Checkpoint(ORIGIN, 0, EMPTY_ROOT), [log_signer])
    bad_empty = sign_checkpoint(Checkpoint(ORIGIN, 0, leaf_hash(b"")), [log_signer])
    assert refusal(w, format_add_checkpoint(0, [], bad_empty)).status == 422
    w.add_checkpoint(format_add_checkpoint(0, [], empty))
    one = sign_checkpoint(Checkpoint(ORIGIN, 1, leaf_hash(b"a")), [log_signer])
    assert refusal(w, format_add_checkpoint(0, [EMPTY_ROOT], one)).status == 422  # proof from 0 must be empty
    w.add_checkpoint(format_add_checkpoint(0, [], one))


def test_concurrent_requests_from_one_old_size_cosign_once(setup: tuple[Log, Witness]) -> None:
    log, w = setup
    log.grow(40)
    w.add_checkpoint(log.body(0, 10))
    bodies = [log.body(10, 10 + k) for k in range(1, 31)]
    results: list[int] = []
    lock = threading.Lock()

    def send(body: bytes) -> None:
        try:
            w.add_checkpoint(body)
            status = 200
        except WitnessRefusal as exc:
            status = exc.status
        with lock:
            results.append(status)

    threads = [threading.Thread(target=send, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [200] + [409] * 29
