"""The service's parts without servers: query parsing, witness configuration and answers, the
key file, the settings, and handlers called with a ``Deps`` of fakes."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from qlcore.config import load_settings
from qlcore.errors import BadRequest, NotFound, Unprocessable
from qlcore.rpc import RpcContext, RpcRequest
from qlprov.tlog.checkpoint import Checkpoint
from qlprov.tlog.cosignature import CosignatureSigner
from qlprov.tlog.entry import EntryKind
from qlprov.tlog.keys import Ed25519Signer

from services.tlog.adapters.keyfile import KeyFileError, load_signer
from services.tlog.bootstrap import Deps
from services.tlog.checkpointing import SigningState
from services.tlog.config import load_config
from services.tlog.domain import accepted_cosignatures, parse_witnesses, queries
from services.tlog.domain.witnesses import WitnessConfigError
from services.tlog.handlers import OPERATIONS, log, workspaces

ORIGIN = "ledger.example/log"
SEED = bytes(range(32))


@pytest.mark.parametrize("text", ["0", "1", "255", "9223372036854775807"])
def test_numbers_in_their_one_spelling(text: str) -> None:
    assert queries.number(text, "index") == int(text)


@pytest.mark.parametrize(
    "text", ["", "-1", "+1", "01", " 1", "1e3", "\u0661", "1_0", "9223372036854775808", "9" * 70, "\x00"]
)
def test_every_other_spelling_is_a_422(text: str) -> None:
    with pytest.raises(Unprocessable):
        queries.number(text, "index")


def test_kinds_and_subjects() -> None:
    assert queries.entry_kind("card") is queries.entry_kind("card_published") is EntryKind.CARD_PUBLISHED
    assert queries.entry_kind("run") is EntryKind.RUN_COMMITTED
    for bad in ("Card", "", "cards", "card\x00"):
        with pytest.raises(Unprocessable):
            queries.entry_kind(bad)
    assert queries.subject("bell-ibm-kyiv") == "bell-ibm-kyiv"
    for bad in ("", "-x", "a b", "x" * 201, "é"):
        with pytest.raises(Unprocessable):
            queries.subject(bad)


def witness(name: str = "w.example/w1") -> CosignatureSigner:
    return CosignatureSigner(name, bytes(reversed(range(32))))


def test_witness_configuration() -> None:
    w = witness()
    vkey = w.verifier().vkey()
    parsed = parse_witnesses(json.dumps([{"url": "https://w.example/w1/", "vkey": vkey}]))
    assert parsed[0].name == "w.example/w1" and parsed[0].add_checkpoint_url == "https://w.example/w1/add-checkpoint"
    assert parse_witnesses("") == ()
    for bad in (
        "{",
        json.dumps([{"url": "ftp://x", "vkey": vkey}]),
        json.dumps([{"url": "https://x", "vkey": "nope"}]),
        json.dumps([{"url": "https://x", "vkey": vkey}, {"url": "https://y", "vkey": vkey}]),
        json.dumps([{"url": "https://x", "vkey": vkey, "extra": 1}]),
    ):
        with pytest.raises(WitnessConfigError):
            parse_witnesses(bad)


def test_only_valid_cosignatures_of_the_asked_witness_are_kept() -> None:
    w, other = witness(), witness("w.example/other")
    text = Checkpoint(ORIGIN, 5, b"\x01" * 32).text()
    good, stranger = w.cosign(text, 1_780_000_000), other.cosign(text, 1_780_000_000)
    answer = (good.line() + stranger.line()).encode()
    assert accepted_cosignatures(text, answer, w.verifier()) == [good]
    forged = good.line().replace(good.line().split()[-1], base64.b64encode(b"\x00" * 76).decode())
    assert accepted_cosignatures(text, forged.encode(), w.verifier()) == []
    assert accepted_cosignatures(text, b"not a signature line\n", w.verifier()) == []
    assert accepted_cosignatures(text, b"\xff", w.verifier()) == []
    assert accepted_cosignatures(text, good.line().encode() * 2000, w.verifier()) == []  # oversized


def test_the_key_file(tmp_path: Path) -> None:
    made = load_signer(ORIGIN, None, tmp_path / "keys")
    assert (tmp_path / "keys" / "log.key").stat().st_mode & 0o777 == 0o600
    assert load_signer(ORIGIN, None, tmp_path / "keys").public_key == made.public_key  # kept, not remade
    assert load_signer("other.example/log", None, tmp_path / "keys").key_id != made.key_id  # a new origin: a new log
    secret = tmp_path / "secret"
    secret.write_bytes(Ed25519Signer(ORIGIN, SEED).skey().encode())
    secret.chmod(0o600)
    assert load_signer(ORIGIN, secret, tmp_path).seed == SEED
    with pytest.raises(KeyFileError, match="named"):
        load_signer("other.example/log", secret, tmp_path)
    secret.write_bytes(base64.b64encode(SEED))
    assert load_signer(ORIGIN, secret, tmp_path).seed == SEED
    secret.write_bytes(SEED)
    assert load_signer(ORIGIN, secret, tmp_path).seed == SEED
    secret.chmod(0o640)
    with pytest.raises(KeyFileError, match="readable"):
        load_signer(ORIGIN, secret, tmp_path)
    secret.chmod(0o600)
    secret.write_bytes(b"short")
    with pytest.raises(KeyFileError):
        load_signer(ORIGIN, secret, tmp_path)


def test_settings() -> None:
    settings = load_settings(env={}, public_base_url="https://ledger.example.org")
    cfg = load_config(settings, {})
    assert cfg.origin == "ledger.example.org/log" and cfg.key_dir == settings.home / "keys" / "tlog"
    assert load_config(load_settings(env={}, port=8123), {}).origin == "127.0.0.1:8123/log"
    assert load_config(settings, {"QL_TLOG_ORIGIN": "x.example/ql"}).origin == "x.example/ql"
    for bad in ({"QL_TLOG_ORIGIN": "https://x.example/log"}, {"QL_TLOG_CHECKPOINT_INTERVAL": "0"}):
        with pytest.raises(ValueError):
            load_config(settings, bad)


def test_backoff_of_a_failing_witness() -> None:
    s = SigningState(witness_sizes={})
    s.failed("w", 100.0)
    s.failed("w", 100.0)
    assert s.retry_at["w"] == 104.0 and s.status() == "ok"
    for _ in range(20):
        s.failed("w", 0.0)
    assert s.retry_at["w"] == 300.0
    s.succeeded("w", 7)
    assert "w" not in s.retry_at and s.witness_sizes == {"w": 7}


class _Untouchable:
    """A runtime whose every use fails the test: validation must come first."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the handler used rt.{name} before validating its input")


