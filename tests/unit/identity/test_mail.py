from __future__ import annotations

import os
import socket
import threading
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from services.gateway.adapters.mail import (
    FileSinkTransport,
    SmtpSettings,
    SmtpTransport,
    build_already_registered_mail,
    build_verification_mail,
)
from services.gateway.domain.tokens import issue_token

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def mail(token: str = "ql_verify_TOKEN", name: str = "Ada") -> EmailMessage:
    return build_verification_mail(
        to="ada@lab.example",
        sender="QuantumLedger <no-reply@quantumledger.example>",
        name=name,
        token=token,
        public_url="https://ql.example/",
        expires_at=NOW + timedelta(hours=24),
        now=NOW,
    )


def read(path: Path) -> EmailMessage:
    msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(msg, EmailMessage)
    return msg


def test_verification_mail_carries_link_token_and_expiry() -> None:
    token = issue_token("verification").token
    msg = mail(token)
    assert msg["Subject"] == "Confirm your email address for QuantumLedger"
    assert msg["Message-ID"].endswith("@quantumledger.example>")
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = next(w for w in text.split() if w.startswith("https://ql.example/verify-email"))
    assert parse_qs(urlsplit(link).query)["token"] == [token]
    assert "https://ql.example/api/v1/auth/verify-email" in text
    assert f"Verification token: {token}" in text
    assert "2026-03-02 12:00 UTC" in text


def test_html_part_escapes_the_name() -> None:
    html = mail(name="<script>x</script>").get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_header_injection_is_refused() -> None:
    with pytest.raises(ValueError):
        build_verification_mail(
            to="ada@lab.example\r\nBcc: eve@evil.example",
            sender="no-reply@ql.example",
            name="Ada",
            token="t",
            public_url="https://ql.example",
            expires_at=NOW,
            now=NOW,
        )


def test_file_sink_writes_one_rfc5322_file_per_message(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    sink = FileSinkTransport(outbox)
    assert not outbox.exists()  # nothing happens before a send
    sink.send(mail("ql_verify_FIRST"))
    sink.send(mail("ql_verify_SECOND"))
    files = sorted(outbox.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]
    raw = files[0].read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    first, second = (read(f) for f in files)
    assert first["To"] == "ada@lab.example"
    assert "ql_verify_FIRST" in first.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "ql_verify_SECOND" in second.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_file_sink_leaves_nothing_behind_when_the_write_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        FileSinkTransport(tmp_path).send(mail())
    assert list(tmp_path.iterdir()) == []


class FakeSMTP:
    instances: list[FakeSMTP] = []

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.calls: list[tuple[str, Any]] = [("connect", (host, port, timeout))]
        FakeSMTP.instances.append(self)

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.calls.append(("quit", None))

    def starttls(self, context: Any = None) -> None:
        self.calls.append(("starttls", context is not None))

    def login(self, user: str, password: str) -> None:
        self.calls.append(("login", (user, password)))

    def send_message(self, message: EmailMessage) -> None:
        self.calls.append(("send", message["To"]))


@pytest.fixture
def fake_smtp() -> type[FakeSMTP]:
    FakeSMTP.instances = []
    return FakeSMTP


def test_smtp_starttls_login_send_quit(fake_smtp: type[FakeSMTP]) -> None:
    settings = SmtpSettings(host="smtp.example", port=587, user="mailer", password="hunter22")
    SmtpTransport(settings, connect=fake_smtp).send(mail())  # type: ignore[arg-type]
    assert fake_smtp.instances[0].calls == [
        ("connect", ("smtp.example", 587, 10.0)),
        ("starttls", True),
        ("login", ("mailer", "hunter22")),
        ("send", "ada@lab.example"),
        ("quit", None),
    ]


def test_smtp_relay_without_tls_or_credentials(fake_smtp: type[FakeSMTP]) -> None:
    settings = SmtpSettings(host="localhost", port=25, starttls=False)
    transport = SmtpTransport(settings, connect=fake_smtp)  # type: ignore[arg-type]
    assert fake_smtp.instances == []  # no connection until a send
    transport.send(mail())
    assert [c[0] for c in fake_smtp.instances[0].calls] == ["connect", "send", "quit"]


def test_smtp_settings_never_show_the_password() -> None:
    settings = SmtpSettings(host="smtp.example", user="mailer", password="hunter22")
    assert "hunter22" not in repr(settings) and "hunter22" not in str(settings)


def _serve_one_smtp_session(server: socket.socket, received: list[bytes]) -> None:
    """A minimal SMTP server on loopback: enough protocol for smtplib to deliver one message."""
    conn, _ = server.accept()
    with conn, conn.makefile("rb") as rfile:
        conn.sendall(b"220 test ESMTP\r\n")
        while line := rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                conn.sendall(b"354 go ahead\r\n")
                data = b""
                while (chunk := rfile.readline()) != b".\r\n":
                    data += chunk
                received.append(data)
                conn.sendall(b"250 queued\r\n")
            elif verb == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 ok\r\n")


def test_smtp_delivers_over_a_real_socket() -> None:
    received: list[bytes] = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(10)
        port = server.getsockname()[1]
        thread = threading.Thread(target=_serve_one_smtp_session, args=(server, received))
        thread.start()
        SmtpTransport(SmtpSettings(host="127.0.0.1", port=port, starttls=False, timeout=10)).send(mail("ql_verify_X"))
        thread.join(timeout=10)
    assert len(received) == 1
    delivered = BytesParser(policy=policy.default).parsebytes(received[0])
    assert delivered["To"] == "ada@lab.example"
    assert "ql_verify_X" in delivered.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_already_registered_mail_carries_no_token_and_points_to_login() -> None:
    msg = build_already_registered_mail(
        to="ada@lab.example",
        sender="QuantumLedger <no-reply@ql.example>",
        name="Ada",
        login_url="https://ql.example/api/v1/auth/login",
        now=NOW,
    )
    body = msg.get_content()
    assert msg["To"] == "ada@lab.example" and "already have" in msg["Subject"]
    assert "https://ql.example/api/v1/auth/login" in body and "ql_verify_" not in body
    assert msg["Message-ID"].endswith("@ql.example>")
