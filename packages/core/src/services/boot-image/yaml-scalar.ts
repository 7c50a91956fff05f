/**
 * YAML double-quoted scalars (YAML 1.1 and 1.2 alike) for any text: every character a YAML reader
 * could fold, normalise or refuse is written as an escape, the rest as itself.
 */

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\u0000': '\\0',
  '\u0007': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\u000b': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '\u001b': '\\e',
  // Unicode line breaks: unescaped inside quotes they would be folded into spaces.
  '\u0085': '\\N',
  '\u2028': '\\L',
  '\u2029': '\\P',
};

// C0 and C1 controls, DEL, the byte-order mark, the non-characters U+FFFE/U+FFFF and lone surrogates:
// outside YAML's printable set, or (the BOM) liable to be stripped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|\p{Cs}/gu;

/** `text` as a YAML double-quoted scalar that every conforming reader loads back exactly. */
export function yamlQuoted(text: string): string {
  return `"${text.replace(NEEDS_ESCAPE, escapeChar)}"`;
}

function escapeChar(char: string): string {
  const named = NAMED_ESCAPES[char];
  if (named !== undefined) return named;
  const code = char.codePointAt(0)!;
  return code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
}

function hex(code: number, digits: number): string {
  return code.toString(16).toUpperCase().padStart(digits, '0');
}
