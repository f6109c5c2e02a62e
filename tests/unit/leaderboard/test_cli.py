"""``ql corpus``: the commands, their help, and a clear error when the stack is not up."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from quantumledger.cli.main import cli


def test_help_lists_the_sources() -> None:
    out = CliRunner().invoke(cli, ["corpus", "import", "--help"], terminal_width=200)
    assert out.exit_code == 0
    for name in ("ibm", "ibm-history", "google", "quantinuum", "iqm", "mqt-bench", "all", "--wheel-cache"):
        assert name in out.output
    listed = CliRunner().invoke(cli, ["corpus", "sources"])
    assert listed.exit_code == 0 and "pytket-quantinuum" in listed.output


def test_unknown_source_and_unreachable_stack(tmp_path: Path) -> None:
    unknown = CliRunner().invoke(cli, ["corpus", "import", "rigetti"])
    assert unknown.exit_code == 2 and "rigetti" in unknown.output
    env = {"QL_HOME": str(tmp_path), "QL_NATS_URL": "nats://127.0.0.1:1", "QL_NAMESPACE": "nowhere"}
    down = CliRunner().invoke(cli, ["corpus", "import", "quantinuum"], env=env)
    assert down.exit_code == 1
    assert "cannot reach NATS at nats://127.0.0.1:1" in down.output and "Traceback" not in down.output