def _deps() -> Deps:
    cfg = load_config(load_settings(env={}), {})
    return Deps(_Untouchable(), cfg, Ed25519Signer(cfg.origin, SEED), None, SigningState())  # type: ignore[arg-type]


def _req(body: dict[str, Any], workspace: str | None = None) -> RpcRequest:
    return RpcRequest(RpcContext(workspace_id=workspace, actor="test"), msgspec.json.encode(body))


@pytest.mark.parametrize(
    ("handler", "body"),
    [
        (log.tile, {"level": 99, "index": 0, "width": 256}),
        (log.tile, {"level": 0, "index": -1, "width": 256}),
        (log.tile, {"level": 0, "index": 0, "width": 0}),
        (log.entry, {"index": "01"}),
        (log.inclusion, {"index": "x"}),
        (log.consistency, {"old": "-1"}),
        (log.bundle, {"kind": "nope", "subject": "x"}),
        (log.bundle, {"kind": "card", "subject": "a b"}),
    ],
)
async def test_handlers_refuse_bad_input_before_touching_anything(handler: Any, body: dict[str, Any]) -> None:
    # a query value is a 422 naming the parameter; a tile path outside the tile syntax a 400
    with pytest.raises(BadRequest if handler is log.tile else Unprocessable):
        await handler(_deps(), _req(body))


async def test_another_workspaces_setting_is_a_404() -> None:
    with pytest.raises(NotFound):
        await workspaces.set_setting(_deps(), _req({"workspace_id": "ws_b", "run_commitments": True}, "ws_a"))
    with pytest.raises(NotFound):
        await workspaces.get_setting(_deps(), _req({"workspace_id": "ws_b"}, "ws_a"))
    assert {op.name for op in OPERATIONS} >= {"log.checkpoint", "log.tile", "log.bundle", "transparency.set"}
