"""qlprov.ijson: strict I-JSON (RFC 7493) with the member path of the first violation."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qlprov.ijson import MAX_SAFE_INTEGER, IJsonError, loads, pointer


def _refused(text: bytes | str) -> IJsonError:
    with pytest.raises(IJsonError) as info:
        loads(text)
    return info.value


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (b'{"a": 1, "a": 2}', "/a"),
        (b'{"circuit": {"metadata": {"shots": 1, "shots": 1}}}', "/circuit/metadata/shots"),
        (b'{"x": [{"k": 1}, {"k": 1, "k": 1}]}', "/x/1/k"),
        (b'{"a/b~c": {"d": 0, "d": 0}}', "/a~1b~0c/d"),
        (b'{"a": 1, "\\u0061": 2}', "/a"),  # the same name, one escaped
        (b'{"a:b": 1, "a\\u003ab": 2}', "/a:b"),  # an escaped colon in the duplicate's name
    ],
)
def test_duplicate_member_names_are_refused_with_their_path(text: bytes, path: str) -> None:
    err = _refused(text)
    assert err.path == path and "duplicate" in err.reason and not err.syntax


@pytest.mark.parametrize(
    "number",
    [
        "9007199254740992",  # 2^53
        "-9007199254740992",
        "9223372036854775808",  # 2^63
        "18446744073709551615",  # 2^64 - 1: orjson parses it exactly
        "18446744073709551616",  # 2^64: orjson rounds it to a float
        "-9223372036854775809",
        "1" + "0" * 5000,  # beyond Python's int() digit limit
    ],
)
def test_integers_beyond_the_safe_range_are_refused(number: str) -> None:
    err = _refused(f'{{"circuit": {{"metadata": {{"shots": {number}}}}}}}')
    assert err.path == "/circuit/metadata/shots" and "I-JSON range" in err.reason


@pytest.mark.parametrize("number", ["1e400", "-1E400", "1" + "0" * 400 + ".0"])
def test_overflowing_numbers_are_refused(number: str) -> None:
    err = _refused(f'{{"a": [0, {number}]}}')
    assert err.path == "/a/1" and "overflows" in err.reason


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_constants_are_refused(constant: str) -> None:
    err = _refused(f'{{"a": {constant}}}')
    assert err.path == "/a" and err.syntax  # not JSON (RFC 8259): a 400 like any syntax error


def test_lone_surrogates_are_refused_in_values_and_names() -> None:
    assert _refused(b'{"a": {"b": "x\\ud800y"}}').path == "/a/b"
    assert _refused(b'{"a": {"\\udc00": 1}}').path == "/a/\udc00"
    assert _refused('{"a": "\ud800"}').path == "/a"  # a str holding one


def test_text_that_is_not_json_or_not_utf8_is_a_syntax_error() -> None:
    for text in (b'{"a": ', b"{'a': 1}", b'{"a": 1} x', b'{"a": "\xff"}', b'{"a": "\xed\xa0\x80"}', b""):
        err = _refused(text)
        assert err.syntax and err.path is None, text


@pytest.mark.parametrize(
    "value",
    [
        {"a": MAX_SAFE_INTEGER, "b": -MAX_SAFE_INTEGER, "c": 1e19, "d": 1.5e300, "e": "x:y", "f": [1, {"g": None}]},
        {"k:1": "v:2", "nested": {"k:1": "\u00e9\u2028\U0001f600"}},
        [],
        "text",
        0,
    ],
)
def test_i_json_is_accepted_as_parsed(value: object) -> None:
    assert loads(orjson.dumps(value)) == value
    assert loads(json.dumps(value, indent=2)) == value  # whitespace, and \u escapes for non-ASCII


def test_escaped_colons_in_names_are_no_duplicates() -> None:
    assert loads(b'{"a\\u003ab": 1, "a:c": 2}') == {"a:b": 1, "a:c": 2}


def test_pointer_escapes_per_rfc_6901() -> None:
    assert pointer(["a/b", "m~n", 3]) == "/a~1b/m~0n/3"
    assert pointer([]) == ""


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_fast_path_agrees_with_the_reference_parser(value: object) -> None:
    """Whatever I-JSON value, loads gives what Python's json gives."""
    text = json.dumps(value, ensure_ascii=False)
    assert loads(text.encode()) == json.loads(text)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(alphabet='ab:\\"', max_size=3), st.integers(0, 3), min_size=1, max_size=4), st.data())
def test_any_duplicated_member_is_found(members: dict[str, int], data: st.DataObject) -> None:
    """Repeat one member of an object (raw text): always refused, naming it."""
    key = data.draw(st.sampled_from(sorted(members)))
    body = ", ".join(f"{json.dumps(k)}: {v}" for k, v in members.items())
    text = f'{{"o": {{{body}, {json.dumps(key)}: 9}}}}'
    err = _refused(text.encode())
    assert err.path == pointer(["o", key])
