"""The workspace snapshot: the facts the attestation service evaluates frameworks over.

The service builds it from its own read model (projected from the run log); the domain never
reads anything else. It holds only what the rules need, never whole documents, so a snapshot
of thousands of runs stays small. Unknown fields are tolerated so the read model may add
facts before a rule uses them.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from qlprov.document import (
    Backend,
    Environment,
    Execution,
    Lineage,
    Program,
    Rfc3339,
    RunDocument,
    Transpiled,
    backend_id,
    is_simulated_reproduction,
    validate_document,
)

__all__ = [
    "ApiKeyFacts",
    "Author",
    "CardFacts",
    "EnvironmentFacts",
    "ReproductionFacts",
    "RunFacts",
    "WorkspaceSnapshot",
    "decode_facts_document",
    "run_facts_from_document",
]


class _Facts(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=False):
    pass


class EnvironmentFacts(_Facts, frozen=True, kw_only=True):
    sdk_name: str | None = None
    sdk_version: str | None = None
    python: str | None = None
    packages: dict[str, str] = {}


class RunFacts(_Facts, frozen=True, kw_only=True):
    run_id: str
    run_hash: str
    schema: str = "qlprov/run/1.0"
    backend: str | None = None
    status: str | None = None
    program_format: str | None = None
    environment: EnvironmentFacts | None = None
    calibration_taken_at: str | None = None
    submitted_at: str | None = None
    completed_at: str | None = None
    transpiled: bool = False
    transpiled_format: str | None = None
    seeds: dict[str, int] = {}
    reproduction_of: str | None = None
    reproduction_record: bool = False  # the reproduce service's ``reproduction`` member is present

    @property
    def simulated_reproduction(self) -> bool:
        """A simulated reproduction (``qlprov.document.is_simulated_reproduction``), not an experiment."""
        return is_simulated_reproduction(
            self.reproduction_of, self.seeds.get("seed_simulator"), has_reproduction_record=self.reproduction_record
        )


class Author(_Facts, frozen=True, kw_only=True):
    name: str
    orcid: str | None = None
    affiliation: str | None = None


class ReproductionFacts(_Facts, frozen=True, kw_only=True):
    verdict: str
    workspace_id: str
    run_id: str | None = None
    kind: str = ""  # independent | simulated (empty: recorded before reproductions had a kind)


class CardFacts(_Facts, frozen=True, kw_only=True):
    slug: str
    run_id: str
    title: str | None = None
    authors: list[Author] = []
    license: str | None = None
    published: bool = True
    withdrawn: bool = False
    published_at: str | None = None
    reproductions: list[ReproductionFacts] = []

    @property
    def public(self) -> bool:
        """Published and not withdrawn: what the public can read now."""
        return self.published and not self.withdrawn


class ApiKeyFacts(_Facts, frozen=True, kw_only=True):
    prefix: str
    scopes: list[str] = []
    expires_at: str | None = None
    revoked: bool = False
    created_at: str | None = None


class WorkspaceSnapshot(_Facts, frozen=True, kw_only=True):
    """Everything evaluated for one workspace.

    ``as_of`` is the instant the snapshot describes; it only decides whether an API key
    has expired, and it is not part of any result, so re-evaluating unchanged state gives
    byte-identical results.
    """

    workspace_id: str
    as_of: str
    runs: list[RunFacts] = []
    cards: list[CardFacts] = []
    api_keys: list[ApiKeyFacts] = []


class _CalibrationHead(msgspec.Struct, frozen=True):
    taken_at: Rfc3339


class FactsDocument(msgspec.Struct, frozen=True):
    """The members of ``qlprov/run/1.0`` the rules read, validated as :class:`RunDocument` does.

    Decoding into it lets msgspec skip the calibration tables and the circuits (~95 % of a
    127-qubit document) instead of validating every qubit again: ingest already did, before
    the run was logged.
    """

    schema: Literal["qlprov/run/1.0"]
    program: Program
    backend: Backend
    calibration: _CalibrationHead
    execution: Execution
    environment: Environment
    transpiled: Transpiled | None = None
    lineage: Lineage | None = None
    reproduction: Any = None  # the reproduce service's record of a drift simulation (any JSON: an extra member)


_facts_decoder = msgspec.json.Decoder(FactsDocument)


def decode_facts_document(data: bytes) -> FactsDocument:
    """Validate the members the rules read (raises ``msgspec.ValidationError``/``DecodeError``)."""
    return _facts_decoder.decode(data)


def run_facts_from_document(
    run_id: str, run_hash: str, document: RunDocument | FactsDocument | dict[str, Any]
) -> RunFacts:
    """Extract the facts the rules use from a ``qlprov/run/1.0`` document."""
    doc = document if isinstance(document, RunDocument | FactsDocument) else validate_document(document)
    env = doc.environment
    seeds: dict[str, int] = {}
    if doc.transpiled is not None and doc.transpiled.seed_transpiler is not None:
        seeds["seed_transpiler"] = doc.transpiled.seed_transpiler
    if doc.execution.seed_simulator is not None:
        seeds["seed_simulator"] = doc.execution.seed_simulator
    return RunFacts(
        run_id=run_id,
        run_hash=run_hash,
        schema=doc.schema,
        backend=backend_id(doc.backend.provider, doc.backend.name),
        status=doc.execution.status,
        program_format=doc.program.format,
        environment=EnvironmentFacts(
            sdk_name=env.sdk.name,
            sdk_version=env.sdk.version,
            python=env.python,
            packages=dict(env.packages),
        ),
        calibration_taken_at=doc.calibration.taken_at,
        submitted_at=doc.execution.submitted_at,
        completed_at=doc.execution.completed_at,
        transpiled=doc.transpiled is not None,
        transpiled_format=doc.transpiled.format if doc.transpiled is not None else None,
        seeds=seeds,
        reproduction_of=doc.lineage.reproduction_of if doc.lineage is not None else None,
        reproduction_record=(
            isinstance(document.get("reproduction"), dict)
            if isinstance(document, dict)
            else isinstance(getattr(doc, "reproduction", None), dict)
        ),
    )
