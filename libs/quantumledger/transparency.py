"""Checking a QuantumLedger's public transparency log from outside, trusting only its public key.

Offline, with the proof bundle a card or an attestation JSON carries (``transparency.bundle``):
:func:`verify_card` and :func:`verify_attestation` rebuild the exact document bytes the log
entry commits to from the JSON itself (``qlprov.tlog.documents``), then run every step of
``qlprov.tlog.bundle.verify_bundle``: the entry, the log's signature on the checkpoint (and
witness cosignatures when asked), the inclusion proof, and the document's digests. Nothing is
fetched: a bundle checks years later, without the server.

Online, :class:`LogClient` reads the log as any C2SP client does (``/log/checkpoint``,
``/log/tile/...``) and :func:`compare_checkpoints` decides whether two signed checkpoints can
both be true, rebuilding the proof from tiles authenticated against the newer one when needed:
a log that shows two histories is caught with evidence anyone can re-check.

``ql verify`` and ``ql witness`` are built on this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx
from qlprov.tlog.bundle import BundleVerification, ProofBundle, StepResult, StepStatus, verify_bundle
from qlprov.tlog.checkpoint import SignedCheckpoint, open_checkpoint, trusted_logs
from qlprov.tlog.cosignature import CosignatureVerifier
from qlprov.tlog.documents import attestation_document, card_document_from_view
from qlprov.tlog.encoding import parse_b64
from qlprov.tlog.entry import EntryKind
from qlprov.tlog.fork import ForkCheck, check_fork, check_fork_with_reader
from qlprov.tlog.keys import Verifier
from qlprov.tlog.merkle import HASH_SIZE, tree_hash
from qlprov.tlog.tilereader import TileHashReader
from qlprov.tlog.tiles import Tile

__all__ = [
    "LogClient",
    "LogKeys",
    "compare_checkpoints",
    "log_keys",
    "root_from_tiles",
    "verify_attestation",
    "verify_card",
    "verify_transparency",
    "witness_keys",
]

LogKeys = Mapping[str, Sequence[Verifier]]


def log_keys(vkeys: Iterable[str]) -> dict[str, list[Verifier]]:
    """Trusted log keys by origin, from the logs' vkeys (``/.well-known/quantumledger-log.json``)."""
    return trusted_logs(vkeys)


def witness_keys(vkeys: Iterable[str]) -> list[CosignatureVerifier]:
    return [CosignatureVerifier.from_vkey(v) for v in vkeys]


def _kind_step(result: BundleVerification, kind: EntryKind) -> BundleVerification:
    """Also require the entry to be of ``kind`` (a card's bundle must not prove an attestation)."""
    if not result.ok or result.entry is None or result.entry.kind is kind:
        return result
    failed = StepResult("entry", StepStatus.FAILED, f"the entry is a {result.entry.kind}, not a {kind}")
    return BundleVerification((failed,), result.entry, result.checkpoint, result.cosigners)


def verify_transparency(
    transparency: Mapping[str, Any],
    document: bytes,
    subject: str,
    kind: EntryKind,
    logs: LogKeys,
    *,
    witnesses: Sequence[CosignatureVerifier] = (),
    min_witnesses: int = 0,
) -> BundleVerification:
    """Check a ``transparency: {index, bundle}`` member against the document it is about."""
    bundle = transparency.get("bundle")
    if not isinstance(bundle, str):
        failed = StepResult("format", StepStatus.FAILED, "no proof bundle (transparency.bundle)")
        return BundleVerification((failed,))
    result = verify_bundle(
        bundle, logs, witness_keys=witnesses, min_witnesses=min_witnesses, document=document, subject=subject
    )
    result = _kind_step(result, kind)
    index = transparency.get("index")
    if result.ok and result.checkpoint is not None and index is not None:
        if ProofBundle.parse(bundle).index != index:
            failed = StepResult("inclusion", StepStatus.FAILED, f"the bundle proves entry {index}, not the one named")
            return BundleVerification((failed,), result.entry, result.checkpoint, result.cosigners)
    return result


