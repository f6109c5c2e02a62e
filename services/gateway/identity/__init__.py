"""Identity commands: accounts, orgs, workspaces, members, sessions, API keys.

The commands append identity events and wait until the gateway's read model applied them:
``accounts`` (register, verify, login, logout), ``apikeys`` (create, list, revoke), ``orgs``
(create an org or a workspace, change the plan), ``members`` (invitations, roles, removal);
``runtime`` gives them the bus, pool, mail and hashing per process, ``timing`` the equal-time
registration pad. Their rules are the pure :mod:`services.gateway.domain`, their queries
:mod:`services.gateway.store`, the mail transports :mod:`services.gateway.adapters.mail`; the events
are in :mod:`qlcore.events.identity`, the read model in :mod:`services.gateway.projection`.
"""

__all__: list[str] = []
