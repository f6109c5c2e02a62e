"""``ql cards publish|unpublish|show|cite|embed``."""

from __future__ import annotations

import click

from quantumledger.cli._common import client, echo_json, json_option

__all__ = ["cards"]


@click.group()
def cards() -> None:
    """Result Cards: publish a run as a public, citable card; show, cite and embed cards."""


@cards.command("publish")
@click.argument("run_id")
@click.option("--author", "authors", multiple=True, required=True, help="An author's name (repeat for several).")
@click.option("--orcid", "orcids", multiple=True, help="The ORCID iD of the author at the same position.")
@click.option("--title", help="Title (default: from the program and backend).")
@click.option("--abstract", help="Abstract.")
@click.option("--license", "license_", help="SPDX license id (default CC-BY-4.0).")
@click.option("--keyword", "keywords", multiple=True, help="A keyword (repeat for several).")
@json_option
def publish(
    run_id: str,
    authors: tuple[str, ...],
    orcids: tuple[str, ...],
    title: str | None,
    abstract: str | None,
    license_: str | None,
    keywords: tuple[str, ...],
    as_json: bool,
) -> None:
    """Publish RUN_ID as a Result Card (again: a new version if the metadata changed)."""
    if len(orcids) > len(authors):
        raise click.UsageError("more --orcid than --author")
    people = [
        {"name": a, **({"orcid": orcids[i]} if i < len(orcids) and orcids[i] else {})} for i, a in enumerate(authors)
    ]
    with client() as c:
        card = c.cards.publish(
            run_id, authors=people, title=title, abstract=abstract, license=license_, keywords=keywords
        )
    if as_json:
        echo_json(card)
        return
    click.echo(f"{card.slug}  version {card.version} ({card.change})")
    click.echo(f"  page:  {card.links.html}")
    click.echo(f"  cite:  ql cards cite {card.slug} --format bibtex")


@cards.command("unpublish")
@click.argument("run_id")
@click.option("--reason", help="Why (kept with the withdrawal).")
@json_option
def unpublish(run_id: str, reason: str | None, as_json: bool) -> None:
    """Withdraw RUN_ID's card: its public pages answer 410 with a tombstone."""
    with client() as c:
        tomb = c.cards.unpublish(run_id, reason=reason)
    if as_json:
        echo_json(tomb)
    else:
        click.echo(f"{tomb.slug}  {tomb.status} at {tomb.withdrawn_at} ({tomb.change})")


@cards.command("show")
@click.argument("slug")
@json_option
def show(slug: str, as_json: bool) -> None:
    """Show the public card SLUG (exit 5 if there is none or it was withdrawn)."""
    with client() as c:
        card = c.cards.get(slug)
    if as_json:
        echo_json(card)
        return
    run = card.run
    click.echo(f"{card.title}  ({card.slug}, version {card.version})")
    click.echo(f"  authors:       {', '.join(a.name for a in card.authors)}")
    click.echo(f"  license:       {card.license}   published {card.published_at}")
    if run is not None:
        verified = "verified" if run.hash_verified else "not verified"
        click.echo(f"  run:           {run.run_id} on {run.backend}, {run.shots} shots, run_hash {verified}")
    r = card.reproductions
    click.echo(f"  reproductions: {r.count} ({r.reproduced} reproduced, {r.drifted} drifted, {r.failed} failed)")
    click.echo(f"  page:          {card.links.html}")


@cards.command("cite")
@click.argument("slug")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["bibtex", "csl", "ris", "cff"]),
    default="bibtex",
    show_default=True,
    help="BibTeX, CSL-JSON, RIS or CITATION.cff.",
)
def cite(slug: str, fmt: str) -> None:
    """Print the citation of card SLUG."""
    with client() as c:
        click.echo(c.cards.citation(slug, fmt).rstrip("\n"))


@cards.command("embed")
@click.argument("slug")
@click.option("--oembed", is_flag=True, help="The oEmbed JSON instead of the HTML snippet.")
def embed(slug: str, oembed: bool) -> None:
    """Print the HTML that embeds card SLUG in a page (a sandboxed iframe)."""
    with client() as c:
        if oembed:
            echo_json(c.cards.oembed(slug))
        else:
            click.echo(c.cards.embed(slug).rstrip("\n"))
