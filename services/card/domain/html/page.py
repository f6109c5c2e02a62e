"""The card page for people (``/cards/{slug}``) and its compact embed variant.

Pure functions returning ``str``. Every value that comes from a user or a document goes
through :func:`html.escape` (text and attributes alike), or, in the page's JSON data block,
through :func:`_json_for_html`; nothing else is interpolated.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import msgspec

from services.card.domain.attestations import AttestationSummary
from services.card.domain.badges.kinds import BADGE_TYPES, badge_for, format_fidelity
from services.card.domain.citation import FORMATS, render_citation
from services.card.domain.citation.common import published_date
from services.card.domain.html.assets import COPY_SCRIPT, ICON, STYLESHEET, VERIFY_SCRIPT
from services.card.domain.html.embed import embed_snippet
from services.card.domain.licenses import license_url
from services.card.domain.lifecycle import summarize_reproductions
from services.card.domain.links import CardLinks
from services.card.domain.model import Card, Reproduction, Tombstone
from services.card.domain.orcid import orcid_url

__all__ = ["render_card_page", "render_tombstone_page"]

_FORMAT_TITLES = {"bibtex": "BibTeX", "csl": "CSL-JSON", "ris": "RIS", "cff": "CITATION.cff"}


# The site's header and footer (services/gateway/web/templates/base.html), public links only: the
# card service reads no session, so the page is the same for everyone (and cacheable).
_SITE_HEADER = (
    '<a class="skip" href="#main">Skip to content</a>'
    '<header class="top"><nav aria-label="Main"><a class="brand" href="/">QuantumLedger</a>'
    '<a href="/leaderboard">Leaderboard</a><a href="/docs">API docs</a></nav></header>'
)
_SITE_FOOTER = (
    '<footer class="foot"><p>QuantumLedger · provenance for quantum runs · <a href="/docs">API</a> · '
    '<a href="/leaderboard">Leaderboard</a></p></footer>'
)


def _document(title: str, head: str, body: str, *, embed: bool = False, scripts: str = "") -> str:
    """A whole page; the embed (shown in another site's iframe) gets no site navigation."""
    if embed:
        page = f'<body class="embed"><main>{body}</main>'
    else:
        page = f'<body class="site">{_SITE_HEADER}<main id="main">{body}</main>{_SITE_FOOTER}'
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="{ICON}">'  # no /favicon.ico request (and no 404 in the console)
        f'<title>{escape(title)}</title>{head}<link rel="stylesheet" href="{STYLESHEET}"></head>'
        f"{page}{scripts}</body></html>\n"
    )


