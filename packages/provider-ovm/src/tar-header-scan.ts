/**
 * A strict second reading of a tar stream's headers, beside tar-stream's, for the archive check.
 * tar-stream skips what it does not apply (a PAX global header, malformed PAX values, GNU
 * extensions), while GNU tar applies them; an archive using them can show the two readers
 * different files. This reading refuses every header and PAX record whose meaning for GNU tar is
 * not the plain one: only files, directories, links and devices (which the check refuses by name
 * afterwards), GNU long names and PAX extended headers with well-formed, known records.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Why the stream was refused; the archive check turns it into `IMS_ARCHIVE_UNSAFE`. */
export class TarHeaderRefusal extends Error {
  constructor(
    /** The entry's name as far as it is known. */
    readonly entry: string,
    /** What is wrong with it. */
    readonly problem: string,
  ) {
    super(problem);
  }
}

/** Type flags whose data, if any, is skipped by both readers alike. '\0' and '0' are files. */
const PLAIN_TYPES = new Set(['0', '\0', '1', '2', '3', '4', '5', '6']);
/** Type flags whose data is a name for the next header (GNU long name and long link name). */
const LONG_NAME_TYPES = new Set(['L', 'K']);
/** Largest extended header read (a template's names are short). */
const MAX_EXTENDED_BYTES = 64 * 1024;
/** PAX keywords GNU tar applies as the archive check does, or ignores when extracting. */
const KNOWN_PAX_KEYS = new Set([
  'path',
  'linkpath',
  'size',
  'mtime',
  'atime',
  'ctime',
  'uid',
  'gid',
  'uname',
  'gname',
  'comment',
]);

/** A pass-through stream that throws {@link TarHeaderRefusal} at the first header it refuses. */
export function createTarHeaderScan(): Transform {
  const scan = new HeaderScanner();
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        scan.push(chunk);
        callback(null, chunk);
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

class HeaderScanner {
  /** Bytes of member data (with padding) still to pass before the next header. */
  #skip = 0;
  /** A header or extended header being collected. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** What is being collected: a 512-byte header, or the data of an extended header. */
  #collecting: { kind: 'header' } | { kind: 'extended'; type: string; size: number; padded: number } = {
    kind: 'header',
  };
  /** The size a PAX record gave the next member. */
  #nextSize: number | undefined;
  #nextName: string | undefined;
  /** After the first zero block GNU tar stops reading; so does this scan. */
  #ended = false;

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.#ended) {
      if (this.#skip > 0) {
        const step = Math.min(this.#skip, chunk.length - offset);
        this.#skip -= step;
        offset += step;
        continue;
      }
      const wanted = this.#collecting.kind === 'header' ? 512 : this.#collecting.padded;
      const step = Math.min(wanted - this.#pendingBytes, chunk.length - offset);
      this.#pending.push(chunk.subarray(offset, offset + step));
      this.#pendingBytes += step;
      offset += step;
      if (this.#pendingBytes === wanted) {
        const block = Buffer.concat(this.#pending);
        this.#pending = [];
        this.#pendingBytes = 0;
        if (this.#collecting.kind === 'header') this.#header(block);
        else this.#extended(this.#collecting.type, block.subarray(0, this.#collecting.size));
      }
    }
  }

  #header(block: Buffer): void {
    if (block.every((byte) => byte === 0)) {
      this.#ended = true;
      return;
    }
    const name = this.#nextName ?? cString(block, 0, 100);
    const type = String.fromCharCode(block[156] ?? 0);
    const headerSize = parseNumber(block.subarray(124, 136));
    if (headerSize === undefined) throw new TarHeaderRefusal(name, 'its size field is not a number');
    if (type === 'g') {
      throw new TarHeaderRefusal(
        name,
        'it is a PAX global header, whose settings GNU tar applies to every later entry; template archives must not have one',
      );
    }
    if (type === 'x' || LONG_NAME_TYPES.has(type)) {
      if (this.#nextSize !== undefined || (type === 'x' && this.#nextName !== undefined)) {
        throw new TarHeaderRefusal(name, 'it is an extended header following another one');
      }
      if (headerSize > MAX_EXTENDED_BYTES)
        throw new TarHeaderRefusal(name, 'its extended header is too large');
      this.#collecting = { kind: 'extended', type, size: headerSize, padded: padded(headerSize) };
      if (headerSize === 0) this.#extended(type, Buffer.alloc(0));
      return;
    }
    if (!PLAIN_TYPES.has(type)) {
      throw new TarHeaderRefusal(
        name,
        `it has the type flag ${JSON.stringify(type)} (a GNU extension such as sparse, multi-volume or volume-label entries, or unknown), which GNU tar interprets and the archive check does not`,
      );
    }
    const size = this.#nextSize ?? headerSize;
    this.#nextSize = undefined;
    this.#nextName = undefined;
    // tar-stream gives a directory no data whatever its size; GNU tar may skip it. A header that
    // carries data the two could frame differently is refused.
    if (type !== '0' && type !== '\0' && size !== 0) {
      throw new TarHeaderRefusal(name, 'it is not a regular file but declares data');
    }
    this.#skip = padded(size);
  }

  #extended(type: string, data: Buffer): void {
    this.#collecting = { kind: 'header' };
    if (type === 'L') {
      this.#nextName = cString(data, 0, data.length);
      return;
    }
    if (type === 'K') return;
    for (const [key, value] of parsePaxRecords(data)) {
      if (key === 'size') {
        if (!/^[0-9]{1,18}$/.test(value))
          throw new TarHeaderRefusal(key, `its PAX size ${JSON.stringify(value)} is malformed`);
        this.#nextSize = Number(value);
      } else if (key === 'path') {
        this.#nextName = value;
      } else if (!KNOWN_PAX_KEYS.has(key) && !key.startsWith('SCHILY.') && !key.startsWith('LIBARCHIVE.')) {
        throw new TarHeaderRefusal(
          this.#nextName ?? key,
          `it has the PAX record ${JSON.stringify(key)} (for example a GNU sparse-file record), which GNU tar interprets and the archive check does not`,
        );
      }
    }
  }
}

/** The records of a PAX extended header, each checked the way GNU tar checks it. */
function parsePaxRecords(data: Buffer): Array<[string, string]> {
  const records: Array<[string, string]> = [];
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const lengthText = space === -1 ? '' : data.toString('latin1', offset, space);
    const length = /^[1-9][0-9]{0,5}$/.test(lengthText) ? Number(lengthText) : Number.NaN;
    if (!Number.isFinite(length) || offset + length > data.length || data[offset + length - 1] !== 0x0a) {
      throw new TarHeaderRefusal('', 'it has a malformed PAX record');
    }
    const record = data.toString('utf8', space + 1, offset + length - 1);
    const equals = record.indexOf('=');
    if (equals <= 0) throw new TarHeaderRefusal('', 'it has a malformed PAX record');
    records.push([record.slice(0, equals), record.slice(equals + 1)]);
    offset += length;
  }
  return records;
}

/** An octal size field (or GNU's base-256 form); `undefined` when it is neither. */
function parseNumber(field: Buffer): number | undefined {
  if (((field[0] ?? 0) & 0x80) !== 0) {
    if (field[0] !== 0x80) return undefined;
    let value = 0;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return Number.isSafeInteger(value) ? value : undefined;
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : undefined;
}

function cString(buffer: Buffer, start: number, end: number): string {
  const nul = buffer.indexOf(0, start);
  return buffer.toString('utf8', start, nul === -1 || nul > end ? end : nul);
}

function padded(size: number): number {
  return Math.ceil(size / 512) * 512;
}
