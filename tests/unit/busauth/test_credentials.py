"""Credentials on disk and how a process finds its own (no server here)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import nkeys
import pytest
from qlcore.busauth import CredentialError, CredentialStore, credential_file, nats_env, nats_options
from qlcore.busauth.credentials import check_private, ensure_seeds, public_key, seed_file
from qlcore.config import SERVICES, load_settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_seeds_are_private_stable_and_valid(tmp_path: Path) -> None:
    folder = tmp_path / "creds" / "ql"
    first = ensure_seeds(folder, ["ingest", "gateway"])
    assert mode(folder) == 0o700 and mode(seed_file(folder, "ingest")) == 0o600
    assert ensure_seeds(folder, ["ingest", "gateway", "card"]) == {
        **first,
        "card": public_key(seed_file(folder, "card").read_bytes()),
    }
    assert len(set(first.values())) == 2 and all(k.startswith("U") for k in first.values())
    seed = bytearray(seed_file(folder, "ingest").read_bytes().strip())
    kp = nkeys.from_seed(seed)
    assert kp.public_key.decode() == first["ingest"]  # the public key the server is given is the seed's
    assert not list(folder.glob(".*tmp"))


def test_a_readable_credential_or_a_bad_seed_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.nk"
    path.write_bytes(b"SUNOTASEED\n")
    os.chmod(path, 0o644)
    with pytest.raises(CredentialError, match="chmod 600"):
        check_private(path)
    with pytest.raises(CredentialError, match="not an nkey"):
        public_key(path.read_bytes())
    with pytest.raises(CredentialError):
        check_private(tmp_path / "missing.nk")


def test_the_store_holds_each_namespaces_users_and_the_harness_only_when_asked(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path / "root", test=True)
    store.ensure("ta")
    CredentialStore(tmp_path / "root").ensure("tb")
    labels = [u.label for u in store.users()]
    assert labels == [f"ta/{u}" for u in (*SERVICES, "operator", "test")] + [f"tb/{u}" for u in (*SERVICES, "operator")]
    text = store.authorization()
    for u in store.users():
        assert f'nkey: "{u.nkey}"' in text
    seeds = [p.read_text().strip() for p in (tmp_path / "root").glob("*/*.nk")]
    # each namespace's services and operator, the harness once; public keys only in the text: nothing secret
    assert len(seeds) == 2 * (len(SERVICES) + 1) + 1 and not any(seed in text for seed in seeds)


def test_a_process_finds_its_own_credential(tmp_path: Path) -> None:
    folder = tmp_path / "ql"
    ensure_seeds(folder, ["card", "operator"])
    base = {"QL_NAMESPACE": "ql", "QL_NATS_URL": "nats://n:4222"}
    none = load_settings(env=base)
    assert credential_file(none, "card") is None and "nkeys_seed" not in nats_options(none, "card")
    assert nats_options(none, "card")["inbox_prefix"] == "_INBOX.ql_card"

    shared = load_settings(env={**base, "QL_NATS_CREDENTIALS_DIR": str(folder)})
    assert credential_file(shared, "operator") == folder / "operator.nk"
    with pytest.raises(CredentialError, match="no NATS credential for 'ingest'"):
        credential_file(shared, "ingest")
    child = nats_env(shared, "card")  # a child process gets its own seed, not the folder
    assert child == {
        "QL_NATS_URL": "nats://n:4222",
        "QL_NAMESPACE": "ql",
        "QL_NATS_CREDENTIALS": str(folder / "card.nk"),
    }

    own = load_settings(env={**base, **child})
    assert nats_options(own, "card")["nkeys_seed"] == str(folder / "card.nk")
    os.chmod(folder / "card.nk", 0o640)
    with pytest.raises(CredentialError, match="chmod 600"):
        nats_options(own, "card")
