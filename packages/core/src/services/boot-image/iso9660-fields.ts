import { ImsError } from '@ims/spi';

/**
 * Byte-level encoders for ISO 9660 (ECMA-119) fields. Every function returns a fresh array that the
 * layout code places at a fixed offset; none knows where its bytes go.
 */

/** The size of one logical sector (and logical block) in bytes. */
export const SECTOR_SIZE = 2048;

/** A 16-bit unsigned integer recorded little-endian then big-endian (ECMA-119 7.2.3), 4 bytes. */
export function bothEndian16(value: number): Uint8Array {
  assertUnsigned(value, 0xffff);
  const bytes = new Uint8Array(4);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, value, true);
  view.setUint16(2, value, false);
  return bytes;
}

/** A 32-bit unsigned integer recorded little-endian then big-endian (ECMA-119 7.3.3), 8 bytes. */
export function bothEndian32(value: number): Uint8Array {
  assertUnsigned(value, 0xffff_ffff);
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, value, true);
  view.setUint32(4, value, false);
  return bytes;
}

/** A 16-bit unsigned integer in one byte order (ECMA-119 7.2.1 / 7.2.2), 2 bytes. */
export function uint16(value: number, littleEndian: boolean): Uint8Array {
  assertUnsigned(value, 0xffff);
  const bytes = new Uint8Array(2);
  new DataView(bytes.buffer).setUint16(0, value, littleEndian);
  return bytes;
}

/** A 32-bit unsigned integer in one byte order (ECMA-119 7.3.1 / 7.3.2), 4 bytes. */
export function uint32(value: number, littleEndian: boolean): Uint8Array {
  assertUnsigned(value, 0xffff_ffff);
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, littleEndian);
  return bytes;
}

/** An 8-bit character field of `length` bytes, space-padded on the right; `text` must be printable ASCII. */
export function paddedAscii(text: string, length: number): Uint8Array {
  if (!/^[\x20-\x7e]*$/.test(text) || text.length > length) {
    throw fieldBug(`"${text}" is not printable ASCII of at most ${length} characters`);
  }
  const bytes = new Uint8Array(length).fill(0x20);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * A UCS-2 big-endian field of `length` bytes (Joliet), padded with UCS-2 spaces; an odd length
 * (the 37-byte file identifier fields) leaves a final zero byte.
 */
export function paddedUcs2(text: string, length: number): Uint8Array {
  const units = Math.floor(length / 2);
  if (text.length > units) throw fieldBug(`"${text}" has more than ${units} UCS-2 characters`);
  const bytes = new Uint8Array(length);
  const padded = text.padEnd(units, ' ');
  for (let i = 0; i < units; i++) {
    const unit = padded.charCodeAt(i);
    bytes[2 * i] = unit >> 8;
    bytes[2 * i + 1] = unit & 0xff;
  }
  return bytes;
}

/** Text as UCS-2 big-endian with no padding (Joliet file identifiers). */
export function ucs2(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    bytes[2 * i] = unit >> 8;
    bytes[2 * i + 1] = unit & 0xff;
  }
  return bytes;
}

/** Volume-descriptor date and time (ECMA-119 8.4.26.1): 16 ASCII digits and a GMT offset, 17 bytes, in UTC. */
export function volumeDateTime(date: Date): Uint8Array {
  const digits =
    String(date.getUTCFullYear()).padStart(4, '0') +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    two(Math.floor(date.getUTCMilliseconds() / 10));
  const bytes = new Uint8Array(17);
  for (let i = 0; i < 16; i++) bytes[i] = digits.charCodeAt(i);
  return bytes;
}

/** The "not specified" volume date and time: sixteen ASCII zeros and a zero offset, 17 bytes. */
export function unspecifiedVolumeDateTime(): Uint8Array {
  const bytes = new Uint8Array(17).fill(0x30);
  bytes[16] = 0;
  return bytes;
}

/** Directory-record date and time (ECMA-119 9.1.5): years since 1900, month..second, GMT offset, 7 bytes, in UTC. */
export function recordDateTime(date: Date): Uint8Array {
  return Uint8Array.of(
    date.getUTCFullYear() - 1900,
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    0,
  );
}

/** The number of whole sectors needed for `bytes` bytes. */
export function sectorsFor(bytes: number): number {
  return Math.ceil(bytes / SECTOR_SIZE);
}

function two(value: number): string {
  return String(value).padStart(2, '0');
}

function assertUnsigned(value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw fieldBug(`${value} is not an unsigned integer of at most ${max}`);
  }
}

// The layout validates its inputs first, so a field that does not fit is a bug in the layout.
function fieldBug(reason: string): ImsError {
  return new ImsError('IMS_INTERNAL', `ISO 9660 field encoding failed: ${reason}.`, {
    hint: 'This is a bug in the IMS image writer; please report it with the boot parameters used.',
  });
}
