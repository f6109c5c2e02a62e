"""URL slugs for orgs: ``"Zürich Quantum Lab"`` -> ``"zurich-quantum-lab"``.

Transliteration is NFKD decomposition (drops accents) plus a small table for Latin letters
that do not decompose (ß, æ, ø, ł...). Scripts without a Latin reading (CJK, Cyrillic...)
yield nothing; such a name falls back to ``org``, made unique by a suffix like any other.
The store's unique constraint has the last word: this only picks a free candidate.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable, Iterator

__all__ = [
    "FALLBACK_SLUG",
    "MAX_SLUG_LENGTH",
    "RESERVED_SLUGS",
    "slug_candidates",
    "slugify",
    "unique_slug",
]

MAX_SLUG_LENGTH = 48
FALLBACK_SLUG = "org"
# Names a customer's org must not take: they would read as the platform's own.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "api",
        "app",
        "auth",
        "badge",
        "help",
        "login",
        "quantumledger",
        "root",
        "security",
        "settings",
        "static",
        "status",
        "support",
        "system",
        "trust",
        "well-known",
        "www",
    }
)

_TRANSLITERATE = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "\u0131": "i",
        "&": " and ",
    }
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SUFFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def slugify(name: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """Lowercase ASCII letters and digits joined by single hyphens; ``org`` if nothing is left."""
    text = unicodedata.normalize("NFKD", name.translate(_TRANSLITERATE))
    ascii_text = text.encode("ascii", "ignore").decode("ascii").lower()
    slug = _NON_ALNUM.sub("-", ascii_text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rstrip("-")
    return slug or FALLBACK_SLUG


def _with_suffix(base: str, suffix: str, max_length: int) -> str:
    return f"{base[: max_length - len(suffix) - 1].rstrip('-')}-{suffix}"


def slug_candidates(
    name: str, *, max_length: int = MAX_SLUG_LENGTH, numbered: int = 20, random: int = 10
) -> Iterator[str]:
    """Candidates in order of preference, reserved names left out: ``<slug>``, ``<slug>-2``...
    ``<slug>-<numbered+1>``, then ``random`` random suffixes, so a popular name costs a bounded
    number of look-ups. A generator, so the caller's "is it taken?" may be sync or async."""
    base = slugify(name, max_length)
    numbered_ones = (_with_suffix(base, str(n), max_length) for n in range(2, numbered + 2))
    random_ones = (
        _with_suffix(base, "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(6)), max_length)
        for _ in range(random)
    )
    for candidate in (base, *numbered_ones, *random_ones):
        if candidate not in RESERVED_SLUGS:
            yield candidate


def unique_slug(name: str, is_taken: Callable[[str], bool], *, max_length: int = MAX_SLUG_LENGTH) -> str:
    """The first of :func:`slug_candidates` that ``is_taken`` says is free."""
    for candidate in slug_candidates(name, max_length=max_length):
        if not is_taken(candidate):
            return candidate
    raise RuntimeError(f"no free slug for {name!r}")