def verify_card(
    card: Mapping[str, Any], logs: LogKeys, *, witnesses: Sequence[CosignatureVerifier] = (), min_witnesses: int = 0
) -> BundleVerification:
    """A card JSON (``GET /api/v1/cards/{slug}``) against its ``transparency`` proof, offline."""
    t = card.get("transparency")
    if not isinstance(t, Mapping):
        return BundleVerification((StepResult("format", StepStatus.FAILED, "the card carries no transparency proof"),))
    try:
        document = card_document_from_view(card)
    except (KeyError, TypeError) as exc:
        return BundleVerification((StepResult("format", StepStatus.FAILED, f"not a card JSON: {exc!r}"),))
    return verify_transparency(
        t, document, str(card["slug"]), EntryKind.CARD_PUBLISHED, logs, witnesses=witnesses, min_witnesses=min_witnesses
    )


def verify_attestation(
    attestation: Mapping[str, Any],
    logs: LogKeys,
    *,
    witnesses: Sequence[CosignatureVerifier] = (),
    min_witnesses: int = 0,
) -> list[tuple[str, BundleVerification]]:
    """An attestation JSON against its issuance proof, and its revocation proof when it has one."""
    t = attestation.get("transparency")
    envelope = attestation.get("envelope")
    att_id = attestation.get("attestation_id")
    if not isinstance(t, Mapping) or not isinstance(envelope, Mapping) or not isinstance(att_id, str):
        failed = StepResult("format", StepStatus.FAILED, "not an attestation JSON with a transparency proof")
        return [("issued", BundleVerification((failed,)))]
    document = attestation_document(envelope)
    kw: dict[str, Any] = {"witnesses": witnesses, "min_witnesses": min_witnesses}
    out = [("issued", verify_transparency(t, document, att_id, EntryKind.ATTESTATION_ISSUED, logs, **kw))]
    revocation = t.get("revocation")
    if isinstance(revocation, Mapping):
        out.append(
            ("revoked", verify_transparency(revocation, document, att_id, EntryKind.ATTESTATION_REVOKED, logs, **kw))
        )
    return out


class LogClient:
    """A QuantumLedger's public log over HTTP: C2SP files under ``/log/``, JSON under ``/api/v1/log``."""

    def __init__(self, base_url: str, http: httpx.Client | None = None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = http or httpx.Client(timeout=timeout)
        self.tiles_fetched = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LogClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _get(self, path: str, **params: Any) -> httpx.Response:
        r = self._http.get(self.base_url + path, params={k: v for k, v in params.items() if v is not None})
        r.raise_for_status()
        return r

    def info(self) -> dict[str, Any]:
        return dict(self._get("/.well-known/quantumledger-log.json").json())

    def checkpoint(self) -> bytes:
        return self._get("/log/checkpoint").content

    def tiles(self, tiles: Sequence[Tile]) -> list[bytes]:
        """A :data:`~qlprov.tlog.tilereader.TileFetcher`."""
        self.tiles_fetched += len(tiles)
        return [self._get("/log/" + t.path()).content for t in tiles]

    def consistency(self, old: int, new: int) -> list[bytes]:
        proof = self._get("/api/v1/log/proof/consistency", **{"from": old, "to": new}).json()["proof"]
        return [parse_b64(h, size=HASH_SIZE) for h in proof]

    def bundle(self, kind: str, subject: str) -> dict[str, Any]:
        return dict(self._get("/api/v1/log/bundle", kind=kind, subject=subject).json())

    def reader(self, signed: SignedCheckpoint) -> TileHashReader:
        """Hashes of the tree ``signed`` names, from tiles authenticated against it."""
        return TileHashReader(signed.checkpoint.size, signed.checkpoint.root_hash, self.tiles)


def compare_checkpoints(
    a: bytes, b: bytes, logs: LogKeys, *, proof: Sequence[bytes] | None = None, client: LogClient | None = None
) -> ForkCheck:
    """Can both signed checkpoints be true? With ``client``, the proof is rebuilt from its tiles,
    authenticated against the newer checkpoint (a verdict is then always reached)."""
    first, second = open_checkpoint(a, logs), open_checkpoint(b, logs)
    if client is not None and first.checkpoint.size != second.checkpoint.size:
        newer = first if first.checkpoint.size > second.checkpoint.size else second
        return check_fork_with_reader(first, second, client.reader(newer))
    return check_fork(first, second, proof or ())


def root_from_tiles(client: LogClient, signed: SignedCheckpoint) -> bytes:
    """The tree head recomputed from the tiles the log serves (equal to the root, or TileError)."""
    return tree_hash(signed.checkpoint.size, client.reader(signed))
