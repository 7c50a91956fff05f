/**
 * A short fingerprint of a provider's config schema. A configuration remembers the fingerprint
 * of the schema its options were validated against, so everyday commands skip loading the
 * validator while the provider's schema is unchanged; any change to the schema (a new provider
 * version with new defaults or rules) changes the fingerprint and the options are checked again.
 * It detects change, it is not a security check: state.json is IMS's own file.
 */

const FNV_PRIME = 0x01000193;

/** FNV-1a over UTF-16 code units, from a given offset basis. */
function fnv1a(text: string, basis: number): number {
  let hash = basis;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/** 64 bits (two independent 32-bit FNV-1a hashes) of the schema's JSON text, as 16 hex digits. */
export function schemaDigest(schema: object): string {
  const text = JSON.stringify(schema);
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  return `${hex(fnv1a(text, 0x811c9dc5))}${hex(fnv1a(text, 0x050c5d1f))}`;
}
