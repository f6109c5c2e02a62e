"""What a workspace's attestations say, for the ``attested`` badge and the card page.

An ``attestation.issued`` event carries the framework's status (``passing``, ``failing`` or
``not_applicable``) and its signed statement, whose predicate lists every control with its status
(DSSE envelope: ``payload`` is the base64 of the statement). :func:`attestation_facts` reads the
status and the control counts from them; :func:`summarize_attestations` combines a workspace's
current attestation of each framework (its latest unrevoked one, else its latest revoked one) into
one state, worst first:

=================  ====================================================  ===========
state              when                                                  badge color
=================  ====================================================  ===========
``failing``        some framework's current attestation is failing       red
``passing``        every current unrevoked attestation is passing        brightgreen
``not_applicable`` unrevoked attestations, none passing or failing       lightgrey
``unknown``        unrevoked attestations whose status nothing records   lightgrey
``revoked``        every attestation the workspace holds was revoked     orange
``none``           no attestation                                        lightgrey
=================  ====================================================  ===========

A failing attestation is never shown green, whatever else the workspace holds.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import msgspec

__all__ = [
    "AttestationFacts",
    "AttestationState",
    "AttestationSummary",
    "attestation_facts",
    "summarize_attestations",
]

Status = Literal["passing", "failing", "not_applicable", "unknown"]
SummaryState = Literal["failing", "passing", "not_applicable", "unknown", "revoked", "none"]
_STATUSES = frozenset({"passing", "failing", "not_applicable"})


class AttestationFacts(msgspec.Struct, frozen=True):
    """An attestation's framework status and its controls: how many pass, of how many evaluated."""

    status: Status
    passing_controls: int = 0
    total_controls: int = 0  # controls that apply (passing + failing)


class _Control(msgspec.Struct):
    status: str = ""


class _Predicate(msgspec.Struct):
    status: str = ""
    controls: list[_Control] = []


class _Statement(msgspec.Struct):
    predicate: _Predicate = msgspec.field(default_factory=_Predicate)


_statement = msgspec.json.Decoder(_Statement)


def _statement_of(envelope: Mapping[str, Any]) -> _Statement | None:
    payload = envelope.get("payload")
    if not isinstance(payload, str) or not payload:
        return None
    try:
        padded = payload + "=" * (-len(payload) % 4)
        body = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        return _statement.decode(body)
    except (binascii.Error, ValueError):  # msgspec's errors are ValueErrors
        return None


def attestation_facts(status: str, envelope: Mapping[str, Any]) -> AttestationFacts:
    """The status an ``attestation.issued`` event states (its own member, else its statement's) and
    the control counts of its statement; ``unknown`` when neither says (never read as passing)."""
    statement = _statement_of(envelope)
    stated = status or (statement.predicate.status if statement else "")
    controls = statement.predicate.controls if statement else []
    passing = sum(c.status == "passing" for c in controls)
    failing = sum(c.status == "failing" for c in controls)
    return AttestationFacts(
        status=stated if stated in _STATUSES else "unknown",  # type: ignore[arg-type]
        passing_controls=passing,
        total_controls=passing + failing,
    )


class AttestationState(msgspec.Struct, frozen=True):
    """One framework's current attestation in a workspace."""

    framework_id: str
    facts: AttestationFacts
    revoked: bool


class AttestationSummary(msgspec.Struct, frozen=True):
    """The workspace's attestations in one state (see the module's table). ``frameworks`` names the
    frameworks in that state; the control counts add up those frameworks' controls."""

    state: SummaryState = "none"
    frameworks: tuple[str, ...] = ()
    passing_controls: int = 0
    total_controls: int = 0


def summarize_attestations(states: Iterable[AttestationState]) -> AttestationSummary:
    items = list(states)
    live = [s for s in items if not s.revoked]
    for state in ("failing", "passing", "not_applicable"):
        chosen = [s for s in live if s.facts.status == state]
        if chosen:
            return AttestationSummary(
                state=state,  # type: ignore[arg-type]
                frameworks=tuple(sorted({s.framework_id for s in chosen})),
                passing_controls=sum(s.facts.passing_controls for s in chosen),
                total_controls=sum(s.facts.total_controls for s in chosen),
            )
    if live:  # unrevoked, but no status recorded (an event without one): said so, never green
        return AttestationSummary(state="unknown", frameworks=tuple(sorted({s.framework_id for s in live})))
    if items:
        return AttestationSummary(state="revoked", frameworks=tuple(sorted({s.framework_id for s in items})))
    return AttestationSummary()
