"""The attestation service's I/O beside NATS and PostgreSQL: framework files and key files."""
