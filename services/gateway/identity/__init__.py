"""Identity and tenancy, the pure domain: passwords, tokens, plans, roles, mail, throttling, slugs.

Nothing here opens a connection or reads settings; the gateway wires these pieces to NATS,
PostgreSQL and HTTP. Import the submodules directly (``identity.tokens``, ``identity.plans``...).
"""

__all__: list[str] = []
