// The card page's own checks, run by the reader's browser against what the server sends
// (trusting none of it): each step of the "Check this card yourself" list is set to passed,
// failed, not applicable or not checked, with a sentence saying what was compared. The data
// the page states (its slug, its run_hash, its attestations) comes from the page's
// <script type="application/json" id="ql-card-data"> block; everything else is fetched from
// the same origin (connect-src 'self'). See docs/transparency-log.md, "What the card page checks".

import {
  CannotCheck,
  b64decode,
  cardVersionDocument,
  equalBytes,
  leafHash,
  openCheckpoint,
  parseEntry,
  parseProofBundle,
  parseVkey,
  rootFromInclusionProof,
  runHash,
  sha256,
  short,
  toHex,
  blake3,
  verifyEnvelope,
} from "./checks.js";

const LABELS = {
  pending: "Checking…",
  passed: "Passed",
  failed: "Failed",
  "not-applicable": "Not applicable",
  unchecked: "Not checked",
};

class Unchecked extends CannotCheck {} // the check could not be made (network, browser): not a failure
class NotApplicable extends Error {}

function show(name, state, detail) {
  const item = document.querySelector(`[data-check="${name}"]`);
  if (!item) return;
  item.dataset.state = state;
  item.querySelector(".check-state").textContent = LABELS[state];
  item.querySelector(".check-detail").textContent = detail;
}

async function fetchOk(path, accept) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: accept }, credentials: "omit" });
  } catch (err) {
    throw new Unchecked(`could not fetch ${path} (${err.message})`);
  }
  if (!response.ok) throw new Unchecked(`${path} answered ${response.status}`);
  return response;
}

const fetchJson = async (path) => JSON.parse(await (await fetchOk(path, "application/json")).text());
const fetchText = async (path) => (await fetchOk(path, "text/plain")).text();

// Run one step: its function returns the sentence to show when it passed.
async function step(name, run) {
  try {
    show(name, "passed", await run());
    return true;
  } catch (err) {
    if (err instanceof NotApplicable) show(name, "not-applicable", err.message);
    else if (err instanceof CannotCheck) show(name, "unchecked", `Could not be checked: ${err.message}.`);
    else show(name, "failed", `${err.message}.`);
    return false;
  }
}

// Start what several steps share at once; each step awaits what it needs.
function memo(fn) {
  let promise;
  return () => (promise ??= fn());
}

