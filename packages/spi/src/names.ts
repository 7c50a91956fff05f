import { ImsError } from './errors.js';

/** The rule for configuration, template and VM names: safe in file names, URLs, shells and XML. */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/;

/** What kind of thing a name names, for messages. */
export type NamedKind = 'configuration' | 'template' | 'vm';

/**
 * Characters that must never reach a terminal raw from input: controls (C0, DEL, C1), format
 * characters (the bidirectional overrides and isolates, zero-width characters), line and paragraph
 * separators, and lone surrogates. A bidi override in an echoed name can make a message read
 * differently from what it says; a control character can move the cursor or rewrite the line.
 */
const UNSAFE_FOR_DISPLAY = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

function escapeCodePoint(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
}

/**
 * Text safe to print: every character of {@link UNSAFE_FOR_DISPLAY} is written as its `\uXXXX`
 * escape, except line feeds when `keepLineFeeds` (messages of several lines).
 */
export function escapeForDisplay(text: string, keepLineFeeds = false): string {
  return text.replace(UNSAFE_FOR_DISPLAY, (char) =>
    keepLineFeeds && char === '\n' ? char : escapeCodePoint(char),
  );
}

/** User input quoted for a message: in double quotes, cut at `max` characters, unsafe characters escaped. */
export function quoteForDisplay(value: string, max = 80): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return escapeForDisplay(JSON.stringify(cut));
}

/** Returns the name if it is valid, else throws `IMS_INVALID_NAME` saying what is wrong. */
export function assertValidName(kind: NamedKind, name: unknown): string {
  if (typeof name === 'string' && NAME_PATTERN.test(name)) return name;
  const shown = typeof name === 'string' ? quoteForDisplay(name) : escapeForDisplay(String(name));
  let why = 'it must start with a letter or digit and contain only letters, digits, ".", "_" and "-"';
  if (typeof name !== 'string' || name.length === 0) why = 'it is empty';
  else if (name.length > 63) why = `it is ${name.length} characters long; the limit is 63`;
  throw new ImsError('IMS_INVALID_NAME', `Invalid ${kind} name ${shown}: ${why}.`, {
    hint: 'Use 1 to 63 characters from [a-zA-Z0-9._-], starting with a letter or digit.',
    details: { kind },
  });
}
