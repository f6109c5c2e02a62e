"""The SDK against the real stack: runs, reproductions, reports, Result Cards and badges."""

from __future__ import annotations

import json
from typing import Any

import pytest
from qlprov.hashing import run_hash
from quantumledger import (
    AsyncClient,
    ForbiddenError,
    GoneError,
    NotFoundError,
    UnauthenticatedError,
    ValidationError,
    verify,
)

from tests.fixtures import Stack
from tests.integration.platform.bundles import bundle
from tests.integration.sdk.helpers import blocking, ghz, sdk

pytestmark = pytest.mark.integration


async def test_runs_ingest_stream_list_get_and_typed_errors(stack: Stack) -> None:
    t = await stack.tenant()
    real = ghz(3)

    def use() -> dict[str, Any]:
        with sdk(stack, t) as ql:
            first = ql.ingest(real)
            again = ql.runs.ingest(json.dumps(real))
            assert (again.run_id, again.deduplicated, first.deduplicated) == (first.run_id, True, False)
            results = list(
                ql.ingest_stream(
                    [real, bundle("s1"), b"{oops", b"", bundle("s2", backend="ibm_torino")],
                    chunk_size=2,
                    progress=False,
                )
            )
            assert [r.line for r in results] == [1, 2, 3, 4, 5]
            assert results[0].run_id == first.run_id and results[0].deduplicated
            assert [r.ok for r in results] == [True, True, False, False, True]
            assert results[2].error and results[2].error["status"] == 400  # not JSON
            with pytest.raises(ValidationError) as bad:
                ql.ingest({**real, "run_hash": "0" * 64})
            assert (bad.value.status == 422 and bad.value.type.endswith("/unprocessable")) or bad.value.detail
            with pytest.raises(NotFoundError):
                ql.runs.get("01JNOPE000000000000000000")
            return {"run_id": first.run_id, "run_hash": first.run_hash, "torino": results[4].run_id}

    first = await blocking(use)
    await stack.wait_caught_up("provenance")

    def read() -> None:
        with sdk(stack, t) as ql:
            page = ql.runs.list(limit=2)
            assert len(page) == 2 and page.next_cursor
            rest = ql.runs.list(limit=2, cursor=page.next_cursor)
            every = list(ql.runs.iter(limit=1))
            assert [r.run_id for r in every][:4] == [r.run_id for r in [*page, *rest]][:4]
            assert len(every) == 3 and all(r.backend and r.shots and r.status == "completed" for r in every)
            doc = ql.runs.get(first["run_id"])
            assert verify(doc).run_hash == run_hash(doc) == first["run_hash"]
            assert [r.run_id for r in ql.runs.iter(backend="ibm/ibm_torino")] == [first["torino"]]

    await blocking(read)

    async with AsyncClient(stack.base_url, t.api_key) as aql:  # the async client, in the test's own loop
        assert (await aql.me()).workspace.id == t.workspace_id
        assert len([r async for r in aql.runs.iter(limit=2)]) == 3
        doc = await aql.runs.get(first["run_id"])
        assert doc["run_hash"] == first["run_hash"]
        assert [r.line async for r in aql.ingest_stream([bundle("a1")], progress=False)] == [1]
    async with AsyncClient(stack.base_url, "ql_live_nobody") as anon:
        with pytest.raises(UnauthenticatedError):
            await anon.runs.list()


async def test_a_key_without_the_scope_gets_a_typed_403_naming_it(stack: Stack) -> None:
    t = await stack.tenant()

    def use() -> None:
        with sdk(stack, t) as ql:
            reader = ql.keys.create("reader", ["runs:read"])
            assert reader.api_key.startswith("ql_live_") and reader.scopes == ["runs:read"]
        with sdk(stack, reader.api_key) as ro:
            assert ro.runs.list().items == []
            with pytest.raises(ForbiddenError) as err:
                ro.ingest(bundle("ro"))
            assert err.value.extensions["scope"] == "runs:write"

    await blocking(use)


