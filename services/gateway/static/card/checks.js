// The checks the card page runs in the reader's browser, as pure functions over bytes and
// parsed JSON: SHA-256 and Ed25519 are WebCrypto's (crypto.subtle), BLAKE3 and RFC 8785 are
// ours (blake3.js, jcs.js). Each function either returns what it established or throws an
// Error whose message says, in plain words, what did not hold. No function here fetches.

import { blake3, toHex } from "./blake3.js";
import { canonicalBytes } from "./jcs.js";

const utf8 = new TextEncoder();

/** A check that could not be made (no WebCrypto, no Ed25519, a failed fetch): not a failure of
 * what is checked. */
export class CannotCheck extends Error {}

function subtle() {
  if (!globalThis.crypto || !crypto.subtle) {
    throw new CannotCheck("this browser offers no WebCrypto here (it does only on pages served over HTTPS)");
  }
  return crypto.subtle;
}

export function b64decode(text) {
  // Canonical standard base64 only: one text, one byte string (as the log's own parser).
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
    throw new Error("not canonical base64");
  }
  const raw = atob(text);
  const bytes = Uint8Array.from(raw, (c) => c.charCodeAt(0));
  if (b64encode(bytes) !== text) throw new Error("not canonical base64");
  return bytes;
}

export function b64encode(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function b64urlDecode(text) {
  const std = text.replace(/-/g, "+").replace(/_/g, "/");
  return b64decode(std + "=".repeat((4 - (std.length % 4)) % 4));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equalBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export async function sha256(bytes) {
  return new Uint8Array(await subtle().digest("SHA-256", bytes));
}

/** Ed25519 signature check with WebCrypto; `false` for a bad signature, throws when the
 * browser cannot check Ed25519 at all. */
export async function ed25519Verify(publicKey, signature, message) {
  let key;
  try {
    key = await subtle().importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  } catch (err) {
    if (err instanceof CannotCheck) throw err;
    if (err && err.name === "NotSupportedError") {
      throw new CannotCheck("this browser cannot check Ed25519 signatures (its WebCrypto lacks Ed25519)");
    }
    throw new Error("the public key is not an Ed25519 key");
  }
  if (signature.length !== 64) return false;
  return subtle().verify({ name: "Ed25519" }, key, signature, message);
}

export const short = (hex) => (hex.length > 20 ? `${hex.slice(0, 8)}…${hex.slice(-8)}` : hex);

// ---- 1. the provenance document -------------------------------------------------------------

/** The run_hash of a run document: BLAKE3 of its RFC 8785 form without `run_hash`. */
export function runHash(document) {
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new Error("the provenance document is not a JSON object");
  }
  const body = { ...document };
  delete body.run_hash;
  const bytes = canonicalBytes(body);
  return { hash: toHex(blake3(bytes)), bytes: bytes.length };
}

// ---- 2. the attestation (DSSE envelope, key from the JWKS) ----------------------------------

/** DSSE v1 pre-authentication encoding. */
export function pae(payloadType, payload) {
  const type = utf8.encode(payloadType);
  return concat(utf8.encode(`DSSEv1 ${type.length} `), type, utf8.encode(` ${payload.length} `), payload);
}

/** RFC 7638 thumbprint of an Ed25519 OKP key (the ledger's `kid`). */
async function thumbprint(jwk) {
  const members = `{"crv":"Ed25519","kty":"OKP","x":"${jwk.x}"}`;
  const digest = await sha256(utf8.encode(members));
  return b64encode(digest).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Check an envelope's signature with the JWKS; returns the key id and the decoded statement. */
export async function verifyEnvelope(envelope, jwks, attestationId) {
  if (!envelope || typeof envelope.payload !== "string" || typeof envelope.payloadType !== "string") {
    throw new Error("the attestation is not a DSSE envelope");
  }
  const signatures = Array.isArray(envelope.signatures) ? envelope.signatures : [];
  if (signatures.length === 0) throw new Error("the attestation carries no signature");
  const keys = new Map((jwks.keys || []).map((k) => [k.kid, k]));
  const payload = b64decode(envelope.payload);
  const message = pae(envelope.payloadType, payload);
  let checked = null;
  for (const sig of signatures) {
    const jwk = keys.get(sig.keyid);
    if (!jwk) continue;
    if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519") throw new Error(`key ${sig.keyid} is not an Ed25519 key`);
    if ((await thumbprint(jwk)) !== jwk.kid) throw new Error(`key ${sig.keyid} is not named by its thumbprint`);
    if (!(await ed25519Verify(b64urlDecode(jwk.x), b64decode(sig.sig), message))) {
      throw new Error(`the signature by key ${short(sig.keyid)} does not match the attestation`);
    }
    checked = sig.keyid;
  }
  if (checked === null) throw new Error("no signature is by a key of the ledger's published key set");
  const statement = JSON.parse(new TextDecoder().decode(payload));
  const claimed = statement && statement.predicate && statement.predicate.attestation_id;
  if (attestationId && claimed !== attestationId) {
    throw new Error(`the signed statement is attestation ${claimed}, not ${attestationId}`);
  }
  return { keyid: checked, statement };
}

// ---- 3. the log entry and the card ----------------------------------------------------------

/** The parts of a c2sp.org/tlog-proof@v1 bundle this page uses: the entry and its index. */
export function parseProofBundle(text) {
  const lines = text.split("\n");
  if (lines[0] !== "c2sp.org/tlog-proof@v1" || !lines[1].startsWith("extra ") || !lines[2].startsWith("index ")) {
    throw new Error("the card's proof bundle is not a tlog-proof");
  }
  const index = lines[2].slice(6);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(index)) throw new Error("the proof bundle's index is not a number");
  return { entry: b64decode(lines[1].slice(6)), index: Number(index) };
}

/** A qlog/entry/1 entry, parsed strictly (the bytes must be exactly what the log writes). */
export function parseEntry(bytes) {
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  const m = /^qlog\/entry\/1\nkind ([a-z_]+)\nsubject (\S+)\ntime (\S+)\nblake3 ([0-9a-f]{64})\nsha256 ([0-9a-f]{64})\n$/.exec(
    text,
  );
  if (!m) throw new Error("the log entry is not a qlog/entry/1 entry");
  return { kind: m[1], subject: m[2], time: m[3], blake3: m[4], sha256: m[5] };
}

/** The canonical bytes of one published card version, rebuilt from the public card JSON
 * (qlprov.tlog.documents.card_document_from_view). */
export function cardVersionDocument(card) {
  return canonicalBytes({
    type: "qlog/card-version/1",
    slug: card.slug,
    concept_id: card.concept_id,
    version_id: card.version_id,
    version: card.version,
    title: card.title,
    authors: card.authors,
    abstract: card.abstract === undefined ? null : card.abstract,
    license: card.license,
    keywords: card.keywords,
    published_at: card.published_at,
    run_hash: card.run.run_hash,
  });
}

/** RFC 6962 leaf hash: SHA-256(0x00 || entry). */
export async function leafHash(entryBytes) {
  return sha256(concat(Uint8Array.of(0), entryBytes));
}

// ---- 4. the checkpoint (C2SP signed note, Ed25519) ------------------------------------------

/** A log vkey `<name>+<8 hex key ID>+<base64(0x01 || public key)>`, its key ID checked. */
export async function parseVkey(vkey) {
  // The name has no "+" (c2sp.org/signed-note); the base64 key may.
  const parts = /^([^+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey);
  if (!parts) throw new Error("the log's key is not a vkey");
  const [, name, id, b64] = parts;
  const key = b64decode(b64);
  if (key.length !== 33 || key[0] !== 1) throw new Error("the log's key is not an Ed25519 vkey");
  const expected = (await sha256(concat(utf8.encode(`${name}\n`), key))).subarray(0, 4);
  if (toHex(expected) !== id) throw new Error("the log's key ID does not match its key");
  return { name, keyId: id, publicKey: key.subarray(1) };
}

/** Open a signed checkpoint with the log's key: origin, size and root, or an Error. */
export async function openCheckpoint(text, log) {
  const split = text.lastIndexOf("\n\n");
  if (split < 0 || !text.endsWith("\n")) throw new Error("the checkpoint is not a signed note");
  const body = text.slice(0, split + 1);
  const signatures = text.slice(split + 2, -1).split("\n");
  let verified = 0;
  for (const line of signatures) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error("a signature line of the checkpoint is malformed");
    if (m[1] !== log.name) continue; // a witness's cosignature: not checked here
    const sig = b64decode(m[2]);
    if (sig.length < 5 || toHex(sig.subarray(0, 4)) !== log.keyId) continue;
    if (!(await ed25519Verify(log.publicKey, sig.subarray(4), utf8.encode(body)))) {
      throw new Error("the log's signature on the checkpoint does not verify");
    }
    verified += 1;
  }
  if (verified === 0) throw new Error("the checkpoint is not signed by the log's key");
  const lines = body.split("\n");
  if (lines[0] !== log.name) throw new Error(`the checkpoint is of log ${lines[0]}, not ${log.name}`);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(lines[1] || "")) throw new Error("the checkpoint's size is not a number");
  const root = b64decode(lines[2] || "");
  if (root.length !== 32) throw new Error("the checkpoint's root is not a SHA-256 hash");
  return { origin: lines[0], size: Number(lines[1]), root };
}

// ---- 5. inclusion (RFC 9162 section 2.1.3.2) -------------------------------------------------

/** The root that `proof` (sibling hashes, leaf's first) gives for leaf `index` of a tree of
 * `size` leaves; throws when the proof has the wrong length for that position. */
export async function rootFromInclusionProof(index, size, leaf, proof) {
  if (!(index < size)) throw new Error(`leaf ${index} is not in a tree of ${size} leaves`);
  let fn = index;
  let sn = size - 1;
  let node = leaf;
  for (const sibling of proof) {
    if (sn === 0) throw new Error("the inclusion proof is longer than the tree is deep");
    if (sibling.length !== 32) throw new Error("the inclusion proof holds a hash of the wrong length");
    if (fn % 2 === 1 || fn === sn) {
      node = await sha256(concat(Uint8Array.of(1), sibling, node));
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      node = await sha256(concat(Uint8Array.of(1), node, sibling));
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error("the inclusion proof is shorter than the tree is deep");
  return node;
}

export { equalBytes, toHex, blake3 };
