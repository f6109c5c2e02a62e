"""Every controller the gateway serves; a new resource adds its controller here."""

from services.gateway.routes.runs import RunsController
from services.gateway.routes.system import SystemController

__all__ = ["CONTROLLERS"]

CONTROLLERS: list[type] = [SystemController, RunsController]
