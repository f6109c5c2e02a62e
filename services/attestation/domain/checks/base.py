"""What a check is: a named, parameterised rule that observes each subject it applies to.

A check returns one :class:`Observation` per subject (run, card or API key) it applies to,
with the facts it looked at. No observation at all means the control does not apply (a
workspace with no published cards has nothing to reproduce). Facts are JSON values without
floats, so evidence digests never depend on float formatting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

import msgspec

from services.attestation.domain.snapshot import CardFacts, RunFacts, WorkspaceSnapshot

__all__ = [
    "Check",
    "CheckParams",
    "Observation",
    "RunScope",
    "ScopedParams",
    "Subject",
    "SubjectKind",
    "parse_time",
    "public_cards",
    "scoped_runs",
]

SubjectKind = Literal["workspace", "run", "card", "api_key"]
RunScope = Literal["all", "published"]


class Subject(msgspec.Struct, frozen=True, order=True):
    kind: SubjectKind
    id: str


class Observation(msgspec.Struct, frozen=True):
    subject: Subject
    passed: bool
    facts: dict[str, Any]
    reason: str = ""


class CheckParams(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every check's parameters; unknown parameters in a framework file are errors."""


class ScopedParams(CheckParams, frozen=True, kw_only=True):
    scope: RunScope = "all"


P = TypeVar("P", bound=CheckParams)


@dataclass(frozen=True)
class Check(Generic[P]):
    """A registered check: its name in framework files, its parameter type and its logic."""

    name: str
    summary: str
    params_type: type[P]
    observe: Callable[[WorkspaceSnapshot, P], Iterable[Observation]]

    def parse_params(self, raw: dict[str, Any]) -> P:
        """Validate raw parameters from a framework file (raises ``msgspec.ValidationError``)."""
        return msgspec.convert(raw, self.params_type, strict=True)

    def run(self, snapshot: WorkspaceSnapshot, raw_params: dict[str, Any]) -> list[Observation]:
        return sorted(self.observe(snapshot, self.parse_params(raw_params)), key=lambda o: o.subject)


def public_cards(snapshot: WorkspaceSnapshot) -> list[CardFacts]:
    return [card for card in snapshot.cards if card.public]


def scoped_runs(snapshot: WorkspaceSnapshot, scope: RunScope) -> list[RunFacts]:
    """All the workspace's own experiments, or only those behind a card the public can read (FAIR
    applies to shared data). A simulated reproduction (a drift simulation of one of its runs) is not
    an experiment of the lab's: no check over runs judges it (its calibration is a model's, its
    "execution" a simulation of the original's)."""
    experiments = [run for run in snapshot.runs if not run.simulated_reproduction]
    if scope == "all":
        return experiments
    published = {card.run_id for card in public_cards(snapshot)}
    return [run for run in experiments if run.run_id in published]


def parse_time(text: str) -> datetime:
    """Parse an RFC 3339 date-time; a time without an offset is rejected, not guessed."""
    value = datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    if value.tzinfo is None:
        raise ValueError(f"date-time without a UTC offset: {text!r}")
    return value
