"""The qlog/entry/1 entry and the tlog-proof bundle: canonical encoding, each verification step."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest
from qlprov.tlog.bundle import ProofBundle, StepStatus, verify_bundle
from qlprov.tlog.checkpoint import Checkpoint, sign_checkpoint
from qlprov.tlog.cosignature import CosignatureSigner
from qlprov.tlog.encoding import FormatError
from qlprov.tlog.entry import Entry, EntryError, EntryKind, format_time, parse_entry
from qlprov.tlog.keys import Ed25519Signer
from qlprov.tlog.memory import MemoryTree
from qlprov.tlog.merkle import inclusion_proof
from qlprov.tlog.note import parse_note

from tests.unit.tlog.conftest import ORIGIN

DOC = b'{"qlprov":"run/1.0","counts":{"00":512,"11":512}}'
WHEN = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
NOW = 1_780_000_000


def test_entry_encoding_is_fixed() -> None:
    e = Entry.for_document(EntryKind.CARD_PUBLISHED, "bell-state-on-ibm-brisbane", WHEN, DOC)
    assert e.encode() == (
        b"qlog/entry/1\nkind card_published\nsubject bell-state-on-ibm-brisbane\ntime 2026-05-01T12:00:00Z\n"
        b"blake3 " + e.blake3.encode() + b"\nsha256 " + e.sha256.encode() + b"\n"
    )
    assert parse_entry(e.encode()) == e and e.matches(DOC) and not e.matches(DOC + b" ")


def test_times_have_one_spelling() -> None:
    assert format_time(WHEN.replace(microsecond=120000)) == "2026-05-01T12:00:00.12Z"
    assert format_time(datetime(2026, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))) == "2026-05-01T12:00:00Z"
    with pytest.raises(EntryError):
        format_time(datetime(2026, 5, 1))  # naive


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "card_deleted"),
        ("subject", ""),
        ("subject", "has space"),
        ("subject", "-leading-dash"),
        ("subject", "x" * 201),
        ("subject", "naïve"),
        ("time", "2026-05-01T12:00:00+00:00"),
        ("time", "2026-05-01T12:00:00.10Z"),
        ("time", "2026-05-01 12:00:00Z"),
        ("time", "2026-02-30T12:00:00Z"),
        ("time", "2026-05-01T24:00:00Z"),
        ("time", "2026-05-01T12:00:60Z"),
        ("blake3", "AB" * 32),
        ("sha256", "ab" * 31),
    ],
)
def test_invalid_values_are_refused(field: str, value: str) -> None:
    e = Entry.for_document("run_committed", "01JABCDEF", WHEN, DOC)
    values = {"kind": e.kind.value, "subject": e.subject, "time": e.time, "blake3": e.blake3, "sha256": e.sha256}
    values[field] = value
    raw = "qlog/entry/1\n" + "".join(f"{k} {v}\n" for k, v in values.items())
    with pytest.raises(EntryError):
        parse_entry(raw.encode())


def test_only_the_canonical_bytes_parse() -> None:
    good = Entry.for_document("attestation_issued", "att_01J", WHEN, DOC).encode()
    for bad in [
        good.replace(b"qlog/entry/1", b"qlog/entry/2"),
        good[:-1],
        good + b"\n",
        good + b"extra line\n",
        good.replace(b"kind ", b"kind  "),
        good.replace(b"\n", b"\r\n"),
        b"\n".join(reversed(good.split(b"\n"))),
        good.replace(b"subject att_01J\n", b""),
    ]:
        with pytest.raises(EntryError):
            parse_entry(bad)


@pytest.fixture
def published(log_signer: Ed25519Signer, witnesses: list[CosignatureSigner]) -> tuple[bytes, Entry]:
    tree = MemoryTree()
    for i in range(20):
        tree.append(Entry.for_document("run_committed", f"run{i}", WHEN, str(i).encode()).encode())
    entry = Entry.for_document("card_published", "bell-state", WHEN, DOC)
    index = tree.append(entry.encode())
    for i in range(5):
        tree.append(f"later {i}".encode())
    cp = sign_checkpoint(Checkpoint(ORIGIN, tree.size, tree.root()), [log_signer])
    text = parse_note(cp).text
    cp += b"".join(w.cosign(text, NOW).line().encode() for w in witnesses[:2])
    bundle = ProofBundle.for_entry(entry, index, inclusion_proof(tree.size, index, tree.read), cp)
    return bundle.encode(), entry


def test_a_bundle_is_a_c2sp_tlog_proof(published: tuple[bytes, Entry]) -> None:
    data, entry = published
    lines = data.decode().split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    assert lines[1] == "extra " + base64.b64encode(entry.encode()).decode()
    assert lines[2] == "index 20"
    assert ProofBundle.parse(data).encode() == data


def test_a_good_bundle_passes_every_step(
    published: tuple[bytes, Entry], log_signer: Ed25519Signer, witnesses: list[CosignatureSigner]
) -> None:
    data, entry = published
    keys = {ORIGIN: [log_signer.verifier()]}
    ws = [w.verifier() for w in witnesses]
    r = verify_bundle(data, keys, witness_keys=ws, min_witnesses=2, document=DOC, subject="bell-state")
    assert r.ok and r.entry == entry and [s.status for s in r.steps] == [StepStatus.PASSED] * 6
    assert sorted(c.name for c in r.cosigners) == sorted(w.name for w in witnesses[:2])
    r = verify_bundle(data, keys)
    assert r.ok and r.steps[-1].status is StepStatus.SKIPPED


def step_failed(r: object) -> str:
    failed = r.failed  # type: ignore[attr-defined]
    assert failed is not None and not r.ok  # type: ignore[attr-defined]
    return str(failed.step)


def test_each_failure_names_its_step(
    published: tuple[bytes, Entry], log_signer: Ed25519Signer, witnesses: list[CosignatureSigner]
) -> None:
    data, _ = published
    keys = {ORIGIN: [log_signer.verifier()]}
    ws = [w.verifier() for w in witnesses]
    assert step_failed(verify_bundle(b"not a proof", keys)) == "format"
    pb = ProofBundle.parse(data)
    assert step_failed(verify_bundle(ProofBundle(pb.index, pb.proof, pb.checkpoint), keys)) == "entry"
    assert step_failed(verify_bundle(ProofBundle(pb.index, pb.proof, pb.checkpoint, b"junk"), keys)) == "entry"
    assert step_failed(verify_bundle(data, {})) == "log_signature"
    other = Ed25519Signer(ORIGIN, b"\x03" * 32)
    assert step_failed(verify_bundle(data, {ORIGIN: [other.verifier()]})) == "log_signature"
    assert step_failed(verify_bundle(data, keys, witness_keys=ws, min_witnesses=3)) == "witnesses"
    assert step_failed(verify_bundle(ProofBundle(pb.index + 1, pb.proof, pb.checkpoint, pb.extra), keys)) == "inclusion"
    assert step_failed(verify_bundle(data, keys, document=DOC + b"!")) == "document"
    r = verify_bundle(data, keys, subject="another-card")
    assert step_failed(r) == "document"
    assert [s.status for s in verify_bundle(data, {}).steps][2:] == [StepStatus.FAILED] + [StepStatus.SKIPPED] * 3


def test_every_flipped_bit_of_a_bundle_is_refused(
    published: tuple[bytes, Entry], log_signer: Ed25519Signer, witnesses: list[CosignatureSigner]
) -> None:
    data, _ = published
    keys = {ORIGIN: [log_signer.verifier()]}
    ws = [w.verifier() for w in witnesses[:2]]
    assert verify_bundle(data, keys, witness_keys=ws, min_witnesses=2, document=DOC).ok
    for i in range(len(data)):
        for bit in range(8):
            bad = data[:i] + bytes([data[i] ^ (1 << bit)]) + data[i + 1 :]
            assert not verify_bundle(bad, keys, witness_keys=ws, min_witnesses=2, document=DOC).ok, (i, bit)


def test_bundle_parse_limits() -> None:
    cp = b"origin\n1\n" + base64.b64encode(b"\x00" * 32) + b"\n\n"
    for bad in [
        b"c2sp.org/tlog-proof@v2\nindex 0\n\n" + cp,
        b"c2sp.org/tlog-proof@v1\nindex 00\n\n" + cp,
        b"c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\n" + cp,
        b"c2sp.org/tlog-proof@v1\nindex 0\n" + b"AAAA\n\n" + cp,
        b"c2sp.org/tlog-proof@v1\nindex 0\n" + (base64.b64encode(b"\x00" * 32) + b"\n") * 64 + b"\n" + cp,
        b"c2sp.org/tlog-proof@v1\n\n" + cp,
    ]:
        with pytest.raises(FormatError):
            ProofBundle.parse(bad)
