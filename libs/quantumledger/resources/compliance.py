"""Compliance: the framework catalogue (public) and your workspace's frameworks, evaluation,
status and gaps (plan feature ``compliance``).

``workspace`` defaults to the caller's own (from ``/me``, asked once per client)."""

from __future__ import annotations

import builtins
from typing import TypeVar

from quantumledger._calls import Call, Resource, decoded, endpoint, seg
from quantumledger.models import ComplianceStatus, Enabled, Evaluation, Framework, FrameworkSummary, Gaps

__all__ = ["Compliance", "Frameworks", "ws_path"]

M = TypeVar("M")


def ws_path(workspace: str | None, rest: str) -> str:
    return f"/api/v1/workspaces/{seg(workspace) if workspace else '{workspace}'}{rest}"


class Frameworks(Resource[M]):
    """The published frameworks (no credential needed)."""

    @endpoint
    def list(self) -> Call[builtins.list[FrameworkSummary]]:
        """The latest version of each framework."""
        return Call("GET", "/api/v1/frameworks", decoded(builtins.list[FrameworkSummary]))

    @endpoint
    def get(self, framework_id: str, *, version: str | None = None) -> Call[Framework]:
        """A framework's controls, rules and remediations (``version``: an older one)."""
        return Call("GET", f"/api/v1/frameworks/{seg(framework_id)}", decoded(Framework), params={"version": version})


class Compliance(Resource[M]):
    """A workspace's compliance (reading: ``runs:read``; changing: ``attest:write``)."""

    @endpoint
    def enable(self, framework_id: str, *, version: str | None = None, workspace: str | None = None) -> Call[Enabled]:
        """Enable a framework (its latest version, or ``version``); enabling again is a no-op."""
        body = {"version": version} if version else {}
        path = ws_path(workspace, f"/frameworks/{seg(framework_id)}/enable")
        return Call("POST", path, decoded(Enabled), body=body, idempotent=True)

    @endpoint
    def evaluate(self, *, workspace: str | None = None) -> Call[Evaluation]:
        """Evaluate every enabled framework now; safe to repeat (unchanged state records nothing)."""
        return Call("POST", ws_path(workspace, "/compliance/evaluate"), decoded(Evaluation), idempotent=True)

    @endpoint
    def status(self, *, workspace: str | None = None) -> Call[ComplianceStatus]:
        """Per framework and control: the last evaluation's status and evidence counts."""
        return Call("GET", ws_path(workspace, "/compliance"), decoded(ComplianceStatus))

    @endpoint
    def gaps(self, *, workspace: str | None = None) -> Call[Gaps]:
        """Each failing control with the subjects failing it and what would fix it."""
        return Call("GET", ws_path(workspace, "/gaps"), decoded(Gaps))
