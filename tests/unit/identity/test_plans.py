from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.gateway.domain.errors import PlanFeatureMissing, PlanLimitReached, UnknownPlan
from services.gateway.domain.plans import (
    DEV_PLAN,
    PlanFileError,
    check_limit,
    default_catalog,
    load_plans,
    require_feature,
)

PACKAGED = Path(__file__).parents[3] / "services/gateway/domain/plans.yaml"
FEATURES = {
    "private_cards",
    "reproductions",
    "attestations",
    "compliance",
    "trust_center",
    "corpus_import",
    "multiple_workspaces",
}
LIMITS = {"runs_per_month", "reproductions_per_month", "workspaces", "api_keys", "members"}


def test_packaged_catalogue_has_the_plans_features_and_limits() -> None:
    catalog = default_catalog()
    assert set(catalog.plans) == {"free", "pro", "enterprise", "dev"}
    assert set(catalog.features) == FEATURES
    assert set(catalog.limits) == LIMITS
    assert catalog.default_plan == "free"
    for plan in catalog.plans.values():
        assert set(plan.features) == FEATURES
        assert set(plan.limits) == LIMITS


def test_dev_plan_has_every_feature_and_no_limit() -> None:
    dev = default_catalog().get(DEV_PLAN)
    assert all(dev.features.values())
    assert all(v is None for v in dev.limits.values())


def test_higher_plans_include_lower_ones() -> None:
    catalog = default_catalog()
    order = [catalog.get(n) for n in ("free", "pro", "enterprise")]
    for lower, higher in itertools.pairwise(order):
        assert {f for f, on in lower.features.items() if on} <= {f for f, on in higher.features.items() if on}
        for name, value in lower.limits.items():
            bigger = higher.limits[name]
            assert bigger is None or (value is not None and bigger >= value), (higher.name, name)


def test_require_feature_names_feature_and_plan() -> None:
    free = default_catalog().get("free")
    require_feature(free, "reproductions")
    with pytest.raises(PlanFeatureMissing) as info:
        require_feature(free, "attestations")
    assert (info.value.feature, info.value.plan, info.value.status) == ("attestations", "free", 402)
    problem = info.value.problem()
    assert problem["feature"] == "attestations" and problem["plan"] == "free"
    assert problem["type"].endswith("/plan-feature-missing")
    require_feature(default_catalog().get("enterprise"), "attestations")


def test_check_limit_allows_up_to_the_limit() -> None:
    free = default_catalog().get("free")
    assert free.limit("api_keys") == 3
    check_limit(free, "api_keys", used=2)
    with pytest.raises(PlanLimitReached) as info:
        check_limit(free, "api_keys", used=3)
    assert (info.value.limit, info.value.plan, info.value.value, info.value.used) == ("api_keys", "free", 3, 3)
    assert info.value.status == 402
    with pytest.raises(PlanLimitReached):
        check_limit(free, "runs_per_month", used=990, adding=11)
    check_limit(free, "runs_per_month", used=990, adding=10)


def test_unlimited_never_raises() -> None:
    check_limit(default_catalog().get(DEV_PLAN), "api_keys", used=10**9)


def test_unknown_names_are_programming_errors_not_402() -> None:
    free = default_catalog().get("free")
    with pytest.raises(ValueError, match="unknown feature"):
        require_feature(free, "teleportation")
    with pytest.raises(ValueError, match="unknown limit"):
        check_limit(free, "qubits", used=0)
    with pytest.raises(UnknownPlan):
        default_catalog().get("platinum")


def _packaged() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(PACKAGED.read_text())
    return data


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "plans.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_loader_reads_another_file(tmp_path: Path) -> None:
    data = _packaged()
    data["plans"]["free"]["limits"]["api_keys"] = 7
    assert load_plans(_write(tmp_path, data)).get("free").limit("api_keys") == 7


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["plans"]["free"]["features"].append("teleportation"), "unknown features"),
        (lambda d: d["plans"]["pro"]["limits"].pop("members"), "limits missing"),
        (lambda d: d["plans"]["pro"]["limits"].update(qubits=5), "unknown"),
        (lambda d: d["plans"]["pro"]["limits"].update(members=-1), "negative"),
        (lambda d: d.update(default_plan="gold"), "default_plan"),
        (lambda d: d.update(currency="EUR"), "currency"),
        (lambda d: d["plans"]["free"].update(limits="many"), "limits"),
    ],
)
def test_loader_rejects_inconsistent_files(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    data = _packaged()
    mutate(data)
    with pytest.raises(PlanFileError, match=message):
        load_plans(_write(tmp_path, data))
