"""C2SP signed-note: golden vectors from the specification and Go, malformed notes, key handling."""

from __future__ import annotations

import pytest
from qlprov.tlog.encoding import FormatError
from qlprov.tlog.keys import Ed25519Signer, Ed25519Verifier, is_valid_name, key_id
from qlprov.tlog.note import (
    InvalidSignature,
    MalformedNote,
    NoteError,
    UnverifiedNote,
    open_note,
    parse_note,
    sign_note,
)

# golang.org/x/mod/sumdb/note's test keys and signatures (note_test.go).
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
# c2sp.org/signed-note's example.
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_NOTE = (
    "This is an example message.\n\n— example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def test_go_keys_and_signature_are_reproduced() -> None:
    peter = Ed25519Signer.from_skey(PETER_SKEY)
    assert peter.skey() == PETER_SKEY and peter.verifier().vkey() == PETER_VKEY
    assert peter.key_id == 0xC74F20A3 == key_id("PeterNeumann", 1, peter.public_key)
    assert sign_note(TEXT, [peter]).decode() == TEXT + "\n" + PETER_SIG  # Ed25519 is deterministic


def test_the_specifications_example_verifies() -> None:
    v = Ed25519Verifier.from_vkey(C2SP_VKEY)
    assert v.key_id == 0x530D903A and v.vkey() == C2SP_VKEY
    note = open_note(C2SP_NOTE.encode(), [v])
    assert note.text == "This is an example message.\n" and [s.name for s in note.verified] == ["example.com/foo"]


def test_known_unknown_and_missing_keys() -> None:
    peter, enoch = Ed25519Verifier.from_vkey(PETER_VKEY), Ed25519Verifier.from_vkey(ENOCH_VKEY)
    both = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    n = open_note(both, [peter])
    assert [s.name for s in n.verified] == ["PeterNeumann"] and len(n.signatures) == 2
    assert [s.name for s in open_note(both, [peter, enoch]).verified] == ["PeterNeumann", "EnochRoot"]
    with pytest.raises(UnverifiedNote):
        open_note(both, [])
    # same name, another key (so another ID): ignored, not an error
    other = Ed25519Signer("PeterNeumann", b"\x01" * 32).verifier()
    with pytest.raises(UnverifiedNote):
        open_note(TEXT + "\n" + PETER_SIG, [other])
    # a known key whose signature fails rejects the whole note, even next to a good one
    bad = PETER_SIG.replace("x08go/ZJ", "x08go/ZK")
    with pytest.raises(InvalidSignature):
        open_note(TEXT + "\n" + ENOCH_SIG + bad, [peter, enoch])
    # a repeated good line is fine; a repeated line that is bad is not (Go would skip it)
    open_note(TEXT + "\n" + PETER_SIG + PETER_SIG, [peter])
    with pytest.raises(InvalidSignature):
        open_note(TEXT + "\n" + PETER_SIG + bad, [peter])


def test_up_to_100_signatures_then_malformed() -> None:
    peter = Ed25519Verifier.from_vkey(PETER_VKEY)
    open_note(TEXT + "\n" + PETER_SIG * 100, [peter])
    with pytest.raises(MalformedNote):
        open_note(TEXT + "\n" + PETER_SIG * 101, [peter])


@pytest.mark.parametrize(
    "note",
    [
        TEXT + PETER_SIG,  # no blank line
        TEXT + "\n",  # no signature
        TEXT + "\n" + PETER_SIG[:-1],  # signature block not newline-terminated
        TEXT + "\n" + PETER_SIG.replace("— ", "- "),  # not an em dash
        TEXT + "\n" + PETER_SIG.replace("— ", "—"),
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Peter+Neumann"),
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Peter\u00a0Neumann"),
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Peter\u3000Neumann"),
        TEXT + "\n" + "— PeterNeumann AAAAAA==\n",  # a signature of 4 bytes
        TEXT + "\n" + PETER_SIG.replace("=\n", "\n"),  # unpadded base64
        TEXT + "\n" + PETER_SIG.replace("AM=", "AN="),  # non-zero pad bits
        TEXT + "\n" + PETER_SIG + "\n",  # an empty line at the end
        "tab\there\n\n" + PETER_SIG,  # a control character
        "nul\x00\n\n" + PETER_SIG,
        TEXT.replace("\n", "\r\n") + "\r\n" + PETER_SIG,
    ],
)
def test_malformed_notes_are_refused(note: str) -> None:
    with pytest.raises(MalformedNote):
        open_note(note, [Ed25519Verifier.from_vkey(PETER_VKEY)])


def test_invalid_utf8_is_malformed() -> None:
    with pytest.raises(MalformedNote):
        parse_note(b"caf\xe9\n\n" + PETER_SIG.encode())
    with pytest.raises(MalformedNote):
        parse_note(b"\xed\xa0\x80\n\n" + PETER_SIG.encode())  # an encoded surrogate


def test_the_text_ends_at_the_last_blank_line() -> None:
    body = "line one\n\nline three\n"
    note = parse_note(sign_note(body, [Ed25519Signer.from_skey(PETER_SKEY)]))
    assert note.text == body


def test_every_flipped_bit_of_a_signed_note_is_refused() -> None:
    peter = Ed25519Signer.from_skey(PETER_SKEY)
    good = sign_note(TEXT, [peter])
    for i in range(len(good)):
        for bit in range(8):
            bad = good[:i] + bytes([good[i] ^ (1 << bit)]) + good[i + 1 :]
            with pytest.raises(NoteError):
                open_note(bad, [peter.verifier()])


def test_vkey_manglings_are_refused() -> None:
    """As Go's TestNewVerifier: every proper substring and every byte changed is refused."""
    Ed25519Verifier.from_vkey(PETER_VKEY)
    for i in range(len(PETER_VKEY) + 1):
        for j in range(i + 1, len(PETER_VKEY) + 1):
            if (i, j) != (0, len(PETER_VKEY)):
                with pytest.raises(FormatError):
                    Ed25519Verifier.from_vkey(PETER_VKEY[i:j])
    for i in range(len(PETER_VKEY)):
        mangled = PETER_VKEY[:i] + chr(ord(PETER_VKEY[i]) + 1) + PETER_VKEY[i + 1 :]
        with pytest.raises(FormatError):
            Ed25519Verifier.from_vkey(mangled)
    with pytest.raises(FormatError):  # a type-0x04 cosigner vkey is not a note key
        Ed25519Verifier.from_vkey("w+00000000+BBpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")


def test_names() -> None:
    assert is_valid_name("example.com/log") and is_valid_name("ünïcödé")
    for bad in ["", "a b", "a+b", "a\u2028b", "a\u0085b", "a\tb", "a\x00b", "\ud800"]:
        assert not is_valid_name(bad)
    with pytest.raises(FormatError):
        Ed25519Signer("bad name", b"\x00" * 32)
    with pytest.raises(MalformedNote):
        sign_note("no final newline", [Ed25519Signer.from_skey(PETER_SKEY)])
