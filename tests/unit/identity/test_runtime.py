from __future__ import annotations

from pathlib import Path

import pytest
from qlcore.config import load_settings
from qlcore.errors import Unprocessable

from services.gateway.adapters.mail import FileSinkTransport, SmtpTransport
from services.gateway.config import load_config
from services.gateway.identity.accounts import normalize_email
from services.gateway.identity.runtime import mail_transport
from services.gateway.projection import IdentityProjection, month_of


def test_mail_goes_to_the_outbox_under_home_unless_smtp_is_configured(tmp_path: Path) -> None:
    settings = load_settings(env={"QL_HOME": str(tmp_path)})
    sink = mail_transport(load_config(settings, {}))
    assert isinstance(sink, FileSinkTransport) and sink.outbox == tmp_path / "outbox"
    smtp_env = {"QL_SMTP_HOST": "mail.lab.example", "QL_SMTP_USER": "ql", "QL_SMTP_PASSWORD": "s3cret"}
    smtp = mail_transport(load_config(settings, smtp_env))
    assert isinstance(smtp, SmtpTransport)
    assert (smtp.settings.host, smtp.settings.port, smtp.settings.starttls) == ("mail.lab.example", 587, True)
    assert "s3cret" not in repr(smtp.settings) and "s3cret" not in repr(load_config(settings, smtp_env))
    tls = mail_transport(load_config(settings, {"QL_SMTP_HOST": "mail.lab.example", "QL_SMTP_TLS": "1"}))
    assert isinstance(tls, SmtpTransport) and (tls.settings.port, tls.settings.implicit_tls) == (465, True)


def test_gateway_config_is_read_at_start_and_checked(tmp_path: Path) -> None:
    settings = load_settings(env={"QL_HOME": str(tmp_path)})
    cfg = load_config(settings, {"QL_MAIL_FROM": "Lab <ql@lab.example>", "QL_IDENTITY_KEYS_FILE": "/etc/ql/id.keys"})
    assert cfg.mail_from == "Lab <ql@lab.example>" and cfg.identity_keys_file == Path("/etc/ql/id.keys")
    assert cfg.keys_home == tmp_path / "keys" and cfg.smtp is None
    assert load_config(settings, {}).identity_keys_file is None
    with pytest.raises(ValueError, match="invalid gateway settings"):
        load_config(settings, {"QL_GATEWAY_BACKLOG": "0"})


def test_addresses_are_compared_case_insensitively_and_checked() -> None:
    assert normalize_email("  Ada@Lab.Example ") == "ada@lab.example"
    for bad in ("ada", "ada@lab", "a b@lab.example", "ada@@lab.example", "x" * 250 + "@lab.example"):
        with pytest.raises(Unprocessable):
            normalize_email(bad)


def test_monthly_usage_is_keyed_by_the_events_utc_month() -> None:
    assert month_of("2026-02-28T23:59:59.999999Z") == "2026-02-01"
    assert month_of("2026-03-01T00:00:00Z") == "2026-03-01"


def test_the_digest_covers_every_table_replay_rebuilds() -> None:
    p = IdentityProjection()
    tables = {t for t, _ in p.tables}
    assert tables == {
        "orgs",
        "workspaces",
        "api_keys",
        "accounts",
        "members",
        "sessions",
        "verification_tickets",
        "plan_changes",
        "monthly_usage",
        "invitations",
    }
    for table in tables:
        assert f"CREATE TABLE IF NOT EXISTS {table} " in p.ddl
    assert "login_throttle" not in p.ddl  # operational state: a replay must not re-lock anyone
    assert {"run.ingested", "reproduction.requested", "org.plan_changed", "session.ended"} <= p.handles
    assert {"invitation.issued", "invitation.accepted", "member.role_changed", "member.removed"} <= p.handles


def test_every_plan_limit_has_a_usage_reader() -> None:
    from services.gateway.deps import USAGE
    from services.gateway.domain.plans import default_catalog

    assert set(USAGE) == set(default_catalog().limits)
