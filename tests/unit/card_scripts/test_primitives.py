"""The card page's verifier scripts (``services/gateway/static/card/``) in headless Chromium,
against independent references: BLAKE3 against the official test vectors and the ``blake3``
package, RFC 8785 against the ledger's canonicaliser (and ``rfc8785``) on real ~75 KB bundles,
DSSE, signed notes and inclusion proofs against ``qlprov`` and ``cryptography``.

No server: the page and its modules are served to the browser by Playwright's request
interception (``page.route``) on a made-up origin, straight from the files the gateway serves.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import blake3
import msgspec
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from playwright.async_api import Page, Route, async_playwright
from qlprov.attest.dsse import pae, sign_envelope
from qlprov.attest.jwk import jwk_thumbprint, public_jwk
from qlprov.canonical import canonicalize
from qlprov.hashing import run_hash
from qlprov.tlog.checkpoint import Checkpoint, sign_checkpoint
from qlprov.tlog.keys import Ed25519Signer
from qlprov.tlog.memory import MemoryTree
from qlprov.tlog.merkle import inclusion_proof
from quantumledger.examples import BACKENDS, ghz_bundle

from services.gateway.routes.static import ASSETS
from tests.browser import FLAGS, chromium_path

pytestmark = pytest.mark.browser

ORIGIN = "https://card-scripts.test"  # a secure context: WebCrypto exists only in one
VECTORS = json.loads((Path(__file__).with_name("blake3_vectors.json")).read_text())["cases"]
# keys that sort differently by UTF-16 code units than by code points, escapes, non-ASCII
TRICKY_KEYS = ["é", "€", "\U0001f600", "\ufb33", "\ue000", "a\u0000", "A", "a", "\u2028", '"', "\\", "\x7f", "日本"]


@pytest.fixture(scope="module")
async def page() -> AsyncIterator[Page]:
    async def serve(route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN)
        if path == "/":
            await route.fulfill(body="<!doctype html><title>scripts</title>", content_type="text/html")
        elif path.startswith("/static/") and path.removeprefix("/static/") in ASSETS:
            asset = ASSETS[path.removeprefix("/static/")]
            await route.fulfill(body=asset.body, content_type=asset.media_type)
        else:
            await route.fulfill(status=404, body="")

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=FLAGS, headless=True)
        try:
            context = await browser.new_context()
            await context.route(f"{ORIGIN}/**", serve)
            pg = await context.new_page()
            await pg.goto(ORIGIN + "/")
            yield pg
        finally:
            await browser.close()


async def run(page: Page, module: str, body: str, arg: Any = None) -> Any:
    """Evaluate ``body`` (an async function body with ``m``, the module, and ``arg``) in the page."""
    script = f"async (arg) => {{ const m = await import('/static/card/{module}'); {body} }}"
    return await page.evaluate(script, arg)


async def test_blake3_matches_the_official_test_vectors(page: Page) -> None:
    got = await run(
        page,
        "blake3.js",
        "return arg.map((n) => m.toHex(m.blake3(Uint8Array.from({length: n}, (_, i) => i % 251))));",
        [case["input_len"] for case in VECTORS],
    )
    assert got == [case["hash"] for case in VECTORS]


async def test_blake3_matches_the_blake3_package_on_random_inputs(page: Page) -> None:
    rng = random.Random(20261207)
    # around every chunk and block boundary of the first trees, and some larger inputs
    lengths = [n + d for n in (0, 64, 1024, 2048, 3072, 4096, 8192, 16384, 65536) for d in (-1, 0, 1) if n + d >= 0]
    lengths += [rng.randrange(1, 300_000) for _ in range(40)]
    inputs = [rng.randbytes(n) for n in lengths]
    got = await run(
        page,
        "blake3.js",
        "return arg.map((b64) => m.toHex(m.blake3(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)))));",
        [base64.b64encode(data).decode() for data in inputs],
    )
    assert got == [blake3.blake3(data).hexdigest() for data in inputs]
    assert got[0] != got[1]  # not a constant


def _tricky(bundle: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The bundle with non-ASCII and escape-worthy keys, and numbers in every ECMAScript form."""
    numbers = [
        1.0,
        -0.0,
        1e21,
        1e-7,
        123456789012345.6,
        5e-324,
        1.7976931348623157e308,
        0.1 + 0.2,
        2**53 - 1,
        -(2**53 - 1),
    ]
    numbers += [rng.uniform(-1e30, 1e30) * 10 ** rng.randint(-30, 30) for _ in range(50)]
    bundle["annotations"] = {
        key: {"value": numbers[i % len(numbers)], "text": key * 2} for i, key in enumerate(TRICKY_KEYS)
    }
    bundle["annotations"]["numbers"] = numbers
    bundle["program"]["name"] = "Zoë's GHZ \U0001f600 \u2028 <tag>"
    return bundle


