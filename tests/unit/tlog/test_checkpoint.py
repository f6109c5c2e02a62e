"""C2SP tlog-checkpoint: format, parse, and verification with the keys of the checkpoint's origin."""

from __future__ import annotations

import base64

import pytest
from qlprov.tlog.checkpoint import (
    Checkpoint,
    CheckpointError,
    log_origin,
    open_checkpoint,
    parse_checkpoint_note,
    sign_checkpoint,
    trusted_logs,
)
from qlprov.tlog.keys import Ed25519Signer
from qlprov.tlog.merkle import EMPTY_ROOT
from qlprov.tlog.note import InvalidSignature, UnverifiedNote

from tests.unit.tlog.conftest import ORIGIN

# c2sp.org/tlog-checkpoint's example (its signature's key is not published: structure only)
EXAMPLE = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
    "— example.com/behind-the-sofa "
    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)


def test_the_specifications_example_parses() -> None:
    cp, note = parse_checkpoint_note(EXAMPLE)
    assert (cp.origin, cp.size) == ("example.com/behind-the-sofa", 20852163)
    assert cp.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert cp.text() == note.text


def test_format_and_round_trip(log_signer: Ed25519Signer) -> None:
    cp = Checkpoint(ORIGIN, 0, EMPTY_ROOT)
    assert cp.text() == f"{ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    ext = Checkpoint(ORIGIN, 12, EMPTY_ROOT, ("extension one",))
    signed = open_checkpoint(sign_checkpoint(ext, [log_signer]), {ORIGIN: [log_signer.verifier()]})
    assert signed.checkpoint == ext and signed.text == ext.text()


@pytest.mark.parametrize(
    "text",
    [
        "origin\n12\n",  # two lines
        "origin\n12\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",  # no final newline
        "\n12\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",  # empty origin
        "origin\n012\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",  # leading zero
        "origin\n+12\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "origin\n 12\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "origin\n1_2\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "origin\n\u0661\u0662\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",  # Arabic-Indic digits
        f"origin\n{2**63}\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        f"origin\n{2**64}\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "origin\n12\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n",  # unpadded
        "origin\n12\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n",  # pad bits
        "origin\n12\nAAAA\n",  # not 32 bytes
        "origin\n12\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\nextension after an empty line\n",
    ],
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint.parse(text)


def test_only_the_origins_keys_count(log_signer: Ed25519Signer) -> None:
    cp = Checkpoint(ORIGIN, 3, EMPTY_ROOT)
    other_log = Ed25519Signer("other.example/log", b"\x07" * 32)
    by_other = sign_checkpoint(cp, [other_log])
    keys = {ORIGIN: [log_signer.verifier()], "other.example/log": [other_log.verifier()]}
    with pytest.raises(UnverifiedNote):  # another log's key cannot sign for this origin
        open_checkpoint(by_other, keys)
    with pytest.raises(CheckpointError):  # an origin nobody trusts
        open_checkpoint(sign_checkpoint(Checkpoint("unknown.example", 1, EMPTY_ROOT), [log_signer]), keys)
    good = sign_checkpoint(cp, [log_signer, other_log])  # an extra, unknown-here signature is ignored
    assert open_checkpoint(good, {ORIGIN: [log_signer.verifier()]}).checkpoint == cp
    by_name = trusted_logs([log_signer.verifier().vkey(), other_log.verifier().vkey()])
    assert set(by_name) == {ORIGIN, "other.example/log"} and open_checkpoint(good, by_name).checkpoint == cp
    forged = good.replace(b"\n3\n", b"\n4\n")
    with pytest.raises(InvalidSignature):
        open_checkpoint(forged, keys)


def test_log_origins() -> None:
    assert log_origin("ledger.example.org") == "ledger.example.org/quantumledger/log"
    assert log_origin("localhost:8000", "ql/log") == "localhost:8000/ql/log"
    for host in ["https://ledger.example.org", "ledger.example.org/", "", "led ger.example", "a+b.example"]:
        with pytest.raises(CheckpointError):
            log_origin(host)
