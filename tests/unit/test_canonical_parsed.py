"""``canonicalize(..., parsed_json=True)``: the ingest path, for values that came from a JSON parser."""

from __future__ import annotations

import orjson
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from qlprov.canonical import canonicalize

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_parsed_json_fast_path_matches_rfc8785(value: object) -> None:
    parsed = orjson.loads(orjson.dumps(value))
    assert canonicalize(parsed, parsed_json=True) == rfc8785.dumps(parsed)


def test_nulls_from_a_parser_take_the_fast_path_unchanged() -> None:
    parsed = orjson.loads(b'{"b":null,"a":[null,1.5,2]}')
    assert canonicalize(parsed, parsed_json=True) == b'{"a":[null,1.5,2],"b":null}'
