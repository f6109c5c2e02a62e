"""Builders of workspace facts for the attestation unit tests.

``good_*`` facts satisfy every shipped control, so a test changes one thing and watches
exactly one control react.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
import pytest

from services.attestation.adapters.framework_files import load_catalog
from services.attestation.domain import (
    ApiKeyFacts,
    Author,
    CardFacts,
    EnvironmentFacts,
    FrameworkCatalog,
    ReproductionFacts,
    RunFacts,
    WorkspaceSnapshot,
)

WS = "ws_lab"
OTHER_WS = "ws_elsewhere"
AS_OF = "2025-03-01T12:00:00Z"


def good_run(run_id: str = "01JRUN0000000000000000000A", **changes: Any) -> RunFacts:
    run = RunFacts(
        run_id=run_id,
        run_hash=hashlib.sha256(run_id.encode()).hexdigest(),
        backend="ibm/ibm_kyiv",
        status="completed",
        program_format="openqasm3",
        environment=EnvironmentFacts(
            sdk_name="qiskit",
            sdk_version="2.6.1",
            python="3.11.9",
            packages={"qiskit": "2.6.1", "qiskit-ibm-runtime": "0.51.0"},
        ),
        calibration_taken_at="2025-02-27T06:00:00Z",
        submitted_at="2025-02-27T14:00:00Z",
        completed_at="2025-02-27T14:03:10Z",
        transpiled=True,
        transpiled_format="openqasm3",
        seeds={"seed_transpiler": 1234},
    )
    return msgspec.structs.replace(run, **changes)


def good_card(slug: str = "ghz-3-ibm-kyiv", run_id: str = "01JRUN0000000000000000000A", **changes: Any) -> CardFacts:
    card = CardFacts(
        slug=slug,
        run_id=run_id,
        title="GHZ-3 on ibm_kyiv",
        authors=[Author(name="Ada Lovelace", orcid="0000-0002-1825-0097")],
        license="CC-BY-4.0",
        published=True,
        withdrawn=False,
        published_at="2025-02-28T09:00:00Z",
        reproductions=[ReproductionFacts(verdict="reproduced", workspace_id=OTHER_WS, run_id="01KREPRO")],
    )
    return msgspec.structs.replace(card, **changes)


def good_key(prefix: str = "ql_live_ab12", **changes: Any) -> ApiKeyFacts:
    key = ApiKeyFacts(
        prefix=prefix,
        scopes=["runs:read", "runs:write"],
        created_at="2025-01-01T00:00:00Z",
        expires_at="2025-12-31T00:00:00Z",
        revoked=False,
    )
    return msgspec.structs.replace(key, **changes)


def snapshot(
    runs: list[RunFacts] | None = None,
    cards: list[CardFacts] | None = None,
    keys: list[ApiKeyFacts] | None = None,
    as_of: str = AS_OF,
) -> WorkspaceSnapshot:
    return WorkspaceSnapshot(
        workspace_id=WS,
        as_of=as_of,
        runs=[good_run()] if runs is None else runs,
        cards=[good_card()] if cards is None else cards,
        api_keys=[good_key()] if keys is None else keys,
    )


@pytest.fixture(scope="session")
def catalog() -> FrameworkCatalog:
    return load_catalog()


class Builders:
    """The builders above, handed to tests as the ``make`` fixture (tests cannot import conftest)."""

    ws = WS
    other_ws = OTHER_WS
    as_of = AS_OF
    run = staticmethod(good_run)
    card = staticmethod(good_card)
    key = staticmethod(good_key)
    snapshot = staticmethod(snapshot)


@pytest.fixture
def make() -> type[Builders]:
    return Builders
