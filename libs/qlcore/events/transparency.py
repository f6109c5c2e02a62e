"""Transparency log events (tlog service): a workspace's choice to commit its runs to the public log.

The log itself (its leaves) is derived from events other services write (``card.published``,
``card.reproduction_submitted``, ``attestation.issued``/``revoked``, ``run.ingested``); these
two events are the one setting it needs of its own. Both name the workspace in the envelope's
``workspace_id`` and carry no body: the log then commits every run that workspace ingests after
``workspace.log_opted_in`` and before a ``workspace.log_opted_out``, in log order, so a replay
makes exactly the same leaves (``docs/transparency-log.md``).
"""

from __future__ import annotations

from qlcore.events.envelope import Event

__all__ = ["TRANSPARENCY_EVENTS", "WorkspaceLogOptedIn", "WorkspaceLogOptedOut"]


class WorkspaceLogOptedIn(Event, frozen=True, tag="workspace.log_opted_in"):
    """From now on, the public transparency log commits each run this workspace ingests (its
    ``run_hash``, its id and the time: a timestamped commitment revealing nothing else)."""


class WorkspaceLogOptedOut(Event, frozen=True, tag="workspace.log_opted_out"):
    """Runs ingested from now on are no longer committed; runs already in the log stay there
    (the log is append-only)."""


TRANSPARENCY_EVENTS: tuple[type[Event], ...] = (WorkspaceLogOptedIn, WorkspaceLogOptedOut)