async def test_jcs_and_run_hash_match_the_ledger_on_real_bundles(page: Page) -> None:
    rng = random.Random(8785)
    documents = [ghz_bundle(n, backend=b) for b in BACKENDS for n in (3, 5)]
    documents += [_tricky(ghz_bundle(4, backend=b), rng) for b in BACKENDS]
    texts = [json.dumps(d, ensure_ascii=False) for d in documents]
    assert min(len(t) for t in texts) > 50_000  # the real bundles, not toys
    got = await run(
        page,
        "checks.js",
        """const jcs = await import('/static/card/jcs.js');
        return arg.map((text) => {
          const doc = JSON.parse(text);
          const canonical = jcs.canonicalBytes(doc);
          return {b64: m.b64encode(canonical), runHash: m.runHash(doc).hash};
        });""",
        texts,
    )
    for document, answer in zip(documents, got, strict=True):
        expected = canonicalize(document)
        assert base64.b64decode(answer["b64"]) == expected == rfc8785.dumps(document)
        assert answer["runHash"] == run_hash(document)
    assert got[0]["runHash"] == documents[0]["run_hash"]  # the bundle's own, stated hash


async def test_jcs_refuses_what_jcs_refuses(page: Page) -> None:
    got = await run(
        page,
        "jcs.js",
        """return arg.map((text) => { try { m.canonicalize(JSON.parse(text)); return "ok"; }
                                      catch (e) { return "refused"; } });""",
        ['{"a": "\\ud800"}', '{"\\udc00": 1}', '{"a": "\\ud83d\\ude00"}'],
    )
    assert got == ["refused", "refused", "ok"]


async def test_dsse_envelopes_verify_with_the_jwks_and_forgeries_do_not(page: Page) -> None:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    jwk = public_jwk(raw)

    class Signer:
        keyid = jwk_thumbprint(jwk.x)

        def sign(self, message: bytes) -> bytes:
            return key.sign(message)

    payload = json.dumps({"predicate": {"attestation_id": "01JATT"}, "ü": "ß"}).encode()
    envelope = msgspec.to_builtins(sign_envelope(payload, "application/vnd.in-toto+json", Signer()))
    jwks = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": jwk.x, "kid": jwk.kid}]}
    other = Ed25519PrivateKey.generate()
    forged = {
        **envelope,
        "signatures": [{**envelope["signatures"][0], "sig": base64.b64encode(other.sign(b"x")).decode()}],
    }
    altered = {**envelope, "payload": base64.b64encode(payload.replace(b"01JATT", b"01JATU")).decode()}
    unknown = {**envelope, "signatures": [{**envelope["signatures"][0], "keyid": "someone-else"}]}
    got = await run(
        page,
        "checks.js",
        """const out = [];
        const enc = new TextEncoder();
        out.push(btoa(String.fromCharCode(...m.pae("application/vnd.in-toto+json", enc.encode(arg.payload)))));
        for (const [env, id] of arg.cases) {
          try { out.push((await m.verifyEnvelope(env, arg.jwks, id)).keyid); }
          catch (e) { out.push("failed: " + e.message); }
        }
        return out;""",
        {
            "payload": payload.decode(),
            "jwks": jwks,
            "cases": [
                [envelope, "01JATT"],
                [forged, "01JATT"],
                [altered, "01JATU"],
                [unknown, "01JATT"],
                [envelope, "X"],
            ],
        },
    )
    assert base64.b64decode(got[0]) == pae("application/vnd.in-toto+json", payload)
    assert got[1] == jwk.kid
    assert got[2].startswith("failed: the signature by key") and got[3].startswith("failed: the signature by key")
    assert got[4] == "failed: no signature is by a key of the ledger's published key set"
    assert got[5] == "failed: the signed statement is attestation 01JATT, not X"


