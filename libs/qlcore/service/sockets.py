"""A listening socket that several processes share (``SO_REUSEPORT``): twin HTTP servers on one port."""

from __future__ import annotations

import socket

from qlcore.config import Settings

__all__ = ["shared_socket"]


def shared_socket(settings: Settings) -> socket.socket:
    """Bound to ``settings.host:port`` with ``SO_REUSEPORT``: every process that binds it so gets a
    share of the incoming connections (Linux spreads them by hash); when one process dies, the
    others get all of them, on the same address."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((settings.host, settings.port))
    sock.set_inheritable(True)
    return sock
