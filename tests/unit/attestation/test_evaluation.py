from __future__ import annotations

from typing import Any

import msgspec
from qlprov.attest import canonical_json, evidence_digest, evidence_root, merkle_root, verify_evidence_item

from services.attestation.domain import (
    FrameworkCatalog,
    FrameworkResult,
    evaluate,
    evaluate_framework,
    evidence_inclusion_proof,
    result_digest,
    run_facts_from_document,
)


def _baseline(catalog: FrameworkCatalog):  # type: ignore[no-untyped-def]
    framework = catalog.get("reproducibility-baseline")
    assert framework is not None
    return framework


def _statuses(result: FrameworkResult) -> dict[str, str]:
    return {c.id: c.status for c in result.controls}


def test_a_compliant_workspace_passes_every_control(catalog: FrameworkCatalog, make: Any) -> None:
    results = evaluate(make.snapshot(), catalog.latest())
    assert [r.framework_id for r in results] == ["fair-research-data", "reproducibility-baseline"]
    for result in results:
        assert result.status == "passing", [(c.id, c.failing) for c in result.controls if c.failing]
        assert result.counts == {"passing": len(result.controls), "failing": 0, "not_applicable": 0}


def test_gaps_name_the_failing_subjects_and_the_fix(catalog: FrameworkCatalog, make: Any) -> None:
    stale = make.run("01JSTALE", calibration_taken_at="2025-02-20T00:00:00Z")
    snap = make.snapshot(runs=[make.run(), stale])
    result = evaluate_framework(snap, _baseline(catalog))
    assert result.status == "failing"
    assert result.counts["failing"] == 1
    rb2 = next(c for c in result.controls if c.id == "RB-2")
    assert rb2.status == "failing" and rb2.evidence_count == 2
    [gap] = rb2.failing
    assert (gap.kind, gap.id, gap.evidence_id) == ("run", "01JSTALE", "RB-2/run:01JSTALE")
    assert gap.reason == "calibration older than 24 h at execution"
    assert "calibration" in rb2.remediation
    item = next(i for i in result.evidence if i.id == gap.evidence_id)
    assert item.outcome == "fail" and item.facts["age_seconds"] == 7 * 86400 + 14 * 3600


def test_controls_without_subjects_are_not_applicable(catalog: FrameworkCatalog, make: Any) -> None:
    snap = make.snapshot(cards=[], keys=[])
    result = evaluate_framework(snap, _baseline(catalog))
    statuses = _statuses(result)
    assert {statuses[c] for c in ("RB-6", "RB-7", "RB-8", "RB-9")} == {"not_applicable"}
    assert statuses["RB-1"] == "passing" and result.status == "passing"
    fair = catalog.get("fair-research-data")
    assert fair is not None
    empty = evaluate_framework(snap, fair)
    assert empty.status == "not_applicable" and empty.evidence == []
    assert empty.evidence_root == merkle_root([]).hex()


def test_evaluation_is_deterministic_and_order_independent(catalog: FrameworkCatalog, make: Any) -> None:
    runs = [make.run(f"01JRUN{i:02d}") for i in range(12)]
    cards = [make.card(f"card-{i}", run_id=runs[i].run_id) for i in range(0, 12, 3)]
    keys = [make.key("k1"), make.key("k2", expires_at=None)]
    first = evaluate_framework(make.snapshot(runs=runs, cards=cards, keys=keys), _baseline(catalog))
    shuffled = make.snapshot(runs=runs[::-1], cards=cards[::-1], keys=keys[::-1], as_of="2025-03-02T00:00:00Z")
    second = evaluate_framework(shuffled, _baseline(catalog))
    assert canonical_json(first) == canonical_json(second)
    assert msgspec.json.encode(first) == msgspec.json.encode(second)
    assert first.result_digest == second.result_digest == result_digest(first)


def test_a_change_moves_only_its_evidence(catalog: FrameworkCatalog, make: Any) -> None:
    runs = [make.run("01JA"), make.run("01JB")]
    before = evaluate_framework(make.snapshot(runs=runs), _baseline(catalog))
    changed = [runs[0], make.run("01JB", seeds={})]
    after = evaluate_framework(make.snapshot(runs=changed), _baseline(catalog))
    assert [i.id for i in before.evidence] == [i.id for i in after.evidence]  # ids are stable
    moved = {b.id for b, a in zip(before.evidence, after.evidence, strict=True) if b.digest != a.digest}
    assert moved == {"RB-4/run:01JB"}
    assert after.evidence_root != before.evidence_root
    assert after.result_digest != before.result_digest
    fixed = evaluate_framework(make.snapshot(runs=runs), _baseline(catalog))
    assert fixed.result_digest == before.result_digest


def test_evidence_digests_root_and_proofs_agree(catalog: FrameworkCatalog, make: Any) -> None:
    result = evaluate_framework(make.snapshot(runs=[make.run(f"01JR{i}") for i in range(5)]), _baseline(catalog))
    ids = [item.id for item in result.evidence]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert all(evidence_digest(item) == item.digest for item in result.evidence)
    assert evidence_root(reversed(result.evidence)) == result.evidence_root
    for item in result.evidence:
        proof = evidence_inclusion_proof(result, item.id)
        assert verify_evidence_item(item, proof, result.evidence_root)
    item = result.evidence[3]
    forged = msgspec.structs.replace(item, outcome="fail" if item.outcome == "pass" else "pass")
    assert not verify_evidence_item(forged, evidence_inclusion_proof(result, item.id), result.evidence_root)
    other = evidence_inclusion_proof(result, result.evidence[4].id)
    assert not verify_evidence_item(item, other, result.evidence_root)


def test_run_facts_from_a_real_document(make: Any) -> None:
    document = {
        "schema": "qlprov/run/1.0",
        "created_at": "2025-02-27T14:04:00Z",
        "program": {"name": "ghz-3", "format": "openqasm3", "source": "OPENQASM 3.0;"},
        "backend": {"provider": "ibm", "name": "ibm_kyiv", "num_qubits": 127},
        "calibration": {"taken_at": "2025-02-27T06:00:00Z", "qubits": [], "gates": []},
        "execution": {
            "shots": 4096,
            "status": "completed",
            "job_id": "d0abc",
            "submitted_at": "2025-02-27T14:00:00Z",
            "completed_at": "2025-02-27T14:03:10Z",
            "seed_simulator": 7,
        },
        "results": {"counts": {"000": 2000, "111": 2096}},
        "environment": {
            "sdk": {"name": "qiskit", "version": "2.6.1"},
            "packages": {"qiskit": "2.6.1"},
            "python": "3.11.9",
        },
        "transpiled": {"format": "openqasm3", "source": "OPENQASM 3.0;", "seed_transpiler": 1234},
    }
    facts = run_facts_from_document("01JDOC", "ab" * 32, document)
    assert facts.backend == "ibm/ibm_kyiv" and facts.program_format == "openqasm3"
    assert facts.seeds == {"seed_transpiler": 1234, "seed_simulator": 7}
    assert facts.transpiled and facts.calibration_taken_at == "2025-02-27T06:00:00Z"
    assert facts.environment is not None and facts.environment.packages == {"qiskit": "2.6.1"}
    bare = run_facts_from_document("01JBARE", "cd" * 32, {k: v for k, v in document.items() if k != "transpiled"})
    assert not bare.transpiled and bare.seeds == {"seed_simulator": 7}
