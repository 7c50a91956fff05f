/**
 * XDR (RFC 4506) encoding and decoding, as libvirt's RPC bodies use it: every item is a multiple
 * of 4 bytes, big-endian; variable-length items carry a 4-byte length and are zero-padded.
 */

/** Thrown when bytes do not form the XDR value the decoder expects. */
export class XdrError extends Error {
  /** @param message what was malformed */
  constructor(message: string) {
    super(message);
    this.name = 'XdrError';
  }
}

const MAX_UINT32 = 0xffff_ffff;
const MIN_HYPER = -(1n << 63n);
const MAX_HYPER = (1n << 63n) - 1n;
const MAX_UHYPER = (1n << 64n) - 1n;

/** Bytes of padding after `length` bytes of opaque data. */
function paddingOf(length: number): number {
  return (4 - (length % 4)) % 4;
}

/** Builds an XDR byte sequence; grows as needed. */
export class XdrWriter {
  private buffer: Buffer;
  private length = 0;

  /** @param initialSize starting capacity in bytes */
  constructor(initialSize = 256) {
    this.buffer = Buffer.alloc(initialSize);
  }

  /** The bytes written so far (a copy-free view). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.alloc(size);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  /** Signed 32-bit integer. */
  int(value: number): this {
    if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
      throw new XdrError(`int out of range: ${value}`);
    }
    this.reserve(4);
    this.buffer.writeInt32BE(value, this.length);
    this.length += 4;
    return this;
  }

  /** Unsigned 32-bit integer. */
  uint(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > MAX_UINT32) {
      throw new XdrError(`unsigned int out of range: ${value}`);
    }
    this.reserve(4);
    this.buffer.writeUInt32BE(value, this.length);
    this.length += 4;
    return this;
  }

  /** Signed 64-bit integer. */
  hyper(value: bigint | number): this {
    const big = BigInt(value);
    if (big < MIN_HYPER || big > MAX_HYPER) throw new XdrError(`hyper out of range: ${big}`);
    this.reserve(8);
    this.buffer.writeBigInt64BE(big, this.length);
    this.length += 8;
    return this;
  }

  /** Unsigned 64-bit integer. */
  uhyper(value: bigint | number): this {
    const big = BigInt(value);
    if (big < 0n || big > MAX_UHYPER) throw new XdrError(`unsigned hyper out of range: ${big}`);
    this.reserve(8);
    this.buffer.writeBigUInt64BE(big, this.length);
    this.length += 8;
    return this;
  }

  /** Boolean (an int, 0 or 1). */
  bool(value: boolean): this {
    return this.int(value ? 1 : 0);
  }

  /** IEEE 754 double. */
  double(value: number): this {
    this.reserve(8);
    this.buffer.writeDoubleBE(value, this.length);
    this.length += 8;
    return this;
  }

  /** Fixed-length opaque data of exactly `size` bytes. */
  fixedOpaque(data: Uint8Array, size: number): this {
    if (data.length !== size) throw new XdrError(`fixed opaque needs ${size} bytes, got ${data.length}`);
    return this.raw(data);
  }

  /** Variable-length opaque data, at most `max` bytes. */
  opaque(data: Uint8Array, max = MAX_UINT32): this {
    if (data.length > max) throw new XdrError(`opaque of ${data.length} bytes exceeds the limit of ${max}`);
    this.uint(data.length);
    return this.raw(data);
  }

  /** UTF-8 string, at most `max` bytes. */
  string(value: string, max = MAX_UINT32): this {
    return this.opaque(Buffer.from(value, 'utf8'), max);
  }

  /** Optional data (`type *name`): a bool, then the value when present. */
  optional<T>(value: T | null | undefined, encode: (writer: this, value: T) => void): this {
    if (value === null || value === undefined) return this.bool(false);
    this.bool(true);
    encode(this, value);
    return this;
  }

  /** Variable-length array (`type name<max>`): the count, then each element. */
  array<T>(items: readonly T[], encode: (writer: this, item: T) => void, max = MAX_UINT32): this {
    if (items.length > max) throw new XdrError(`array of ${items.length} items exceeds the limit of ${max}`);
    this.uint(items.length);
    for (const item of items) encode(this, item);
    return this;
  }

  private raw(data: Uint8Array): this {
    const pad = paddingOf(data.length);
    this.reserve(data.length + pad);
    this.buffer.set(data, this.length);
    this.length += data.length;
    this.buffer.fill(0, this.length, this.length + pad);
    this.length += pad;
    return this;
  }
}

/** Reads XDR values from a byte sequence; every read is bounds-checked. */
export class XdrReader {
  private offset = 0;

  // One view of each kind for all reads: a DataView per integer, or a Buffer per string, made
  // listing 1,000 domains measurably slower.
  private readonly dataView: DataView;
  private readonly text: Buffer;

