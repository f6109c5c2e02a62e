"""The transparency log service: a Merkle tree over what the ledger publishes, signed and witnessed
(``docs/transparency-log.md``)."""
