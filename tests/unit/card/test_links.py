from __future__ import annotations

import pytest

from services.card.domain.links import card_links


def test_card_links() -> None:
    links = card_links("https://ql.example.org/", "ghz-3-ibm-kyiv", "01JRUN")
    assert links.origin == "https://ql.example.org"
    assert links.html == "https://ql.example.org/cards/ghz-3-ibm-kyiv"
    assert links.api == "https://ql.example.org/api/v1/cards/ghz-3-ibm-kyiv"
    assert links.embed == links.api + "/embed" and links.oembed == links.api + "/embed?format=json"
    assert links.provenance == links.api + "/provenance"  # public: /api/v1/runs/{id} needs auth
    assert links.reproductions == links.api + "/reproductions"
    assert links.badges["fidelity"].svg == "https://ql.example.org/badge/ghz-3-ibm-kyiv/fidelity.svg"
    assert links.badges["fidelity"].json == "https://ql.example.org/badge/ghz-3-ibm-kyiv/fidelity.json"
    assert set(links.badges) == {"provenance", "reproduced", "fidelity", "backend", "attested"}
    assert links.citations["ris"] == links.api + "/citation?format=ris"
    assert card_links("http://127.0.0.1:8080/ql", "a", "r").origin == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    ("base", "slug", "run_id"),
    [
        ("ftp://x.org", "a", "r"),
        ('https://x.org/"><script>', "a", "r"),
        ("https://x.org", "Not A Slug", "r"),
        ("https://x.org", "a", "../etc"),
    ],
)
def test_card_links_refuse_unsafe_parts(base: str, slug: str, run_id: str) -> None:
    with pytest.raises(ValueError):
        card_links(base, slug, run_id)
