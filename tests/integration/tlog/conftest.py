"""A stack whose log has a known key and a witness: ``ql witness serve`` in a child process."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from qlcore.embedded import free_port
from qlprov.tlog.cosignature import CosignatureSigner
from qlprov.tlog.keys import Ed25519Signer

from tests.fixtures import Infra, Stack, stack_context
from tests.integration.tlog.helpers import WitnessProcess, run_ql

SERVICES = ("ingest", "provenance", "card", "tlog", "gateway")


@dataclass
class Witnessed:
    stack: Stack
    log: Ed25519Signer  # the log's key (tests forge with it: a compromised log)
    witness: WitnessProcess
    witness_key: CosignatureSigner
    home: Path

    @property
    def vkey(self) -> str:
        return self.log.verifier().vkey()

    @property
    def witness_vkey(self) -> str:
        return self.witness_key.verifier().vkey()


async def witnessed_stack(infra: Infra, home: Path) -> AsyncIterator[Witnessed]:
    """Start the witness, then the stack with QL_TLOG_KEY_FILE and QL_TLOG_WITNESSES pointing at it."""
    from quantumledger.witness.keys import read_key

    settings = infra.settings(port=free_port())
    origin = f"127.0.0.1:{settings.port}/log"
    seed = os.urandom(32)
    key_file = home / "log.key"
    key_file.write_bytes(base64.b64encode(seed))
    key_file.chmod(0o600)
    log = Ed25519Signer(origin, seed)
    code, out, err = await run_ql("witness", "keygen", "witness.test/w1", "--key", str(home / "witness.key"))
    assert code == 0 and out.startswith("witness.test/w1+"), err
    witness_key = read_key(home / "witness.key")
    assert out.strip() == witness_key.verifier().vkey()
    witness = WitnessProcess(
        home / "witness.key", home / "witness.json", log.verifier().vkey(), free_port(), home / "refusals"
    )
    await witness.start()
    env = {
        "QL_TLOG_KEY_FILE": str(key_file),
        "QL_TLOG_ORIGIN": origin,
        "QL_TLOG_WITNESSES": json.dumps([{"url": witness.url, "vkey": out.strip()}]),
        "QL_TLOG_CHECKPOINT_INTERVAL": "0.2",
        "QL_TLOG_WITNESS_TIMEOUT": "3",
    }
    with pytest.MonkeyPatch.context() as mp:  # read once, while the tlog service builds its config
        for k, v in env.items():
            mp.setenv(k, v)
        stacks = stack_context(infra, SERVICES, settings)
        stack = await anext(stacks)
    try:
        yield Witnessed(stack, log, witness, witness_key, home)
    finally:
        await stacks.aclose()
        await witness.stop()


@pytest.fixture(scope="module")
async def witnessed(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Witnessed]:
    async for w in witnessed_stack(infra, tmp_path_factory.mktemp("witnessed")):
        yield w
