"""``ql ops bus-secrets``: the production stack's secrets, made once (compose.yaml mounts them).

* ``nats/<user>.nk``: each NATS user's nkey seed (``qlcore.busauth``); a process mounts its own;
* ``nats-users.env``: their public keys, ``QL_NATS_NKEY_<USER>=U...``, the environment of the NATS
  nodes that ``deploy/nats/auth.conf`` reads (nothing in it is secret);
* ``tls/``: a private CA and a certificate per node (``nats-1`` .. ``nats-3``), for clients and routes;
* ``identity.keys``: the gateway's sealing keys (``services.gateway.domain.sealing``).

An existing file is kept, never replaced: run it again after adding a service and only what is
missing is made. Rotate a seed by deleting it, running again and restarting its process and the
NATS nodes.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

__all__ = ["bus_secrets"]

NODES = ("nats-1", "nats-2", "nats-3")


def _write_new(path: Path, data: bytes, mode: int) -> bool:
    if path.exists():
        return False
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return True


@click.command("bus-secrets")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path), default=Path("deploy/secrets"))
def bus_secrets(out: Path) -> None:
    """Make the NATS users' nkeys, the cluster's TLS certificates and the identity sealing keys
    under OUT (default deploy/secrets), keeping any that exist."""
    from qlcore.busauth import users
    from qlcore.busauth.credentials import ensure_seeds
    from qlcore.busauth.serverconf import nkey_variable
    from qlcore.busauth.tls import Issued, issue, make_ca

    from services.gateway.domain.sealing import create_key_file

    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    keys = ensure_seeds(out / "nats", users())
    env = "".join(f"{nkey_variable(u)}={k}\n" for u, k in keys.items())
    (out / "nats-users.env").write_text(f"# the public nkeys of the stack's NATS users (not secret)\n{env}")
    tls = out / "tls"
    tls.mkdir(exist_ok=True, mode=0o700)
    made = []
    if not (tls / "ca.pem").exists():
        ca = make_ca()
        _write_new(tls / "ca-key.pem", ca.key_pem, 0o600)
        _write_new(tls / "ca.pem", ca.cert_pem, 0o644)
        made.append("a CA")
    ca = Issued((tls / "ca.pem").read_bytes(), (tls / "ca-key.pem").read_bytes())
    for node in NODES:
        if not (tls / f"{node}.pem").exists():
            cert = issue(ca, node, [node, "localhost"])
            _write_new(tls / f"{node}-key.pem", cert.key_pem, 0o600)
            _write_new(tls / f"{node}.pem", cert.cert_pem, 0o644)
            made.append(node)
    if not (out / "identity.keys").exists():
        create_key_file(out / "identity.keys")
        made.append("identity sealing keys")
    click.echo(f"{out}: {len(keys)} NATS users; new: {', '.join(made) or 'nothing'}")
