"""``quantumledger.verify``: offline hash and schema checks, with typed errors."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import blake3
import orjson
import pytest
import quantumledger
import rfc8785
from quantumledger import examples
from quantumledger.errors import (
    HashMismatchError,
    InvalidDocumentError,
    MissingHashError,
    QuantumLedgerError,
    VerificationError,
)
from quantumledger.verify import VerifyResult, verify


def hand_built(body: dict[str, Any]) -> dict[str, Any]:
    """A bundle hashed by other code than ours: rfc8785 and blake3 directly."""
    return {**body, "run_hash": blake3.blake3(rfc8785.dumps(body)).hexdigest()}


def ion_trap_body() -> dict[str, Any]:
    """An ion-trap run: no T1/T2, no per-gate durations (nulls), and a client's extras."""
    return {
        "schema": "qlprov/run/1.0",
        "created_at": "2025-05-02T09:30:00.125+00:00",
        "program": {"name": "bell", "format": "openqasm3", "source": "OPENQASM 3.0;\nqubit[2] q;\n"},
        "backend": {"provider": "quantinuum", "name": "H2-1", "num_qubits": 56},
        "calibration": {
            "taken_at": "2025-04-30T00:00:00Z",
            "qubits": [{"qubit": q, "t1_us": None, "t2_us": None, "readout_error": 0.0015} for q in range(2)],
            "gates": [{"gate": "zz", "qubits": [0, 1], "error": 0.00105, "duration_ns": None}],
            "source_definition": "device-level averages p1, p2 (Quantinuum offline machine list)",
        },
        "execution": {
            "shots": 100,
            "status": "completed",
            "job_id": None,
            "submitted_at": None,
            "completed_at": None,
        },
        "results": {"counts": {"00": 51, "11": 49}},
        "environment": {"sdk": {"name": "third-party", "version": "9.9"}, "packages": {}, "python": "3.12.1"},
        "lab": {"operator": "Zoë", "notes": ["ran twice", {"temperature_K": 4.0}]},
    }


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    return examples.ghz_bundle()


def test_a_captured_bundle_verifies_in_every_form(bundle: dict[str, Any], tmp_path: Path) -> None:
    raw = orjson.dumps(bundle)
    path = tmp_path / "run.qlprov.json"
    path.write_bytes(raw)
    for form in (bundle, raw, raw.decode(), path, json.dumps(bundle, indent=2)):
        result = verify(form)
        assert isinstance(result, VerifyResult)
        assert result.run_hash == bundle["run_hash"]
        assert result.document == bundle
        assert result.backend == "ibm/ibm_kyiv"
        assert result.record.execution.shots == 4096


def test_the_package_exports_verify(bundle: dict[str, Any]) -> None:
    assert quantumledger.verify(bundle).run_hash == bundle["run_hash"]
    assert quantumledger.VerificationError is VerificationError
    assert quantumledger.HashMismatchError is HashMismatchError


def test_a_hand_built_bundle_verifies_with_nulls_and_extra_members() -> None:
    document = hand_built(ion_trap_body())
    result = verify(orjson.dumps(document))
    assert result.run_hash == document["run_hash"]
    assert result.document["lab"] == document["lab"]  # kept, and part of the hash
    assert result.document["calibration"]["source_definition"].startswith("device-level")
    assert result.record.calibration.qubits[0].t1_us is None
    assert result.backend == "quantinuum/H2-1"


def test_a_hand_built_real_bundle_verifies(bundle: dict[str, Any]) -> None:
    body = {k: v for k, v in bundle.items() if k != "run_hash"}
    assert verify(hand_built(body)).run_hash == bundle["run_hash"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["results"]["counts"].__setitem__("000", d["results"]["counts"]["000"] + 1),
        lambda d: d["calibration"]["qubits"][5].__setitem__(
            "t1_us", math.nextafter(d["calibration"]["qubits"][5]["t1_us"], 0)
        ),
        lambda d: d["calibration"]["gates"].pop(),
        lambda d: d["execution"].__setitem__("seed_simulator", 1),
        lambda d: d.__setitem__("lab", "added after hashing"),
        lambda d: d.pop("simulator"),
        lambda d: d["program"].__setitem__("source", d["program"]["source"] + "// edited\n"),
    ],
)
def test_a_tampered_bundle_fails(bundle: dict[str, Any], tamper: Any) -> None:
    tampered = copy.deepcopy(bundle)
    tamper(tampered)
    with pytest.raises(HashMismatchError) as info:
        verify(tampered)
    assert info.value.claimed == bundle["run_hash"]
    assert info.value.computed != bundle["run_hash"] and len(info.value.computed) == 64
    assert bundle["run_hash"] in str(info.value) and info.value.computed in str(info.value)


