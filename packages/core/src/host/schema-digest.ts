/**
 * A short fingerprint of a provider's config schema. A configuration remembers the fingerprint
 * of the schema its options were validated against, so everyday commands skip loading the
 * validator while the provider's schema is unchanged; any change to the schema (a new provider
 * version with new defaults or rules) changes the fingerprint and the options are checked again.
 * It detects change, it is not a security check: state.json is IMS's own file.
 */

const FNV_PRIME = 0x01000193;

/**
 * 64 bits (two independent 32-bit FNV-1a hashes over UTF-16 code units, from two offset bases,
 * computed in one pass) of the schema's JSON text, as 16 hex digits.
 */
export function schemaDigest(schema: object): string {
  const text = JSON.stringify(schema);
  let first = 0x811c9dc5;
  let second = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    first = Math.imul(first ^ unit, FNV_PRIME);
    second = Math.imul(second ^ unit, FNV_PRIME);
  }
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  return `${hex(first)}${hex(second)}`;
}
