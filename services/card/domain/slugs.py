"""Card slugs: readable, stable, unique, ASCII.

A slug is derived from the run's program name and backend name (``ghz_3`` on ``ibm_kyiv`` →
``ghz-3-ibm-kyiv``): lower-case ASCII letters and digits separated by single hyphens. Text
is transliterated where Unicode gives an ASCII base (``Zoë`` → ``zoe``, plus a few letters it
does not decompose, ``ß`` → ``ss``; apostrophes vanish, ``Zoë's`` → ``zoes``); other scripts
are dropped, and a run whose names leave nothing gets ``run-<first 8 of run_hash>``. ASCII
keeps a slug the same in a path, a BibTeX key and a terminal, with no percent-encoding.

The same run always yields the same base slug; when it is taken, ``-2``, ``-3``… are tried in
order, so the first card keeps the plain slug for good.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Container

__all__ = ["MAX_SLUG_LENGTH", "base_slug", "is_valid_slug", "slugify", "unique_slug"]

MAX_SLUG_LENGTH = 80
_EXTRA = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "\u0131": "i"}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_VALID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """Lower-case ASCII words of ``text`` joined by hyphens; ``""`` when nothing is left."""
    folded = "".join(_EXTRA.get(char, char) for char in unicodedata.normalize("NFKC", text).casefold())
    ascii_text = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode("ascii")
    slug = _NON_ALNUM.sub("-", ascii_text.replace("'", "")).strip("-")
    return _truncate(slug, max_length)


def _truncate(slug: str, max_length: int) -> str:
    """Cut at a word boundary when one leaves at least half the room, else mid-word."""
    if len(slug) <= max_length:
        return slug
    cut = slug[:max_length]
    boundary = cut.rfind("-")
    if boundary >= max_length // 2:
        cut = cut[:boundary]
    return cut.strip("-")


def base_slug(program_name: str, backend_name: str, run_hash: str) -> str:
    """The slug a run asks for before uniqueness: ``<program>-<backend>``.

    A backend name that repeats the program's last words is not doubled. Leaves room for a
    ``-NNN`` suffix within :data:`MAX_SLUG_LENGTH`.
    """
    room = MAX_SLUG_LENGTH - 4
    program = slugify(program_name, room)
    backend = slugify(backend_name, room)
    if program and backend and (program == backend or program.endswith("-" + backend)):
        backend = ""
    slug = _truncate("-".join(part for part in (program, backend) if part), room)
    return slug or f"run-{run_hash[:8].lower()}"


def unique_slug(base: str, taken: Container[str] | Callable[[str], bool]) -> str:
    """``base`` if free, else the first free ``base-2``, ``base-3``…

    ``taken`` is a set of slugs in use or a predicate answering "is this slug in use?".
    """
    is_taken: Callable[[str], bool] = taken if callable(taken) else taken.__contains__
    if not is_valid_slug(base):
        raise ValueError(f"not a slug: {base!r}")
    if not is_taken(base):
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = _truncate(base, MAX_SLUG_LENGTH - len(suffix)) + suffix
        if not is_taken(candidate):
            return candidate
        number += 1


def is_valid_slug(value: str) -> bool:
    """Does ``value`` have the shape of a slug we issue (the router's path check)?"""
    return len(value) <= MAX_SLUG_LENGTH and _VALID.match(value) is not None
