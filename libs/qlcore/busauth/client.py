"""How a process presents itself to NATS: its user's seed, its own inbox prefix, TLS.

Where a process's credential comes from (``qlcore.config``):

* ``QL_NATS_CREDENTIALS``: the seed file of this process's user (production: each container
  mounts its own, and only its own);
* else ``QL_NATS_CREDENTIALS_DIR``: a folder of ``<user>.nk`` seeds, the process takes its user's
  (the operator commands of a ``make run`` stack, read from ``stack.json``; the in-process test
  stack, whose services each take their own);
* else none: a server without authentication (this machine's NATS in tests). The embedded
  server of ``make run`` and of the tests always requires one.

``QL_NATS_CA_FILE`` verifies a TLS server (``tls://`` URLs) signed by a private CA.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from qlcore.busauth.credentials import CredentialError, check_private, seed_file
from qlcore.busauth.permissions import inbox_prefix
from qlcore.config import Settings

__all__ = ["credential_file", "nats_env", "nats_options"]


def credential_file(settings: Settings, user: str) -> Path | None:
    """This process's seed file for ``user`` (``None``: connect without credentials)."""
    if settings.nats_credentials is not None:
        return settings.nats_credentials
    if settings.nats_credentials_dir is not None:
        path = seed_file(settings.nats_credentials_dir, user)
        if not path.exists():
            raise CredentialError(f"no NATS credential for {user!r} in {settings.nats_credentials_dir}")
        return path
    return None


def nats_options(settings: Settings, user: str) -> dict[str, Any]:
    """Keyword arguments of ``nats.connect`` for ``user``."""
    options: dict[str, Any] = {"inbox_prefix": inbox_prefix(settings, user)}
    seed = credential_file(settings, user)
    if seed is not None:
        check_private(seed)
        options["nkeys_seed"] = str(seed)
    if settings.nats_ca_file is not None:
        options["tls"] = ssl.create_default_context(cafile=str(settings.nats_ca_file))
    return options


def nats_env(settings: Settings, user: str) -> dict[str, str]:
    """The ``QL_*`` variables of a child process that connects as ``user`` (its own seed only)."""
    env = {"QL_NATS_URL": settings.nats_url, "QL_NAMESPACE": settings.namespace}
    seed = credential_file(settings, user)
    if seed is not None:
        env["QL_NATS_CREDENTIALS"] = str(seed)
    if settings.nats_ca_file is not None:
        env["QL_NATS_CA_FILE"] = str(settings.nats_ca_file)
    return env
