"""Verify attestations on your machine, with no account and (given a JWKS) no network.

An attestation is a DSSE envelope over an in-toto Statement, signed with Ed25519; the ledger
publishes its keys as a JWKS at ``/.well-known/quantumledger-jwks.json`` (docs/attestations.md).
:func:`verify_attestation` checks the signature with the key the signature names, that the
payload is a compliance statement, and, given the evidence items, every item's digest, the
RFC 9162 Merkle root and the subject's sha256 and blake3 digests.

Revocation is a fact of the ledger, not of the envelope: offline it can only be read from a
signed revocation list (``/.well-known/quantumledger-revocations.json``) that you fetched at
some time; a revocation after that is only known by asking the ledger (``ql.attestations.verify``).
The logic is :mod:`qlprov.attest`, shared with the server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec
from qlprov.attest import (
    Envelope,
    InclusionProof,
    Jwks,
    Revocation,
    decode_envelope,
    decode_jwks,
    verify_keys,
    verify_revocation_list,
)
from qlprov.attest import VerificationError as FormatError
from qlprov.attest import verify_attestation as _verify
from qlprov.attest import verify_evidence_item as _verify_item

from quantumledger.errors import VerificationError
from quantumledger.models import Verification

__all__ = ["load_attestation", "load_jwks", "verify_attestation", "verify_evidence_item"]

Source = Path | bytes | str | Mapping[str, Any]


def _json(source: Source) -> Any:
    if isinstance(source, Path):
        source = source.read_bytes()
    if isinstance(source, Mapping):
        return dict(source)
    try:
        return msgspec.json.decode(source)
    except msgspec.DecodeError as exc:
        raise VerificationError(f"not JSON: {exc}") from exc


def load_jwks(source: Source | Jwks) -> Jwks:
    """A JWKS from a file (``Path``), JSON text or a parsed object."""
    if isinstance(source, Jwks):
        return source
    try:
        return decode_jwks(_json(source))
    except FormatError as exc:
        raise VerificationError(str(exc)) from exc


def load_attestation(source: Source | Envelope) -> tuple[Envelope, list[dict[str, Any]] | None]:
    """The envelope (and the evidence, when present) from a file or JSON: a bare DSSE envelope,
    or what ``issue``/``get`` answer (``{"envelope": ..., "evidence": [...]}``)."""
    if isinstance(source, Envelope):
        return source, None
    data = _json(source)
    if not isinstance(data, dict):
        raise VerificationError("not an attestation: expected a JSON object")
    evidence = data.get("evidence") if "envelope" in data else None
    try:
        envelope = decode_envelope(data["envelope"] if "envelope" in data else data)
    except FormatError as exc:
        raise VerificationError(str(exc)) from exc
    return envelope, evidence if isinstance(evidence, list) else None


def _revocations(source: Source | Envelope | Mapping[str, Revocation], jwks: Jwks) -> dict[str, Revocation]:
    if isinstance(source, Mapping) and all(isinstance(v, Revocation) for v in source.values()):
        return {str(k): v for k, v in source.items() if isinstance(v, Revocation)}
    try:
        envelope = source if isinstance(source, Envelope) else decode_envelope(_json(source))  # type: ignore[arg-type]
        return verify_revocation_list(envelope, verify_keys(jwks)).by_attestation()
    except FormatError as exc:
        raise VerificationError(f"the revocation list does not verify: {exc}") from exc


def verify_attestation(
    envelope: Source | Envelope,
    jwks: Source | Jwks,
    *,
    evidence: Sequence[Mapping[str, Any]] | None = None,
    revocations: Source | Envelope | Mapping[str, Revocation] | None = None,
) -> Verification:
    """Verify an attestation here; returns what it found (``valid``, ``errors``, ...).

    ``envelope``: the envelope or what ``issue``/``get`` answered (then its ``evidence`` is used
    unless given). ``jwks``: the published keys. ``revocations``: a signed revocation list
    (verified with the same keys; raises :class:`VerificationError` if it does not verify).
    A bad attestation is not raised: ``valid`` is false and ``errors`` says why.
    """
    env, carried = load_attestation(envelope)
    keys = load_jwks(jwks)
    revoked = _revocations(revocations, keys) if revocations is not None else None
    items = evidence if evidence is not None else carried
    found = _verify(env, keys, evidence=items, revocations=revoked)
    return Verification(**msgspec.structs.asdict(found), offline=True, revocation_checked=revocations is not None)


def verify_evidence_item(item: Mapping[str, Any], proof: InclusionProof | Mapping[str, Any], root: str) -> bool:
    """True if one disclosed evidence item is a leaf of the signed evidence root (RFC 9162)."""
    return _verify_item(item, proof, root)
