"""Only the operator token unlocks the health details (compared by hash, in constant time)."""

from __future__ import annotations

import hashlib

from qlcore.config import load_settings

from services.gateway.health import is_operator


def test_only_the_operator_token_unlocks_the_details() -> None:
    token = "ql_op_secret"
    settings = load_settings(env={"QL_OPERATOR_TOKEN_SHA256": hashlib.sha256(token.encode()).hexdigest()})
    assert is_operator(settings, f"Bearer {token}")
    for header in (None, "", token, f"Bearer {token}x", "Bearer ql_live_abc", f"Basic {token}"):
        assert not is_operator(settings, header)
    assert not is_operator(load_settings(env={}), f"Bearer {token}")  # no token configured: nobody
