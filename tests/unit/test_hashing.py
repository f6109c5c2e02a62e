"""``run_hash``: BLAKE3 hex of the RFC 8785 canonical JSON of a document without ``run_hash``."""

from __future__ import annotations

import copy
import math
from typing import Any

import blake3
import orjson
import rfc8785
from qlprov.hashing import HASH_MEMBER, canonical_body, digest_hex, run_hash, with_hash

# A small fixed document with real kyiv numbers, a null (reset has no error), an extra
# member with a non-ASCII string and floats whose ECMAScript form differs from Python's.
GOLDEN_DOC: dict[str, Any] = {
    "schema": "qlprov/run/1.0",
    "created_at": "2025-02-26T17:03:02Z",
    "program": {
        "name": "bell",
        "format": "openqasm3",
        "source": 'OPENQASM 3.0;\ninclude "stdgates.inc";\nbit[2] c;\nqubit[2] q;\nh q[0];\n'
        "cx q[0], q[1];\nc = measure q;\n",
    },
    "backend": {"provider": "ibm", "name": "ibm_kyiv", "num_qubits": 127},
    "calibration": {
        "taken_at": "2025-02-26T11:02:56-05:00",
        "qubits": [
            {"qubit": 0, "t1_us": 398.9884505790462, "t2_us": 400.3319272268721, "readout_error": 0.007080078125},
            {"qubit": 1, "t1_us": 414.9964419675959, "t2_us": 180.33853218974343, "readout_error": 0.009521484375},
        ],
        "gates": [
            {"gate": "ecr", "qubits": [0, 1], "error": 0.0075, "duration_ns": 533.3333333333333},
            {"gate": "sx", "qubits": [0], "error": 9.828908854532474e-05, "duration_ns": 49.77777777777777},
            {"gate": "reset", "qubits": [0], "error": None, "duration_ns": 1294.2222222222222},
        ],
    },
    "execution": {
        "shots": 4096,
        "status": "completed",
        "job_id": "golden-1",
        "submitted_at": "2025-02-26T17:02:56Z",
        "completed_at": "2025-02-26T17:03:01Z",
    },
    "results": {"counts": {"00": 2020, "01": 31, "10": 29, "11": 2016}},
    "environment": {
        "sdk": {"name": "quantumledger-sdk", "version": "0.1.0"},
        "packages": {"qiskit": "2.6.1"},
        "python": "3.11.7",
    },
    "notes": {"operator": "Zoë", "temperature_mK": 15.0, "tiny": 1e-7},
}
# computed once with rfc8785.dumps + blake3 (see test_golden_hash_is_independently_reproducible)
GOLDEN_HASH = "c0cbf674c8294afe78d6f4ec8e4b4d8e94e9891bda76a4196fde58de4e76e7f2"


def independent_hash(document: dict[str, Any]) -> str:
    body = {k: v for k, v in document.items() if k != "run_hash"}
    return blake3.blake3(rfc8785.dumps(body)).hexdigest()


def test_golden_hash_is_independently_reproducible() -> None:
    assert independent_hash(GOLDEN_DOC) == GOLDEN_HASH


def test_run_hash_of_golden_document() -> None:
    assert run_hash(GOLDEN_DOC) == GOLDEN_HASH
    body = canonical_body(GOLDEN_DOC)
    assert body == rfc8785.dumps(GOLDEN_DOC)
    assert b'"temperature_mK":15,' in body and b'"tiny":1e-7' in body
    assert b'"error":0.00009828908854532474' in body


def test_run_hash_ignores_the_run_hash_member() -> None:
    with_member = {**GOLDEN_DOC, HASH_MEMBER: "0" * 64}
    assert run_hash(with_member) == GOLDEN_HASH
    assert run_hash({HASH_MEMBER: GOLDEN_HASH, **GOLDEN_DOC}) == GOLDEN_HASH
    assert HASH_MEMBER in with_member  # the input is not changed


def test_extra_members_change_the_hash() -> None:
    top = {**GOLDEN_DOC, "lab": "QL-1"}
    nested = copy.deepcopy(GOLDEN_DOC)
    nested["execution"]["queue"] = "fair-share"
    hashes = {run_hash(GOLDEN_DOC), run_hash(top), run_hash(nested)}
    assert len(hashes) == 3
    assert run_hash(top) == independent_hash(top)
    assert run_hash(nested) == independent_hash(nested)


def test_any_value_change_changes_the_hash() -> None:
    tampered = copy.deepcopy(GOLDEN_DOC)
    tampered["results"]["counts"]["11"] += 1
    assert run_hash(tampered) != GOLDEN_HASH
    one_ulp = copy.deepcopy(GOLDEN_DOC)
    one_ulp["calibration"]["qubits"][0]["t1_us"] = math.nextafter(398.9884505790462, math.inf)
    assert run_hash(one_ulp) != GOLDEN_HASH


def test_member_order_does_not_matter() -> None:
    reordered = dict(reversed(list(GOLDEN_DOC.items())))
    reordered["calibration"] = dict(reversed(list(GOLDEN_DOC["calibration"].items())))
    assert run_hash(reordered) == GOLDEN_HASH


def test_with_hash_output_rehashes() -> None:
    body = canonical_body(GOLDEN_DOC)
    stored = with_hash(body, run_hash(GOLDEN_DOC))
    parsed = orjson.loads(stored)
    assert parsed[HASH_MEMBER] == GOLDEN_HASH
    assert {k: v for k, v in parsed.items() if k != HASH_MEMBER} == GOLDEN_DOC
    assert run_hash(parsed) == GOLDEN_HASH
    assert independent_hash(parsed) == GOLDEN_HASH


def test_with_hash_of_an_empty_body() -> None:
    stored = with_hash(b"{}", digest_hex(b"{}"))
    assert orjson.loads(stored) == {HASH_MEMBER: digest_hex(b"{}")}
    assert run_hash(orjson.loads(stored)) == digest_hex(b"{}")


def test_digest_hex_is_blake3() -> None:
    assert digest_hex(b"") == "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
    assert len(digest_hex(b"x" * 100_000)) == 64
