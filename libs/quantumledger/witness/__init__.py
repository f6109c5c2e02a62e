"""A witness for QuantumLedger's transparency log (and any C2SP log), anyone can run.

* :mod:`.keys`: the witness's ``cosignature/v1`` key in a file;
* :mod:`.state`: its state, the last checkpoint it cosigned per log, in a file (compare-and-swap);
* :mod:`.server`: ``POST <prefix>/add-checkpoint`` (c2sp.org/tlog-witness) over HTTP, so a log
  can collect its cosignatures (``ql witness serve``);
* :mod:`.monitor`: one round against a public QuantumLedger: fetch its checkpoint, check it
  extends what this witness saw, cosign, and catch a fork with evidence (``ql witness check``).
"""

from quantumledger.witness.keys import generate_key, read_key, write_key
from quantumledger.witness.monitor import CheckOutcome, check_log, evidence_from_json, evidence_to_json
from quantumledger.witness.server import make_server
from quantumledger.witness.state import FileWitnessStore

__all__ = [
    "CheckOutcome",
    "FileWitnessStore",
    "check_log",
    "evidence_from_json",
    "evidence_to_json",
    "generate_key",
    "make_server",
    "read_key",
    "write_key",
]