async def test_checkpoints_and_inclusion_proofs_check_like_the_log_library(page: Page) -> None:
    origin = "ledger.example.org/log"
    log = Ed25519Signer.generate(origin)
    impostor = Ed25519Signer.generate(origin)
    tree = MemoryTree()
    entries = [f"entry {i}".encode() for i in range(1000)]
    for data in entries:
        tree.append(data)
    rng = random.Random(6962)
    cases = []
    for size in (1, 2, 3, 7, 8, 255, 256, 257, 1000):
        for index in {0, size - 1, rng.randrange(size)}:
            proof = inclusion_proof(size, index, tree.read)
            cases.append(
                {
                    "size": size,
                    "index": index,
                    "entry": entries[index].decode(),
                    "proof": [base64.b64encode(h).decode() for h in proof],
                }
            )
    size = 1000
    note = sign_checkpoint(Checkpoint(origin, size, tree.root()), [log]).decode()
    forged = sign_checkpoint(Checkpoint(origin, size, tree.root()), [impostor]).decode()  # same name, other key
    # the impostor's signature bytes under the log's key ID: a signature by the log's key that fails
    impostor_sig = base64.b64decode(forged.rstrip("\n").split("\n")[-1].split(" ")[-1])[4:]
    bad = base64.b64encode(log.key_id.to_bytes(4, "big") + impostor_sig).decode()
    tampered_sig = note[: note.rindex("\n\n") + 2] + f"\u2014 {origin} {bad}\n"
    got = await run(
        page,
        "checks.js",
        """const log = await m.parseVkey(arg.vkey);
        const open = async (text) => { try { const cp = await m.openCheckpoint(text, log);
            return {size: cp.size, root: m.toHex(cp.root)}; } catch (e) { return "failed: " + e.message; } };
        const results = [];
        for (const c of arg.cases) {
          const leaf = await m.leafHash(new TextEncoder().encode(c.entry));
          const proof = c.proof.map(m.b64decode);
          const root = m.toHex(await m.rootFromInclusionProof(c.index, c.size, leaf, proof));
          let flipped = null;
          if (proof.length) { proof[proof.length - 1][0] ^= 1;
            flipped = m.toHex(await m.rootFromInclusionProof(c.index, c.size, leaf, proof)); }
          let short = null;
          try { await m.rootFromInclusionProof(c.index, c.size, leaf, proof.slice(1)); short = "accepted"; }
          catch (e) { short = "refused"; }
          results.push({root, flipped, short});
        }
        return {honest: await open(arg.note), impostor: await open(arg.forged), tampered: await open(arg.tampered),
                results};""",
        {"vkey": log.verifier().vkey(), "cases": cases, "note": note, "forged": forged, "tampered": tampered_sig},
    )
    assert got["honest"] == {"size": size, "root": tree.root().hex()}
    assert got["impostor"] == "failed: the checkpoint is not signed by the log's key"
    assert got["tampered"] == "failed: the log's signature on the checkpoint does not verify"
    for case, result in zip(cases, got["results"], strict=True):
        expected = MemoryTree(tree.read([(0, i) for i in range(case["size"])])).root().hex()
        assert result["root"] == expected, case
        if case["proof"]:
            assert result["flipped"] != expected and result["short"] == "refused", case
