"""Where the SDK and ``ql`` find the server and the credential.

Server URL: the ``base_url`` argument (``ql --url``), else ``QL_URL``, else
``http://127.0.0.1:$QL_PORT`` (port 8000 by default, where ``make run`` listens).

Credential, first found wins (as the AWS, GitHub and Google CLIs order theirs):

1. the ``api_key`` argument (``ql --token``);
2. ``QL_TOKEN``;
3. the session that ``ql login`` stored for this server URL in the credentials file;
4. the dev key that ``make run`` wrote to ``$QL_HOME/dev-api-key`` (``QL_HOME`` default ``.ql``).

The credentials file is ``$QL_CONFIG_DIR/credentials``, else
``$XDG_CONFIG_HOME/quantumledger/credentials`` (``~/.config/quantumledger/credentials``): JSON,
one entry per server URL, mode 0600 in a 0700 folder, written atomically. It holds session
tokens, which expire (``ql login`` again) and end at ``ql logout``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "credentials_path",
    "default_api_key",
    "default_base_url",
    "forget_session",
    "load_credentials",
    "normalize_url",
    "resolve_api_key",
    "save_session",
]


def default_base_url(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return normalize_url(env.get("QL_URL") or f"http://127.0.0.1:{env.get('QL_PORT') or '8000'}")


def normalize_url(url: str) -> str:
    """The form URLs are stored under: no trailing slash, scheme and host in lower case."""
    url = url.strip().rstrip("/")
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"


def credentials_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("QL_CONFIG_DIR"):
        return Path(env["QL_CONFIG_DIR"]) / "credentials"
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "quantumledger" / "credentials"


def load_credentials(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The stored sessions by server URL (``{}`` when there is no file, or it is not ours)."""
    path = credentials_path(env)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    servers = data.get("servers") if isinstance(data, dict) else None
    return servers if isinstance(servers, dict) else {}


def _write(servers: dict[str, Any], env: Mapping[str, str] | None) -> Path:
    path = credentials_path(env)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".credentials.", dir=path.parent)  # created 0600
    try:
        with os.fdopen(fd, "w") as f:
            json.dump({"servers": servers}, f, indent=2, sort_keys=True)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def save_session(base_url: str, session: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Path:
    """Store a session (``token`` and what identifies it) for ``base_url``; returns the file."""
    servers = load_credentials(env)
    servers[normalize_url(base_url)] = dict(session)
    return _write(servers, env)


def forget_session(base_url: str, env: Mapping[str, str] | None = None) -> bool:
    """Drop the stored session for ``base_url``; ``False`` if there was none."""
    servers = load_credentials(env)
    if servers.pop(normalize_url(base_url), None) is None:
        return False
    _write(servers, env)
    return True


def default_api_key(base_url: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The credential for ``base_url`` from the environment, the credentials file or the dev key."""
    return resolve_api_key(base_url, env)[0]


def resolve_api_key(base_url: str | None = None, env: Mapping[str, str] | None = None) -> tuple[str | None, str]:
    """The credential and where it came from (``QL_TOKEN``, the file, the dev key, or ``none``)."""
    env = os.environ if env is None else env
    if env.get("QL_TOKEN"):
        return env["QL_TOKEN"], "QL_TOKEN"
    url = normalize_url(base_url) if base_url else default_base_url(env)
    stored = load_credentials(env).get(url)
    if isinstance(stored, dict) and isinstance(stored.get("token"), str):
        return stored["token"], f"the session stored by `ql login` in {credentials_path(env)}"
    dev = Path(env.get("QL_HOME") or ".ql") / "dev-api-key"
    with contextlib.suppress(OSError):
        key = dev.read_text().strip()
        if key:
            return key, f"the dev key in {dev}"
    return None, "none"
