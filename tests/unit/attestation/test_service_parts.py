"""Pure parts of the service around the domain: facts from a logged document, the page's CSP,
the logged evaluation result and the keyring configuration."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
from qlcore.config import load_settings
from qlcore.events import RunIngested

from services.attestation.adapters.keyring_files import load_keyring
from services.attestation.config import load_config
from services.attestation.domain import FrameworkCatalog, Keyring, KeyringError, evaluate_framework, result_record
from services.attestation.domain.trust_center import (
    CONTENT_SECURITY_POLICY,
    OrgView,
    TrustCenterView,
    render_trust_center,
)
from services.attestation.projection import facts_of
from tests.integration.attestation.helpers import run_document


def _ingested(document: dict[str, object]) -> RunIngested:
    return RunIngested.new(
        actor="t",
        workspace_id="ws_lab",
        run_id="01JRUN",
        run_hash="ab" * 32,
        head=msgspec.Raw(msgspec.json.encode(document)),
        document_seq=1,
        received_at="2025-03-01T00:00:00Z",
    )


def test_facts_of_a_logged_document() -> None:
    facts = facts_of(_ingested(run_document()))
    assert (facts.run_id, facts.schema, facts.backend) == ("01JRUN", "qlprov/run/1.0", "ibm/ibm_kyiv")
    assert facts.seeds == {"seed_transpiler": 1234} and facts.transpiled_format == "openqasm3"
    assert facts.environment is not None and facts.environment.packages["qiskit"] == "2.6.1"
    assert facts.calibration_taken_at == "2025-02-26T08:00:00Z"


def test_an_unreadable_document_is_kept_as_a_run_that_fails_the_rules(catalog: FrameworkCatalog, make: Any) -> None:
    facts = facts_of(_ingested({**run_document(), "schema": "qlprov/run/2.0", "backend": "somewhere"}))
    assert (facts.schema, facts.environment, facts.transpiled) == ("qlprov/run/2.0", None, False)
    framework = catalog.get("reproducibility-baseline")
    assert framework is not None
    result = evaluate_framework(make.snapshot(runs=[facts], keys=[]), framework)
    statuses = {c.id: c.status for c in result.controls}
    assert statuses["RB-1"] == statuses["RB-3"] == "failing"


def test_the_csp_allows_exactly_the_page_style() -> None:
    page = render_trust_center(TrustCenterView(org=OrgView(slug="lab", name="Lab")))
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "<script" not in page
    assert '<link rel="icon" href="/static/favicon.svg">' in page  # the site's icon: no 404 and no CSP violation


def test_the_logged_result_leaves_the_evidence_to_the_attestation(catalog: FrameworkCatalog, make: Any) -> None:
    framework = catalog.get("reproducibility-baseline")
    assert framework is not None
    result = evaluate_framework(make.snapshot(), framework)
    logged = result_record(result)
    assert "evidence" not in logged and logged["evidence_count"] == len(result.evidence) > 0
    assert logged["result_digest"] == result.result_digest and logged["evidence_root"] == result.evidence_root


def test_keyring_from_a_directory_or_a_secret_file(tmp_path: Path) -> None:
    settings = load_settings(env={}, home=tmp_path)

    def load(env: dict[str, str]) -> Keyring:
        config = load_config(env)
        return load_keyring(config.key_file_path(), config.key_dir_path(settings.home))

    ring = load({})
    assert (tmp_path / "keys" / "attestation" / f"{ring.keyid}.pem").is_file()
    assert load({}).keyid == ring.keyid  # the same key at the next start
    assert load({"QL_ATTESTATION_KEY_DIR": str(tmp_path / "elsewhere")}).keyid != ring.keyid

    secret = tmp_path / "seed"
    secret.write_bytes(base64.b64encode(bytes(range(32))))
    os.chmod(secret, 0o644)
    with pytest.raises(KeyringError, match="chmod 600"):
        load({"QL_ATTESTATION_KEY_FILE": str(secret)})
    os.chmod(secret, 0o600)
    from_secret = load({"QL_ATTESTATION_KEY_FILE": str(secret)})
    assert from_secret.keyid == load({"QL_ATTESTATION_KEY_FILE": str(secret)}).keyid
    with pytest.raises(KeyringError):
        from_secret.rotate()  # a secret is rotated by replacing it
    with pytest.raises(KeyringError):
        load({"QL_ATTESTATION_KEY_FILE": str(tmp_path / "missing")})