  /** @param data the encoded bytes */
  constructor(private readonly data: Uint8Array) {
    this.dataView = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.text = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.data.length - this.offset;
  }

  private view(): DataView {
    return this.dataView;
  }

  private need(bytes: number, what: string): void {
    if (bytes > this.remaining) {
      throw new XdrError(
        `truncated data: ${what} needs ${bytes} bytes at offset ${this.offset}, only ${this.remaining} left`,
      );
    }
  }

  /** Signed 32-bit integer. */
  int(): number {
    this.need(4, 'int');
    const value = this.view().getInt32(this.offset);
    this.offset += 4;
    return value;
  }

  /** Unsigned 32-bit integer. */
  uint(): number {
    this.need(4, 'unsigned int');
    const value = this.view().getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  /** Signed 64-bit integer. */
  hyper(): bigint {
    this.need(8, 'hyper');
    const value = this.view().getBigInt64(this.offset);
    this.offset += 8;
    return value;
  }

  /** Unsigned 64-bit integer. */
  uhyper(): bigint {
    this.need(8, 'unsigned hyper');
    const value = this.view().getBigUint64(this.offset);
    this.offset += 8;
    return value;
  }

  /** Unsigned 64-bit integer that must fit a JavaScript number exactly (sizes, memory amounts). */
  uhyperNumber(): number {
    const value = this.uhyper();
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new XdrError(`value too large for a number: ${value}`);
    return Number(value);
  }

  /** Boolean; anything but 0 or 1 is refused. */
  bool(): boolean {
    const value = this.int();
    if (value !== 0 && value !== 1) throw new XdrError(`bool must be 0 or 1, got ${value}`);
    return value === 1;
  }

  /** IEEE 754 double. */
  double(): number {
    this.need(8, 'double');
    const value = this.view().getFloat64(this.offset);
    this.offset += 8;
    return value;
  }

  /** Fixed-length opaque data of `size` bytes (a copy). */
  fixedOpaque(size: number): Uint8Array {
    return new Uint8Array(this.raw(size, 'fixed opaque'));
  }

  /** Variable-length opaque data of at most `max` bytes (a copy). */
  opaque(max = MAX_UINT32): Uint8Array {
    return new Uint8Array(this.variable(max, 'opaque'));
  }

  /** UTF-8 string of at most `max` bytes (decoded in place: a listing decodes thousands). */
  string(max = MAX_UINT32): string {
    const length = this.uint();
    if (length > max) throw new XdrError(`string of ${length} bytes exceeds the limit of ${max}`);
    const start = this.skip(length, 'string');
    return this.text.toString('utf8', start, start + length);
  }

  /** Optional data (`type *name`): `null` when absent. */
  optional<T>(decode: (reader: this) => T): T | null {
    return this.bool() ? decode(this) : null;
  }

  /**
   * Variable-length array of at most `max` items, each taking at least `minItemBytes` bytes; a
   * count that cannot fit in the remaining bytes is refused before anything is allocated.
   */
  array<T>(decode: (reader: this) => T, max = MAX_UINT32, minItemBytes = 4): T[] {
    const count = this.uint();
    if (count > max) throw new XdrError(`array of ${count} items exceeds the limit of ${max}`);
    if (count * minItemBytes > this.remaining) {
      throw new XdrError(`truncated data: array claims ${count} items but only ${this.remaining} bytes left`);
    }
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(decode(this));
    return items;
  }

  /** Fails unless every byte was consumed (a reply with trailing bytes does not match its layout). */
  end(): void {
    if (this.remaining !== 0) throw new XdrError(`${this.remaining} unexpected trailing bytes`);
  }

  private variable(max: number, what: string): Uint8Array {
    const length = this.uint();
    if (length > max) throw new XdrError(`${what} of ${length} bytes exceeds the limit of ${max}`);
    return this.raw(length, what);
  }

  private raw(length: number, what: string): Uint8Array {
    const start = this.skip(length, what);
    return this.data.subarray(start, start + length);
  }

  /** Moves past `length` bytes and their padding; returns where they start. */
  private skip(length: number, what: string): number {
    const padded = length + paddingOf(length);
    this.need(padded, what);
    const start = this.offset;
    this.offset += padded;
    return start;
  }
}

/** Encodes a value with `encode` into a fresh buffer. */
export function xdrEncode(encode: (writer: XdrWriter) => void): Buffer {
  const writer = new XdrWriter();
  encode(writer);
  return writer.bytes();
}

/** Decodes `data` with `decode`, requiring that all bytes are consumed. */
export function xdrDecode<T>(data: Uint8Array, decode: (reader: XdrReader) => T): T {
  const reader = new XdrReader(data);
  const value = decode(reader);
  reader.end();
  return value;
}
