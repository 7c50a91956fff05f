/**
 * A small, tolerant reader and editor for Xen `vm.cfg` files (Python-syntax `key = value` lines:
 * quoted strings, numbers, lists spanning lines). Edits replace one assignment's value in place
 * and keep every other byte (unknown keys, comments, layout).
 */

/** A value of a `vm.cfg` assignment. */
export type CfgValue = string | number | CfgValue[] | { bare: string };

/** One `key = value` assignment and where its value sits in the text. */
export interface CfgAssignment {
  /** The key. */
  key: string;
  /** The parsed value, or `undefined` when the value could not be read (it is then kept as it is). */
  value: CfgValue | undefined;
  /** Offset of the value's first character. */
  start: number;
  /** Offset just past the value's last character. */
  end: number;
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  /** Skips blanks and, inside brackets, newlines and comments too. */
  skipSpace(acrossLines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r') this.pos++;
      else if (acrossLines && c === '\n') this.pos++;
      else if (acrossLines && c === '#') this.skipToEol();
      else if (c === '\\' && this.text[this.pos + 1] === '\n') this.pos += 2;
      else return;
    }
  }

  skipToEol(): void {
    const nl = this.text.indexOf('\n', this.pos);
    this.pos = nl === -1 ? this.text.length : nl;
  }
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '\n': '',
};

function readString(s: Scanner): string {
  const quote = s.peek();
  const triple = s.text.startsWith(quote.repeat(3), s.pos);
  const close = triple ? quote.repeat(3) : quote;
  s.pos += close.length;
  let out = '';
  for (;;) {
    if (s.pos >= s.text.length) throw new Error('unterminated string');
    if (s.text.startsWith(close, s.pos)) {
      s.pos += close.length;
      return out;
    }
    const c = s.peek();
    if (c === '\n' && !triple) throw new Error('newline in string');
    if (c === '\\') {
      const next = s.text[s.pos + 1] ?? '';
      out += ESCAPES[next] ?? `\\${next}`;
      s.pos += 2;
      continue;
    }
    out += c;
    s.pos++;
  }
}

function readValue(s: Scanner, inBrackets: boolean): CfgValue {
  s.skipSpace(inBrackets);
  const c = s.peek();
  if (c === "'" || c === '"') {
    let value = readString(s);
    // Python joins adjacent string literals.
    for (;;) {
      const save = s.pos;
      s.skipSpace(inBrackets);
      const next = s.peek();
      if (next !== "'" && next !== '"') {
        s.pos = save;
        return value;
      }
      value += readString(s);
    }
  }
  if (c === '[' || c === '(') {
    const close = c === '[' ? ']' : ')';
    s.pos++;
    const items: CfgValue[] = [];
    for (;;) {
      s.skipSpace(true);
      if (s.peek() === close) {
        s.pos++;
        return items;
      }
      if (s.pos >= s.text.length) throw new Error('unterminated list');
      items.push(readValue(s, true));
      s.skipSpace(true);
      if (s.peek() === ',') s.pos++;
      else if (s.peek() !== close) throw new Error(`unexpected ${JSON.stringify(s.peek())} in list`);
    }
  }
  const match = /^[^\s,\])#]+/.exec(s.text.slice(s.pos));
  if (match === null) throw new Error('missing value');
  s.pos += match[0].length;
  const word = match[0];
  return /^[-+]?\d+(\.\d+)?$/.test(word) ? Number(word) : { bare: word };
}

/** Every assignment in `text`, in order; lines that are not assignments are skipped. */
export function parseVmCfg(text: string): CfgAssignment[] {
  const s = new Scanner(text);
  const out: CfgAssignment[] = [];
  while (s.pos < text.length) {
    s.skipSpace(false);
    const key = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*=(?!=)/.exec(text.slice(s.pos));
    if (key === null) {
      s.skipToEol();
      s.pos++;
      continue;
    }
    s.pos += key[0].length;
    s.skipSpace(false);
    const start = s.pos;
    try {
      const value = readValue(s, false);
      out.push({ key: key[1] ?? '', value, start, end: s.pos });
    } catch {
      s.pos = start;
      s.skipToEol();
      out.push({ key: key[1] ?? '', value: undefined, start, end: s.pos });
    }
    s.skipToEol();
    s.pos++;
  }
  return out;
}

/** The value of the last assignment of `key`, if any. */
export function cfgValue(text: string, key: string): CfgValue | undefined {
  return parseVmCfg(text).findLast((a) => a.key === key)?.value;
}

/** A Python literal for `value`; lists put one item per line, aligned after `indent` columns. */
export function formatCfgValue(value: CfgValue, indent = 0): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string')
    return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  if (Array.isArray(value)) {
    const pad = `,\n${' '.repeat(indent + 1)}`;
    return `[${value.map((v) => formatCfgValue(v, indent + 1)).join(pad)}]`;
  }
  return value.bare;
}

/** `text` with `key`'s value replaced (or a new assignment appended), every other line kept. */
export function setCfgValue(text: string, key: string, value: CfgValue): string {
  const existing = parseVmCfg(text).findLast((a) => a.key === key);
  if (existing === undefined) {
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    return `${text}${sep}${key} = ${formatCfgValue(value, key.length + 3)}\n`;
  }
  const lineStart = text.lastIndexOf('\n', existing.start - 1) + 1;
  const column = existing.start - lineStart;
  return text.slice(0, existing.start) + formatCfgValue(value, column) + text.slice(existing.end);
}

/** One entry of the `disk` list: `<type>:<path>,<device>,<mode>`. */
export interface DiskEntry {
  /** The whole entry as written. */
  spec: string;
  /** The backing file or device path. */
  path: string;
}

/** The entries of `disk = [...]` (strings only; other items are ignored). */
export function diskEntries(text: string): DiskEntry[] {
  const disks = cfgValue(text, 'disk');
  if (!Array.isArray(disks)) return [];
  return disks
    .filter((d): d is string => typeof d === 'string')
    .map((spec) => ({ spec, path: diskPath(spec) }));
}

/** The path of a disk spec: its first comma field without the `file:` / `tap:aio:` / `phy:` prefix. */
export function diskPath(spec: string): string {
  const first = spec.split(',')[0]?.trim() ?? '';
  const match = /^(?:file|phy|tap:[a-z0-9]+):(.*)$/.exec(first);
  return match?.[1] ?? first;
}

/** The `mac=` of the first `vif` entry, lower case, if any. */
export function firstVifMac(text: string): string | undefined {
  const vifs = cfgValue(text, 'vif');
  const first = Array.isArray(vifs) ? vifs[0] : undefined;
  if (typeof first !== 'string') return undefined;
  return /(?:^|,)\s*mac\s*=\s*([0-9A-Fa-f:]+)/.exec(first)?.[1]?.toLowerCase();
}
