"""The gateway's I/O beyond its store: the mail transports (SMTP, the development outbox)."""
