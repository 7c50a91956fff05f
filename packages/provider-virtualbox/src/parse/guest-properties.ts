/**
 * `VBoxManage guestproperty enumerate VM`: one line per property in 4.x–6.x
 * (`Name: N, value: V, timestamp: NS, flags: F`), padded columns in 7.x
 * (`N   = 'V'   @ 2025-11-20T10:49:21.999Z`, flags in brackets when set).
 */

/** One guest property. */
export interface GuestProperty {
  /** Its name, e.g. `/VirtualBox/GuestInfo/Net/0/V4/IP`. */
  name: string;
  /** Its value. */
  value: string;
  /** When it was written, ns since the epoch on the VirtualBox host's clock; undefined when not shown. */
  timestampNs?: bigint;
  /** Its flags (`TRANSIENT, RDONLYGUEST`, ...), empty when none. */
  flags: string;
}

/** Which layout `guestproperty enumerate` prints. */
export type EnumerateFormat = 'lines' | 'columns';

const OLD_LINE = /^Name: (.*?), value: (.*), timestamp: (\d+), flags: ?(.*)$/;
const COLUMN_LINE = /^(\S+)\s+= '(.*)'(?: +@ (\S+))?(?: +\[(.*)\])?\s*$/;

/** The format a VirtualBox version prints by default (7.x changed it; `--old-format` restores the lines). */
export function enumerateFormatOf(major: number): EnumerateFormat {
  return major >= 7 ? 'columns' : 'lines';
}

/**
 * The properties in enumerate output. `format` is what the version prints; lines of the other
 * layout are read too, so a mismatch (a 7.x run with `--old-format`) costs nothing.
 */
export function parseGuestProperties(text: string, format: EnumerateFormat = 'lines'): GuestProperty[] {
  const readers = format === 'lines' ? [readOldLine, readColumnLine] : [readColumnLine, readOldLine];
  const properties: GuestProperty[] = [];
  for (const line of text.split(/\r?\n/)) {
    for (const read of readers) {
      const property = read(line);
      if (property !== undefined) {
        properties.push(property);
        break;
      }
    }
  }
  return properties;
}

function readOldLine(line: string): GuestProperty | undefined {
  const match = OLD_LINE.exec(line);
  if (match === null) return undefined;
  return {
    name: match[1] as string,
    value: match[2] as string,
    timestampNs: BigInt(match[3] as string),
    flags: (match[4] as string).trim(),
  };
}

function readColumnLine(line: string): GuestProperty | undefined {
  const match = COLUMN_LINE.exec(line);
  if (match === null || !(match[1] as string).startsWith('/')) return undefined;
  const property: GuestProperty = {
    name: match[1] as string,
    value: match[2] as string,
    flags: (match[4] ?? '').trim(),
  };
  const timestamp = match[3] === undefined ? undefined : isoToNs(match[3]);
  if (timestamp !== undefined) property.timestampNs = timestamp;
  return property;
}

/** `2025-11-20T10:49:21.999Z` (any number of fraction digits) in ns since the epoch. */
export function isoToNs(text: string): bigint | undefined {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(text);
  if (match === null) return undefined;
  const seconds = Date.parse(`${match[1]}Z`);
  if (Number.isNaN(seconds)) return undefined;
  const fraction = BigInt((match[2] ?? '').padEnd(9, '0'));
  return BigInt(seconds) * 1_000_000n + fraction;
}
