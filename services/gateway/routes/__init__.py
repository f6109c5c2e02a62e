"""Every controller the gateway serves; a new resource adds its controller here."""

from typing import Any

from services.gateway.routes.attestation import AttestationsController, TrustController, WellKnownController
from services.gateway.routes.auth import AuthController
from services.gateway.routes.badges import badge_route
from services.gateway.routes.cards import CardPagesController, CardsController
from services.gateway.routes.compliance import ComplianceController, FrameworksController
from services.gateway.routes.keys import ApiKeysController
from services.gateway.routes.leaderboard import LeaderboardController, LeaderboardPagesController
from services.gateway.routes.members import InvitationsController, MembersController
from services.gateway.routes.reproduce import ReproduceController
from services.gateway.routes.runs import RunsController, ingest_stream
from services.gateway.routes.static import static_file
from services.gateway.routes.system import SystemController
from services.gateway.routes.tlog import LOG_ROUTES, with_transparency

__all__ = ["CONTROLLERS"]

CONTROLLERS: list[Any] = [
    SystemController,
    RunsController,
    ingest_stream,
    AuthController,
    ApiKeysController,
    MembersController,
    InvitationsController,
    LeaderboardController,
    LeaderboardPagesController,
    FrameworksController,
    ComplianceController,
    WellKnownController,
    TrustController,
    with_transparency(CardsController, AttestationsController),  # their JSON carries the log's proof
    CardPagesController,
    ReproduceController,
    badge_route,
    *LOG_ROUTES,
    static_file,  # the card page's style and scripts
]
