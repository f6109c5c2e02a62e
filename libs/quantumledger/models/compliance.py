"""Compliance frameworks, a workspace's evaluation, status and gaps."""

from __future__ import annotations

from typing import Any

from quantumledger.models._base import Model

__all__ = [
    "ComplianceStatus",
    "Control",
    "ControlStatus",
    "Enabled",
    "Evaluation",
    "FailingSubject",
    "Framework",
    "FrameworkEvaluation",
    "FrameworkStatus",
    "FrameworkSummary",
    "Gap",
    "Gaps",
    "Rule",
]


class FrameworkSummary(Model, frozen=True, kw_only=True):
    id: str
    version: str
    title: str | None = None
    description: str | None = None
    publisher: str | None = None
    controls: int = 0
    versions: list[str] = []


class Rule(Model, frozen=True, kw_only=True):
    check: str
    params: dict[str, Any] = {}


class Control(Model, frozen=True, kw_only=True):
    id: str
    title: str | None = None
    description: str | None = None
    rule: Rule | None = None
    remediation: str | None = None
    principle: str | None = None


class Framework(Model, frozen=True, kw_only=True):
    id: str
    version: str
    title: str | None = None
    publisher: str | None = None
    description: str | None = None
    references: list[dict[str, Any]] = []
    controls: list[Control] = []
    digest: str | None = None
    versions: list[str] = []


class Enabled(Model, frozen=True, kw_only=True):
    framework_id: str
    framework_version: str
    workspace_id: str | None = None
    title: str | None = None
    enabled: bool = True
    enabled_at: str | None = None
    changed: bool = False


class FrameworkEvaluation(Model, frozen=True, kw_only=True):
    """One framework's evaluation; ``changed``: a new result was recorded (else the state was
    the same as at ``evaluated_at``)."""

    framework_id: str
    status: str
    framework_version: str | None = None
    counts: dict[str, int] = {}
    result_digest: str | None = None
    evidence_root: str | None = None
    evidence_count: int = 0
    changed: bool = False
    evaluated_at: str | None = None


class Evaluation(Model, frozen=True, kw_only=True):
    workspace_id: str
    frameworks: list[FrameworkEvaluation] = []
    checked_at: str | None = None


class ControlStatus(Model, frozen=True, kw_only=True):
    id: str
    status: str
    title: str | None = None
    evidence_count: int = 0
    failing_count: int = 0


class FrameworkStatus(Model, frozen=True, kw_only=True):
    framework_id: str
    status: str
    framework_version: str | None = None
    title: str | None = None
    enabled_at: str | None = None
    evaluated_at: str | None = None
    result_digest: str | None = None
    evidence_root: str | None = None
    counts: dict[str, int] | None = None
    controls: list[ControlStatus] = []


class ComplianceStatus(Model, frozen=True, kw_only=True):
    workspace_id: str
    frameworks: list[FrameworkStatus] = []


class FailingSubject(Model, frozen=True, kw_only=True):
    kind: str
    id: str
    reason: str | None = None
    evidence_id: str | None = None


class Gap(Model, frozen=True, kw_only=True):
    """A failing control and a page of the subjects failing it: ``failing_count`` in all,
    ``failing_next_offset`` where the next page starts (``None``: this is the last)."""

    framework_id: str
    control_id: str
    framework_version: str | None = None
    title: str | None = None
    description: str | None = None
    remediation: str | None = None
    failing: list[FailingSubject] = []
    failing_count: int = 0
    failing_offset: int = 0
    failing_next_offset: int | None = None
    evaluated_at: str | None = None


class Gaps(Model, frozen=True, kw_only=True):
    workspace_id: str
    gaps: list[Gap] = []
    limit: int | None = None  # subjects per control in this answer
    evaluated: list[str] = []
    not_evaluated: list[str] = []
