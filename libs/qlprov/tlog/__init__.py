"""``qlprov.tlog``: the pure core of QuantumLedger's public transparency log.

An RFC 6962 / RFC 9162 Merkle tree over what the ledger publishes, in the C2SP formats, with
no I/O and no dependency beyond the standard library, PyNaCl and blake3, so that the SDK's
``ql verify``, the log service and the witness share one implementation:

=================  ===========================================================================
``merkle``         leaf and node hashes, tree heads and proofs generated from stored hashes
``verify``         inclusion and consistency proof verification (RFC 9162 §2.1.3.2, §2.1.4.2)
``memory``         an in-memory append-only tree; Go's linear stored-hash layout
``tiles``          C2SP tlog-tiles: coordinates, paths, tile contents, entry bundles
``tilereader``     a client's hash reader over fetched tiles, authenticated against a checkpoint
``keys``           signed-note key IDs, vkeys, Ed25519 signer and verifier
``note``           C2SP signed-note: parse, open, sign
``checkpoint``     C2SP tlog-checkpoint
``cosignature``    C2SP tlog-cosignature ``cosignature/v1``
``witness``        C2SP tlog-witness ``add-checkpoint``: request format and the witness's decision
``entry``          the ``qlog/entry/1`` log entry
``documents``      the exact bytes each kind of entry publishes (rebuilt from the public JSON)
``bundle``         offline proof bundles (C2SP tlog-proof) and ``verify_bundle``
``fork``           fork detection and verifiable fork evidence
=================  ===========================================================================

Interoperability with Go's ``golang.org/x/mod/sumdb/note`` and ``sumdb/tlog`` is tested in
``tests/unit/tlog/test_interop_go.py``; ``docs/transparency-log.md`` is the user's guide.
"""
