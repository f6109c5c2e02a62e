from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.card.domain.errors import InvalidOrcid
from services.card.domain.orcid import check_character, orcid_url, parse_orcid

# real iDs from ORCID's documentation (Josiah Carberry and others), one with an X check character
VALID = ["0000-0002-1825-0097", "0000-0001-5109-3700", "0000-0002-1694-233X"]


@pytest.mark.parametrize("orcid", VALID)
def test_real_orcids_pass(orcid: str) -> None:
    assert parse_orcid(orcid) == orcid
    assert check_character(orcid.replace("-", "")[:15]) == orcid[-1]


@pytest.mark.parametrize(
    "pasted",
    [
        "https://orcid.org/0000-0002-1694-233X",
        "http://orcid.org/0000-0002-1694-233x",
        "orcid.org/0000-0002-1694-233X",
        "https://www.orcid.org/0000-0002-1694-233X/",
        " 0000000216942 33X ".replace(" ", ""),
        "  0000-0002-1694-233x  ",
    ],
)
def test_pasted_forms_are_normalized_to_the_bare_id(pasted: str) -> None:
    assert parse_orcid(pasted) == "0000-0002-1694-233X"


@pytest.mark.parametrize(
    "bad",
    [
        "0000-0002-1825-0098",  # wrong check digit
        "0000-0002-1825-009X",
        "0000-0002-1825-009",
        "0000-0002-1825-00977",
        "https://example.org/0000-0002-1825-0097",
        "٠٠٠٠-٠٠٠٢-١٨٢٥-٠٠٩٧",  # noqa: RUF001 (Arabic-Indic digits are not ORCID digits)
        "",
    ],
)
def test_invalid_orcids_are_rejected(bad: str) -> None:
    with pytest.raises(InvalidOrcid):
        parse_orcid(bad)


def test_orcid_url() -> None:
    assert orcid_url("0000-0002-1825-0097") == "https://orcid.org/0000-0002-1825-0097"


@given(st.text(alphabet="0123456789", min_size=15, max_size=15), st.integers(0, 14), st.integers(1, 9))
def test_every_single_digit_error_is_caught(digits: str, position: int, delta: int) -> None:
    full = digits + check_character(digits)
    orcid = "-".join(full[i : i + 4] for i in range(0, 16, 4))
    assert parse_orcid(orcid) == orcid
    wrong = digits[:position] + str((int(digits[position]) + delta) % 10) + digits[position + 1 :] + full[15]
    with pytest.raises(InvalidOrcid):
        parse_orcid(wrong)
