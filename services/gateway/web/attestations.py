"""``/attestations/{id}``: an attestation's public verification as a page (the trust center's
"verify" links land here; ``/api/v1/attestations/{id}/verify`` is the same check as JSON)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get

from services.gateway.web.common import ServiceError, call, error_page, not_found
from services.gateway.web.render import page, viewer

__all__ = ["AttestationPages"]


class AttestationPages(Controller):
    path = "/attestations"
    include_in_schema = False

    @get("/{att_id:str}")
    async def verify(self, request: Request[Any, Any, Any], att_id: str) -> Response[str]:
        who = await viewer(request)
        try:
            reply = await call(request, "attestation", "attestations.verify", {"attestation_id": att_id}, None)
        except ServiceError as err:
            if err.status == 404:
                return not_found(request, who, "attestation")
            return error_page(request, err, who)
        v = reply.json()
        return page(
            request,
            "attestation.html",
            title=f"Attestation {att_id}",
            who=who,
            att_id=att_id,
            v=v,
            api=f"/api/v1/attestations/{att_id}/verify",
        )
