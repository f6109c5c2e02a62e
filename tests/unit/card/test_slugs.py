from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.card.domain.slugs import MAX_SLUG_LENGTH, base_slug, is_valid_slug, slugify, unique_slug

HASH = "ae190305a5779bd9afb524eb9bc3951827f27b085862dc48255f62bf303a7f36"


def test_slug_from_program_and_backend() -> None:
    assert base_slug("ghz_3", "ibm_kyiv", HASH) == "ghz-3-ibm-kyiv"
    assert base_slug("GHZ-3", "ibm_kyiv", HASH) == "ghz-3-ibm-kyiv"
    assert base_slug("Bell state (2q)", "ionq.aria-1", HASH) == "bell-state-2q-ionq-aria-1"


def test_backend_repeating_the_program_name_is_not_doubled() -> None:
    assert base_slug("calibrate ibm_kyiv", "ibm_kyiv", HASH) == "calibrate-ibm-kyiv"
    assert base_slug("ibm_kyiv", "ibm_kyiv", HASH) == "ibm-kyiv"


def test_unicode_is_transliterated_or_dropped() -> None:
    assert slugify("Zoë’s Ñúñez-Straße état") == "zoes-nunez-strasse-etat"  # noqa: RUF001
    assert slugify("Zoë's") == "zoes"
    assert slugify("Øresund Łódź Þórr") == "oresund-lodz-thorr"
    assert slugify("ｆｕｌｌｗｉｄｔｈ ＧＨＺ") == "fullwidth-ghz"  # noqa: RUF001 (NFKC folds compatibility forms)
    assert slugify("量子テレポーテーション") == ""
    assert base_slug("量子", "ibm_kyiv", HASH) == "ibm-kyiv"


def test_a_run_whose_names_leave_nothing_gets_its_hash() -> None:
    assert base_slug("量子", "李", HASH) == "run-ae190305"


def test_the_same_run_always_gets_the_same_base_slug() -> None:
    assert {base_slug("ghz_3", "ibm_kyiv", HASH) for _ in range(5)} == {"ghz-3-ibm-kyiv"}


def test_taken_slugs_get_numbered_suffixes_from_two() -> None:
    taken = {"ghz-3-ibm-kyiv"}
    assert unique_slug("ghz-3-ibm-kyiv", set()) == "ghz-3-ibm-kyiv"
    assert unique_slug("ghz-3-ibm-kyiv", taken) == "ghz-3-ibm-kyiv-2"
    taken |= {"ghz-3-ibm-kyiv-2", "ghz-3-ibm-kyiv-3"}
    assert unique_slug("ghz-3-ibm-kyiv", taken) == "ghz-3-ibm-kyiv-4"


def test_taken_may_be_a_predicate() -> None:
    asked: list[str] = []

    def is_taken(slug: str) -> bool:
        asked.append(slug)
        return slug in {"bell", "bell-2"}

    assert unique_slug("bell", is_taken) == "bell-3"
    assert asked == ["bell", "bell-2", "bell-3"]


def test_long_names_are_cut_at_a_word_and_leave_room_for_the_suffix() -> None:
    program = "variational quantum eigensolver for the hydrogen molecule " * 3
    base = base_slug(program, "ibm_kyiv", HASH)
    assert len(base) <= MAX_SLUG_LENGTH - 4
    assert not base.endswith("-") and is_valid_slug(base)
    long_base = "a" * MAX_SLUG_LENGTH
    suffixed = unique_slug(long_base, {long_base})
    assert suffixed.endswith("-2") and len(suffixed) == MAX_SLUG_LENGTH and is_valid_slug(suffixed)


def test_is_valid_slug() -> None:
    assert is_valid_slug("ghz-3-ibm-kyiv")
    for bad in ("", "-ghz", "ghz-", "ghz--3", "GHZ", "ghz_3", "zoë", "a/b", "a" * (MAX_SLUG_LENGTH + 1)):
        assert not is_valid_slug(bad), bad


@given(st.text(max_size=200))
def test_slugify_gives_a_valid_slug_or_nothing(text: str) -> None:
    slug = slugify(text)
    assert slug == "" or is_valid_slug(slug)


@given(st.text(min_size=1, max_size=60), st.text(max_size=60), st.sets(st.integers(2, 12)))
def test_unique_slug_never_returns_a_taken_slug(program: str, backend: str, numbers: set[int]) -> None:
    base = base_slug(program, backend, HASH)
    taken = {base} | {f"{base}-{n}" for n in numbers}
    slug = unique_slug(base, taken)
    assert slug not in taken and is_valid_slug(slug) and slug.startswith(base)
