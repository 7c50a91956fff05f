/**
 * Semver range checks for a manifest's `spi` field. Nearly every provider declares `^X.Y.Z` (or
 * an exact version); those are decided here directly, because loading the full semver package
 * costs every `ims` command a few milliseconds. Any other range goes to semver, loaded only then.
 */

const PLAIN_VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const CARET_RANGE = /^\^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

type Triple = readonly [number, number, number];

function triple(match: RegExpExecArray | null): Triple | undefined {
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function compare(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** The answer for the common forms, or `undefined` when semver must decide. */
function quickIncludes(version: string, range: string): boolean | undefined {
  const v = triple(PLAIN_VERSION.exec(version));
  if (v === undefined) return undefined;
  const exact = triple(PLAIN_VERSION.exec(range));
  if (exact !== undefined) return compare(v, exact) === 0;
  const caret = triple(CARET_RANGE.exec(range));
  // ^0.y.z pins the minor version; leave those rarer rules to semver.
  if (caret === undefined || caret[0] === 0) return undefined;
  return v[0] === caret[0] && compare(v, caret) >= 0;
}

/** True if `version` lies in the semver `range` (prereleases included, as for the SPI check). */
export async function rangeIncludes(version: string, range: string): Promise<boolean> {
  const quick = quickIncludes(version, range.trim());
  if (quick !== undefined) return quick;
  const { default: satisfies } = await import('semver/functions/satisfies.js');
  return satisfies(version, range, { includePrerelease: true });
}

/** True if `range` is a valid semver range. */
export async function isValidRange(range: string): Promise<boolean> {
  const trimmed = range.trim();
  if (PLAIN_VERSION.test(trimmed) || CARET_RANGE.test(trimmed)) return true;
  const { default: validRange } = await import('semver/ranges/valid.js');
  return validRange(range) !== null;
}
