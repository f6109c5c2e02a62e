"""An attestation over a workspace of 3,000 runs (15,000 evidence items, 15 pages), its evidence
downloaded with the SDK and verified offline, honest and with one page tampered.

The runs are appended to the log in bulk (``tests.integration.attestation.bulk``); the stack is
the attestation service and the gateway only (the other projections have nothing to do with
it). Then the SDK and ``ql`` do what a user does: issue, save the attestation, download the
evidence once, verify with nothing but the JWKS; and an auditor who changed one item of one
page sees that item named, exit 3.

What it would catch: a download that is not byte for byte the bundle the statement signs; an
offline check that misses an item changed in the middle of a large bundle, or names the wrong
one; a streamed check (``--fetch-evidence``) that differs from the file's; the SDK and the
ledger disagreeing about the same evidence.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from qlcore.busauth import TEST
from quantumledger import verify_attestation

from tests.fixtures import Infra, Stack, stack_context
from tests.integration.attestation.bulk import append_runs
from tests.integration.attestation.helpers import BASELINE, run_document
from tests.integration.sdk.helpers import blocking, ql, sdk

pytestmark = pytest.mark.integration

RUNS = 3000
PAGE = 1024


@pytest.fixture(scope="module")
async def evidence_stack(infra: Infra) -> AsyncIterator[Stack]:
    async for s in stack_context(infra, services=("attestation", "gateway")):
        yield s


def _document(i: int) -> dict[str, Any]:
    doc = run_document(tag=f"run-{i}")
    if i % 7 == 0:  # some runs fail RB-4: a failing framework, with gaps
        doc["transpiled"] = {k: v for k, v in doc["transpiled"].items() if k != "seed_transpiler"}
    return doc


def _tamper(bundle: bytes, item: dict[str, Any]) -> bytes:
    """The bundle with one item's outcome flipped in place: the rest of the bytes unchanged."""
    start = bundle.index(b'"id":"' + item["id"].encode() + b'"')
    old = b'"outcome":"' + item["outcome"].encode() + b'"'
    new = b'"outcome":"' + (b"fail" if item["outcome"] == "pass" else b"pass") + b'"'
    at = bundle.index(old, start)
    return bundle[:at] + new + bundle[at + len(old) :]


async def test_evidence_of_thousands_of_runs_downloaded_and_verified_offline(
    evidence_stack: Stack, tmp_path: Path
) -> None:
    stack = evidence_stack
    t = await stack.tenant()
    await append_runs(stack, t.workspace_id, RUNS, _document, user=TEST)
    await stack.wait_caught_up("attestation", timeout=120)
    saved, bundle_file, jwks_file = tmp_path / "att.json", tmp_path / "evidence.json", tmp_path / "jwks.json"

    def issue_and_download() -> dict[str, Any]:
        with sdk(stack, t, timeout=120) as c:
            c.compliance.enable(BASELINE)
            issued = c.attestations.issue(BASELINE)
            saved.write_bytes(msgspec.json.encode(issued))
            jwks_file.write_bytes(msgspec.json.encode(c.attestations.jwks()))
            got = c.attestations.download_evidence(issued.attestation_id, bundle_file)
            one_page = c.attestations.download_evidence(issued.attestation_id, tmp_path / "page.json", page=7)
            streamed = c.attestations.verify_offline(issued, fetch_evidence=True)
            online = c.attestations.verify(issued.attestation_id)
            return {
                "issued": issued,
                "got": got,
                "one_page": one_page,
                "streamed": streamed,
                "online": online,
            }

    r = await blocking(issue_and_download)
    issued, got = r["issued"], r["got"]
    assert issued.evidence is not None and issued.evidence_count >= 5 * RUNS and issued.status == "failing"
    bundle = bundle_file.read_bytes()
    assert (got.count, got.pages, got.bytes) == (issued.evidence_count, -(-issued.evidence_count // PAGE), len(bundle))
    assert hashlib.sha256(bundle).hexdigest() == issued.evidence.digest["sha256"] == got.sha256
    items = json.loads(bundle)
    assert json.loads((tmp_path / "page.json").read_bytes()) == items[7 * PAGE : 8 * PAGE]
    assert r["streamed"].valid and r["streamed"].evidence_checked, r["streamed"].errors
    assert r["online"].valid and r["online"].evidence_checked

    # offline: the saved attestation, the JWKS and the file, nothing else
    clock = time.process_time()
    here = verify_attestation(saved, jwks_file, evidence=bundle_file)
    print(f"\n{len(items)} items, {len(bundle)} bytes verified offline in {time.process_time() - clock:.2f} s CPU")
    assert here.valid and here.evidence_checked and here.offline and not here.errors
    assert (here.attestation_id, here.evidence_root) == (issued.attestation_id, issued.evidence_root)

    # one item of page 9 changed: the page, and so the bundle, no longer match; the item is named
    victim = items[9 * PAGE + 321]
    tampered = tmp_path / "tampered.json"
    tampered.write_bytes(_tamper(bundle, victim))
    bad = verify_attestation(saved, jwks_file, evidence=tampered)
    assert bad.signature_valid and not bad.valid and bad.evidence_checked
    assert bad.errors == [
        f"evidence {victim['id']}: content does not match its digest",
        "evidence bundle does not match the subject digests",
    ]
    cli_bad = await blocking(
        ql,
        stack,
        None,
        "attest",
        "verify",
        str(saved),
        "--jwks",
        str(jwks_file),
        "--evidence",
        str(tampered),
        home=tmp_path,
    )
    assert cli_bad.exit_code == 3 and f"evidence {victim['id']}: content does not match its digest" in cli_bad.stdout
    cli_ok = await blocking(
        ql,
        stack,
        None,
        "attest",
        "verify",
        str(saved),
        "--jwks",
        str(jwks_file),
        "--evidence",
        str(bundle_file),
        home=tmp_path,
    )
    assert cli_ok.exit_code == 0 and cli_ok.stdout.startswith("VALID"), cli_ok.stdout

    # a page left out: the count and the digests say so
    short = tmp_path / "short.json"
    short.write_bytes(json.dumps(items[:PAGE] + items[2 * PAGE :], separators=(",", ":")).encode())
    missing = verify_attestation(saved, jwks_file, evidence=short)
    assert not missing.valid and f"{len(items) - PAGE} evidence items, the statement has {len(items)}" in missing.errors
