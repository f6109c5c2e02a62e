"""The transparency log at the edge: C2SP files (``files``), the JSON API and the workspace setting
(``api``), and the proof bundles embedded in card and attestation JSON (``embed``)."""

from services.gateway.routes.tlog.api import LogApiController, LogIdentityController, WorkspaceTransparencyController
from services.gateway.routes.tlog.embed import with_transparency
from services.gateway.routes.tlog.files import log_files

__all__ = [
    "LOG_ROUTES",
    "LogApiController",
    "LogIdentityController",
    "WorkspaceTransparencyController",
    "log_files",
    "with_transparency",
]

LOG_ROUTES = [LogApiController, LogIdentityController, WorkspaceTransparencyController, log_files]
