// RFC 8785 JSON Canonicalization Scheme (JCS) for a value parsed with JSON.parse.
//
// * Numbers: ECMAScript's Number::toString, which JSON.stringify applies to finite numbers
//   (RFC 8785 section 3.2.2.3 is defined as exactly that). NaN and Infinity cannot come from
//   JSON.parse; they are refused anyway. Integers beyond 2^53 lose precision in JSON.parse,
//   which is why JCS (and the ledger's canonicaliser) refuse them: such a document never has a
//   run_hash, so the difference never arises.
// * Strings: JSON.stringify writes exactly the JCS escapes (\" \\ \b \f \n \r \t, other
//   controls as \u00xx in lowercase hex, everything else as itself). A lone surrogate is
//   refused, as JCS requires (JSON.stringify would escape it).
// * Objects: members sorted by their names as arrays of UTF-16 code units, which is what
//   Array.prototype.sort does with strings by default (not by code points, not by locale).
//   JSON.parse keeps the last of duplicate names, as the ledger's parser does.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function string(s) {
  if (LONE_SURROGATE.test(s)) throw new Error("JCS: a string holds a lone surrogate");
  return JSON.stringify(s);
}

function serialize(value, out) {
  if (value === null || typeof value === "boolean") {
    out.push(String(value));
  } else if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("JCS: NaN and Infinity are not JSON");
    out.push(JSON.stringify(value)); // -0 becomes "0", as JCS wants
  } else if (typeof value === "string") {
    out.push(string(value));
  } else if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item, i) => {
      if (i) out.push(",");
      serialize(item, out);
    });
    out.push("]");
  } else if (typeof value === "object") {
    out.push("{");
    Object.keys(value)
      .sort()
      .forEach((key, i) => {
        if (i) out.push(",");
        out.push(string(key), ":");
        serialize(value[key], out);
      });
    out.push("}");
  } else {
    throw new Error(`JCS: ${typeof value} is not a JSON value`);
  }
}

/** The canonical JSON text of a parsed JSON value. */
export function canonicalize(value) {
  const out = [];
  serialize(value, out);
  return out.join("");
}

/** The canonical JSON of a parsed JSON value, as UTF-8 bytes (what is hashed). */
export function canonicalBytes(value) {
  return new TextEncoder().encode(canonicalize(value));
}
