"""Compliance: the framework catalogue (public) and your workspace's frameworks, evaluation,
status and gaps (plan feature ``compliance``).

``workspace`` defaults to the caller's own (from ``/me``, asked once per client)."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TypeVar

import httpx

from quantumledger._calls import Call, Page, Resource, decoded, endpoint, paginated, seg
from quantumledger.models import (
    ComplianceStatus,
    Enabled,
    Evaluation,
    FailingSubject,
    Framework,
    FrameworkSummary,
    Gaps,
)

__all__ = ["Compliance", "Frameworks", "ws_path"]

M = TypeVar("M")


def _failing_page(control_id: str) -> Callable[[httpx.Response], Page[FailingSubject]]:
    def parse(r: httpx.Response) -> Page[FailingSubject]:
        answer: Gaps = decoded(Gaps)(r)
        gap = next((g for g in answer.gaps if g.control_id == control_id), None)
        if gap is None:  # the control passes (or was not evaluated): nothing fails it
            return Page([])
        nxt = gap.failing_next_offset
        return Page(gap.failing, next_url=str(r.request.url.copy_set_param("offset", nxt)) if nxt else None)

    return parse


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
    def gaps(
        self,
        *,
        framework_id: str | None = None,
        control_id: str | None = None,
        offset: int = 0,
        limit: int | None = None,
        workspace: str | None = None,
    ) -> Call[Gaps]:
        """Each failing control with what would fix it and a page of the subjects failing it
        (50 by default; up to 1,000 for one ``control_id``): ``failing_count`` says how many
        there are, ``failing_next_offset`` where the next page starts. ``failing()`` reads them all."""
        params = {"framework_id": framework_id, "control_id": control_id, "offset": offset or None, "limit": limit}
        return Call("GET", ws_path(workspace, "/gaps"), decoded(Gaps), params=params)

    @paginated
    def failing(
        self, framework_id: str, control_id: str, *, page_size: int = 1000, workspace: str | None = None
    ) -> Call[Page[FailingSubject]]:
        """Every subject failing one control, read a page at a time (a workspace of 20,000 runs
        may have thousands)."""
        params = {"framework_id": framework_id, "control_id": control_id, "limit": page_size}
        return Call("GET", ws_path(workspace, "/gaps"), _failing_page(control_id), params=params)
