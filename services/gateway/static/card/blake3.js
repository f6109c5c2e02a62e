// BLAKE3 in plain JavaScript: the hash mode with its default 32-byte output, nothing else
// (no keyed hash, no key derivation, no extended output). It follows the structure of the
// reference implementation (https://github.com/BLAKE3-team/BLAKE3, reference_impl.rs):
//
//   * the input is cut into chunks of 1024 bytes (at least one chunk, possibly empty), and each
//     chunk into blocks of 64 bytes (at least one block, possibly short: zero-padded, its true
//     length goes into the compression);
//   * a chunk's chaining value is IV compressed block after block, with the chunk's index as
//     the counter and CHUNK_START on its first block, CHUNK_END on its last;
//   * chunks are the leaves of a binary tree whose left subtrees are complete: a parent node
//     compresses its two children's chaining values (one 64-byte block) with PARENT;
//   * the root node's (a lone chunk's last block, or the top parent's) compression is done
//     again with ROOT; its first 8 words, little-endian, are the hash.
//
// Tested against the official test vectors and against the Python `blake3` package on random
// inputs (tests/browser/test_card_verify_primitives.py).

const IV = Uint32Array.of(
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
);
// The message word order of round r+1 is that of round r permuted by this table.
const PERMUTATION = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];
// ROUND_SCHEDULE[r][i]: the message word used at position i in round r (0..6).
const ROUND_SCHEDULE = (() => {
  const rounds = [];
  let order = [...Array(16).keys()];
  for (let r = 0; r < 7; r++) {
    rounds.push(order);
    order = PERMUTATION.map((p) => order[p]);
  }
  return rounds;
})();

const CHUNK_START = 1;
const CHUNK_END = 2;
const PARENT = 4;
const ROOT = 8;
const BLOCK_LEN = 64;
const CHUNK_LEN = 1024;

function rotr(x, n) {
  return (x >>> n) | (x << (32 - n));
}

// The quarter-round mixing function G on state words a, b, c, d with message words x, y.
// Uint32Array stores reduce every sum modulo 2^32.
function g(s, a, b, c, d, x, y) {
  s[a] = s[a] + s[b] + x;
  s[d] = rotr(s[d] ^ s[a], 16);
  s[c] = s[c] + s[d];
  s[b] = rotr(s[b] ^ s[c], 12);
  s[a] = s[a] + s[b] + y;
  s[d] = rotr(s[d] ^ s[a], 8);
  s[c] = s[c] + s[d];
  s[b] = rotr(s[b] ^ s[c], 7);
}

// The compression function: 8-word chaining value, 16-word block, 64-bit counter (a JS number
// below 2^53), block length in bytes, flags; returns the 16-word state.
function compress(cv, m, counter, blockLen, flags) {
  const s = new Uint32Array(16);
  s.set(cv, 0);
  s.set(IV.subarray(0, 4), 8);
  s[12] = counter >>> 0;
  s[13] = Math.floor(counter / 0x100000000) >>> 0;
  s[14] = blockLen;
  s[15] = flags;
  for (const w of ROUND_SCHEDULE) {
    g(s, 0, 4, 8, 12, m[w[0]], m[w[1]]); // columns
    g(s, 1, 5, 9, 13, m[w[2]], m[w[3]]);
    g(s, 2, 6, 10, 14, m[w[4]], m[w[5]]);
    g(s, 3, 7, 11, 15, m[w[6]], m[w[7]]);
    g(s, 0, 5, 10, 15, m[w[8]], m[w[9]]); // diagonals
    g(s, 1, 6, 11, 12, m[w[10]], m[w[11]]);
    g(s, 2, 7, 8, 13, m[w[12]], m[w[13]]);
    g(s, 3, 4, 9, 14, m[w[14]], m[w[15]]);
  }
  for (let i = 0; i < 8; i++) {
    s[i] ^= s[i + 8];
    s[i + 8] ^= cv[i];
  }
  return s;
}

// Up to 64 bytes of `bytes` from `offset` as 16 little-endian words, zero-padded.
function blockWords(bytes, offset, length) {
  const words = new Uint32Array(16);
  for (let i = 0; i < length; i++) words[i >> 2] |= bytes[offset + i] << (8 * (i & 3));
  return words;
}

// A node not yet compressed for the last time: it gives either its chaining value (an inner
// node) or, with ROOT, the hash (the root).
class Output {
  constructor(cv, words, counter, blockLen, flags) {
    Object.assign(this, { cv, words, counter, blockLen, flags });
  }

  chainingValue() {
    return compress(this.cv, this.words, this.counter, this.blockLen, this.flags).subarray(0, 8);
  }

  rootHash() {
    const words = compress(this.cv, this.words, 0, this.blockLen, this.flags | ROOT);
    const out = new Uint8Array(32);
    const view = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) view.setUint32(4 * i, words[i], true);
    return out;
  }
}

// The chunk starting at `start` (index `counter`), all blocks compressed but the last.
function chunkOutput(bytes, start, counter) {
  const end = Math.min(start + CHUNK_LEN, bytes.length);
  const blocks = Math.max(1, Math.ceil((end - start) / BLOCK_LEN));
  let cv = IV;
  for (let b = 0; b < blocks - 1; b++) {
    const flags = b === 0 ? CHUNK_START : 0;
    cv = compress(cv, blockWords(bytes, start + b * BLOCK_LEN, BLOCK_LEN), counter, BLOCK_LEN, flags).subarray(0, 8);
  }
  const lastStart = start + (blocks - 1) * BLOCK_LEN;
  const lastLen = end - lastStart;
  const flags = (blocks === 1 ? CHUNK_START : 0) | CHUNK_END;
  return new Output(cv, blockWords(bytes, lastStart, lastLen), counter, lastLen, flags);
}

function parentOutput(left, right) {
  const words = new Uint32Array(16);
  words.set(left, 0);
  words.set(right, 8);
  return new Output(IV, words, 0, BLOCK_LEN, PARENT);
}

/** BLAKE3 of `bytes` (a Uint8Array): 32 bytes. */
export function blake3(bytes) {
  const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK_LEN));
  // The stack holds the chaining values of complete subtrees, largest first. After chunk
  // number n (counting from 1) is pushed, as many merges happen as n has trailing zero bits,
  // so the stack mirrors the binary digits of n. The last chunk is never merged eagerly: it
  // may be the root.
  const stack = [];
  for (let i = 0; i < chunks - 1; i++) {
    let cv = chunkOutput(bytes, i * CHUNK_LEN, i).chainingValue();
    let total = i + 1;
    while ((total & 1) === 0) {
      cv = parentOutput(stack.pop(), cv).chainingValue();
      total >>>= 1;
    }
    stack.push(cv);
  }
  let output = chunkOutput(bytes, (chunks - 1) * CHUNK_LEN, chunks - 1);
  while (stack.length > 0) output = parentOutput(stack.pop(), output.chainingValue());
  return output.rootHash();
}

/** Lowercase hex of bytes. */
export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
