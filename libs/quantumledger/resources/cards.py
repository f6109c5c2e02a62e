"""Result Cards: publish and withdraw (your runs), and the public side: the card, its citation,
embed, provenance document, badges and independent reproductions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar

from quantumledger._calls import Call, Resource, decoded, endpoint, seg, text
from quantumledger.models import Author, Badge, Card, OEmbed, SubmittedReproduction, Tombstone
from quantumledger.resources.runs import Bundle, _verified, bundle_bytes

__all__ = ["BadgeType", "Cards", "CitationFormat"]

M = TypeVar("M")
CitationFormat = Literal["bibtex", "csl", "ris", "cff"]
BadgeType = Literal["provenance", "reproduced", "fidelity", "backend", "attested"]


def _author(a: str | Author | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(a, str):
        return {"name": a}
    if isinstance(a, Author):
        return {k: v for k, v in a.to_dict().items() if v is not None}
    return dict(a)


class Cards(Resource[M]):
    """Result Cards. Reading a card needs no credential; publishing needs ``cards:publish``."""

    @endpoint
    def publish(
        self,
        run_id: str,
        *,
        authors: Sequence[str | Author | Mapping[str, Any]],
        title: str | None = None,
        abstract: str | None = None,
        license: str | None = None,
        keywords: Sequence[str] = (),
    ) -> Call[Card]:
        """Publish a run as a public, citable card. Again with changed metadata: a new version
        (same slug); unchanged: nothing happens (``change == "unchanged"``), so it is retried
        safely; a withdrawn card is restored. ``license`` is an SPDX id (default CC-BY-4.0)."""
        body: dict[str, Any] = {"authors": [_author(a) for a in authors]}
        body |= {k: v for k, v in {"title": title, "abstract": abstract, "license": license}.items() if v is not None}
        if keywords:
            body["keywords"] = list(keywords)
        return Call("POST", f"/api/v1/runs/{seg(run_id)}/card/publish", decoded(Card), body=body, idempotent=True)

    @endpoint
    def unpublish(self, run_id: str, *, reason: str | None = None) -> Call[Tombstone]:
        """Withdraw a run's card: its public endpoints answer 410 with this tombstone."""
        body = {"reason": reason} if reason else {}
        return Call(
            "POST", f"/api/v1/runs/{seg(run_id)}/card/unpublish", decoded(Tombstone), body=body, idempotent=True
        )

    @endpoint
    def get(self, slug: str) -> Call[Card]:
        """The public card (a withdrawn one raises :class:`~quantumledger.errors.GoneError`)."""
        return Call("GET", f"/api/v1/cards/{seg(slug)}", decoded(Card), headers={"Accept": "application/json"})

    @endpoint
    def citation(self, slug: str, format: CitationFormat | str = "bibtex") -> Call[str]:
        """The citation as text: BibTeX, CSL-JSON, RIS or CITATION.cff."""
        return Call("GET", f"/api/v1/cards/{seg(slug)}/citation", text, params={"format": format})

    @endpoint
    def embed(self, slug: str, *, maxwidth: int | None = None, maxheight: int | None = None) -> Call[str]:
        """The HTML snippet that embeds the card (a sandboxed iframe)."""
        params = {"maxwidth": maxwidth, "maxheight": maxheight}
        return Call("GET", f"/api/v1/cards/{seg(slug)}/embed", text, params=params)

    @endpoint
    def oembed(self, slug: str, *, maxwidth: int | None = None, maxheight: int | None = None) -> Call[OEmbed]:
        """The oEmbed 1.0 answer (``rich``) for the card."""
        params = {"format": "json", "maxwidth": maxwidth, "maxheight": maxheight}
        return Call("GET", f"/api/v1/cards/{seg(slug)}/embed", decoded(OEmbed), params=params)

    @endpoint
    def provenance(self, slug: str, *, verify: bool = True) -> Call[dict[str, Any]]:
        """The published run's provenance document, verified offline unless ``verify=False``."""
        return Call("GET", f"/api/v1/cards/{seg(slug)}/provenance", _verified(verify))

    @endpoint
    def submit_reproduction(
        self, slug: str, bundle: Bundle | None = None, *, run_id: str | None = None
    ) -> Call[SubmittedReproduction]:
        """Submit an independent reproduction: a run bundle (ingested as your run) or the
        ``run_id`` of one of your runs. Scored against the card's run; the same run submitted
        twice counts once (so it is retried safely)."""
        if (bundle is None) == (run_id is None):
            raise ValueError("give either a bundle or a run_id")
        content = bundle_bytes(bundle) if bundle is not None else None
        body = {"run_id": run_id} if run_id is not None else None
        return Call(
            "POST",
            f"/api/v1/cards/{seg(slug)}/reproductions",
            decoded(SubmittedReproduction),
            body=body,
            content=content,
            headers={"Content-Type": "application/json"},
            idempotent=True,
        )

    @endpoint
    def badge(self, slug: str, badge_type: BadgeType | str) -> Call[Badge]:
        """A badge as shields.io endpoint JSON."""
        return Call("GET", f"/badge/{seg(slug)}/{seg(badge_type)}.json", decoded(Badge))

    @endpoint
    def badge_svg(self, slug: str, badge_type: BadgeType | str) -> Call[str]:
        """A badge as an SVG image (shields' flat style)."""
        return Call("GET", f"/badge/{seg(slug)}/{seg(badge_type)}.svg", text)
