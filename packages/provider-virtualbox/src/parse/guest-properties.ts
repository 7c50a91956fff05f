/**
 * `VBoxManage guestproperty enumerate VM`. VBoxManage prints each property with `printf`, value
 * unescaped, so a value may run over several lines:
 *
 * - 4.x–6.x (and 7.x with `--old-format`): `Name: %ls, value: %ls, timestamp: %lld, flags: %ls`
 *   (confirmed: VBoxManageGuestProp.cpp, handleEnumGuestProperty, 4.x and 7.0 sources);
 * - 7.x: `%-*ls = '%ls'`, padding, `@ <ISO time>` and the flags when set (confirmed: 7.0 source;
 *   flags in brackets and nine fraction digits are read too, as in captured 7.1 output).
 *
 * A property starts only on a line that begins like one (`Name: ` or `<name> = '`); every other
 * line continues the value of the property before it, and a property whose lines together do not
 * follow the layout exactly is dropped, never read as something else. That keeps a multi-line
 * value from becoming a property of its own where it can be told apart; where it cannot (a value
 * holding a whole well-formed line), only asking for the wanted names helps, which is why callers
 * enumerate with patterns.
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

/** The flags VirtualBox writes (GuestPropWriteFlags), comma-separated. */
const FLAG = '(?:TRANSIENT|READONLY|RDONLYGUEST|RDONLYHOST|TRANSRESET)';
const FLAGS = `(?:${FLAG}(?:, ?${FLAG})*)?`;
const ISO_TIME = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d{1,9})?Z';

const OLD_START = /^Name: /;
const OLD_PROPERTY = new RegExp(
  `^Name: ([^\\n]*?), value: ([\\s\\S]*), timestamp: (\\d+), flags: ?(${FLAGS}) *$`,
);
const COLUMN_START = /^\/\S* += '/;
const COLUMN_PROPERTY = new RegExp(
  `^(\\/\\S*) += '([\\s\\S]*)' +@ (${ISO_TIME})(?: +(?:\\[(${FLAGS})\\]|(${FLAGS})))? *$`,
);

/** The format a VirtualBox version prints by default (7.x changed it; `--old-format` restores the lines). */
export function enumerateFormatOf(major: number): EnumerateFormat {
  return major >= 7 ? 'columns' : 'lines';
}

/**
 * The properties in enumerate output. `format` is what the version prints; the other layout is
 * read too, so a mismatch (a 7.x run with `--old-format`) costs nothing.
 */
export function parseGuestProperties(text: string, format: EnumerateFormat = 'lines'): GuestProperty[] {
  const starts = format === 'lines' ? [OLD_START, COLUMN_START] : [COLUMN_START, OLD_START];
  const records: { layout: RegExp; text: string }[] = [];
  for (const line of text.replace(/\r?\n$/, '').split(/\r?\n/)) {
    const start = starts.find((s) => s.test(line));
    if (start !== undefined) records.push({ layout: start, text: line });
    else {
      const last = records.at(-1);
      // A line that does not begin a property continues the value before it; text before the
      // first property ("No properties found.") belongs to none.
      if (last !== undefined) last.text += `\n${line}`;
    }
  }
  const properties: GuestProperty[] = [];
  for (const record of records) {
    const property = record.layout === OLD_START ? readOld(record.text) : readColumns(record.text);
    if (property !== undefined) properties.push(property);
  }
  return properties;
}

function readOld(text: string): GuestProperty | undefined {
  const match = OLD_PROPERTY.exec(text);
  if (match === null) return undefined;
  return {
    name: match[1] as string,
    value: match[2] as string,
    timestampNs: BigInt(match[3] as string),
    flags: match[4] as string,
  };
}

function readColumns(text: string): GuestProperty | undefined {
  const match = COLUMN_PROPERTY.exec(text);
  if (match === null) return undefined;
  const timestampNs = isoToNs(match[3] as string);
  if (timestampNs === undefined) return undefined;
  return {
    name: match[1] as string,
    value: match[2] as string,
    timestampNs,
    flags: match[4] ?? match[5] ?? '',
  };
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
