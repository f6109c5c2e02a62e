"""What the log keeps of an evaluation: a result of constant size, and its gaps as an object.

A :class:`FrameworkResult` grows with the workspace: its evidence items, and per control the ids
of every subject observed and every failing one. ``compliance.evaluated`` carries
:func:`result_record`: the result without those lists (each control keeps ``evidence_count``
and ``failing_count``) and ``evidence_count``, a few KB whatever the workspace's size. The
failing subjects (what ``/gaps`` lists) are a separate document, :func:`gaps_record`, that the
service stores as an object named by its digest and the event references. The evidence itself
is stored with each attestation (``evidence_set``); ``evidence_root`` and ``result_digest`` in
the record bind both.
"""

from __future__ import annotations

from typing import Any

import msgspec
from qlprov.attest import canonical_json

from services.attestation.domain.errors import AttestationError
from services.attestation.domain.evaluation import FailingSubject, FrameworkResult

__all__ = ["GAPS_TYPE", "ControlGaps", "GapsRecord", "decode_gaps", "gaps_record", "result_record"]

GAPS_TYPE = "https://quantumledger.dev/attestation/compliance-gaps/v1"


class ControlGaps(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    failing: list[FailingSubject]


class GapsRecord(msgspec.Struct, frozen=True, kw_only=True):
    type: str = msgspec.field(default=GAPS_TYPE, name="_type")
    workspace_id: str
    framework_id: str
    framework_version: str
    result_digest: str
    controls: list[ControlGaps]  # failing controls only, in the framework's order


def result_record(result: FrameworkResult) -> dict[str, Any]:
    """The result as ``compliance.evaluated`` carries it: no list that grows with the workspace."""
    return {
        "framework_id": result.framework_id,
        "framework_version": result.framework_version,
        "framework_digest": result.framework_digest,
        "workspace_id": result.workspace_id,
        "status": result.status,
        "counts": dict(result.counts),
        "controls": [
            {
                "id": c.id,
                "title": c.title,
                "check": c.check,
                "status": c.status,
                "evidence_count": c.evidence_count,
                "failing_count": len(c.failing),
                "remediation": c.remediation,
            }
            for c in result.controls
        ],
        "evidence_root": result.evidence_root,
        "evidence_count": len(result.evidence),
        "result_digest": result.result_digest,
    }


def gaps_record(result: FrameworkResult) -> bytes | None:
    """The failing subjects of each failing control, as canonical JSON; ``None`` when none fails."""
    controls = [ControlGaps(id=c.id, failing=c.failing) for c in result.controls if c.failing]
    if not controls:
        return None
    record = GapsRecord(
        workspace_id=result.workspace_id,
        framework_id=result.framework_id,
        framework_version=result.framework_version,
        result_digest=result.result_digest,
        controls=controls,
    )
    return canonical_json(record)


_gaps = msgspec.json.Decoder(GapsRecord)


def decode_gaps(body: bytes) -> GapsRecord:
    try:
        record = _gaps.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise AttestationError(f"not a gaps record: {exc}") from exc
    if record.type != GAPS_TYPE:
        raise AttestationError(f"not a gaps record: _type {record.type!r}")
    return record