export async function verifyCard(data) {
  const slug = encodeURIComponent(data.slug);
  const card = memo(() => fetchJson(`/api/v1/cards/${slug}`));
  const logInfo = memo(() => fetchJson("/.well-known/quantumledger-log.json"));
  const jwks = memo(() => fetchJson("/.well-known/quantumledger-jwks.json"));
  const bundle = memo(async () => {
    const transparency = (await card()).transparency;
    if (!transparency || typeof transparency.bundle !== "string") {
      throw new Unchecked("the log has not yet signed a checkpoint that covers this card (it does within seconds of publication; reload to check)");
    }
    const parsed = parseProofBundle(transparency.bundle);
    if (parsed.index !== transparency.index) throw new Error("The card's proof bundle names another log index than the card");
    return parsed;
  });
  const checkpoint = memo(async () => {
    const info = await logInfo();
    const log = await parseVkey(String(info.vkey));
    return { log, cp: await openCheckpoint(await fetchText("/log/checkpoint"), log) };
  });

  const steps = [
    step("document", async () => {
      const document = await fetchJson(`/api/v1/cards/${slug}/provenance`);
      const { hash, bytes } = runHash(document);
      if (hash !== data.run_hash) {
        throw new Error(
          `The provenance document does not match this card: its BLAKE3 hash, recomputed here over its ` +
            `${bytes.toLocaleString("en")} canonical bytes, is ${short(hash)}, the card states ${short(data.run_hash)}`,
        );
      }
      return (
        `Your browser put the provenance document into its RFC 8785 canonical form ` +
        `(${bytes.toLocaleString("en")} bytes) and hashed it with BLAKE3: ${short(hash)}, the run_hash this card states.`
      );
    }),
    step("attestation", async () => {
      const attestations = data.attestations || [];
      if (attestations.length === 0) {
        throw new NotApplicable("The workspace that published this card holds no attestation: there is no signature to check.");
      }
      const keys = await jwks();
      const checked = [];
      for (const att of attestations) {
        const envelope = await fetchJson(`/api/v1/attestations/${encodeURIComponent(att.id)}/envelope`);
        try {
          const { keyid } = await verifyEnvelope(envelope, keys, att.id);
          checked.push(`${att.framework} (key ${short(keyid)})`);
        } catch (err) {
          throw new Error(`The ${att.framework} attestation ${att.id} is not validly signed: ${err.message}`);
        }
      }
      return (
        `The signature${checked.length > 1 ? "s" : ""} of the workspace's attestation${checked.length > 1 ? "s" : ""} ` +
        `${checked.join(", ")} verified with Ed25519 over the DSSE encoding, with the key of the ledger's published key set.`
      );
    }),
    step("entry", async () => {
      const view = await card();
      const { entry: bytes, index } = await bundle();
      const entry = parseEntry(bytes);
      if (view.run.run_hash !== data.run_hash) throw new Error("The card's JSON states another run_hash than this page");
      if (entry.kind !== "card_published" || entry.subject !== view.slug) {
        throw new Error(`Log entry ${index} is a ${entry.kind} entry about ${entry.subject}, not this card's publication`);
      }
      const document = cardVersionDocument(view);
      const b3 = toHex(blake3(document));
      const s256 = toHex(await sha256(document));
      if (b3 !== entry.blake3 || s256 !== entry.sha256) {
        throw new Error(
          `The card differs from what the log recorded at entry ${index}: its record hashes to ${short(s256)} (SHA-256), ` +
            `the log's entry says ${short(entry.sha256)}`,
        );
      }
      return `Entry ${index} of the log records this card (version ${view.version}, published ${entry.time}): the card's record, rebuilt here, has the entry's BLAKE3 and SHA-256 digests.`;
    }),
    step("checkpoint", async () => {
      const { log, cp } = await checkpoint();
      return `The log's latest checkpoint (${cp.size.toLocaleString("en")} entries) carries a valid Ed25519 signature by the log's key ${log.name}+${log.keyId}.`;
    }),
    step("inclusion", async () => {
      const { index, entry } = await bundle();
      let cp;
      try {
        ({ cp } = await checkpoint());
      } catch (err) {
        throw new Unchecked("there is no verified checkpoint to check the proof against");
      }
      const proof = await fetchJson(`/api/v1/log/proof/inclusion?index=${index}&size=${cp.size}`);
      if (proof.index !== index || proof.tree_size !== cp.size || !Array.isArray(proof.proof)) {
        throw new Error("The log answered an inclusion proof for another entry or tree");
      }
      const root = await rootFromInclusionProof(index, cp.size, await leafHash(entry), proof.proof.map(b64decode));
      if (!equalBytes(root, cp.root)) {
        throw new Error(
          `The inclusion proof does not lead to the checkpoint: it gives the root ${short(toHex(root))}, ` +
            `the signed checkpoint has ${short(toHex(cp.root))}`,
        );
      }
      return `The RFC 6962 inclusion proof (${proof.proof.length} SHA-256 hashes) leads from entry ${index} to the root of the signed checkpoint: the log cannot drop or change this entry without the change showing.`;
    }),
  ];
  const results = await Promise.all(steps);
  return results.every(Boolean);
}

function start() {
  const block = document.getElementById("ql-card-data");
  const list = document.getElementById("card-checks");
  if (!block || !list) return;
  const data = JSON.parse(block.textContent);
  list.setAttribute("aria-busy", "true");
  for (const item of list.querySelectorAll("[data-check]")) show(item.dataset.check, "pending", "Checking in your browser…");
  verifyCard(data)
    .catch((err) => console.error("card checks:", err))
    .finally(() => {
      list.setAttribute("aria-busy", "false");
      list.dataset.done = "true";
    });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
