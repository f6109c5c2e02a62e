"""Evaluate frameworks over a workspace snapshot: a pure, deterministic function.

For each control, its check observes every subject it applies to. Each observation becomes an
evidence item ``{id, control_id, subject, outcome, facts}`` whose ``digest`` is the sha256 of
the item's canonical JSON (RFC 8785, without ``digest``). Evidence ids are stable
(``<control id>/<subject kind>:<subject id>``), so the same subject keeps its id across
evaluations and only its digest changes when its facts do.

A control is ``not_applicable`` without observations, ``failing`` with any failed one, and
``passing`` otherwise; a framework is ``failing`` if any control fails, ``not_applicable`` if
none applies, ``passing`` otherwise. The result's ``result_digest`` is the sha256 of its
canonical JSON: re-evaluating unchanged state gives the same digest, which is how the service
recognises a no-op evaluation. Nothing time-dependent (the evaluation time, ``as_of``) is in
the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import msgspec

from services.attestation.domain._encoding import canonical_json, sha256_hex
from services.attestation.domain.checks import CHECKS, Subject
from services.attestation.domain.errors import AttestationError
from services.attestation.domain.frameworks import Control, Framework, framework_digest
from services.attestation.domain.merkle import InclusionProof, inclusion_proof, merkle_root
from services.attestation.domain.snapshot import WorkspaceSnapshot

__all__ = [
    "ControlResult",
    "ControlStatus",
    "EvidenceItem",
    "FailingSubject",
    "FrameworkResult",
    "evaluate",
    "evaluate_framework",
    "evidence_digest",
    "evidence_inclusion_proof",
    "evidence_root",
    "result_digest",
]

ControlStatus = Literal["passing", "failing", "not_applicable"]


class EvidenceItem(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    control_id: str
    subject: Subject
    outcome: Literal["pass", "fail"]
    facts: dict[str, Any]
    digest: str = ""


class FailingSubject(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    id: str
    reason: str
    evidence_id: str


class ControlResult(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: str
    check: str
    status: ControlStatus
    evidence_count: int
    evidence_ids: list[str]
    failing: list[FailingSubject]
    remediation: str


class FrameworkResult(msgspec.Struct, frozen=True, kw_only=True):
    framework_id: str
    framework_version: str
    framework_digest: str
    workspace_id: str
    status: ControlStatus
    counts: dict[str, int]
    controls: list[ControlResult]
    evidence: list[EvidenceItem]
    evidence_root: str
    result_digest: str = ""


def evidence_digest(item: EvidenceItem) -> str:
    """sha256 (hex) of the item's canonical JSON without its ``digest`` member."""
    body = msgspec.to_builtins(item)
    body.pop("digest", None)
    return sha256_hex(canonical_json(body))


def evidence_root(items: Iterable[EvidenceItem]) -> str:
    """Merkle root (hex) over the items' digests, leaves ordered by evidence id (see merkle)."""
    ordered = sorted(items, key=lambda item: item.id.encode())
    return merkle_root([bytes.fromhex(item.digest) for item in ordered]).hex()


def evidence_inclusion_proof(result: FrameworkResult, evidence_id: str) -> InclusionProof:
    """Proof that one evidence item is a leaf of ``result.evidence_root``."""
    for index, item in enumerate(result.evidence):
        if item.id == evidence_id:
            return inclusion_proof([bytes.fromhex(i.digest) for i in result.evidence], index)
    raise KeyError(evidence_id)


def result_digest(result: FrameworkResult) -> str:
    body = msgspec.to_builtins(result)
    body.pop("result_digest", None)
    return sha256_hex(canonical_json(body))


def _combine(statuses: Iterable[ControlStatus]) -> ControlStatus:
    found = set(statuses)
    if "failing" in found:
        return "failing"
    return "passing" if "passing" in found else "not_applicable"


def _evaluate_control(snapshot: WorkspaceSnapshot, control: Control) -> tuple[ControlResult, list[EvidenceItem]]:
    check = CHECKS.get(control.rule.check)
    if check is None:
        raise AttestationError(f"control {control.id}: unknown check {control.rule.check!r}")
    items: list[EvidenceItem] = []
    failing: list[FailingSubject] = []
    for obs in check.run(snapshot, control.rule.params):
        item = EvidenceItem(
            id=f"{control.id}/{obs.subject.kind}:{obs.subject.id}",
            control_id=control.id,
            subject=obs.subject,
            outcome="pass" if obs.passed else "fail",
            facts=msgspec.to_builtins(obs.facts),
        )
        item = msgspec.structs.replace(item, digest=evidence_digest(item))
        if items and items[-1].id == item.id:
            raise AttestationError(f"control {control.id}: two observations of {item.id}")
        items.append(item)
        if not obs.passed:
            failing.append(
                FailingSubject(kind=obs.subject.kind, id=obs.subject.id, reason=obs.reason, evidence_id=item.id)
            )
    status: ControlStatus = "not_applicable" if not items else ("failing" if failing else "passing")
    result = ControlResult(
        id=control.id,
        title=control.title,
        check=control.rule.check,
        status=status,
        evidence_count=len(items),
        evidence_ids=[item.id for item in items],
        failing=failing,
        remediation=control.remediation,
    )
    return result, items


def evaluate_framework(snapshot: WorkspaceSnapshot, framework: Framework) -> FrameworkResult:
    """Evaluate one framework; the same snapshot always gives a byte-identical result."""
    controls: list[ControlResult] = []
    evidence: list[EvidenceItem] = []
    for control in framework.controls:
        control_result, items = _evaluate_control(snapshot, control)
        controls.append(control_result)
        evidence.extend(items)
    evidence.sort(key=lambda item: item.id.encode())
    counts = {status: sum(c.status == status for c in controls) for status in ("passing", "failing", "not_applicable")}
    result = FrameworkResult(
        framework_id=framework.id,
        framework_version=framework.version,
        framework_digest=framework_digest(framework),
        workspace_id=snapshot.workspace_id,
        status=_combine(c.status for c in controls),
        counts=counts,
        controls=controls,
        evidence=evidence,
        evidence_root=evidence_root(evidence),
    )
    return msgspec.structs.replace(result, result_digest=result_digest(result))


def evaluate(snapshot: WorkspaceSnapshot, frameworks: Iterable[Framework]) -> list[FrameworkResult]:
    """Evaluate every given framework (e.g. the workspace's enabled ones), ordered by id."""
    ordered = sorted(frameworks, key=lambda fw: (fw.id, fw.version_key))
    return [evaluate_framework(snapshot, framework) for framework in ordered]
