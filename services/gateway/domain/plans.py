"""Plans as data (``plans.yaml``): which features an org may use and how much of each resource.

The file is validated when loaded, so a typo in a feature name fails the gateway's start, not a
customer's request: every plan must name only catalogued features and must set every catalogued
limit (``null`` for unlimited). Feature and limit names passed by code are checked against the
catalogue too; an unknown name is a programming error (``ValueError``), never a 402.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import yaml

from services.gateway.domain.errors import PlanFeatureMissing, PlanLimitReached, UnknownPlan

__all__ = [
    "ALL_FEATURES",
    "DEV_PLAN",
    "Plan",
    "PlanCatalog",
    "PlanFileError",
    "check_limit",
    "default_catalog",
    "load_plans",
    "require_feature",
]

ALL_FEATURES = "*"
DEV_PLAN = "dev"


class PlanFileError(ValueError):
    """``plans.yaml`` is malformed or inconsistent."""


class _RawPlan(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    features: list[str]
    limits: dict[str, int | None]


class _RawCatalog(msgspec.Struct, forbid_unknown_fields=True):
    version: int
    default_plan: str
    features: dict[str, str]
    limits: dict[str, str]
    plans: dict[str, _RawPlan]


class Plan(msgspec.Struct, frozen=True):
    """One plan, complete: ``features`` maps every catalogued feature to whether it is included,
    ``limits`` every catalogued limit to its maximum (``None``: unlimited)."""

    name: str
    title: str
    features: dict[str, bool]
    limits: dict[str, int | None]

    def has(self, feature: str) -> bool:
        try:
            return self.features[feature]
        except KeyError:
            raise ValueError(f"unknown feature {feature!r}") from None

    def limit(self, name: str) -> int | None:
        try:
            return self.limits[name]
        except KeyError:
            raise ValueError(f"unknown limit {name!r}") from None


class PlanCatalog(msgspec.Struct, frozen=True):
    default_plan: str
    features: dict[str, str]
    limits: dict[str, str]
    plans: dict[str, Plan]

    def get(self, name: str) -> Plan:
        """The plan named ``name``; :class:`UnknownPlan` if there is none (e.g. from ``ql admin``)."""
        try:
            return self.plans[name]
        except KeyError:
            raise UnknownPlan(name) from None


def _build(raw: _RawCatalog) -> PlanCatalog:
    plans: dict[str, Plan] = {}
    for name, rp in raw.plans.items():
        named = set(rp.features)
        if ALL_FEATURES in named:
            named = set(raw.features)
        unknown = named - set(raw.features)
        if unknown:
            raise PlanFileError(f"plan {name!r} names unknown features {sorted(unknown)}")
        if set(rp.limits) != set(raw.limits):
            missing = sorted(set(raw.limits) - set(rp.limits))
            extra = sorted(set(rp.limits) - set(raw.limits))
            raise PlanFileError(f"plan {name!r}: limits missing {missing}, unknown {extra}")
        negative = sorted(k for k, v in rp.limits.items() if v is not None and v < 0)
        if negative:
            raise PlanFileError(f"plan {name!r}: negative limits {negative}")
        plans[name] = Plan(
            name=name,
            title=rp.title,
            features={f: f in named for f in raw.features},
            limits={k: rp.limits[k] for k in raw.limits},
        )
    if raw.default_plan not in plans:
        raise PlanFileError(f"default_plan {raw.default_plan!r} is not a plan")
    return PlanCatalog(default_plan=raw.default_plan, features=raw.features, limits=raw.limits, plans=plans)


def load_plans(path: Path | None = None) -> PlanCatalog:
    """Load and validate a plans file (the packaged ``plans.yaml`` by default)."""
    path = path or Path(__file__).with_name("plans.yaml")
    data: Any = yaml.safe_load(path.read_text("utf-8"))
    try:
        raw = msgspec.convert(data, _RawCatalog)
    except msgspec.ValidationError as exc:
        raise PlanFileError(str(exc)) from exc
    return _build(raw)


@cache
def default_catalog() -> PlanCatalog:
    """The packaged catalogue, loaded on first use."""
    return load_plans()


def require_feature(plan: Plan, feature: str) -> None:
    """Raise :class:`PlanFeatureMissing` unless ``plan`` includes ``feature``."""
    if not plan.has(feature):
        raise PlanFeatureMissing(feature, plan.name)


def check_limit(plan: Plan, limit: str, used: int, adding: int = 1) -> None:
    """Raise :class:`PlanLimitReached` if ``adding`` more to ``used`` would exceed the limit."""
    value = plan.limit(limit)
    if value is not None and used + adding > value:
        raise PlanLimitReached(limit, plan.name, value, used)
