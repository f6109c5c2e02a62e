"""qlcore.storable and qlcore.validation: what the read models cannot store is refused, naming the member."""

from __future__ import annotations

import msgspec
import orjson
import pytest
from qlcore.errors import BadRequest, Unprocessable
from qlcore.rpc import RpcContext, RpcRequest
from qlcore.storable import INT4_MAX, Unstorable, check_json, check_run_document, check_value
from qlcore.validation import MalformedJson, NotIJson, decode_command

from tests.integration.platform.bundles import bundle


class _Inner(msgspec.Struct):
    label: str = msgspec.field(name="Label")


class _Command(msgspec.Struct):
    name: str
    tags: list[str] = []
    inner: _Inner | None = None


@pytest.mark.parametrize(
    ("value", "member"),
    [
        ({"name": "Nul\x00Name"}, "/name"),
        ({"a": [{"b": "ok"}, {"b": "x\x00"}]}, "/a/1/b"),
        ({"a": {"k\x00": 1}}, "/a/k\x00"),
        ({"a": "\ud800"}, "/a"),
        ({"n": 2**63}, "/n"),
        ({"n": -(2**63) - 1}, "/n"),
        (_Command(name="x", tags=["ok", "\x00"]), "/tags/1"),
        (_Command(name="x", inner=_Inner(label="a\x00")), "/inner/Label"),  # the encoded name
    ],
)
def test_unstorable_values_are_refused_naming_the_member(value: object, member: str) -> None:
    with pytest.raises(Unstorable) as info:
        check_value(value)
    assert info.value.status == 422 and info.value.extra["member"] == member


def test_storable_values_pass() -> None:
    check_value({"name": "Zoë Ñúñez \u2028 \U0001f600", "n": 2**63 - 1, "f": 1e300, "b": [True, None]})
    check_value(_Command(name="ok", tags=["a"], inner=_Inner(label="b")))


def test_check_json_walks_only_text_with_a_suspect_escape() -> None:
    check_json(b'{"name": "x"}', decoded=object())  # no \u0000 escape: the value is not looked at
    with pytest.raises(Unstorable):
        check_json(b'{"name": "a\\u0000b"}')
    with pytest.raises(Unstorable):
        check_json(b'{"name": "a\\ud800b"}')
    check_json(b'{"name": "a\\\\u0000b"}')  # an escaped backslash, then "u0000": storable


def test_run_document_columns() -> None:
    doc = bundle(1)
    check_run_document(doc)
    too_many = {**doc, "execution": {**doc["execution"], "shots": INT4_MAX + 1}}
    with pytest.raises(Unstorable) as info:
        check_run_document(too_many)
    assert info.value.extra["member"] == "/execution/shots"
    for bad in ("2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "0000-01-01T00:00:00Z", "2024-01-01T25:00:00Z"):
        with pytest.raises(Unstorable) as info:
            check_run_document({**doc, "created_at": bad})
        assert info.value.extra["member"] == "/created_at"
    with pytest.raises(Unstorable):
        check_run_document({**doc, "created_at": "2024-01-01T00:00:00+23:00"})
    with pytest.raises(Unstorable):
        check_run_document({**doc, "created_at": "0001-01-01T00:00:00+05:00"})  # before year 1 in UTC


def test_decode_command_errors_follow_the_400_422_rule() -> None:
    with pytest.raises(MalformedJson) as syntax:
        decode_command(b'{"name": ', _Command)
    assert isinstance(syntax.value, BadRequest) and syntax.value.status == 400
    with pytest.raises(NotIJson) as dup:
        decode_command(b'{"name": "a", "name": "b"}', _Command)
    assert dup.value.status == 422 and dup.value.extra["member"] == "/name"
    with pytest.raises(Unprocessable) as typed:
        decode_command(b'{"name": 1}', _Command)
    assert typed.value.status == 422 and typed.value.extra["member"] == "/name"
    with pytest.raises(Unstorable):
        decode_command(b'{"name": "a\\u0000"}', _Command)
    assert decode_command(b'{"name": "ok", "tags": ["x"]}', _Command) == _Command(name="ok", tags=["x"])


def test_every_service_command_is_checked_on_decoding() -> None:
    """RpcRequest.json is how services read commands: NUL is refused there too."""
    req = RpcRequest(RpcContext(), orjson.dumps({"name": "Nul\x00Name"}))
    with pytest.raises(Unstorable) as info:
        req.json(_Command)
    assert info.value.extra["member"] == "/name"
    with pytest.raises(Unstorable):
        RpcRequest(RpcContext(), orjson.dumps({"a": {"b": ["\x00"]}})).json()
    assert RpcRequest(RpcContext(), b'{"name": "ok"}').json(_Command) == _Command(name="ok")
