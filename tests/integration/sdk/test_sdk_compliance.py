"""The SDK against the real stack: leaderboard, frameworks, compliance, and attestations verified
online and offline, honest and tampered (offline verification uses only the JWKS)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from nacl.signing import SigningKey
from qlprov.attest import Jwks, public_jwk
from quantumledger import ConflictError, PlanError, ValidationError, verify_attestation
from quantumledger.attest import verify_evidence_item
from quantumledger.errors import NotFoundError

from tests.fixtures import Stack
from tests.integration.attestation.helpers import BASELINE, FAIR, run_document
from tests.integration.sdk.helpers import blocking, ghz, sdk

pytestmark = pytest.mark.integration


async def test_leaderboard_methodology_and_trend(stack: Stack) -> None:
    t = await stack.tenant()

    def use() -> None:
        with sdk(stack, t) as ql:
            ql.ingest(ghz(3, backend="brisbane"))  # a run's calibration is an observation of its device
        with sdk(stack, None) as public:
            board = public.leaderboard.get(min_qubits=100)
            assert board.metric == "median_2q_error" and board.direction and board.methodology_version
            assert any(r.provider == "ibm" and r.backend == "ibm_brisbane" for r in board.rows)
            assert [r.rank for r in board.rows] == list(range(1, len(board.rows) + 1))
            assert public.leaderboard.get("median_t1", provider="ibm").metric == "median_t1"
            assert "metrics" in public.leaderboard.methodology()
            trend = public.leaderboard.trend("ibm", "ibm_brisbane", bucket="week")
            assert trend.bucket == "week" and trend.buckets and trend.buckets[0].n >= 1
            with pytest.raises(ValidationError) as bad:
                public.leaderboard.get("no_such_metric")
            assert "median_2q_error" in bad.value.extensions["valid_metrics"]
            with pytest.raises(NotFoundError):
                public.leaderboard.trend("ibm", "ibm_nowhere")

    await stack.wait_caught_up("leaderboard")  # nothing pending from earlier tests
    await blocking(use)


def _flip_payload(envelope: dict[str, Any]) -> dict[str, Any]:
    raw = bytearray(base64.b64decode(envelope["payload"]))
    raw[len(raw) // 2] ^= 0x01
    return {**envelope, "payload": base64.b64encode(bytes(raw)).decode()}


async def test_compliance_and_attestations_online_and_offline(stack: Stack, tmp_path: Path) -> None:
    t = await stack.tenant()

    def use() -> None:
        with sdk(stack, None) as public:
            frameworks = {f.id: f for f in public.frameworks.list()}
            assert {BASELINE, FAIR} <= set(frameworks) and frameworks[BASELINE].controls > 0
            baseline = public.frameworks.get(BASELINE)
            assert baseline.digest and baseline.controls[0].rule and baseline.versions
        with sdk(stack, t) as ql:
            ql.ingest(run_document())
            ql.ingest(run_document(transpiled=False))
            with pytest.raises(ConflictError):
                ql.attestations.issue(BASELINE)  # not enabled yet
            enabled = ql.compliance.enable(BASELINE)
            assert enabled.workspace_id == t.workspace_id and enabled.changed
            assert not ql.compliance.enable(BASELINE).changed
            evaluation = ql.compliance.evaluate()
            [fw] = evaluation.frameworks
            assert fw.framework_id == BASELINE and fw.status == "failing" and fw.evidence_count > 0
            assert not ql.compliance.evaluate().frameworks[0].changed  # safe to repeat
            status = ql.compliance.status()
            assert status.frameworks[0].status == "failing" and status.frameworks[0].controls
            gaps = ql.compliance.gaps()
            assert gaps.gaps and all(g.remediation and g.failing for g in gaps.gaps)
            assert gaps.gaps[0].failing[0].kind in ("run", "card", "api_key", "workspace")

            issued = ql.attestations.issue(BASELINE)
            assert issued.status == "failing" and issued.envelope.payloadType == "application/vnd.in-toto+json"
            assert issued.evidence is not None and issued.evidence.count == issued.evidence_count > 0
            other = ql.attestations.issue(BASELINE)
            assert [a.attestation_id for a in ql.attestations.list()][:2] == [
                other.attestation_id,
                issued.attestation_id,
            ]
            assert [a.attestation_id for a in ql.attestations.iter(limit=1)] == [
                other.attestation_id,
                issued.attestation_id,
            ]
            record = ql.attestations.get(issued.attestation_id)
            assert record.envelope == issued.envelope and record.evidence == issued.evidence

            # online: the ledger checks signature, evidence and revocation
            online = ql.attestations.verify(issued.attestation_id)
            assert online.valid and online.evidence_checked and not online.revoked and online.known
            assert ql.attestations.verify_envelope(issued.envelope).valid

            # the evidence, downloaded once: the bytes the statement signs
            bundle = tmp_path / "evidence.json"
            got = ql.attestations.download_evidence(issued.attestation_id, bundle)
            assert got.count == issued.evidence_count and got.bytes == bundle.stat().st_size == record.evidence.bytes
            assert got.sha256 == record.evidence.digest["sha256"]
            items = json.loads(bundle.read_bytes())

            # offline: the JWKS fetched once, then nothing but the attestation and its evidence
            jwks = ql.attestations.jwks()
            here = verify_attestation(record, jwks, evidence=bundle)
            assert here.valid and here.evidence_checked and here.offline and not here.revocation_checked
            assert (here.attestation_id, here.evidence_root, here.workspace_id) == (
                issued.attestation_id,
                issued.evidence_root,
                t.workspace_id,
            )
            assert verify_attestation(record.envelope, jwks, evidence=items).valid  # the items themselves
            assert ql.attestations.verify_offline(record, evidence=bundle).valid
            fetched = ql.attestations.verify_offline(issued, fetch_evidence=True)  # streamed into the check
            assert fetched.valid and fetched.evidence_checked

            # tampering, offline
            env = msgspec.to_builtins(record.envelope)
            flipped = verify_attestation(_flip_payload(env), jwks, evidence=bundle)
            assert not flipped.valid and not flipped.signature_valid and not flipped.evidence_checked
            swapped = {**env, "signatures": msgspec.to_builtins(other.envelope)["signatures"]}
            assert not verify_attestation(swapped, jwks).valid
            stranger = Jwks(keys=[public_jwk(bytes(SigningKey.generate().verify_key))])
            unknown = verify_attestation(env, stranger)
            assert not unknown.valid and "no published key has the kid" in unknown.errors[0]
            forged = [dict(items[0], outcome="pass" if items[0]["outcome"] == "fail" else "fail"), *items[1:]]
            changed = verify_attestation(env, jwks, evidence=msgspec.json.encode(forged))
            assert changed.signature_valid and not changed.valid
            assert changed.errors[0] == f"evidence {items[0]['id']}: content does not match its digest"
            assert not ql.attestations.verify_envelope(_flip_payload(env)).valid  # and online

            # one item disclosed with its proof
            disclosed = ql.attestations.evidence(issued.attestation_id, items[1]["id"])
            assert disclosed.item == items[1]
            assert verify_evidence_item(disclosed.item, disclosed.proof, disclosed.evidence_root)
            assert not verify_evidence_item({**disclosed.item, "facts": {}}, disclosed.proof, disclosed.evidence_root)

            # the gaps, a page of subjects at a time
            gaps = ql.compliance.gaps(framework_id=BASELINE)
            gap = next(g for g in gaps.gaps if g.failing)
            assert gap.failing_count == len(gap.failing) and gap.failing_next_offset is None
            every = list(ql.compliance.failing(BASELINE, gap.control_id, page_size=1))
            assert [f.id for f in every] == [f.id for f in gap.failing]
            assert list(ql.compliance.failing(BASELINE, "RB-0")) == []

            # revocation is the ledger's fact: offline it shows only through a signed list fetched after it
            revoked = ql.attestations.revoke(issued.attestation_id, "key rotation drill")
            assert revoked.revoked and not revoked.already_revoked
            assert ql.attestations.revoke(issued.attestation_id, "again").already_revoked
            assert ql.attestations.verify(issued.attestation_id).revoked
            blind = verify_attestation(record.envelope, jwks, evidence=bundle)
            assert blind.valid and not blind.revoked and not blind.revocation_checked
            listed = ql.attestations.verify_offline(record.envelope, revocations=ql.attestations.revocation_list())
            assert listed.valid and listed.revoked and listed.revocation_reason == "key rotation drill"
            assert listed.revocation_checked

            trust = ql.attestations.trust_center(ql.me().org.slug or "", attestations_offset=1)
            assert trust["org"] and [a["att_id"] for a in trust["attestations"]] == [issued.attestation_id]

    await blocking(use)


async def test_plan_and_workspace_limits_are_typed(stack: Stack) -> None:
    free, other = await stack.tenant(plan="free"), await stack.tenant()

    def use() -> None:
        with sdk(stack, free) as ql:
            with pytest.raises(PlanError) as err:
                ql.compliance.status()
            assert err.value.status == 402 and err.value.extensions["feature"] == "compliance"
            with pytest.raises(PlanError):
                ql.attestations.issue(BASELINE)
        with sdk(stack, other) as ql, pytest.raises(NotFoundError):
            ql.compliance.status(workspace=free.workspace_id)  # another workspace is not found

    await blocking(use)
