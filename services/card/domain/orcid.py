"""ORCID iDs: parsing and the ISO 7064 mod 11-2 check character.

An ORCID iD is 16 characters in four hyphenated groups; the last one is a check character
over the first 15 digits (https://support.orcid.org/hc/en-us/articles/360006897674).
People paste them bare, as ``https://orcid.org/…`` or ``orcid.org/…``; we accept those
and keep the bare form.
"""

from __future__ import annotations

import re

from services.card.domain.errors import InvalidOrcid

__all__ = ["check_character", "orcid_url", "parse_orcid"]

_ORCID = re.compile(
    r"^(?:(?:https?://)?(?:www\.)?orcid\.org/)?(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])/?$",
    re.IGNORECASE | re.ASCII,
)


def check_character(base_digits: str) -> str:
    """ISO 7064 mod 11-2 check character of the first 15 digits of an ORCID iD."""
    if len(base_digits) != 15 or not base_digits.isascii() or not base_digits.isdigit():
        raise InvalidOrcid("an ORCID check is computed over exactly 15 digits")
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def parse_orcid(value: str) -> str:
    """Return the bare ``0000-0000-0000-000X`` form, or raise :class:`InvalidOrcid`."""
    match = _ORCID.match(value.strip())
    if match is None:
        raise InvalidOrcid(f"not an ORCID iD: {value!r}")
    groups = [group.upper() for group in match.groups()]
    digits = "".join(groups)
    if check_character(digits[:15]) != digits[15]:
        raise InvalidOrcid(f"ORCID iD {value!r} fails its checksum (ISO 7064 mod 11-2)")
    return "-".join(groups)


def orcid_url(orcid: str) -> str:
    """The canonical https URL of a bare ORCID iD."""
    return f"https://orcid.org/{orcid}"
