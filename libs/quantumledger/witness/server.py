"""``ql witness serve``: a tlog-witness over HTTP, ``POST <prefix>/add-checkpoint``.

A small threaded HTTP/1.1 server from the standard library (keep-alive, as the specification
asks): a witness answers a few requests a second per log, and needs no framework. The decision
is :class:`qlprov.tlog.witness.Witness` (the statuses of c2sp.org/tlog-witness), the state a
:class:`~quantumledger.witness.state.FileWitnessStore`. A refused checkpoint that the log did
sign (a 409 or 422: a possible fork) is written to the ``refusals`` file, as the specification
suggests ("MAY log the request ... as it might be proof of log misbehavior").
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from qlprov.tlog.cosignature import CosignatureSigner
from qlprov.tlog.keys import Verifier
from qlprov.tlog.witness import Witness, WitnessRefusal

from quantumledger.witness.state import FileWitnessStore

__all__ = ["MAX_BODY", "make_server"]

MAX_BODY = 64 * 1024  # an old size, 63 proof lines and a checkpoint with its signatures fit easily


def make_server(
    host: str,
    port: int,
    signer: CosignatureSigner,
    logs: Mapping[str, Sequence[Verifier]],
    store: FileWitnessStore,
    *,
    prefix: str = "",
    refusals: Path | None = None,
    clock: Callable[[], float] = time.time,
) -> ThreadingHTTPServer:
    """A server ready to ``serve_forever()`` (``server_address`` holds the port it bound)."""
    witness = Witness([signer], logs, store, clock)
    path = prefix.rstrip("/") + "/add-checkpoint"
    written = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "quantumledger-witness"
        timeout = 30  # seconds a connection may idle or trickle: a slow client never holds a thread for long

        def _reply(self, status: int, body: str, ctype: str = "text/plain; charset=utf-8") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            if self.path != path:
                self._reply(404, f"not found: the witness answers POST {path}\n")
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self._reply(411, "a Content-Length is required\n")
                return
            if not 0 <= length <= MAX_BODY:
                self.close_connection = True
                self._reply(413, f"the body is at most {MAX_BODY} bytes\n")
                return
            body = self.rfile.read(length)
            try:
                lines = witness.add_checkpoint(body)
            except WitnessRefusal as refusal:
                if refusals is not None and refusal.checkpoint is not None and refusal.status in (409, 422):
                    record = {"time": int(clock()), "status": refusal.status, "detail": refusal.detail}
                    record["request"] = body.decode("utf-8", errors="replace")
                    with written, open(refusals, "a", encoding="utf-8") as f:
                        f.write(json.dumps(record) + "\n")
                self._reply(refusal.status, refusal.body, refusal.content_type)
                return
            self._reply(200, lines)

        def do_GET(self) -> None:
            info = {"name": signer.name, "vkey": signer.verifier().vkey(), "logs": sorted(logs)}
            self._reply(200, json.dumps(info) + "\n", "application/json")

        def log_message(self, format: str, *args: object) -> None:
            return  # quiet: the refusals file keeps what matters

    return ThreadingHTTPServer((host, port), Handler)
