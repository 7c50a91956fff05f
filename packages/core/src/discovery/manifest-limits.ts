/**
 * Limits on a provider package's package.json, checked before it is parsed. A package.json is
 * input from whoever published the package: a huge one costs memory and time on every command
 * (discovery reads it each time), and a deeply nested one makes recursive code that walks it
 * (validation, messages, npm itself) overflow the stack. Real manifests are a few KB, a few levels.
 */

/** The largest package.json of a provider package, in bytes. */
export const MAX_PACKAGE_JSON_BYTES = 1024 * 1024;

/** The deepest nesting of objects and arrays in a provider package's package.json. */
export const MAX_PACKAGE_JSON_DEPTH = 64;

/** `1 MiB`, `512 KiB`: a limit as people say it. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * True when JSON text nests objects and arrays deeper than `limit`. One pass over the text, no
 * recursion, brackets inside strings ignored; the text need not be valid JSON (parsing decides that).
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
    }
  }
  return false;
}
