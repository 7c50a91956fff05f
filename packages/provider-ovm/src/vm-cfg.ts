/**
 * Reads and edits Xen `vm.cfg` files (Python syntax: `key = value`, strings, lists over several
 * lines, `#` comments) without rewriting them: an edit replaces only the bytes it must, so every
 * other line, comment and space stays exactly as it was.
 */
import { ImsError } from '@ims/spi';

/** A string literal in the file. */
export interface CfgString {
  /** Offset of the opening quote. */
  start: number;
  /** Offset just after the closing quote. */
  end: number;
  /** Offset of the first character inside the quotes. */
  bodyStart: number;
  /** Offset of the closing quote. */
  bodyEnd: number;
  /** Bracket depth within the value: 0 for a plain string value, 1 for a list element. */
  depth: number;
}

/** One top-level `key = value` assignment. */
export interface CfgAssignment {
  /** The key. */
  key: string;
  /** Offset of the first character of the value. */
  valueStart: number;
  /** Offset just after the value's last character (before a trailing comment or the newline). */
  valueEnd: number;
  /** The string literals in the value, in order. */
  strings: CfgString[];
}

/** Why a vm.cfg could not be read. */
export class VmCfgSyntaxError extends Error {
  override readonly name = 'VmCfgSyntaxError';
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;

/** The top-level assignments of a vm.cfg, in file order. */
export function parseVmCfg(text: string): CfgAssignment[] {
  const assignments: CfgAssignment[] = [];
  let at = 0;
  while (at < text.length) {
    at = skipBlank(text, at);
    if (at >= text.length) break;
    IDENTIFIER.lastIndex = at;
    const key = IDENTIFIER.exec(text)?.[0];
    let afterKey = key === undefined ? at : skipSpaces(text, at + key.length);
    if (key !== undefined && text[afterKey] === '=' && text[afterKey + 1] !== '=') {
      afterKey = skipSpaces(text, afterKey + 1);
      const value = scanLogicalLine(text, afterKey);
      assignments.push({ key, valueStart: afterKey, valueEnd: value.contentEnd, strings: value.strings });
      at = value.end;
    } else {
      // Not an assignment we understand (a statement of some other kind): keep it, skip it.
      at = scanLogicalLine(text, at).end;
    }
  }
  return assignments;
}

/** The last assignment of `key` (the one Python would keep), if any. */
export function findAssignment(text: string, key: string): CfgAssignment | undefined {
  return parseVmCfg(text)
    .filter((a) => a.key === key)
    .at(-1);
}

/** The MAC address of each `vif` entry, lower-case; `undefined` for an entry without `mac=`. */
export function vifMacs(text: string): (string | undefined)[] {
  const vif = findAssignment(text, 'vif');
  if (vif === undefined) return [];
  return vifEntries(vif).map((entry) => {
    const found = macPart(text.slice(entry.bodyStart, entry.bodyEnd));
    return found === undefined ? undefined : found.value.toLowerCase();
  });
}

/**
 * The text with the `mac=` of `vif` entry `index` set to `mac` (added in front when the entry has
 * none); nothing else changes. `IMS_PROVIDER_ERROR` when there is no such entry.
 */
export function setVifMac(text: string, index: number, mac: string): string {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) {
    throw new ImsError(
      'IMS_INTERNAL',
      `setVifMac needs a canonical MAC address, got ${JSON.stringify(mac)}.`,
    );
  }
  const vif = findAssignment(text, 'vif');
  const entry = vif === undefined ? undefined : vifEntries(vif)[index];
  if (entry === undefined) {
    throw new ImsError(
      'IMS_PROVIDER_ERROR',
      `vm.cfg has no vif entry ${index + 1}${vif === undefined ? ' (no "vif = [...]" line at all)' : ''}.`,
      {
        hint: "Check the template's vm.cfg: it needs a vif line such as vif = ['bridge=xenbr0'].",
        details: { index },
      },
    );
  }
  const body = text.slice(entry.bodyStart, entry.bodyEnd);
  const found = macPart(body);
  const newBody =
    found === undefined
      ? `mac=${mac}${body.trim() === '' ? '' : ', '}${body}`
      : `${body.slice(0, found.valueStart)}${mac}${body.slice(found.valueEnd)}`;
  return `${text.slice(0, entry.bodyStart)}${newBody}${text.slice(entry.bodyEnd)}`;
}

