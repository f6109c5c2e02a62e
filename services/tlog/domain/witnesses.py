"""The witnesses a log asks for cosignatures, and what it accepts from their answers (pure).

A witness (c2sp.org/tlog-witness) is a name, a ``cosignature/v1`` key and a submission prefix
(``POST <prefix>/add-checkpoint``). The log keeps, per witness, the size of the last checkpoint
it cosigned, and sends each new checkpoint with the consistency proof from that size. The
answer is cosignature lines; the log keeps only those that verify with the witness's key on the
checkpoint's text (the specification: ignore unknown keys, concatenate the lines to the
checkpoint and open the note with the witness keys).
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
from qlprov.tlog.cosignature import CosignatureVerifier, cosignature_timestamp
from qlprov.tlog.encoding import FormatError
from qlprov.tlog.note import NoteError, Signature, parse_note

__all__ = ["WitnessConfigError", "WitnessEndpoint", "accepted_cosignatures", "parse_witnesses"]

MAX_RESPONSE = 64 * 1024


class WitnessConfigError(ValueError):
    """``QL_TLOG_WITNESSES`` is not a list of ``{"url": ..., "vkey": ...}``."""


class _Configured(msgspec.Struct, forbid_unknown_fields=True):
    url: str
    vkey: str


@dataclass(frozen=True)
class WitnessEndpoint:
    """One witness: where to submit, and the key its cosignatures must verify with."""

    url: str
    verifier: CosignatureVerifier

    @property
    def name(self) -> str:
        return self.verifier.name

    @property
    def add_checkpoint_url(self) -> str:
        return self.url.rstrip("/") + "/add-checkpoint"


def parse_witnesses(text: str) -> tuple[WitnessEndpoint, ...]:
    """``[{"url": "https://w.example/w1", "vkey": "w.example/w1+<id>+<base64>"}, ...]`` (JSON)."""
    if not text.strip():
        return ()
    try:
        items = msgspec.json.decode(text, type=list[_Configured])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise WitnessConfigError(f"QL_TLOG_WITNESSES: {exc}") from exc
    out = []
    for item in items:
        if not item.url.startswith(("http://", "https://")):
            raise WitnessConfigError(f"QL_TLOG_WITNESSES: {item.url!r} is not an http(s) URL")
        try:
            out.append(WitnessEndpoint(item.url, CosignatureVerifier.from_vkey(item.vkey)))
        except FormatError as exc:
            raise WitnessConfigError(f"QL_TLOG_WITNESSES: {exc}") from exc
    if len({w.name for w in out}) != len(out):
        raise WitnessConfigError("QL_TLOG_WITNESSES names a witness twice")
    return tuple(out)


def accepted_cosignatures(checkpoint_text: str, response: bytes, witness: CosignatureVerifier) -> list[Signature]:
    """The lines of ``response`` that are valid cosignatures by ``witness`` on the checkpoint.

    Lines of other keys are ignored; a malformed response gives none (the caller logs it).
    """
    if len(response) > MAX_RESPONSE:
        return []
    try:
        note = parse_note(checkpoint_text + "\n" + response.decode("utf-8"))
    except (NoteError, UnicodeDecodeError):
        return []
    msg = checkpoint_text.encode()
    out: list[Signature] = []
    for sig in note.signatures:
        if (sig.name, sig.key_id) != (witness.name, witness.key_id) or not witness.verify(msg, sig.sig):
            continue
        try:
            cosignature_timestamp(sig.sig)
        except FormatError:
            continue
        if sig not in out:
            out.append(sig)
    return out
