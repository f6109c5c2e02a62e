from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from services.attestation.adapters.framework_files import load_catalog, load_framework
from services.attestation.domain import (
    CHECKS,
    FrameworkCatalog,
    FrameworkError,
    framework_digest,
    parse_framework,
)

MINIMAL: dict[str, Any] = {
    "id": "tiny",
    "version": "1.0.0",
    "title": "Tiny",
    "description": "A test framework.",
    "publisher": "Tests",
    "controls": [
        {
            "id": "T-1",
            "title": "Transpiled",
            "description": "Transpiled circuit recorded.",
            "rule": {"check": "transpiled_recorded", "params": {"scope": "all"}},
            "remediation": "Record it.",
        }
    ],
}
CONTROL: dict[str, Any] = MINIMAL["controls"][0]


def _write(root: Path, data: dict, name: str | None = None) -> Path:
    path = root / data["id"] / (name or f"{data['version']}.yaml")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))
    return path


def test_shipped_frameworks_load_with_their_controls(catalog: FrameworkCatalog) -> None:
    assert catalog.ids() == ["fair-research-data", "reproducibility-baseline"]
    baseline = catalog.get("reproducibility-baseline")
    fair = catalog.get("fair-research-data")
    assert baseline is not None and fair is not None
    assert [c.rule.check for c in baseline.controls][:6] == [
        "run_environment_pinned",
        "calibration_fresh",
        "transpiled_recorded",
        "seeds_recorded",
        "execution_times_recorded",
        "card_independently_reproduced",
    ]
    assert baseline.controls[1].rule.params == {"scope": "all", "max_age_hours": 24}
    assert {c.principle for c in fair.controls} >= {"F1", "F2", "I1", "R1.1", "R1.2"}
    for framework in catalog.latest():
        for control in framework.controls:
            assert control.remediation and control.description and control.rule.check in CHECKS


def test_framework_digest_is_stable_and_content_bound(catalog: FrameworkCatalog) -> None:
    fw = catalog.get("reproducibility-baseline")
    assert fw is not None
    again = load_catalog().get("reproducibility-baseline")
    assert again is not None and framework_digest(again) == framework_digest(fw)
    changed = parse_framework({**MINIMAL, "title": "Tiny!"})
    assert framework_digest(changed) != framework_digest(parse_framework(MINIMAL))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "unknown field"),
        ({"version": 1.0}, "Expected `str`"),
        ({"version": "1.0"}, "matching regex"),
        ({"controls": []}, "length >= 1"),
        ({"controls": [{**CONTROL, "rule": {"check": "vibes_ok"}}]}, "unknown check 'vibes_ok'"),
        (
            {"controls": [{**CONTROL, "rule": {"check": "calibration_fresh", "params": {"max_age": 1}}}]},
            "bad params",
        ),
        (
            {"controls": [{**CONTROL, "rule": {"check": "card_license", "params": {}}}]},
            "missing required field `allowed`",
        ),
        ({"controls": [CONTROL, CONTROL]}, "duplicate control id 'T-1'"),
    ],
)
def test_invalid_frameworks_are_rejected(change: dict, message: str) -> None:
    with pytest.raises(FrameworkError, match=message):
        parse_framework({**MINIMAL, **change})


def test_file_path_must_name_the_framework_it_holds(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL, name="2.0.0.yaml")
    with pytest.raises(FrameworkError, match="path must match"):
        load_framework(path)


def test_catalog_keeps_every_version_and_serves_the_latest(tmp_path: Path) -> None:
    _write(tmp_path, MINIMAL)
    _write(tmp_path, {**MINIMAL, "version": "1.10.0", "title": "Tiny 1.10"})
    _write(tmp_path, {**MINIMAL, "version": "1.9.0", "title": "Tiny 1.9"})
    catalog = load_catalog(tmp_path)
    assert len(catalog) == 3
    assert [fw.version for fw in catalog.versions("tiny")] == ["1.0.0", "1.9.0", "1.10.0"]
    latest = catalog.get("tiny")
    assert latest is not None and latest.title == "Tiny 1.10"
    old = catalog.get("tiny", "1.0.0")
    assert old is not None and old.title == "Tiny"
    assert catalog.get("tiny", "3.0.0") is None and catalog.get("nope") is None


def test_empty_or_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError, match="no framework files"):
        load_catalog(tmp_path)
    with pytest.raises(FrameworkError, match="not a directory"):
        load_catalog(tmp_path / "absent")
