"""The fast path of ``qlprov.canonical`` is byte-identical to the ``rfc8785`` reference.

Property tests draw JSON values rich in the constructs where orjson and RFC 8785 could part
ways (key order by UTF-16 code units, escapes, ECMAScript number forms, the safe integer
range, NaN and Infinity); where the reference refuses a value, so must the fast path.
"""

from __future__ import annotations

import math
import os
from typing import Any

import orjson
import pytest
import rfc8785
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from qlprov.canonical import canonicalize, es6_number

SAFE = 2**53 - 1
# QL_HYPOTHESIS_SCALE=20 for a long hunt; the default keeps the unit suite fast
SCALE = int(os.environ.get("QL_HYPOTHESIS_SCALE", "1"))

# characters that stress key order and escaping: ASCII controls, quote and backslash, DEL,
# the JS line separators, the top of the BMP (U+E000..U+FFFF sorts *after* surrogate pairs
# in UTF-16 but *before* astral code points by code point), astral characters
_TRICKY_CHARS = [
    "\x00",
    "\x08",
    "\t",
    "\n",
    "\x0b",
    "\x0c",
    "\r",
    "\x1f",
    '"',
    "\\",
    "/",
    "\x7f",
    "\x80",
    "é",
    "\u2028",
    "\u2029",
    "\ud7ff",
    "\ue000",
    "\uf8ff",
    "\ufb33",
    "\ufeff",
    "\uffff",
    "\U00010000",
    "\U0001f600",
    "\U0010ffff",
    "e",
    "1",
    ".",
    "0",
    ",",
    "]",
    "}",
    "+",
    "-",
]
chars = st.one_of(st.sampled_from(_TRICKY_CHARS), st.characters())
texts = st.lists(chars, max_size=12).map("".join)
# lone surrogates are not UTF-8: the reference refuses them, and so must we
texts_with_surrogates = st.lists(st.one_of(chars, st.characters(categories=["Cs"])), max_size=6).map("".join)

ints = st.one_of(
    st.integers(-1000, 1000),
    st.integers(-SAFE, SAFE),
    st.integers(SAFE - 3, SAFE + 3),
    st.integers(-SAFE - 3, -SAFE + 3),
    st.integers(10**15 - 2, 10**16 + 2),
    st.sampled_from([2**63 - 1, 2**63, -(2**63), 2**64, 2**64 + 1, -(2**64), 10**30]),
    st.integers(),
)
floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(-(2**60), 2**60).map(float),  # integral floats, also beyond 2**53
    st.builds(lambda m, e: float(f"{m}e{e}"), st.integers(-999, 999), st.integers(-30, 30)),
    st.builds(lambda m, e: float(f"{m}e{e}"), st.floats(0.1, 10), st.integers(-330, 310)),
    st.sampled_from([0.0, -0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e21, 1e-7]),
)
scalars = st.one_of(st.none(), st.booleans(), ints, floats, texts)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(texts, children, max_size=5),
    ),
    max_leaves=30,
)


def assert_same_as_reference(value: Any) -> None:
    """Same bytes as ``rfc8785.dumps``, or a refusal where it refuses.

    ``rfc8785`` lets a ``UnicodeEncodeError`` escape for a lone surrogate in a *key* (it
    raises ``CanonicalizationError`` for one in a value); ``canonicalize`` raises
    ``CanonicalizationError`` for both.
    """
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        with pytest.raises(type(exc)):
            canonicalize(value)
    except UnicodeEncodeError:
        with pytest.raises(rfc8785.CanonicalizationError):
            canonicalize(value)
    else:
        assert canonicalize(value) == expected


