"""Witnesses: the log collects cosignatures from ``ql witness serve``; anyone runs ``ql witness
check`` against the public log; ``ql verify`` checks a card file offline with both keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from qlprov.tlog.checkpoint import open_checkpoint
from qlprov.tlog.cosignature import verified_cosigners
from quantumledger.transparency import log_keys, verify_card, witness_keys

from tests.integration.attestation.helpers import run_document
from tests.integration.card.helpers import ingest, publish
from tests.integration.tlog.conftest import Witnessed
from tests.integration.tlog.helpers import eventually, run_ql, signed_checkpoint, with_proof

pytestmark = pytest.mark.integration


async def _publish(w: Witnessed, title: str) -> dict[str, Any]:
    t = await w.stack.tenant()
    async with w.stack.client(t) as c, w.stack.client() as anon:
        slug = (await publish(c, await ingest(c, run_document()), title=title))["slug"]
        return await with_proof(anon, f"/api/v1/cards/{slug}")


async def _cosigned_checkpoint(w: Witnessed, size: int) -> bytes:
    """The served checkpoint once it is at least ``size`` and carries the witness's cosignature."""
    logs, ws = log_keys([w.vkey]), witness_keys([w.witness_vkey])

    async def cosigned() -> bytes | None:
        async with w.stack.client() as anon:
            cp = await signed_checkpoint(anon, logs)
        ok = cp.checkpoint.size >= size and verified_cosigners(cp.note, ws)
        return cp.encoded if ok else None

    result: bytes = await eventually(cosigned, what=f"a cosigned checkpoint of size >= {size}")
    return result


def _witness_size(w: Witnessed) -> int:
    state = json.loads(w.witness.state.read_text())["checkpoints"]
    return open_checkpoint(state[w.log.name], log_keys([w.vkey])).checkpoint.size


async def test_every_checkpoint_is_cosigned_and_the_card_proof_carries_it(witnessed: Witnessed) -> None:
    w = witnessed
    card = await _publish(w, "Witnessed once")
    logs, ws = log_keys([w.vkey]), witness_keys([w.witness_vkey])
    result = verify_card(card, logs, witnesses=ws, min_witnesses=1)
    assert result.ok, result.steps
    assert [c.name for c in result.cosigners] == ["witness.test/w1"]
    first = card["transparency"]["index"]
    second = await _publish(w, "Witnessed twice")  # the witness checks consistency from its last size
    assert verify_card(second, logs, witnesses=ws, min_witnesses=1).ok
    note = await _cosigned_checkpoint(w, second["transparency"]["index"] + 1)
    assert _witness_size(w) >= open_checkpoint(note, logs).checkpoint.size > first
    async with w.stack.client() as anon:
        info = (await anon.get("/.well-known/quantumledger-log.json")).json()
    assert info["vkey"] == w.vkey and info["witnesses"] == [
        {"name": "witness.test/w1", "vkey": w.witness_vkey, "url": w.witness.url}
    ]
    assert info["signing"] == "ok"


async def test_a_witness_that_lost_its_state_gets_a_409_and_is_caught_up(witnessed: Witnessed) -> None:
    w = witnessed
    await _publish(w, "Before the witness forgets")
    await w.witness.stop()
    w.witness.state.unlink()  # the witness now knows size 0; the log still thinks it knows more
    await w.witness.start()
    card = await _publish(w, "After the witness forgot")
    note = await _cosigned_checkpoint(w, card["transparency"]["index"] + 1)
    assert _witness_size(w) >= open_checkpoint(note, log_keys([w.vkey])).checkpoint.size


async def test_ql_witness_check_keeps_its_state_and_cosigns(witnessed: Witnessed, tmp_path: Path) -> None:
    w = witnessed
    code, out, err = await run_ql("witness", "keygen", "monitor.test/m1", "--key", str(tmp_path / "m.key"))
    assert code == 0, err
    mine = out.strip()
    check = ["witness", "check", w.stack.base_url, "--log", w.vkey, "--state", str(tmp_path / "m.json")]
    check += ["--key", str(tmp_path / "m.key")]
    code, first, err = await run_ql(*check)
    assert code == 0 and err.startswith("RECORDED"), err
    cosigned = open_checkpoint(first.encode(), log_keys([w.vkey]))
    assert [c.name for c in verified_cosigners(cosigned.note, witness_keys([mine]))] == ["monitor.test/m1"]
    card = await _publish(w, "Seen by a monitor")
    await _cosigned_checkpoint(w, card["transparency"]["index"] + 1)
    code, second, err = await run_ql(*check)
    assert code == 0 and err.startswith("CONSISTENT"), err
    assert open_checkpoint(second.encode(), log_keys([w.vkey])).checkpoint.size > cosigned.checkpoint.size
    code, _, err = await run_ql(*check)
    assert code == 0 and err.startswith("UNCHANGED"), err
    wrong = [
        "witness",
        "check",
        w.stack.base_url,
        "--log",
        mine.replace("monitor.test/m1", "x"),
        "--state",
        str(tmp_path / "x.json"),
    ]
    code, _, err = await run_ql(*wrong)
    assert code != 0


async def test_ql_verify_checks_card_files_and_checkpoints_offline(witnessed: Witnessed, tmp_path: Path) -> None:
    w = witnessed
    async with w.stack.client() as anon:
        older = (await anon.get("/log/checkpoint")).content
    card = await _publish(w, "Checked by ql verify")
    newer = await _cosigned_checkpoint(w, card["transparency"]["index"] + 1)
    (tmp_path / "card.json").write_text(json.dumps(card))
    (tmp_path / "forged.json").write_text(json.dumps({**card, "authors": [{"name": "Mallory"}]}))
    (tmp_path / "card.tlog-proof").write_text(card["transparency"]["bundle"])
    (tmp_path / "older.checkpoint").write_bytes(older)
    (tmp_path / "newer.checkpoint").write_bytes(newer)
    keys = ["--log-key", w.vkey, "--witness-key", w.witness_vkey, "--min-witnesses", "1"]

    code, out, _ = await run_ql("verify", *keys, str(tmp_path / "card.json"), str(tmp_path / "card.tlog-proof"))
    assert code == 0 and out.count("OK") == 2 and "card_published" in out, out
    code, out, _ = await run_ql("verify", *keys, str(tmp_path / "forged.json"))
    assert code == 1 and "document" in out, out
    files = [str(tmp_path / "older.checkpoint"), str(tmp_path / "newer.checkpoint")]
    code, out, _ = await run_ql("verify", "--log-key", w.vkey, *files)
    assert code == 1 and "--url" in out, out  # two sizes, offline: no proof to decide with
    code, out, _ = await run_ql("verify", "--log-key", w.vkey, "--url", w.stack.base_url, *files)
    assert code == 0 and "is a prefix of" in out, out
