"""The tlog service's operations: the public log (``log.*``) and the workspace setting
(``transparency.*``), one table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qlcore.service import Operation

from services.tlog.handlers import log, workspaces

if TYPE_CHECKING:
    from services.tlog.bootstrap import Deps

__all__ = ["OPERATIONS"]

OPERATIONS: tuple[Operation[Deps], ...] = (
    Operation("log.checkpoint", log.checkpoint),
    Operation("log.tile", log.tile),
    Operation("log.entry", log.entry),
    Operation("log.inclusion", log.inclusion),
    Operation("log.consistency", log.consistency),
    Operation("log.bundle", log.bundle),
    Operation("log.info", log.info),
    Operation("transparency.get", workspaces.get_setting),
    Operation("transparency.set", workspaces.set_setting),
)
