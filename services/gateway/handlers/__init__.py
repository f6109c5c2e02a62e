"""The gateway's operations over NATS, one table: the operator's commands on the identity model
(``ql admin``, the dev bootstrap, tests). Requests from people come over HTTP (``routes/``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qlcore.service import Operation

from services.gateway.handlers import admin

if TYPE_CHECKING:
    from services.gateway.bootstrap import Deps

__all__ = ["OPERATIONS"]

OPERATIONS: tuple[Operation[Deps], ...] = (
    Operation("admin.create_org", admin.create_org),
    Operation("admin.create_workspace", admin.create_workspace),
    Operation("admin.set_plan", admin.set_plan),
    Operation("admin.dev_key", admin.dev_key),
    Operation("admin.unlock", admin.unlock),
)
