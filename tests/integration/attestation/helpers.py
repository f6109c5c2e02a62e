"""What the attestation tests share: run documents with and without gaps, and a verifier that
shares no code with ours (json, base64, hashlib, `cryptography`, `rfc8785`, `blake3`)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from typing import Any

import blake3
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = [
    "BASELINE",
    "FAIR",
    "b64url_decode",
    "independent_inclusion",
    "independent_merkle_root",
    "independent_verify",
    "pae",
    "run_document",
]

BASELINE = "reproducibility-baseline"
FAIR = "fair-research-data"


def run_document(*, pinned: bool = True, transpiled: bool = True, tag: str | None = None) -> dict[str, Any]:
    """A run as the SDK captures it: calibration 2 h before submission, OpenQASM 3, and (when
    asked) every package pinned and the transpiled circuit with its seed. ``tag`` names the
    program: two runs with one tag run the same circuit (a reproduction), as different jobs."""
    job = uuid.uuid4().hex
    tag = tag or job
    doc: dict[str, Any] = {
        "schema": "qlprov/run/1.0",
        "created_at": "2025-02-26T10:00:00Z",
        "program": {
            "name": "bell",
            "format": "openqasm3",
            "source": f'// {tag}\nOPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nh q[0];\ncx q[0], q[1];\n',
        },
        "backend": {"provider": "ibm", "name": "ibm_kyiv", "num_qubits": 127},
        "calibration": {
            "taken_at": "2025-02-26T08:00:00Z",
            "qubits": [{"qubit": 0, "t1_us": 250.5, "t2_us": 120.0, "readout_error": 0.012}],
            "gates": [{"gate": "ecr", "qubits": [0, 1], "error": 0.0071, "duration_ns": 660.0}],
        },
        "execution": {
            "shots": 4096,
            "status": "completed",
            "job_id": f"job-{job[:12]}",
            "submitted_at": "2025-02-26T10:00:00Z",
            "completed_at": "2025-02-26T10:01:00Z",
        },
        "results": {"counts": {"00": 2000, "11": 2096}},
        "environment": {
            "sdk": {"name": "quantumledger-sdk", "version": "0.1.0"},
            "python": "3.11.7",
            "packages": {"qiskit": "2.6.1", "qiskit-aer": "0.18.2"} if pinned else {"qiskit": ">=1.0"},
        },
    }
    if transpiled:
        doc["transpiled"] = {"format": "openqasm3", "source": "OPENQASM 3.0;\necr $0, $1;\n", "seed_transpiler": 1234}
    return doc


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding, written out from the spec."""
    t = payload_type.encode()
    return b"DSSEv1 " + str(len(t)).encode() + b" " + t + b" " + str(len(payload)).encode() + b" " + payload


def independent_verify(envelope: dict[str, Any], jwks: dict[str, Any]) -> dict[str, Any]:
    """Verify a DSSE envelope with the JWKS alone; returns the payload as JSON. Raises
    ``cryptography.exceptions.InvalidSignature`` (or KeyError for an unknown kid)."""
    keys = {k["kid"]: k for k in jwks["keys"]}
    payload = base64.b64decode(envelope["payload"])
    signature = envelope["signatures"][0]
    jwk = keys[signature["keyid"]]
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519")
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": jwk["x"]}, separators=(",", ":")).encode()
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(members).digest()).rstrip(b"=").decode()
    assert thumbprint == jwk["kid"], "kid is the RFC 7638 thumbprint"
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    public.verify(base64.b64decode(signature["sig"]), pae(envelope["payloadType"], payload))
    return json.loads(payload)


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.1 Merkle tree hash, written out."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def independent_merkle_root(evidence: list[dict[str, Any]]) -> tuple[str, dict[str, str]]:
    """Recompute each item's digest (sha256 of its RFC 8785 JSON without ``digest``), the root
    over them in evidence-id order, and the bundle's digests as the statement's subject has them."""
    for item in evidence:
        content = {k: v for k, v in item.items() if k != "digest"}
        assert hashlib.sha256(rfc8785.dumps(content)).hexdigest() == item["digest"], item["id"]
    ordered = sorted(evidence, key=lambda i: i["id"].encode())
    bundle = rfc8785.dumps(ordered)
    root = _mth([bytes.fromhex(i["digest"]) for i in ordered]).hex()
    return root, {"sha256": hashlib.sha256(bundle).hexdigest(), "blake3": blake3.blake3(bundle).hexdigest()}


def independent_inclusion(item: dict[str, Any], proof: dict[str, Any], root_hex: str) -> bool:
    """RFC 9162 section 2.1.3.2: an item (its digest recomputed) is a leaf under the root."""
    content = {k: v for k, v in item.items() if k != "digest"}
    digest = hashlib.sha256(rfc8785.dumps(content)).digest()
    if digest.hex() != item["digest"] or proof["leaf_index"] >= proof["tree_size"]:
        return False
    fn, sn = proof["leaf_index"], proof["tree_size"] - 1
    node = hashlib.sha256(b"\x00" + digest).digest()
    for sibling in map(bytes.fromhex, proof["path"]):
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            node = hashlib.sha256(b"\x01" + sibling + node).digest()
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = hashlib.sha256(b"\x01" + node + sibling).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and node.hex() == root_hex
