"""The gateway's pure domain, no I/O: identity and tenancy rules.

``passwords`` (hashing), ``tokens`` (API keys, sessions, verification and invitation tokens),
``plans`` (+ ``plans.yaml``: features and limits), ``access`` (+ ``roles.yaml``: the Principal,
scopes, roles, grants, authorize), ``ratelimit`` (the login throttle's policy over a store
protocol), ``slugs``, ``sealing`` (the sealed secrets of identity events), ``errors``.
"""

__all__: list[str] = []
