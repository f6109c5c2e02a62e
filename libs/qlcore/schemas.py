"""The JSON Schemas checked in under ``proto-schemas/``, generated from the msgspec types.

``SCHEMAS`` lists every checked-in schema: a file (relative to ``proto-schemas/``) and the
type it describes. To publish a new one (an event, say), append a :class:`SchemaFile`,
run ``python -m qlcore.schemas --write`` and commit the file; ``tests/unit/test_schemas.py``
fails whenever a checked-in file differs from what the code generates.

``python -m qlcore.schemas --check`` exits 1 and names the stale files instead of writing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from qlprov.document import SCHEMA_ID, RunDocument

__all__ = [
    "SCHEMAS",
    "SCHEMA_BASE_URL",
    "SchemaFile",
    "default_directory",
    "document_schema",
    "main",
    "render",
    "stale_files",
    "write_all",
]

SCHEMA_BASE_URL = "https://quantumledger.ben.gy/proto-schemas/"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True)
class SchemaFile:
    """One checked-in schema: where it lives, the type it is generated from, what it is."""

    filename: str  # relative to proto-schemas/, e.g. "events/run.ingested-1.schema.json"
    type: Any
    title: str
    description: str

    def schema(self) -> dict[str, Any]:
        """The JSON Schema (2020-12) of ``type``, with ``$id``, title and description."""
        generated = msgspec.json.schema(self.type)
        return {
            "$schema": JSON_SCHEMA_DIALECT,
            "$id": SCHEMA_BASE_URL + self.filename,
            "title": self.title,
            "description": self.description,
            **generated,
        }


SCHEMAS: list[SchemaFile] = [
    SchemaFile(
        filename="qlprov-run-1.0.schema.json",
        type=RunDocument,
        title=SCHEMA_ID,
        description=(
            "A QuantumLedger run provenance document: the circuit, its transpiled form, the "
            "backend and its calibration at run time, execution, counts and software "
            "environment. Members not listed here are allowed and kept; run_hash is the BLAKE3 "
            "hex digest of the RFC 8785 canonical JSON of the document without run_hash."
        ),
    ),
]


def _event_schemas() -> list[SchemaFile]:
    """One schema per event type of the run log (``qlcore.events.registry.EVENT_TYPES``)."""
    from qlcore.events.registry import EVENT_TYPES

    files = []
    for t in EVENT_TYPES:
        tag = str(t.__struct_config__.tag)
        version = next(f.default for f in msgspec.structs.fields(t) if f.name == "schema_version")
        doc = (t.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ") or f"The {tag} event."
        files.append(
            SchemaFile(
                f"events/{tag}-v{version}.schema.json", t, tag, f"Run log event {tag!r} (envelope + body). {doc}"
            )
        )
    return files


SCHEMAS.extend(_event_schemas())


def document_schema() -> dict[str, Any]:
    """The JSON Schema of ``qlprov/run/1.0``."""
    return SCHEMAS[0].schema()


def render(entry: SchemaFile) -> str:
    """The exact text of a schema file: 2-space indented JSON and a final newline."""
    return json.dumps(entry.schema(), indent=2, ensure_ascii=False) + "\n"


def default_directory() -> Path:
    """``proto-schemas/`` of the source tree this module lives in."""
    return Path(__file__).resolve().parents[2] / "proto-schemas"


def write_all(directory: Path | None = None) -> list[Path]:
    """(Re)generate every schema file; return the paths written."""
    root = directory or default_directory()
    written = []
    for entry in SCHEMAS:
        path = root / entry.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(entry), encoding="utf-8")
        written.append(path)
    return written


def stale_files(directory: Path | None = None) -> list[str]:
    """The schema files that are missing or differ from what the code generates."""
    root = directory or default_directory()
    stale = []
    for entry in SCHEMAS:
        path = root / entry.filename
        if not path.is_file() or path.read_text(encoding="utf-8") != render(entry):
            stale.append(entry.filename)
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m qlcore.schemas", description="Generate or check the JSON Schemas in proto-schemas/."
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="regenerate every checked-in schema")
    action.add_argument("--check", action="store_true", help="exit 1 if a checked-in schema is stale")
    parser.add_argument("--dir", type=Path, default=None, help="the proto-schemas directory")
    args = parser.parse_args(argv)
    if args.write:
        for path in write_all(args.dir):
            print(path)
        return 0
    stale = stale_files(args.dir)
    for filename in stale:
        print(f"stale: {filename}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
