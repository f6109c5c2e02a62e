"""Compliance frameworks: versioned data, validated when parsed.

A framework lives at ``frameworks/<id>/<version>.yaml`` (JSON is YAML, so ``.json`` works
too; the files are read by ``services.attestation.adapters.framework_files``). Old versions stay
on disk: an attestation names the exact version and digest it was evaluated against, so it can
be re-checked after the framework evolves.

Loading is strict: unknown members, duplicate control ids, unknown checks or parameters that
the check does not accept are errors, so a typo in a framework never silently weakens it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any

import msgspec
from qlprov.attest import canonical_json, sha256_hex

from services.attestation.domain.checks import CHECKS
from services.attestation.domain.errors import FrameworkError

__all__ = [
    "Control",
    "Framework",
    "FrameworkCatalog",
    "Reference",
    "Rule",
    "framework_digest",
    "parse_framework",
]

_ID = r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$"
_VERSION = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$"
_CONTROL_ID = r"^[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*$"
Text = Annotated[str, msgspec.Meta(min_length=1)]


class _Strict(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class Rule(_Strict, frozen=True, kw_only=True):
    check: Text
    params: dict[str, Any] = {}


class Reference(_Strict, frozen=True, kw_only=True):
    title: Text
    url: Text


class Control(_Strict, frozen=True, kw_only=True):
    id: Annotated[str, msgspec.Meta(pattern=_CONTROL_ID)]
    title: Text
    description: Text
    rule: Rule
    remediation: Text
    principle: str | None = None  # e.g. the FAIR principle ("R1.1") the control implements


class Framework(_Strict, frozen=True, kw_only=True):
    id: Annotated[str, msgspec.Meta(pattern=_ID)]
    version: Annotated[str, msgspec.Meta(pattern=_VERSION)]
    title: Text
    description: Text
    publisher: Text
    controls: Annotated[list[Control], msgspec.Meta(min_length=1)]
    references: list[Reference] = []

    @property
    def version_key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.version.split("."))


def framework_digest(framework: Framework) -> str:
    """sha256 (hex) of the framework's canonical JSON: pins the exact rules an attestation used."""
    return sha256_hex(canonical_json(framework))


def parse_framework(data: Any, *, source: str = "<data>") -> Framework:
    """Validate a parsed YAML/JSON value as a framework."""
    try:
        framework = msgspec.convert(data, Framework, strict=True)
    except msgspec.ValidationError as exc:
        raise FrameworkError(f"{source}: {exc}") from exc
    seen: set[str] = set()
    for control in framework.controls:
        if control.id in seen:
            raise FrameworkError(f"{source}: duplicate control id {control.id!r}")
        seen.add(control.id)
        check = CHECKS.get(control.rule.check)
        if check is None:
            raise FrameworkError(f"{source}: control {control.id}: unknown check {control.rule.check!r}")
        try:
            check.parse_params(control.rule.params)
        except msgspec.ValidationError as exc:
            raise FrameworkError(f"{source}: control {control.id}: bad params: {exc}") from exc
    return framework


class FrameworkCatalog:
    """Every version of every framework, by id; ``latest`` is the highest version."""

    def __init__(self, frameworks: Iterable[Framework]) -> None:
        self._by_key: dict[tuple[str, str], Framework] = {}
        for framework in frameworks:
            key = (framework.id, framework.version)
            if key in self._by_key:
                raise FrameworkError(f"framework {framework.id} {framework.version} defined twice")
            self._by_key[key] = framework

    def ids(self) -> list[str]:
        return sorted({fw_id for fw_id, _ in self._by_key})

    def versions(self, framework_id: str) -> list[Framework]:
        found = [fw for (fw_id, _), fw in self._by_key.items() if fw_id == framework_id]
        return sorted(found, key=lambda fw: fw.version_key)

    def get(self, framework_id: str, version: str | None = None) -> Framework | None:
        """A framework by id (its latest version) or by id and exact version; None if unknown."""
        if version is not None:
            return self._by_key.get((framework_id, version))
        versions = self.versions(framework_id)
        return versions[-1] if versions else None

    def latest(self) -> list[Framework]:
        """The latest version of every framework, ordered by id."""
        return [fw for fw in (self.get(fw_id) for fw_id in self.ids()) if fw is not None]

    def __len__(self) -> int:
        return len(self._by_key)

    def as_mapping(self) -> Mapping[tuple[str, str], Framework]:
        return dict(self._by_key)