@settings(max_examples=400 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_matches_rfc8785_on_arbitrary_json(value: Any) -> None:
    assert_same_as_reference(value)


@settings(max_examples=600 * SCALE, deadline=None)
@given(floats)
def test_matches_rfc8785_on_floats_alone_and_in_containers(x: float) -> None:
    for value in (x, [x], {"x": x}, {"a": [1, "e-5", x], "b": None}):
        assert_same_as_reference(value)


@settings(max_examples=500 * SCALE, deadline=None)
@given(floats.filter(math.isfinite))
def test_es6_number_matches_rfc8785(x: float) -> None:
    assert es6_number(x).encode() == rfc8785.dumps(x)


@settings(max_examples=500 * SCALE, deadline=None)
@given(ints)
def test_matches_rfc8785_on_integers(n: int) -> None:
    assert_same_as_reference({"n": n, "list": [n, 1.5]})


@settings(max_examples=250 * SCALE, deadline=None)
@given(st.dictionaries(texts, st.integers(0, 9), min_size=2, max_size=8))
def test_key_order_is_by_utf16_code_units(obj: dict[str, int]) -> None:
    assert_same_as_reference(obj)
    assert_same_as_reference({"outer": obj, "list": [obj]})


@settings(max_examples=100 * SCALE, deadline=None)
@given(st.dictionaries(texts_with_surrogates, texts_with_surrogates, max_size=3))
def test_lone_surrogates_are_refused_like_the_reference(obj: dict[str, str]) -> None:
    assert_same_as_reference(obj)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # RFC 8785 appendix B: ECMAScript number serialization
        (0.0, b"0"),
        (-0.0, b"0"),
        (5e-324, b"5e-324"),
        (1.7976931348623157e308, b"1.7976931348623157e+308"),
        (9007199254740992.0, b"9007199254740992"),
        (-9007199254740992.0, b"-9007199254740992"),
        (295147905179352830000.0, b"295147905179352830000"),
        (1e21, b"1e+21"),
        (1e20, b"100000000000000000000"),
        (1e-7, b"1e-7"),
        (1e-6, b"0.000001"),
        (1.5e-6, b"0.0000015"),
        (9.8e-5, b"0.000098"),
        (333333333.3333332, b"333333333.3333332"),
        (4.5, b"4.5"),
        (0.002, b"0.002"),
        (1e23, b"1e+23"),
        (5.0, b"5"),
        (1e16, b"10000000000000000"),
        # strings: JCS escapes only what JSON requires, lowercase hex, raw UTF-8 otherwise
        ("\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/", b'"\xe2\x82\xac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"'),
        ("\x7f\u2028", b'"\x7f\xe2\x80\xa8"'),
        # key order: UTF-16 code units, so U+1F600 (surrogates D83D..) sorts before U+E000
        ({"\ue000": 1, "\U0001f600": 2, "a": 3}, '{"a":3,"\U0001f600":2,"\ue000":1}'.encode()),
        ({"b": [], "a": {}, "": None}, b'{"":null,"a":{},"b":[]}'),
        ((1, 2.0, "x"), b'[1,2,"x"]'),
        (SAFE, b"9007199254740991"),
        (-SAFE, b"-9007199254740991"),
    ],
)
def test_explicit_cases(value: Any, expected: bytes) -> None:
    assert canonicalize(value) == expected
    assert rfc8785.dumps(value) == expected


def test_rfc8785_appendix_sorting_example() -> None:
    # RFC 8785 section 3.2.3: the sorting example, parsed from its JSON text
    data = (
        '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With '
        'Dagesh", "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", '
        '"\\u00f6": "Latin Small Letter O With Diaeresis"}'
    )
    out = canonicalize(orjson.loads(data)).decode()
    values = [v for v in orjson.loads(out).values()]
    assert values == [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        {"a": [1, None, float("-inf")]},
        {"t1": None, "t2": float("nan")},
        2**53,
        -(2**53),
        {"n": 2**63},
        {"n": 10**40},
        "\ud800",
        {"k": ["\udfff"]},
        {1: "not a str key"},
        {"d": {("tuple", "key"): 1}},
    ],
)
def test_refuses_what_rfc8785_refuses(value: Any) -> None:
    with pytest.raises(rfc8785.CanonicalizationError):
        rfc8785.dumps(value)
    with pytest.raises(rfc8785.CanonicalizationError):
        canonicalize(value)


def test_lone_surrogate_key_is_a_canonicalization_error() -> None:
    with pytest.raises(UnicodeEncodeError):  # rfc8785 0.1.4 lets this one escape
        rfc8785.dumps({"\udfff": 1})
    with pytest.raises(rfc8785.CanonicalizationError):
        canonicalize({"\udfff": 1})


@example(["e-5", ".0,", "1e+16"])
@given(st.lists(st.sampled_from(["e-5", "x.0]", "1e+16", "5.0}", "[1.0]", ":1e-7,"]), max_size=4))
def test_strings_that_look_like_numbers_are_left_alone(strings: list[str]) -> None:
    assert canonicalize({"s": strings, "f": 0.5}) == rfc8785.dumps({"s": strings, "f": 0.5})


def test_non_json_types_are_refused_like_the_reference() -> None:
    import datetime
    from dataclasses import dataclass

    @dataclass
    class Point:
        x: int

    class Key(str):
        pass

    for value in (datetime.date(2025, 1, 1), Point(1), {Key("k"): 1}, {"s": {1, 2}}, b"bytes"):
        assert_same_as_reference(value)


def test_deep_nesting_beyond_orjson_limit_falls_back() -> None:
    value: Any = 1.0
    for _ in range(300):  # orjson refuses more than 255 levels
        value = [value]
    assert canonicalize(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("backend", ["kyiv", "torino"])
def test_real_bundles_match_reference(backend: str) -> None:
    from quantumledger.examples import ghz_bundle

    bundle = ghz_bundle(backend=backend)
    assert canonicalize(bundle) == rfc8785.dumps(bundle)
    # the same bundle with floats that need the ECMAScript walk, and with a NaN
    bundle["calibration"]["qubits"][0]["t1_us"] = 400.0
    bundle["calibration"]["gates"][0]["error"] = 1.5e-6
    assert canonicalize(bundle) == rfc8785.dumps(bundle)
    bundle["calibration"]["gates"][1]["error"] = float("nan")
    with pytest.raises(rfc8785.CanonicalizationError):
        canonicalize(bundle)
