from __future__ import annotations

from qlcore.http_cache import BADGE_CACHE_CONTROL, if_none_match, strong_etag


def test_strong_etag_is_a_quoted_hash_of_the_body() -> None:
    tag = strong_etag(b"<svg/>")
    assert tag == strong_etag(b"<svg/>") and tag.startswith('"') and tag.endswith('"') and len(tag) == 34
    assert not tag.startswith("W/")
    assert strong_etag(b"<svg/> ") != tag
    assert strong_etag(b"") != tag


def test_if_none_match() -> None:
    tag = strong_etag(b"body")
    assert if_none_match(tag, tag)
    assert if_none_match(f'"other", {tag}', tag)
    assert if_none_match(f"W/{tag}", tag)  # weak comparison, as RFC 9110 requires here
    assert if_none_match("*", tag)
    assert not if_none_match(None, tag)
    assert not if_none_match('"other"', tag)
    assert not if_none_match(tag[:-2] + '"', tag)
    assert not if_none_match(tag.strip('"'), tag)  # unquoted is not an entity tag


def test_badge_cache_control_lets_cdns_cache_and_revalidate() -> None:
    directives = {d.split("=")[0]: d.partition("=")[2] for d in BADGE_CACHE_CONTROL.split(", ")}
    assert "public" in directives and int(directives["max-age"]) == 300
    assert int(directives["stale-while-revalidate"]) > 0
