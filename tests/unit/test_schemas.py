"""The checked-in JSON Schemas match the msgspec types, and describe real bundles."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest
from qlcore import schemas
from qlprov.document import SCHEMA_ID
from quantumledger import examples


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((schemas.default_directory() / "qlprov-run-1.0.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_checked_in_schemas_match_the_code() -> None:
    stale = schemas.stale_files()
    assert stale == [], f"regenerate with `python -m qlcore.schemas --write`: {stale}"


def test_document_schema_is_identified_and_described() -> None:
    schema = schemas.document_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/qlprov-run-1.0.schema.json")
    assert schema["title"] == SCHEMA_ID
    assert "run_hash" in schema["description"]
    document = schema["$defs"]["RunDocument"]
    assert set(document["required"]) == {
        "schema",
        "created_at",
        "program",
        "backend",
        "calibration",
        "execution",
        "results",
        "environment",
    }
    assert document.get("additionalProperties", True) is not False  # extra members are allowed


def test_write_and_check_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert schemas.main(["--check", "--dir", str(tmp_path)]) == 1  # missing files are stale
    assert schemas.main(["--write", "--dir", str(tmp_path)]) == 0
    assert schemas.main(["--check", "--dir", str(tmp_path)]) == 0
    written = tmp_path / "qlprov-run-1.0.schema.json"
    written.write_text(written.read_text().replace("RFC 3339", "RFC 3338"))
    assert schemas.main(["--check", "--dir", str(tmp_path)]) == 1
    assert "stale: qlprov-run-1.0.schema.json" in capsys.readouterr().err


def test_the_registry_extends_to_new_types(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Pinged(msgspec.Struct, frozen=True, tag="test.pinged"):
        at: str

    entry = schemas.SchemaFile("events/test.pinged-1.schema.json", Pinged, "test.pinged", "A test event.")
    monkeypatch.setattr(schemas, "SCHEMAS", [*schemas.SCHEMAS, entry])
    paths = schemas.write_all(tmp_path)
    assert tmp_path / "events" / "test.pinged-1.schema.json" in paths
    event_schema = json.loads((tmp_path / "events" / "test.pinged-1.schema.json").read_text())
    assert event_schema["$id"].endswith("/events/test.pinged-1.schema.json")
    assert schemas.stale_files(tmp_path) == []


def test_a_real_bundle_validates_against_the_json_schema(validator: jsonschema.Draft202012Validator) -> None:
    for bundle in (examples.ghz_bundle(), examples.ghz_bundle(backend="torino"), examples.bench_bundle(3)):
        validator.validate(bundle)


def test_nulls_and_extra_members_validate(validator: jsonschema.Draft202012Validator) -> None:
    bundle = examples.bell_bundle()
    bundle["calibration"]["qubits"][0].update(t1_us=None, t2_us=None, readout_error=None)
    bundle["calibration"]["gates"][0].update(error=None, duration_ns=None)
    bundle["execution"].update(job_id=None, submitted_at=None, completed_at=None)
    bundle["lab"] = {"anything": [1, "two", None]}
    bundle["lineage"] = {"derived_from": "f" * 64}
    validator.validate(bundle)


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d.pop("results"),
        lambda d: d.__setitem__("schema", "qlprov/run/0.9"),
        lambda d: d["calibration"]["qubits"][0].__setitem__("readout_error", 2.0),
        lambda d: d["calibration"]["gates"][0].__setitem__("qubits", [-1]),
        lambda d: d["execution"].__setitem__("status", "done"),
        lambda d: d["backend"].__setitem__("provider", "ibm/kyiv"),
        lambda d: d.__setitem__("run_hash", "ABC"),
        lambda d: d["results"]["counts"].__setitem__("000", 1.5),
    ],
)
def test_the_json_schema_rejects_what_the_types_reject(
    validator: jsonschema.Draft202012Validator, break_it: Any
) -> None:
    from qlprov.document import validate_document

    bundle = copy.deepcopy(examples.bell_bundle())
    break_it(bundle)
    assert not validator.is_valid(bundle)
    with pytest.raises(msgspec.ValidationError):
        validate_document(bundle)
