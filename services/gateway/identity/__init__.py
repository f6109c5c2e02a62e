"""Identity and tenancy: accounts, orgs, workspaces, sessions, API keys, plans, roles.

* The pure domain, no I/O: ``passwords``, ``tokens``, ``plans`` (+ ``plans.yaml``), ``access``
  (+ ``roles.yaml``: the Principal, scopes, roles, authorize), ``ratelimit``, ``slugs``,
  ``mail`` (messages and transports), ``errors``.
* Its adapters: ``store`` (queries of the gateway's identity read model, the PostgreSQL throttle
  store) and ``runtime`` (bus, pool, the wait for the projection, mail, hashing, per process).
* The commands, which append identity events and wait until they are applied: ``accounts``
  (register, verify, login, logout), ``apikeys`` (create, list, revoke), ``orgs`` (create an
  org or a workspace, change the plan).

Import the submodules directly (``identity.tokens``, ``identity.plans``...). The events are in
:mod:`qlcore.events.identity`, the read model in :mod:`services.gateway.projection`.
"""

__all__: list[str] = []
