"""The credentials of every stack one embedded nats-server serves, and the users block they make.

``make run`` keeps one namespace's credentials under ``$QL_HOME/nats/credentials/<namespace>``;
the test fixtures one per test namespace (plus the ``test`` harness's), added while the server
runs and taken into account by a configuration reload.
"""

from __future__ import annotations

from pathlib import Path

from qlcore.busauth.credentials import ensure_seeds, public_key, seed_file
from qlcore.busauth.permissions import permissions_for, users
from qlcore.busauth.serverconf import User, authorization
from qlcore.config import load_settings

__all__ = ["CredentialStore"]


class CredentialStore:
    """``<root>/<namespace>/<user>.nk`` for each stack; ``test`` adds the harness user."""

    def __init__(self, root: Path, *, test: bool = False) -> None:
        self.root, self.test = root, test

    def directory(self, namespace: str) -> Path:
        return self.root / namespace

    def ensure(self, namespace: str) -> Path:
        """Create the namespace's missing seeds (never replacing one); return their folder."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        directory = self.directory(namespace)
        ensure_seeds(directory, users(test=self.test))
        return directory

    def users(self) -> list[User]:
        """Every user with a seed on disk, with its namespace's permissions."""
        out = []
        for directory in sorted(p for p in self.root.iterdir() if p.is_dir()) if self.root.exists() else []:
            settings = load_settings(env={}, namespace=directory.name)
            for user in users(test=True):
                path = seed_file(directory, user)
                if path.exists():
                    out.append(
                        User(f"{directory.name}/{user}", public_key(path.read_bytes()), permissions_for(settings, user))
                    )
        return out

    def authorization(self) -> str:
        return authorization(self.users())
