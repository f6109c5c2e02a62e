"""A closed bus: NATS users, their permissions, their credentials, the server configuration.

* :mod:`.permissions`: what each process may publish and subscribe to (the policy);
* :mod:`.credentials`: nkey seeds on disk; :mod:`.store`: those of the stacks an embedded server serves;
* :mod:`.serverconf`: the ``authorization`` block and the embedded server's configuration;
* :mod:`.client`: how a process connects as its user.

See ``docs/decisions/0010-closed-bus.md``.
"""

from qlcore.busauth.client import credential_file, nats_env, nats_options
from qlcore.busauth.credentials import CredentialError
from qlcore.busauth.permissions import OPERATOR, TEST, Permissions, inbox_prefix, permissions_for, users
from qlcore.busauth.store import CredentialStore

__all__ = [
    "OPERATOR",
    "TEST",
    "CredentialError",
    "CredentialStore",
    "Permissions",
    "credential_file",
    "inbox_prefix",
    "nats_env",
    "nats_options",
    "permissions_for",
    "users",
]
