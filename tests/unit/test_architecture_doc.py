"""The service catalogue of ``docs/architecture.md`` is checked against the code.

For every service of ``qlcore.config.SERVICES`` the catalogue lists its operations, the events its
projection applies, the events it appends, its read-model tables and its tasks. A service that gains
an operation (or an event, a table, a task) without its line in the catalogue fails here, and so does
a line naming something the code does not have.

Operations come from the service's spec: the ``Operation`` table every service declares on the
typed template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from qlcore.busauth.permissions import APPENDS, SELF_APPENDS
from qlcore.config import SERVICES
from qlcore.events.registry import EVENT_TYPES, TYPE_NAMES
from qlcore.service import ServiceSpec
from qlcore.service.operations import register_operator_ops

from services.registry import load_spec

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
CATALOGUE_HEADING = "## Service catalogue"
EVERY_SERVICE = "every service"
LABELS = ("operations", "consumes", "produces", "read model", "tasks")


@dataclass
class Entry:
    job: str = ""
    fields: dict[str, set[str]] = field(default_factory=dict)


def parse_catalogue(text: str) -> dict[str, Entry]:
    """``### <service>`` sections of the catalogue: the first paragraph is the job, and each
    ``- <label>: `a`, `b``` line lists names (``none``: no names)."""
    start = text.index(CATALOGUE_HEADING) + len(CATALOGUE_HEADING)
    end = text.find("\n## ", start)
    section = text[start : end if end >= 0 else len(text)]
    entries: dict[str, Entry] = {}
    current: Entry | None = None
    for line in section.splitlines():
        heading = re.fullmatch(r"### `?([a-z ]+?)`?\s*", line)
        if heading:
            name = heading.group(1)
            assert name not in entries, f"the catalogue has two sections for {name!r}"
            current = entries[name] = Entry()
            continue
        if current is None:
            continue
        item = re.match(r"- (operations|consumes|produces|read model|tasks):(.*)$", line)
        if item:
            label, rest = item.groups()
            assert label not in current.fields, f"{label!r} twice in one section"
            names = set(re.findall(r"`([^`]+)`", rest))
            assert names or rest.strip().startswith("none"), f"{label}: names in backquotes, or none: {line!r}"
            current.fields[label] = names
        elif line.strip() and not current.fields and not line.startswith("- "):
            current.job += line.strip() + " "
    return entries


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Entry]:
    return parse_catalogue(DOC.read_text(encoding="utf-8"))


class _Recorder:
    """Stands in for ``qlcore.rpc.RpcServer`` and keeps the names registered on it."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def add(self, op: str, fn: Any, *, broadcast: bool = False) -> None:
        self.names.append(op)

    def route(self, op: str) -> Any:
        self.names.append(op)
        return lambda fn: fn


def operations_of(name: str) -> list[str]:
    spec = load_spec(name)
    assert isinstance(spec, ServiceSpec), f"{name} is not on the typed template"
    return [op.name for op in spec.operations]


def _tags(types: tuple[type, ...]) -> set[str]:
    return {str(t.__struct_config__.tag) for t in types}  # type: ignore[attr-defined]


def test_every_service_has_one_section_and_nothing_else(catalogue: dict[str, Entry]) -> None:
    assert set(catalogue) == {*SERVICES, EVERY_SERVICE}
    for name, entry in catalogue.items():
        expected = ("operations", "produces") if name == EVERY_SERVICE else LABELS
        assert set(entry.fields) == set(expected), f"{name}: lines {sorted(entry.fields)}, expected {expected}"
        if name != EVERY_SERVICE:
            assert len(entry.job.split()) >= 5, f"{name}: say its job in a sentence"


@pytest.mark.parametrize("name", SERVICES)
def test_operations_match_the_code(catalogue: dict[str, Entry], name: str) -> None:
    registered = operations_of(name)
    assert len(registered) == len(set(registered)), f"{name} registers an operation twice: {registered}"
    documented = catalogue[name].fields["operations"]
    assert documented - set(registered) == set(), f"{name}: documented, not registered"
    assert set(registered) - documented == set(), f"{name}: registered, not in docs/architecture.md"


def test_operator_operations_match_the_code(catalogue: dict[str, Entry]) -> None:
    rpc = _Recorder()
    register_operator_ops(rpc, MagicMock(name="runtime"))  # type: ignore[arg-type]
    assert catalogue[EVERY_SERVICE].fields["operations"] == set(rpc.names)


@pytest.mark.parametrize("name", SERVICES)
def test_consumed_events_are_what_the_projection_applies(catalogue: dict[str, Entry], name: str) -> None:
    projection = load_spec(name).projection
    assert projection is not None, f"{name} has no projection: the catalogue's 'consumes' would say none"
    handles = projection().handles
    expected = set(TYPE_NAMES) if handles is None else set(handles)
    assert catalogue[name].fields["consumes"] == expected


@pytest.mark.parametrize("name", SERVICES)
def test_produced_events_are_the_bus_permission_to_append(catalogue: dict[str, Entry], name: str) -> None:
    assert catalogue[name].fields["produces"] == _tags(APPENDS[name])
    assert catalogue[EVERY_SERVICE].fields["produces"] == _tags(SELF_APPENDS)


@pytest.mark.parametrize("name", SERVICES)
def test_each_produced_event_is_made_in_the_service(name: str) -> None:
    """A permission to append that no code of the service uses is stale (the projection, which
    only matches events, does not count)."""
    sources = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (ROOT / "services" / name).rglob("*.py")
        if not p.name.startswith("projection")
    )
    unused = [t.__name__ for t in APPENDS[name] if not re.search(rf"\b{t.__name__}\b", sources)]
    assert unused == [], f"{name} may append {unused} but none of its code names them"


def test_every_event_named_exists(catalogue: dict[str, Entry]) -> None:
    named = {
        e for entry in catalogue.values() for label in ("consumes", "produces") for e in entry.fields.get(label, ())
    }
    assert named - set(TYPE_NAMES) == set()
    assert len(EVENT_TYPES) == len(TYPE_NAMES)


@pytest.mark.parametrize("name", SERVICES)
def test_read_model_tables_are_the_projection_tables(catalogue: dict[str, Entry], name: str) -> None:
    projection = load_spec(name).projection
    assert projection is not None
    assert catalogue[name].fields["read model"] == {table for table, _ in projection().tables}


@pytest.mark.parametrize("name", SERVICES)
def test_tasks_match_the_spec(catalogue: dict[str, Entry], name: str) -> None:
    assert catalogue[name].fields["tasks"] == {t.__name__ for t in load_spec(name).tasks}


def test_the_parser_refuses_a_missing_or_extra_operation() -> None:
    """The check bites: a catalogue missing an operation, or naming one too many, differs."""
    text = DOC.read_text(encoding="utf-8")
    ingest = parse_catalogue(text)["ingest"].fields["operations"]
    assert ingest == set(operations_of("ingest"))
    fewer = parse_catalogue(text.replace("`runs.ingest_many`", "", 1))["ingest"].fields["operations"]
    assert fewer != set(operations_of("ingest"))
    more = parse_catalogue(text.replace("`runs.ingest_many`", "`runs.ingest_many`, `runs.forget`", 1))
    assert more["ingest"].fields["operations"] != set(operations_of("ingest"))
