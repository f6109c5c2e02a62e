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

A workspace of 20,000 runs gives 100,000 items, so the encoding is done once: each item's
canonical JSON is made for its digest, the digest is spliced into it (its key sorts right after
``control_id``), and those bytes serve the result digest, the bundle and the stored pages
(:class:`Evaluation`). The root is computed over pages of ``qlprov.attest.PAGE_SIZE`` leaves, the
pages the evidence is stored in (``merkle``: the same root as over all leaves at once).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
from qlprov.attest import (
    PAGE_SIZE,
    InclusionProof,
    canonical_json,
    inclusion_proof,
    merkle_root,
    root_of_subtrees,
    sha256_hex,
)
from qlprov.canonical import canonicalize

from services.attestation.domain.checks import CHECKS, Observation, Subject
from services.attestation.domain.errors import AttestationError
from services.attestation.domain.frameworks import Control, Framework, framework_digest
from services.attestation.domain.snapshot import WorkspaceSnapshot

__all__ = [
    "ControlResult",
    "ControlStatus",
    "Evaluation",
    "EvidenceItem",
    "FailingSubject",
    "FrameworkResult",
    "evaluate",
    "evaluate_framework",
    "evaluate_with_evidence",
    "evidence_inclusion_proof",
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


@dataclass(frozen=True)
class Evaluation:
    """A result and what storing its evidence needs, computed once: each item's canonical JSON
    (``digest`` included), in leaf order, and the Merkle root of each page of
    :data:`PAGE_SIZE` items."""

    result: FrameworkResult
    item_json: list[bytes]
    page_roots: list[bytes]


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


def _result_digest(result: FrameworkResult, item_json: list[bytes]) -> str:
    """:func:`result_digest` from the items' canonical JSON already made: the canonical object is
    assembled member by member (keys in order) around the evidence array, and hashed as it goes."""
    body = msgspec.to_builtins(result)
    body.pop("result_digest", None)
    body.pop("evidence")
    h = hashlib.sha256(b"{")
    for i, key in enumerate(sorted([*body, "evidence"])):  # ASCII keys: code-unit order is byte order
        h.update((b"," if i else b"") + canonicalize(key) + b":")
        if key != "evidence":
            h.update(canonicalize(body[key]))
            continue
        h.update(b"[")
        for j, item in enumerate(item_json):
            h.update(b"," + item if j else item)
        h.update(b"]")
    h.update(b"}")
    return h.hexdigest()


def _combine(statuses: Iterable[ControlStatus]) -> ControlStatus:
    found = set(statuses)
    if "failing" in found:
        return "failing"
    return "passing" if "passing" in found else "not_applicable"


def _observed(control: Control, head: bytes, obs: Observation) -> tuple[EvidenceItem, bytes]:
    """An observation as an evidence item, with the item's canonical JSON (digest included);
    ``head`` is the canonical JSON's start, ``{"control_id":"<control id>",``."""
    evidence_id = f"{control.id}/{obs.subject.kind}:{obs.subject.id}"
    outcome: Literal["pass", "fail"] = "pass" if obs.passed else "fail"
    facts = msgspec.to_builtins(obs.facts)
    content = {
        "control_id": control.id,
        "facts": facts,
        "id": evidence_id,
        "outcome": outcome,
        "subject": {"kind": obs.subject.kind, "id": obs.subject.id},
    }
    unsigned = canonicalize(content)  # what the digest covers: the item without ``digest``
    digest = hashlib.sha256(unsigned).hexdigest()
    if not unsigned.startswith(head):
        raise AttestationError(f"control {control.id}: unexpected canonical form of {evidence_id}")
    signed = head + b'"digest":"' + digest.encode() + b'",' + unsigned[len(head) :]
    item = EvidenceItem(
        id=evidence_id, control_id=control.id, subject=obs.subject, outcome=outcome, facts=facts, digest=digest
    )
    return item, signed


def _evaluate_control(
    snapshot: WorkspaceSnapshot, control: Control
) -> tuple[ControlResult, list[tuple[EvidenceItem, bytes]]]:
    check = CHECKS.get(control.rule.check)
    if check is None:
        raise AttestationError(f"control {control.id}: unknown check {control.rule.check!r}")
    items: list[tuple[EvidenceItem, bytes]] = []
    failing: list[FailingSubject] = []
    head = b'{"control_id":' + canonicalize(control.id) + b","
    for obs in check.run(snapshot, control.rule.params):
        item, body = _observed(control, head, obs)
        if items and items[-1][0].id == item.id:
            raise AttestationError(f"control {control.id}: two observations of {item.id}")
        items.append((item, body))
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
        evidence_ids=[item.id for item, _ in items],
        failing=failing,
        remediation=control.remediation,
    )
    return result, items


def evaluate_framework(snapshot: WorkspaceSnapshot, framework: Framework) -> FrameworkResult:
    """Evaluate one framework; the same snapshot always gives a byte-identical result."""
    return evaluate_with_evidence(snapshot, framework).result


def evaluate_with_evidence(snapshot: WorkspaceSnapshot, framework: Framework) -> Evaluation:
    """Evaluate one framework, keeping what storing its evidence needs (:class:`Evaluation`)."""
    controls: list[ControlResult] = []
    pairs: list[tuple[EvidenceItem, bytes]] = []
    for control in framework.controls:
        control_result, items = _evaluate_control(snapshot, control)
        controls.append(control_result)
        pairs.extend(items)
    pairs.sort(key=lambda pair: pair[0].id.encode())
    evidence = [item for item, _ in pairs]
    item_json = [body for _, body in pairs]
    leaves = [bytes.fromhex(item.digest) for item in evidence]
    page_roots = [merkle_root(leaves[i : i + PAGE_SIZE]) for i in range(0, len(leaves), PAGE_SIZE)]
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
        evidence_root=root_of_subtrees(page_roots).hex(),
    )
    result = msgspec.structs.replace(result, result_digest=_result_digest(result, item_json))
    return Evaluation(result=result, item_json=item_json, page_roots=page_roots)


def evaluate(snapshot: WorkspaceSnapshot, frameworks: Iterable[Framework]) -> list[FrameworkResult]:
    """Evaluate every given framework (e.g. the workspace's enabled ones), ordered by id."""
    ordered = sorted(frameworks, key=lambda fw: (fw.id, fw.version_key))
    return [evaluate_framework(snapshot, framework) for framework in ordered]