async def test_reproduce_waits_for_the_verdict_and_the_report_shows_it(stack: Stack) -> None:
    t = await stack.tenant()

    def use() -> None:
        with sdk(stack, t) as ql:
            run = ql.ingest(ghz(3))
            done = ql.runs.reproduce(run.run_id, days=90, profile="bad_day", seed=42, wait=True)
            assert done.status == "completed" and done.verdict in ("reproduced", "drifted", "failed")
            assert done.hellinger_fidelity is not None and done.noise_floor is not None and done.seed == 42
            assert done.reproduced_run_id and done.reproduced_run_id != run.run_id
            pending = ql.runs.reproduce(run.run_id, days=30)
            assert pending.status in ("pending", "completed") and pending.job_id != done.job_id
            followed = ql.reproductions.get(pending.job_id, wait=True)
            assert followed.status == "completed" and followed.job_id == pending.job_id
            report = ql.runs.report(run.run_id)
            assert report.run_id == run.run_id and report.hash_verified
            assert {r.job_id for r in report.reproductions} >= {done.job_id, pending.job_id}
            assert report.summary.completed >= 2 and report.provenance["program"]["name"] == "ghz_3"
            page = ql.runs.report_html(run.run_id)
            assert page.lstrip().lower().startswith("<!doctype html") and run.run_id in page
            with pytest.raises(ValidationError):
                ql.runs.reproduce(run.run_id, days=-1)
            with pytest.raises(NotFoundError):
                ql.reproductions.get("01JNOPE000000000000000000")

    await blocking(use)


async def test_cards_publish_cite_embed_badges_reproductions_and_withdrawal(stack: Stack) -> None:
    owner, other = await stack.tenant(), await stack.tenant()

    def use() -> None:
        with sdk(stack, owner) as ql:
            run = ql.ingest(ghz(4))
            card = ql.cards.publish(run.run_id, authors=["Zoë Ñúñez", {"name": "Ada Lovelace"}], keywords=["ghz"])
            assert card.change == "created" and card.version == 1 and card.slug.startswith("ghz-4-ibm-kyiv")
            assert [a.name for a in card.authors] == ["Zoë Ñúñez", "Ada Lovelace"] and card.keywords == ["ghz"]
            assert (
                ql.cards.publish(run.run_id, authors=["Zoë Ñúñez", "Ada Lovelace"], keywords=["ghz"]).change
                == "unchanged"
            )
            v2 = ql.cards.publish(run.run_id, authors=["Zoë Ñúñez"], title="GHZ-4, drifted")
            assert (v2.change, v2.version, v2.slug) == ("new_version", 2, card.slug)
            slug = card.slug
        with sdk(stack, None) as public:  # reading needs no credential
            got = public.cards.get(slug)
            assert got.title == "GHZ-4, drifted" and got.run and got.run.run_id == run.run_id and got.run.hash_verified
            bib = public.cards.citation(slug)
            assert bib.startswith("@misc{") and "Ñúñez" in bib
            assert json.loads(public.cards.citation(slug, "csl"))[0]["type"] == "dataset"
            assert public.cards.citation(slug, "ris").startswith("TY  - DATA")
            assert "cff-version: 1.2.0" in public.cards.citation(slug, "cff")
            assert "<iframe" in public.cards.embed(slug)
            oembed = public.cards.oembed(slug, maxwidth=400)
            assert oembed.type == "rich" and oembed.width is not None and oembed.width <= 400
            assert run_hash(public.cards.provenance(slug)) == run.run_hash
            badge = public.cards.badge(slug, "provenance")
            assert badge.schema_version == 1 and badge.label and badge.message
            assert public.cards.badge_svg(slug, "fidelity").startswith("<svg")
        with sdk(stack, other) as theirs:  # an independent reproduction, from another workspace
            submitted = theirs.cards.submit_reproduction(slug, ghz(4, seed=99))
            assert submitted.slug == slug and submitted.verdict and not submitted.deduplicated
            assert theirs.cards.submit_reproduction(slug, ghz(4, seed=99)).deduplicated
            assert submitted.reproductions.count == 1
            mine = theirs.ingest(ghz(4, seed=7))  # or one of your runs, by id
            by_id = theirs.cards.submit_reproduction(slug, run_id=mine.run_id)
            assert by_id.run_id == mine.run_id and by_id.reproductions.count == 2
            with pytest.raises(ValueError):
                theirs.cards.submit_reproduction(slug)
        with sdk(stack, owner) as ql:
            assert ql.cards.get(slug).reproductions.count == 2
            tomb = ql.cards.unpublish(run.run_id, reason="superseded")
            assert (tomb.slug, tomb.status, tomb.change) == (slug, "withdrawn", "withdrawn")
            assert ql.cards.unpublish(run.run_id).change == "unchanged"
            with pytest.raises(GoneError) as gone:
                ql.cards.get(slug)
            assert gone.value.status == 410 and gone.value.extensions["slug"] == slug
            assert ql.cards.badge(slug, "reproduced").message == "withdrawn"
            with pytest.raises(NotFoundError):
                ql.cards.get("no-such-card")

    await blocking(use)
