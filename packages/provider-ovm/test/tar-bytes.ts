/**
 * Tar archives built byte by byte, for archives that two tar readers read differently: every
 * header field is written here, nothing is left to a tar library's idea of what is valid.
 */
import { gzipSync } from 'node:zlib';

/** Fields of one 512-byte header. */
export interface RawHeader {
  name: string;
  /** Type flag character: '0' file, '2' symlink, '3' char device, '6' FIFO, 'x' PAX, 'g' global PAX. */
  type: string;
  /** The size field (what a reader that ignores PAX records believes). */
  size?: number;
  linkname?: string;
  mode?: number;
  devmajor?: number;
  devminor?: number;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** One ustar header block with a correct checksum. */
export function header(fields: RawHeader): Buffer {
  const block = Buffer.alloc(512);
  block.write(fields.name, 0, 100, 'utf8');
  block.write(octal(fields.mode ?? 0o644, 8), 100);
  block.write(octal(0, 8), 108);
  block.write(octal(0, 8), 116);
  block.write(octal(fields.size ?? 0, 12), 124);
  block.write(octal(0, 12), 136);
  block.write(fields.type, 156);
  block.write(fields.linkname ?? '', 157, 100, 'utf8');
  block.write('ustar\0', 257);
  block.write('00', 263);
  block.write(octal(fields.devmajor ?? 0, 8), 329);
  block.write(octal(fields.devminor ?? 0, 8), 337);
  block.write('        ', 148);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

/** Data padded to whole 512-byte blocks. */
export function blocks(data: Buffer): Buffer {
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(padded);
  return padded;
}

/** One PAX record, `"<length> <key>=<value>\n"`, its length counting itself. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return `${length}${body}`;
}

/** A PAX extended header (`x`) or global header (`g`) with its records. */
export function paxHeader(type: 'x' | 'g', records: string): Buffer {
  const data = Buffer.from(records);
  return Buffer.concat([header({ name: 'PaxHeader', type, size: data.length }), blocks(data)]);
}

/** The parts followed by the two zero blocks that end an archive, gzip-compressed. */
export function tgz(...parts: Buffer[]): Buffer {
  return gzipSync(Buffer.concat([...parts, Buffer.alloc(1024)]));
}
