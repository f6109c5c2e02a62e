"""The signed revocation list: every revoked attestation, as one DSSE envelope.

Payload (canonical JSON, RFC 8785), signed like attestations (DSSE PAE, Ed25519, JWKS kid)::

    {"_type": "https://quantumledger.dev/attestation/revocations/v1",
     "issuer": "<who publishes it>", "issued_at": "<RFC 3339>",
     "revocations": [{"att_id": "...", "reason": "...", "revoked_at": "<RFC 3339>"}, ...]}

Entries are ordered by ``att_id`` and an attestation appears at most once, so the list for a
given set of revocations and ``issued_at`` is byte-identical wherever it is produced. A list
is a snapshot: it proves what was revoked at ``issued_at``, never that nothing was revoked since.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

import msgspec
from nacl.signing import VerifyKey

from qlprov.attest.dsse import Envelope, Signer, sign_envelope, verify_envelope
from qlprov.attest.encoding import canonical_json
from qlprov.attest.errors import VerificationError

__all__ = [
    "REVOCATIONS_PATH",
    "REVOCATIONS_PAYLOAD_TYPE",
    "REVOCATIONS_TYPE",
    "Revocation",
    "RevocationList",
    "sign_revocation_list",
    "verify_revocation_list",
]

REVOCATIONS_PATH = "/.well-known/quantumledger-revocations.json"
REVOCATIONS_TYPE = "https://quantumledger.dev/attestation/revocations/v1"
REVOCATIONS_PAYLOAD_TYPE = "application/vnd.quantumledger.revocations+json"


class Revocation(msgspec.Struct, frozen=True, kw_only=True):
    att_id: str
    reason: str
    revoked_at: str


class RevocationList(msgspec.Struct, frozen=True, kw_only=True):
    type: str = msgspec.field(default=REVOCATIONS_TYPE, name="_type")
    issuer: str
    issued_at: str
    revocations: list[Revocation]

    def by_attestation(self) -> dict[str, Revocation]:
        return {r.att_id: r for r in self.revocations}


def sign_revocation_list(revocations: Iterable[Revocation], signer: Signer, *, issuer: str, issued_at: str) -> Envelope:
    ordered = sorted(revocations, key=lambda r: r.att_id)
    for before, after in itertools.pairwise(ordered):
        if before.att_id == after.att_id:
            raise ValueError(f"attestation {before.att_id} revoked twice")
    body = RevocationList(issuer=issuer, issued_at=issued_at, revocations=ordered)
    return sign_envelope(canonical_json(body), REVOCATIONS_PAYLOAD_TYPE, signer)


def verify_revocation_list(envelope: Envelope, keys: Mapping[str, VerifyKey]) -> RevocationList:
    """The list, once its signature verifies with a published key (raises ``VerificationError``)."""
    verified = verify_envelope(envelope, keys, payload_type=REVOCATIONS_PAYLOAD_TYPE)
    try:
        body = msgspec.json.decode(verified.payload, type=RevocationList)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise VerificationError(f"not a revocation list: {exc}") from exc
    if body.type != REVOCATIONS_TYPE:
        raise VerificationError(f"_type is {body.type!r}")
    return body