def _json_for_html(value: object) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` (so no
    ``</script>`` or ``<!--``), and no U+2028/U+2029; JSON.parse reads it back unchanged."""
    text = msgspec.json.encode(value).decode()
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


# The checks the reader's browser runs (services/gateway/static/card/verify.js), by name.
_CHECKS = (
    ("document", "Provenance document", "The run's provenance document hashes to the run_hash this card states."),
    ("attestation", "Attestation signature", "The workspace's attestation is signed by the ledger's published key."),
    ("entry", "Log entry", "The public transparency log recorded this very card."),
    ("checkpoint", "Log checkpoint", "The log's latest checkpoint is signed by the log's key."),
    ("inclusion", "Inclusion proof", "The card's entry is in the tree that checkpoint signs."),
)


def _checks(card: Card, attestation_refs: Sequence[tuple[str, str]]) -> str:
    """The "Check this card yourself" section: every step "Not checked" until the script runs
    (without JavaScript it stays so, and says why), and the data the script starts from."""
    items = "".join(
        f'<li class="check" data-check="{name}" data-state="unchecked"><span class="check-state">Not checked</span>'
        f"<strong>{title}</strong>"
        f'<p class="check-detail">{escape(what)} Not checked: this runs in your browser, with JavaScript.</p></li>'
        for name, title, what in _CHECKS
    )
    data = {
        "slug": card.slug,
        "run_hash": card.run.run_hash,
        "attestations": [{"id": att_id, "framework": framework} for att_id, framework in attestation_refs],
    }
    return (
        '<h2 id="checks-title">Check this card yourself</h2>'
        '<p class="muted">Your browser fetches the documents behind this card and checks them itself: it recomputes '
        "the provenance document's hash, verifies the signatures with the published keys and the log's proof. "
        "It trusts this server for nothing but the bytes it sends; the keys and the scripts still come from it "
        '(<code>docs/transparency-log.md</code>, "What the card page checks", says how to pin them).</p>'
        f'<ol class="checks" id="card-checks" aria-labelledby="checks-title" aria-live="polite">{items}</ol>'
        f'<script type="application/json" id="ql-card-data">{_json_for_html(data)}</script>'
    )


def _scholar_meta(card: Card, links: CardLinks) -> str:
    """Highwire tags, which Google Scholar and Zotero's page translator read."""
    tags = [("citation_title", card.title), ("citation_publisher", "QuantumLedger")]
    tags += [("citation_author", author.name) for author in card.authors]
    tags += [
        ("citation_publication_date", published_date(card).strftime("%Y/%m/%d")),
        ("citation_public_url", links.html),
        ("description", card.abstract or card.title),
    ]
    return "".join(f'<meta name="{name}" content="{escape(value)}">' for name, value in tags)


def _authors(card: Card) -> str:
    items = []
    for author in card.authors:
        text = escape(author.name)
        if author.orcid:
            text += f' <a href="{escape(orcid_url(author.orcid))}" title="ORCID">ORCID {escape(author.orcid)}</a>'
        if author.affiliation:
            text += f' <span class="muted">({escape(author.affiliation)})</span>'
        items.append(f"<li>{text}</li>")
    return f'<ul class="authors">{"".join(items)}</ul>'


def _badges(
    card: Card, links: CardLinks, reproductions: Sequence[Reproduction], attestations: AttestationSummary
) -> str:
    summary = summarize_reproductions(reproductions)
    images = []
    for kind in BADGE_TYPES:
        view = badge_for(kind, card, summary, attestations)
        alt = f"{view.label}: {view.message}"
        images.append(f'<img src="{escape(links.badges[kind].svg)}" alt="{escape(alt)}" title="{escape(alt)}">')
    return f'<p class="badges">{"".join(images)}</p>'


def _run_table(card: Card, links: CardLinks) -> str:
    run = card.run
    verified = "verified" if run.hash_verified else "NOT verified"
    rows = [
        ("Program", escape(run.program_name)),
        ("Backend", f"{escape(run.backend)} ({run.num_qubits} qubits)"),
        ("Shots", str(run.shots)),
        ("Calibration taken at", f"<time>{escape(run.calibration_taken_at)}</time>"),
        ("Run created at", f"<time>{escape(run.created_at)}</time>"),
        ("run_hash", f"<code>{escape(run.run_hash)}</code> ({verified})"),
        ("Provenance document", f'<a href="{escape(links.provenance)}">qlprov/run/1.0</a>'),
    ]
    cells = "".join(f'<tr><th scope="row">{name}</th><td>{value}</td></tr>' for name, value in rows)
    return f"<table>{cells}</table>"


_EMBED_AUTHORS = 3


def _embed_body(card: Card, links: CardLinks, badges: str) -> str:
    """The compact card of the embed iframe: a fixed design that fits the snippet's 560 x 360 and
    a 390 px wide phone (card.css, ``.embed``): the title on at most two lines, the authors and
    each fact on one line (cut with an ellipsis, whole in a ``title``), the badges, the link to
    the full card at the bottom. Its height does not grow with the card."""
    run = card.run
    names = [author.name for author in card.authors]
    shown = ", ".join(names[:_EMBED_AUTHORS])
    if len(names) > _EMBED_AUTHORS:
        shown += f" and {len(names) - _EMBED_AUTHORS} more"
    byline = f"{shown} · version {card.version} · {published_date(card).isoformat()}"
    facts = (
        ("Program", run.program_name),
        ("Backend", f"{run.backend} ({run.num_qubits} qubits)"),
        ("Shots", str(run.shots)),
        ("run_hash", run.run_hash),
    )
    rows = "".join(
        f'<tr><th scope="row">{name}</th><td title="{escape(value)}">{escape(value)}</td></tr>' for name, value in facts
    )
    return (
        f'<h1 title="{escape(card.title)}">{escape(card.title)}</h1>'
        f'<p class="byline" title="{escape(", ".join(names))}">{escape(byline)}</p>'
        f'{badges}<table class="facts">{rows}</table>'
        f'<p class="embed-foot"><a class="embed-more" href="{escape(links.html)}" target="_blank" rel="noopener">'
        "Full card, citation and data</a><span>QuantumLedger Result Card</span></p>"
    )


def _reproductions(reproductions: Sequence[Reproduction]) -> str:
    if not reproductions:
        return '<p class="muted">No reproductions yet.</p>'
    independent = sum(item.kind == "independent" for item in reproductions)
    note = (
        f'<p class="muted">{independent} independent, {len(reproductions) - independent} simulated by the'
        " card's owner (simulations are not independent reproductions).</p>"
    )
    rows = "".join(
        f'<tr class="{escape(item.kind)}"><td><time>{escape(item.submitted_at)}</time></td>'
        f"<td>{escape(item.kind)}</td><td>{escape(item.submitted_by)}</td><td>{escape(item.method)}</td>"
        f"<td>{escape(item.backend_provider)}/{escape(item.backend_name)}</td><td>{item.shots}</td>"
        f"<td>{format_fidelity(item.hellinger_fidelity)}</td><td>{escape(item.verdict)}</td></tr>"
        for item in sorted(reproductions, key=lambda item: item.submitted_at, reverse=True)
    )
    head = (
        "<tr><th>Submitted</th><th>Kind</th><th>Submitted by</th><th>How</th><th>Backend</th><th>Shots</th>"
        "<th>Hellinger fidelity</th><th>Verdict</th></tr>"
    )
    return f'{note}<div class="table-wrap"><table><thead>{head}</thead><tbody>{rows}</tbody></table></div>'


def _copy_block(block_id: str, text: str, label: str) -> str:
    return (
        f'<div class="block"><button type="button" data-copy="{block_id}" aria-label="Copy {escape(label)}">'
        f'Copy</button><pre id="{block_id}">{escape(text)}</pre></div>'
    )


def _citations(card: Card, links: CardLinks) -> str:
    parts = []
    for name, fmt in FORMATS.items():
        text = render_citation(card, links, fmt).body.decode("utf-8")
        title = _FORMAT_TITLES[name]
        parts.append(
            f'<h3>{title} <a class="muted" href="{escape(links.citations[name])}">download</a></h3>'
            + _copy_block(f"cite-{name}", text, title)
        )
    return "".join(parts)


def render_card_page(
    card: Card,
    links: CardLinks,
    reproductions: Sequence[Reproduction] = (),
    *,
    attestations: AttestationSummary = AttestationSummary(),
    attestation_refs: Sequence[tuple[str, str]] = (),
    embed: bool = False,
) -> str:
    """The card page; ``embed`` gives the compact page shown inside the embed iframe (no script:
    the iframe's sandbox runs none). ``attestations``: the workspace's attestations summarized
    (status and controls: its ``attested`` badge); ``attestation_refs``: its unrevoked attestations
    as (id, framework), whose signatures the reader's browser checks."""
    if card.withdrawn:
        raise ValueError("a withdrawn card is shown as its tombstone")
    head = (
        f'<link rel="canonical" href="{escape(links.html)}">'
        f'<link rel="alternate" type="application/json+oembed" href="{escape(links.oembed)}" '
        f'title="{escape(card.title)}">'
        f'<link rel="alternate" type="application/json" href="{escape(links.api)}">' + _scholar_meta(card, links)
    )
    version = (
        f'<p class="muted">Result Card · version {card.version} · published <time>{escape(card.published_at)}</time>'
        f' · license <a href="{escape(license_url(card.license))}">{escape(card.license)}</a></p>'
    )
    header = f"<h1>{escape(card.title)}</h1>{version}{_authors(card)}"
    badges = _badges(card, links, reproductions, attestations)
    if embed:
        return _document(card.title, head, _embed_body(card, links, badges), embed=True)
    abstract = ""
    if card.abstract:
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in card.abstract.split("\n\n"))
        abstract = f"<h2>Abstract</h2>{paragraphs}"
    keywords = ""
    if card.keywords:
        keywords = f'<p class="muted">Keywords: {escape(", ".join(card.keywords))}</p>'
    body = (
        header
        + badges
        + abstract
        + keywords
        + f"<h2>Run</h2>{_run_table(card, links)}"
        + _checks(card, attestation_refs)
        + f"<h2>Reproductions</h2>{_reproductions(reproductions)}"
        + f"<h2>Cite this result</h2>{_citations(card, links)}"
        + f"<h2>Embed</h2>{_copy_block('embed-code', embed_snippet(card, links), 'embed code')}"
    )
    scripts = f'<script src="{COPY_SCRIPT}" defer></script><script type="module" src="{VERIFY_SCRIPT}"></script>'
    return _document(f"{card.title} · QuantumLedger", head, body, scripts=scripts)


def render_tombstone_page(tombstone: Tombstone) -> str:
    """What people see (with 410 Gone) at a withdrawn card's address."""
    body = (
        "<h1>Result Card withdrawn</h1>"
        f"<p>{escape(tombstone.message)}</p>"
        f'<p class="muted">Card <code>{escape(tombstone.slug)}</code> · withdrawn '
        f"<time>{escape(tombstone.withdrawn_at)}</time></p>"
    )
    return _document("Result Card withdrawn · QuantumLedger", '<meta name="robots" content="noindex">', body)