def test_a_tampered_file_fails(bundle: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_bytes(orjson.dumps(bundle).replace(b'"shots":4096', b'"shots":4097', 1))
    with pytest.raises(HashMismatchError):
        verify(path)


def test_a_forged_hash_fails(bundle: dict[str, Any]) -> None:
    with pytest.raises(HashMismatchError):
        verify({**bundle, "run_hash": "0" * 64})


@pytest.mark.parametrize("run_hash", [None, "absent"])
def test_a_document_without_hash_cannot_be_verified(bundle: dict[str, Any], run_hash: str | None) -> None:
    document = {k: v for k, v in bundle.items() if k != "run_hash"}
    if run_hash is None:
        document["run_hash"] = None
    with pytest.raises(MissingHashError):
        verify(document)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("calibration"), "calibration"),
        (lambda d: d.__setitem__("schema", "qlprov/run/2.0"), "schema"),
        (lambda d: d["calibration"]["qubits"][0].__setitem__("readout_error", 1.5), "readout_error"),
        (lambda d: d["calibration"]["qubits"][0].__setitem__("t1_us", -1.0), "t1_us"),
        (lambda d: d["execution"].__setitem__("shots", 0), "shots"),
        (lambda d: d.__setitem__("created_at", "26/02/2025"), "created_at"),
        (lambda d: d.__setitem__("run_hash", "not-a-hash"), "run_hash"),
    ],
)
def test_an_off_schema_document_is_invalid(change: Any, message: str) -> None:
    body = ion_trap_body()
    document = hand_built(body)
    change(document)
    if document.get("run_hash") != "not-a-hash":  # re-hash: the schema is what fails
        document = hand_built({k: v for k, v in document.items() if k != "run_hash"})
    with pytest.raises(InvalidDocumentError, match=message):
        verify(document)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"a": NaN}', "NaN"),
        (b'{"a": 1, "a": 2}', "duplicate member name 'a'"),
        (b'{"a": {"b": 1, "b": 1}}', "duplicate member name 'b'"),
        (b"\xff{}", "not UTF-8"),
        ("run.json", "pass a pathlib.Path"),
    ],
)
def test_unparseable_input_is_invalid(text: bytes | str, message: str) -> None:
    with pytest.raises(InvalidDocumentError, match=message):
        verify(text)


@pytest.mark.parametrize(
    "extra",
    ['"big": 9007199254740993', '"huge": 1e400', '"lone": "\\ud800"', '"\\udfff": 1'],
)
def test_values_without_a_canonical_form_are_invalid(extra: str) -> None:
    """Refused when parsed (I-JSON, as the ledger parses), naming the member; a parsed mapping
    holding one is refused when canonicalized."""
    body = ion_trap_body()
    text = orjson.dumps(hand_built(body)).decode()
    tampered = text[:-1] + ", " + extra + "}"
    member = json.loads("{" + extra + "}")
    name = next(iter(member))
    with pytest.raises(InvalidDocumentError, match="not I-JSON") as info:
        verify(tampered)
    assert f"at /{name}" in str(info.value)
    if name != "huge":  # a parsed mapping cannot hold 1e400 (it is inf, refused as NaN/Infinity would be)
        with pytest.raises(InvalidDocumentError, match="canonical JSON"):
            verify({**orjson.loads(text), **member})


def test_every_error_is_a_verification_error() -> None:
    for error in (InvalidDocumentError, MissingHashError, HashMismatchError):
        assert issubclass(error, VerificationError)
        assert issubclass(error, QuantumLedgerError)


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        verify(tmp_path / "absent.json")


def test_other_types_are_refused() -> None:
    with pytest.raises(TypeError):
        verify(42)  # type: ignore[arg-type]


GOLDEN_BEFORE = Path(__file__).parent / "golden" / "bell_manila_before_faithful_capture.json"
GOLDEN_BEFORE_HASH = "5b649fb421fe8bea1115a732fcf60f5c566b91eccab515afa23b368396fbafcf"


def test_a_document_from_before_the_new_members_verifies_and_hashes_as_before() -> None:
    """Captured by the SDK before native forms, asymmetric readout and calibration sources were
    added: the additive members change neither its validity nor its hash."""
    raw = GOLDEN_BEFORE.read_bytes()
    result = verify(GOLDEN_BEFORE)
    assert result.run_hash == GOLDEN_BEFORE_HASH == json.loads(raw)["run_hash"]
    assert result.record.program.native is None and result.record.calibration.source is None
    assert all(q.prob_meas1_prep0 is None and q.vendor is None for q in result.record.calibration.qubits)


@pytest.mark.parametrize(
    ("member", "value"),
    [
        (("calibration", "qubits", 0, "prob_meas1_prep0"), 1.5),
        (("calibration", "qubits", 0, "prob_meas0_prep1"), -0.1),
        (("program", "native"), {"format": "qpy", "encoding": "zip", "source": ""}),
        (("calibration", "source"), {"origin": "no vendor"}),
        (("calibration", "qubits", 0, "vendor"), {"nested": {"no": "objects"}}),
    ],
)
def test_the_new_members_are_checked(member: tuple[Any, ...], value: Any) -> None:
    document = json.loads(GOLDEN_BEFORE.read_bytes())
    target = document
    for key in member[:-1]:
        target = target[key]
    target[member[-1]] = value
    with pytest.raises(InvalidDocumentError):
        verify(hand_built({k: v for k, v in document.items() if k != "run_hash"}))