/** The strings of a `vif` value: the list's elements (or the value itself, when it is a single string). */
function vifEntries(vif: CfgAssignment): CfgString[] {
  const inList = vif.strings.filter((s) => s.depth === 1);
  return inList.length > 0 ? inList : vif.strings.filter((s) => s.depth === 0);
}

/** Where the value of `mac=` is in a vif entry's text (`mac=..., bridge=...`). */
function macPart(body: string): { value: string; valueStart: number; valueEnd: number } | undefined {
  let offset = 0;
  for (const part of body.split(',')) {
    const match = /^(\s*mac\s*=\s*)(.*?)\s*$/i.exec(part);
    if (match !== null) {
      const valueStart = offset + (match[1]?.length ?? 0);
      const value = match[2] ?? '';
      return { value, valueStart, valueEnd: valueStart + value.length };
    }
    offset += part.length + 1;
  }
  return undefined;
}

function skipSpaces(text: string, at: number): number {
  let i = at;
  while (text[i] === ' ' || text[i] === '\t') i += 1;
  return i;
}

/** Skips whitespace, empty lines and comment lines. */
function skipBlank(text: string, at: number): number {
  let i = at;
  for (;;) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f') i += 1;
    else if (c === '#') i = lineEnd(text, i);
    else return i;
  }
}

function lineEnd(text: string, at: number): number {
  const newline = text.indexOf('\n', at);
  return newline === -1 ? text.length : newline;
}

interface LogicalLine {
  /** Offset after the line's newline (or the end of the text). */
  end: number;
  /** Offset after the last character of code (before a trailing comment and whitespace). */
  contentEnd: number;
  strings: CfgString[];
}

/**
 * Scans from `at` to the end of the logical line: newlines inside brackets or after a backslash
 * do not end it. Comments end at the newline; strings are skipped with their escapes.
 */
function scanLogicalLine(text: string, at: number): LogicalLine {
  const strings: CfgString[] = [];
  let depth = 0;
  let contentEnd = at;
  let i = at;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '#') {
      i = lineEnd(text, i);
      continue;
    }
    if (c === '\n') {
      if (depth === 0) return { end: i + 1, contentEnd, strings };
      i += 1;
      continue;
    }
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      i += text[i + 1] === '\n' ? 2 : 3;
      continue;
    }
    if (c === '[' || c === '(' || c === '{') depth += 1;
    else if (c === ']' || c === ')' || c === '}') {
      depth -= 1;
      if (depth < 0) throw new VmCfgSyntaxError(`unbalanced "${c}" at ${position(text, i)}`);
    } else if (c === "'" || c === '"') {
      const literal = scanString(text, i, depth);
      strings.push(literal);
      i = literal.end;
      contentEnd = i;
      continue;
    }
    if (c !== ' ' && c !== '\t' && c !== '\r') contentEnd = i + 1;
    i += 1;
  }
  if (depth > 0)
    throw new VmCfgSyntaxError(`a bracket opened before ${position(text, contentEnd)} is never closed`);
  return { end: text.length, contentEnd, strings };
}

function scanString(text: string, quoteAt: number, depth: number): CfgString {
  const quote = text[quoteAt] as string;
  const triple = text.startsWith(quote.repeat(3), quoteAt);
  const delimiter = triple ? quote.repeat(3) : quote;
  const bodyStart = quoteAt + delimiter.length;
  let i = bodyStart;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (!triple && c === '\n') break;
    if (text.startsWith(delimiter, i)) {
      return { start: quoteAt, end: i + delimiter.length, bodyStart, bodyEnd: i, depth };
    }
    i += 1;
  }
  throw new VmCfgSyntaxError(`the string starting at ${position(text, quoteAt)} is never closed`);
}

function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}
