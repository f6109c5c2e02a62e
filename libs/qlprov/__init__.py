"""``qlprov``: the ``qlprov/run/1.0`` document format, shared by the SDK and the server.

Pure and dependency-light (msgspec, orjson, blake3, rfc8785): the document types and their
validation (:mod:`qlprov.document`), RFC 8785 canonical JSON (:mod:`qlprov.canonical`) and the
``run_hash`` (:mod:`qlprov.hashing`). It imports nothing of the server (``qlcore``,
``services``) nor of the SDK's client (``quantumledger``); both of those import it
(``docs/decisions/0009-packages-and-layering.md``).
"""
