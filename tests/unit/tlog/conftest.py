"""Keys for the transparency log tests: a log and three witnesses, from fixed seeds."""

from __future__ import annotations

import hashlib

import pytest
from qlprov.tlog.cosignature import CosignatureSigner
from qlprov.tlog.keys import Ed25519Signer

ORIGIN = "ledger.example/quantumledger/log"


def seed(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


@pytest.fixture
def log_signer() -> Ed25519Signer:
    return Ed25519Signer(ORIGIN, seed("log"))


@pytest.fixture
def witnesses() -> list[CosignatureSigner]:
    return [CosignatureSigner(f"witness{i}.example/w", seed(f"witness{i}")) for i in range(3)]
