"""``ql verify`` on what the log proves, offline: files made here from a log held in memory."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from qlprov.hashing import run_hash
from qlprov.tlog.bundle import ProofBundle
from qlprov.tlog.checkpoint import Checkpoint, sign_checkpoint
from qlprov.tlog.cosignature import CosignatureSigner
from qlprov.tlog.documents import attestation_document, card_document_from_view
from qlprov.tlog.entry import Entry, EntryKind
from qlprov.tlog.keys import Ed25519Signer
from qlprov.tlog.memory import MemoryTree
from qlprov.tlog.merkle import inclusion_proof, tree_hash
from qlprov.tlog.note import sign_note
from quantumledger.cli.main import cli
from quantumledger.examples import bell_bundle

ORIGIN = "ledger.example/log"
LOG = Ed25519Signer(ORIGIN, hashlib.sha256(b"log").digest())
WITNESS = CosignatureSigner("witness.example/w1", hashlib.sha256(b"w").digest())
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
CARD: dict[str, Any] = {
    "slug": "bell-ibm-kyiv",
    "concept_id": "cpt",
    "version_id": "ver",
    "version": 2,
    "title": "Bell",
    "authors": [{"name": "Ada Lovelace"}],
    "abstract": None,
    "license": "CC-BY-4.0",
    "license_url": "https://spdx.org/licenses/CC-BY-4.0.html",
    "keywords": [],
    "published_at": "2026-05-01T12:00:00Z",
    "first_published_at": "2026-04-01T12:00:00Z",
    "run": {"run_id": "r", "run_hash": "ab" * 32},
}
ENVELOPE = {"payload": "e30=", "payloadType": "application/vnd.in-toto+json", "signatures": []}


def _log_with(*entries: Entry) -> tuple[MemoryTree, bytes]:
    tree = MemoryTree()
    tree.append(b"an earlier entry")
    for e in entries:
        tree.append(e.encode())
    text = Checkpoint(ORIGIN, tree.size, tree_hash(tree.size, tree.read)).text()
    note = sign_note(text, [LOG]) + WITNESS.cosign(text, 1_780_000_000).line().encode()
    return tree, note


def _bundle(tree: MemoryTree, note: bytes, index: int, entry: Entry) -> dict[str, Any]:
    proof = inclusion_proof(tree.size, index, tree.read)
    return {"index": index, "bundle": ProofBundle(index, tuple(proof), note, entry.encode()).encode().decode()}


@pytest.fixture
def files(tmp_path: Path) -> Path:
    card_entry = Entry.for_document(EntryKind.CARD_PUBLISHED, CARD["slug"], NOW, card_document_from_view(CARD))
    att_entry = Entry.for_document(EntryKind.ATTESTATION_ISSUED, "att1", NOW, attestation_document(ENVELOPE))
    tree, note = _log_with(card_entry, att_entry)
    card = {**CARD, "transparency": _bundle(tree, note, 1, card_entry)}
    attestation = {"attestation_id": "att1", "envelope": ENVELOPE, "transparency": _bundle(tree, note, 2, att_entry)}
    (tmp_path / "card.json").write_text(json.dumps(card))
    (tmp_path / "forged.json").write_text(json.dumps({**card, "version": 3}))
    (tmp_path / "wrong-kind.json").write_text(json.dumps({**card, "transparency": attestation["transparency"]}))
    (tmp_path / "attestation.json").write_text(json.dumps(attestation))
    (tmp_path / "card.tlog-proof").write_text(card["transparency"]["bundle"])
    (tmp_path / "a.checkpoint").write_bytes(note)
    other = sign_checkpoint(Checkpoint(ORIGIN, tree.size, b"\x07" * 32), [LOG])
    (tmp_path / "b.checkpoint").write_bytes(other)
    return tmp_path


def ql(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_cards_attestations_and_bundles_verify_against_the_log_key(files: Path) -> None:
    key = ["--log-key", LOG.verifier().vkey()]
    code, out = ql(
        "verify", *key, str(files / "card.json"), str(files / "attestation.json"), str(files / "card.tlog-proof")
    )
    assert code == 0 and out.count("OK ") == 3, out
    witnessed = [*key, "--witness-key", WITNESS.verifier().vkey(), "--min-witnesses", "1"]
    code, out = ql("verify", *witnessed, str(files / "card.json"))
    assert code == 0 and "cosigned by witness.example/w1" in out, out
    code, out = ql("verify", *key, "--min-witnesses", "1", str(files / "card.json"))  # no witness key trusted
    assert code == 1 and "witnesses" in out, out


def test_what_does_not_verify_says_which_step_failed(files: Path) -> None:
    key = ["--log-key", LOG.verifier().vkey()]
    code, out = ql("verify", *key, str(files / "forged.json"))
    assert code == 1 and "document" in out
    code, out = ql("verify", *key, str(files / "wrong-kind.json"))
    assert code == 1 and "FAIL" in out
    stranger = Ed25519Signer(ORIGIN, hashlib.sha256(b"another key").digest()).verifier().vkey()
    code, out = ql("verify", "--log-key", stranger, str(files / "card.json"))
    assert code == 1 and "log_signature" in out
    code, out = ql("verify", str(files / "card.json"))
    assert code == 2 and "--log-key" in out


def test_a_card_fetched_before_its_checkpoint_says_so_not_that_a_run_failed(files: Path) -> None:
    (files / "fresh.json").write_text(json.dumps({**CARD, "transparency": None}))
    code, out = ql("verify", "--log-key", LOG.verifier().vkey(), str(files / "fresh.json"))
    assert code == 1 and "card is not in the log yet" in out and "run_hash" not in out, out
    fresh = {"attestation_id": "att1", "envelope": ENVELOPE, "transparency": None}
    (files / "fresh-attestation.json").write_text(json.dumps(fresh))
    code, out = ql("verify", "--log-key", LOG.verifier().vkey(), str(files / "fresh-attestation.json"))
    assert code == 1 and "attestation is not in the log yet" in out, out


def test_two_roots_for_one_size_is_a_fork(files: Path) -> None:
    code, out = ql(
        "verify", "--log-key", LOG.verifier().vkey(), str(files / "a.checkpoint"), str(files / "b.checkpoint")
    )
    assert code == 3 and "FORK" in out and "two roots for size 3" in out, out
    evidence = json.loads(out[out.index("{") :])
    (files / "evidence.json").write_text(json.dumps(evidence))
    code, out = ql("verify", "--log-key", LOG.verifier().vkey(), str(files / "evidence.json"))
    assert code == 3 and "proven" in out
    evidence["newer"] = evidence["older"]
    (files / "evidence.json").write_text(json.dumps(evidence))
    code, out = ql("verify", "--log-key", LOG.verifier().vkey(), str(files / "evidence.json"))
    assert code == 1 and "does not hold" in out


def test_run_documents_without_the_log_options_verify_as_before(tmp_path: Path) -> None:
    doc = bell_bundle()
    (tmp_path / "run.json").write_text(json.dumps({**doc, "run_hash": run_hash(doc)}))
    code, out = ql("verify", str(tmp_path / "run.json"))
    assert code == 0 and out.startswith("OK"), out
