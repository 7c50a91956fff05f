import { ImsError } from '@ims/spi';

/** The longest Joliet file identifier, in UCS-2 characters. */
export const JOLIET_NAME_MAX = 64;

// Joliet forbids C0 controls and * / : ; ? \ ; lone surrogates have no UCS-2 meaning either.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const JOLIET_FORBIDDEN = /[\u0000-\u001f*/:;?\\]|\p{Cs}/u;

/** Refuses a name that cannot be a Joliet file identifier (empty, too long, forbidden or astral characters). */
export function assertJolietName(name: string): void {
  const problem =
    name === '' || name === '.' || name === '..'
      ? 'it is empty or a reserved directory name'
      : name.length > JOLIET_NAME_MAX
        ? `it has ${name.length} UCS-2 characters, ${name.length - JOLIET_NAME_MAX} over the limit of ${JOLIET_NAME_MAX}`
        : JOLIET_FORBIDDEN.test(name)
          ? 'it contains a control character, one of * / : ; ? \\, or an unpaired surrogate'
          : /[\u{10000}-\u{10ffff}]/u.test(name)
            ? 'it contains a character outside the Basic Multilingual Plane, which UCS-2 cannot hold'
            : undefined;
  if (problem !== undefined) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `The file name ${JSON.stringify(name)} cannot go on the image: ${problem}.`,
      {
        hint: 'Use a short name of letters, digits, dots and dashes.',
        details: { name },
      },
    );
  }
}

/** An ISO 9660 level-1 identifier split into its parts (`NAME.EXT;1`). */
export interface Level1Name {
  /** Up to 8 d-characters. */
  base: string;
  /** Up to 3 d-characters. */
  extension: string;
}

/**
 * Level-1 (8.3, d-characters) names for the primary tree, one per input name and in the same order:
 * ASCII upper-cased, every other character `_`, split at the last dot and truncated; a name taken by
 * an earlier file gets a decimal counter in the last places of its base (`META_DA1`).
 */
export function level1Names(names: readonly string[]): Level1Name[] {
  const taken = new Set<string>();
  return names.map((name) => {
    const { base, extension } = truncatedLevel1(name);
    let candidate = { base, extension };
    for (let counter = 1; taken.has(level1Key(candidate)); counter++) {
      const suffix = String(counter);
      candidate = { base: base.slice(0, 8 - suffix.length) + suffix, extension };
    }
    taken.add(level1Key(candidate));
    return candidate;
  });
}

/** The recorded identifier of a level-1 name: `NAME.EXT;1` (both separators always present). */
export function level1Identifier(name: Level1Name): string {
  return `${name.base}.${name.extension};1`;
}

/** ECMA-119 9.3 order of level-1 names: by name then extension, each padded with spaces. */
export function compareLevel1(a: Level1Name, b: Level1Name): number {
  return compareCodeUnits(level1SortKey(a), level1SortKey(b));
}

/** Plain UTF-16 code-unit order, independent of locale (Joliet directories are sorted by it). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function truncatedLevel1(name: string): Level1Name {
  const dot = name.lastIndexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const extension = dot < 0 ? '' : name.slice(dot + 1);
  return { base: dCharacters(base).slice(0, 8), extension: dCharacters(extension).slice(0, 3) };
}

function dCharacters(text: string): string {
  let result = '';
  for (const char of text) {
    const upper = char >= 'a' && char <= 'z' ? char.toUpperCase() : char;
    result += /^[A-Z0-9_]$/.test(upper) ? upper : '_';
  }
  return result;
}

function level1Key(name: Level1Name): string {
  return `${name.base}.${name.extension}`;
}

function level1SortKey(name: Level1Name): string {
  return name.base.padEnd(8, ' ') + name.extension.padEnd(3, ' ');
}
