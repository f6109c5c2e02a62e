"""The tlog service's I/O besides NATS and PostgreSQL: its key file, and HTTP to witnesses."""
