from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.gateway.domain.slugs import (
    MAX_SLUG_LENGTH,
    RESERVED_SLUGS,
    slug_candidates,
    slugify,
    unique_slug,
)

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Zürich Quantum Lab", "zurich-quantum-lab"),
        ("  Institut für Quantenoptik & -information ", "institut-fur-quantenoptik-and-information"),
        ("Straße der Qubits", "strasse-der-qubits"),
        ("Łódź Ørsted Æther", "lodz-orsted-aether"),
        ("\uff26\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48\u3000\uff2c\uff41\uff42", "fullwidth-lab"),
        ("IBM-Q__Network!!", "ibm-q-network"),
        ("量子计算", "org"),
        ("", "org"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_long_names_are_cut_at_a_word_boundary_without_a_trailing_hyphen() -> None:
    slug = slugify("a" * 47 + " bcd")
    assert slug == "a" * 47
    assert len(slugify("word " * 40)) <= MAX_SLUG_LENGTH


@given(st.text())
def test_slugify_always_gives_a_valid_slug(name: str) -> None:
    slug = slugify(name)
    assert SLUG.fullmatch(slug) and len(slug) <= MAX_SLUG_LENGTH


def test_unique_slug_adds_a_number_when_taken() -> None:
    taken = {"quantum-lab", "quantum-lab-2"}
    assert unique_slug("Quantum Lab", taken.__contains__) == "quantum-lab-3"
    assert unique_slug("Other Lab", taken.__contains__) == "other-lab"


def test_reserved_names_are_never_given() -> None:
    assert "admin" in RESERVED_SLUGS
    assert unique_slug("Admin", set().__contains__) == "admin-2"


def test_suffix_fits_within_the_maximum_length() -> None:
    base = slugify("x" * 100)
    taken = {base}
    slug = unique_slug("x" * 100, taken.__contains__)
    assert slug == "x" * (MAX_SLUG_LENGTH - 2) + "-2"


def test_random_suffixes_after_the_numbered_ones_then_give_up() -> None:
    candidates = list(slug_candidates("Lab", numbered=3, random=4))
    assert candidates[:4] == ["lab", "lab-2", "lab-3", "lab-4"]
    assert len(candidates) == 8
    assert all(re.fullmatch(r"lab-[a-z2-9]{6}", c) for c in candidates[4:])
    with pytest.raises(RuntimeError, match="no free slug"):
        unique_slug("Lab", lambda _: True)
