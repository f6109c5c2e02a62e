"""An org's public trust center: its frameworks and their status, its attestations (active and
revoked, each with its verify link) and its published cards, as JSON and as an HTML page.

Only what is public anyway is shown: statuses and counts, never the evidence items (which
name runs and API key prefixes); the attestations themselves are verifiable by anyone. The
attestations (newest first) and the cards (by slug) come a page at a time
(``QL_ATTESTATION_TRUST_PAGE``) with their totals: an org with years of daily attestations and
thousands of cards still fits one reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import msgspec
from qlcore.errors import NotFound
from qlcore.rpc import RpcReply, RpcRequest, json_reply

from services.attestation import store
from services.attestation.domain import (
    AttestationView,
    CardView,
    FrameworkStatusView,
    OrgView,
    TrustCenterView,
    render_trust_center,
)
from services.attestation.domain.trust_center import CONTENT_SECURITY_POLICY, card_url, verify_url
from services.attestation.handlers.attestations import JWKS_PATH, REVOCATIONS_PATH
from services.attestation.handlers.requests import PUBLIC_CACHE, TrustQuery

if TYPE_CHECKING:
    from services.attestation.bootstrap import Deps

__all__ = ["trust_center", "trust_json", "trust_page"]


async def trust_center(deps: Deps, q: TrustQuery) -> TrustCenterView:
    catalog, org_slug, size = deps.catalog, q.org_slug, deps.config.trust_page
    async with deps.rt.pool.connection() as conn:
        org = await store.org_by_slug(conn, org_slug)
        if org is None:
            raise NotFound(f"no trust center for {org_slug!r}")
        workspaces = await store.workspace_ids_of(conn, org.org_id)
        ids = [ws for ws, _ in workspaces]
        frameworks: list[FrameworkStatusView] = []
        for ws, ws_slug in workspaces:
            latest = await store.latest_evaluations(conn, ws)
            for row in await store.enabled_frameworks(conn, ws):
                framework = catalog.get(row.framework_id, row.framework_version) or catalog.get(row.framework_id)
                last = latest.get(row.framework_id)
                counts = last.result["counts"] if last else {}
                frameworks.append(
                    FrameworkStatusView(
                        id=row.framework_id,
                        version=last.framework_version if last else row.framework_version,
                        title=framework.title if framework else row.framework_id,
                        status=last.result["status"] if last else "not_evaluated",
                        workspace=ws_slug if len(workspaces) > 1 else None,
                        passing=counts.get("passing", 0),
                        failing=counts.get("failing", 0),
                        not_applicable=counts.get("not_applicable", 0),
                        evaluated_at=last.evaluated_at if last else None,
                    )
                )
        attestations = [
            AttestationView(
                att_id=a.attestation_id,
                framework_id=a.framework_id,
                framework_version=a.framework_version,
                issued_at=a.issued_at,
                evidence_root=a.evidence_root,
                revoked=a.revoked_at is not None,
                revoked_at=a.revoked_at,
                reason=a.revoked_reason,
            )
            for a in await store.attestations_of(conn, ids, limit=size, offset=q.attestations_offset)
        ]
        page = await store.public_cards_of(conn, ids, limit=size, offset=q.cards_offset)
        cards = [CardView(slug=slug, title=title) for slug, title in page]
        totals = await store.attestation_count(conn, ids), await store.public_card_count(conn, ids)
    return TrustCenterView(
        org=OrgView(slug=org.slug, name=org.name),
        frameworks=frameworks,
        attestations=attestations,
        cards=cards,
        attestations_total=totals[0],
        cards_total=totals[1],
    )


async def trust_json(deps: Deps, req: RpcRequest) -> RpcReply:
    """The view as JSON, with absolute links to check every claim."""
    q: TrustQuery = req.json(TrustQuery)
    org_slug = q.org_slug
    view = await trust_center(deps, q)
    base = deps.rt.settings.base_url()
    out: dict[str, Any] = msgspec.to_builtins(view)
    statuses = {a.att_id: a for a in view.attestations}
    for item in out["attestations"]:
        item["verify_url"] = verify_url(item["att_id"], base)
        item["status"] = "revoked" if statuses[item["att_id"]].revoked else "active"
    for item in out["cards"]:
        item["url"] = card_url(item["slug"], base)
    out["jwks_url"] = base + JWKS_PATH
    out["revocations_url"] = base + REVOCATIONS_PATH
    out["page_url"] = f"{base}/trust/{org_slug}"
    here = f"{base}/api/v1/trust/{quote(org_slug, safe='')}"
    for what, offset, total in (
        ("attestations", q.attestations_offset, view.attestations_total),
        ("cards", q.cards_offset, view.cards_total),
    ):
        end = offset + len(out[what])
        out[f"{what}_next"] = f"{here}?{what}_offset={end}" if end < total else None
    return json_reply(out, headers={"Cache-Control": PUBLIC_CACHE})


async def trust_page(deps: Deps, req: RpcRequest) -> RpcReply:
    """The page for people; links are site-relative unless a public base URL is configured."""
    view = await trust_center(deps, req.json(TrustQuery))
    page = render_trust_center(view, base_url=deps.rt.settings.public_base_url)
    return RpcReply(
        200,
        page.encode(),
        "text/html",
        {
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "Cache-Control": PUBLIC_CACHE,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )
