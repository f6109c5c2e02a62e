"""Verify attestations on your machine, with no account and (given a JWKS) no network.

An attestation is a DSSE envelope over an in-toto Statement, signed with Ed25519; the ledger
publishes its keys as a JWKS at ``/.well-known/quantumledger-jwks.json`` (docs/attestations.md).
:func:`verify_attestation` checks the signature with the key the signature names and that the
payload is a compliance statement; given the evidence bundle (``ql attest evidence ATT -o
evidence.json``, or ``ql.attestations.download_evidence``), it also checks every item's digest,
the RFC 9162 Merkle root, the item count and the bundle's sha256 and blake3, reading the file
a block at a time: a 38 MB bundle of 100,000 items takes about a second and a few MB of memory.

Revocation is a fact of the ledger, not of the envelope: offline it can only be read from a
signed revocation list (``/.well-known/quantumledger-revocations.json``) that you fetched at
some time; a revocation after that is only known by asking the ledger (``ql.attestations.verify``).
The logic is :mod:`qlprov.attest`, the very code the ledger verifies with.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec
from qlprov.attest import (
    AttestationVerification,
    BundleCheck,
    Envelope,
    InclusionProof,
    Jwks,
    Revocation,
    Statement,
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

__all__ = [
    "BLOCK",
    "Evidence",
    "EvidenceStream",
    "load_attestation",
    "load_jwks",
    "read_blocks",
    "verify_attestation",
    "verify_evidence_item",
    "with_evidence",
]

Source = Path | bytes | str | Mapping[str, Any]
Evidence = Path | str | bytes | Sequence[Mapping[str, Any]]
"""The evidence bundle as a file (a ``Path`` or a path as ``str``, read a block at a time) or
its bytes, or the items themselves."""
BLOCK = 256 * 1024  # bytes read at a time from a bundle file


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


def load_attestation(source: Source | Envelope | msgspec.Struct) -> tuple[Envelope, list[dict[str, Any]] | None]:
    """The envelope from a file or JSON: a bare DSSE envelope, or what ``issue``/``get`` answer
    (``{"envelope": ..., "evidence": {...}}``, what ``ql attest issue -o`` saves). Files saved
    before evidence moved out of the answer carry the items (``"evidence": [...]``): those are
    returned too."""
    if isinstance(source, Envelope):
        return source, None
    data = msgspec.to_builtins(source) if isinstance(source, msgspec.Struct) else _json(source)
    if not isinstance(data, dict):
        raise VerificationError("not an attestation: expected a JSON object")
    evidence = data.get("evidence") if "envelope" in data else None
    try:
        envelope = decode_envelope(data["envelope"] if "envelope" in data else data)
    except FormatError as exc:
        raise VerificationError(str(exc)) from exc
    return envelope, evidence if isinstance(evidence, list) else None


def read_blocks(path: Path, size: int = BLOCK) -> Iterator[bytes]:
    """A file's bytes, a block at a time."""
    with path.open("rb") as f:
        while block := f.read(size):
            yield block


def _revocations(source: Source | Envelope | Mapping[str, Revocation], jwks: Jwks) -> dict[str, Revocation]:
    if isinstance(source, Mapping) and all(isinstance(v, Revocation) for v in source.values()):
        return {str(k): v for k, v in source.items() if isinstance(v, Revocation)}
    try:
        envelope = source if isinstance(source, Envelope) else decode_envelope(_json(source))  # type: ignore[arg-type]
        return verify_revocation_list(envelope, verify_keys(jwks)).by_attestation()
    except FormatError as exc:
        raise VerificationError(f"the revocation list does not verify: {exc}") from exc


def _offline(found: AttestationVerification, *, revocation_checked: bool) -> Verification:
    return Verification(**msgspec.structs.asdict(found), offline=True, revocation_checked=revocation_checked)


def verify_attestation(
    envelope: Source | Envelope | msgspec.Struct,
    jwks: Source | Jwks,
    *,
    evidence: Evidence | None = None,
    revocations: Source | Envelope | Mapping[str, Revocation] | None = None,
) -> Verification:
    """Verify an attestation here; returns what it found (``valid``, ``errors``, ...).

    ``envelope``: the envelope, what ``issue``/``get`` answered, or the file ``ql attest issue
    -o`` saved. ``jwks``: the published keys. ``evidence``: the evidence bundle (the file
    ``download_evidence`` wrote, as a path, read a block at a time; or its bytes), or the items;
    without it the signature and statement are checked, not the evidence. ``revocations``: a
    signed revocation list (verified with the same keys; raises :class:`VerificationError` if
    it does not verify). A bad attestation is not raised: ``valid`` is false and ``errors``
    says why, naming each evidence item that does not match its digest.
    """
    env, carried = load_attestation(envelope)
    keys = load_jwks(jwks)
    revoked = _revocations(revocations, keys) if revocations is not None else None
    if isinstance(evidence, str | Path):
        found = _verify(env, keys, bundle=read_blocks(Path(evidence)), revocations=revoked)
    elif isinstance(evidence, bytes | bytearray):
        found = _verify(env, keys, bundle=bytes(evidence), revocations=revoked)
    else:
        found = _verify(env, keys, evidence=evidence if evidence is not None else carried, revocations=revoked)
    return _offline(found, revocation_checked=revocations is not None)


def with_evidence(verification: Verification, errors: list[str]) -> Verification:
    """A verification of the signature once the evidence was checked (``errors``: none if it is
    what was signed)."""
    return msgspec.structs.replace(
        verification,
        valid=verification.valid and not errors,
        evidence_checked=True,
        errors=[*verification.errors, *errors],
    )


class EvidenceStream:
    """The evidence bundle checked as it downloads (a ``Sink``): nothing is kept but the check's
    running digests, so verifying online needs no file and no memory for the evidence."""

    def __init__(self, statement: Statement) -> None:
        self._statement = statement
        self._check = BundleCheck(statement)

    def start(self) -> None:
        self._check = BundleCheck(self._statement)

    def write(self, data: bytes) -> None:
        self._check.feed(data)

    def finish(self) -> None:
        """Nothing to keep: :meth:`errors` has the result."""

    def discard(self) -> None:
        """Nothing was written anywhere."""

    def errors(self) -> list[str]:
        return self._check.finish()


def verify_evidence_item(item: Mapping[str, Any], proof: InclusionProof | Mapping[str, Any], root: str) -> bool:
    """True if one disclosed evidence item is a leaf of the signed evidence root (RFC 9162)."""
    return _verify_item(item, proof, root)
