"""Pure logic of the tlog service (no I/O): which events make leaves, appending to the tree's
right edge, the public queries' parameters, the witnesses and their answers."""

from services.tlog.domain import leaves, queries
from services.tlog.domain.frontier import Frontier, StoredHash
from services.tlog.domain.leaves import Leaf, LeafError
from services.tlog.domain.reading import with_hashes
from services.tlog.domain.witnesses import WitnessEndpoint, accepted_cosignatures, parse_witnesses

__all__ = [
    "Frontier",
    "Leaf",
    "LeafError",
    "StoredHash",
    "WitnessEndpoint",
    "accepted_cosignatures",
    "leaves",
    "parse_witnesses",
    "queries",
    "with_hashes",
]
