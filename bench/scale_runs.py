"""Small real runs, a million of them, fast: the scale benchmark's data.

Each run is a real capture (a Bell circuit transpiled for one of eight small IBM devices and
simulated on its noise, ``quantumledger.examples.bell_bundle``: 4.4-5.9 KB with the device's whole
calibration) whose job id, ``created_at`` and status are swapped in place. A template's canonical
JSON (RFC 8785, without ``run_hash``) and its head (``qlprov.document.document_head``) are computed
once; replacing a string value by another plain ASCII string keeps the bytes canonical (JCS orders
members by name, never by value), so each run costs a join and one BLAKE3 instead of a
canonicalization. :meth:`SmallRuns.check` proves the shortcut on samples: ingest's own
``prepare`` must give the same ``run_hash``, body and head from the bundle.

The distribution gives the run list's filters something to find: devices from 40 % down to 0.1 %
of the runs, statuses 90 % completed, 8 % failed, 2 % cancelled; ``created_at`` 30 s apart, in
the order of the index (the newest run is the last one appended).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

from qlprov.hashing import HASH_MEMBER, canonical_body, digest_hex, with_hash

__all__ = ["DEVICES", "STATUSES", "SmallRun", "SmallRuns"]

# device, share of the runs (the rarest one makes a selective filter)
DEVICES: tuple[tuple[str, float], ...] = (
    ("manila", 0.40),
    ("lima", 0.20),
    ("quito", 0.13),
    ("belem", 0.10),
    ("bogota", 0.08),
    ("santiago", 0.05),
    ("jakarta", 0.039),
    ("lagos", 0.001),
)
STATUSES: tuple[tuple[str, float], ...] = (("completed", 0.90), ("failed", 0.08), ("cancelled", 0.02))
_T0 = datetime(2024, 1, 1, tzinfo=UTC)
_STEP = timedelta(seconds=30)
_MARKERS = {"job": b'"@@job@@"', "created": b'"@@created@@"', "status": b'"@@status@@"'}


@dataclass(frozen=True)
class SmallRun:
    index: int
    provider: str
    backend_name: str
    status: str
    created_at: str
    body: bytes  # canonical JSON without run_hash: the run log's document entry
    head: bytes  # canonical JSON without the calibration tables: run.ingested's head
    run_hash: str

    @property
    def backend(self) -> str:
        return f"{self.provider}/{self.backend_name}"

    def bundle(self) -> bytes:
        """The bundle a client would send (the document with its ``run_hash``)."""
        return with_hash(self.body, self.run_hash)


@dataclass(frozen=True)
class _Template:
    provider: str
    backend_name: str
    body: tuple[tuple[bytes, ...], tuple[str, ...]]
    head: tuple[tuple[bytes, ...], tuple[str, ...]]


def _split(data: bytes) -> tuple[tuple[bytes, ...], tuple[str, ...]]:
    """``data`` cut around each marker (each must occur exactly once), and the markers' order."""
    hits = []
    for name, marker in _MARKERS.items():
        if data.count(marker) != 1:
            raise RuntimeError(f"the template's {name} marker occurs {data.count(marker)} times")
        hits.append((data.index(marker), name, marker))
    parts, order, pos = [], [], 0
    for at, name, marker in sorted(hits):
        parts.append(data[pos:at])
        order.append(name)
        pos = at + len(marker)
    parts.append(data[pos:])
    return tuple(parts), tuple(order)


def _render(cut: tuple[tuple[bytes, ...], tuple[str, ...]], values: dict[str, bytes]) -> bytes:
    parts, order = cut
    out = [parts[0]]
    for name, part in zip(order, parts[1:], strict=True):
        out += (values[name], part)
    return b"".join(out)


def _choose(u: float, table: tuple[tuple[str, float], ...]) -> int:
    acc = 0.0
    for k, (_, share) in enumerate(table):
        acc += share
        if u < acc:
            return k
    return len(table) - 1


class SmallRuns:
    """Run ``i`` of the benchmark, the same on every call (its job id is ``scale-<i>``)."""

    @cached_property
    def templates(self) -> tuple[_Template, ...]:
        from qlprov.document import document_head
        from quantumledger.examples import bell_bundle

        out = []
        for device, _ in DEVICES:
            doc = bell_bundle(device)
            doc.pop(HASH_MEMBER)
            doc["execution"]["job_id"] = "@@job@@"
            doc["execution"]["status"] = "@@status@@"
            doc["created_at"] = "@@created@@"
            backend = doc["backend"]
            body, head = canonical_body(doc), canonical_body(document_head(doc))
            out.append(_Template(backend["provider"], backend["name"], _split(body), _split(head)))
        return tuple(out)

    def run(self, i: int) -> SmallRun:
        # two independent uniform draws from i (Knuth's multiplicative hashes), no RNG state to keep
        d = _choose(((i * 2654435761) % 2**32) / 2**32, DEVICES)
        s = _choose((((i + 7) * 2246822519) % 2**32) / 2**32, STATUSES)
        t = self.templates[d]
        status = STATUSES[s][0]
        created = (_T0 + i * _STEP).strftime("%Y-%m-%dT%H:%M:%SZ")
        values = {
            "job": f'"scale-{i:012d}"'.encode(),
            "created": f'"{created}"'.encode(),
            "status": f'"{status}"'.encode(),
        }
        body = _render(t.body, values)
        return SmallRun(i, t.provider, t.backend_name, status, created, body, _render(t.head, values), digest_hex(body))

    def check(self, indices: range | list[int], max_bytes: int = 4 * 1024 * 1024) -> None:
        """Ingest's own parsing, validation, canonicalization and hashing agree with the shortcut."""
        from services.ingest.domain import prepare

        for i in indices:
            r = self.run(i)
            p = prepare(r.bundle(), max_bytes)
            if (p.run_hash, p.body, p.head) != (r.run_hash, r.body, r.head):
                raise RuntimeError(f"small run {i}: ingest would hash or store it differently")
            if (p.document.backend.name, p.document.execution.status) != (r.backend_name, r.status):
                raise RuntimeError(f"small run {i}: ingest reads another backend or status")
