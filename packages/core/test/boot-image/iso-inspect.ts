const SECTOR = 2048;

/** A directory record as found on the image, after its both-endian fields were checked to agree. */
export interface RawRecord {
  /** The identifier bytes. */
  identifier: Uint8Array;
  /** First sector. */
  extent: number;
  /** Data length in bytes. */
  size: number;
  /** File flags (0x02: directory). */
  flags: number;
  /** The 7-byte recording date. */
  date: number[];
  /** Offset of the record in the image. */
  offset: number;
}

/** Reads a both-endian 32-bit field, throwing when its two halves disagree. */
export function bothEndian32At(image: Uint8Array, offset: number): number {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const little = view.getUint32(offset, true);
  const big = view.getUint32(offset + 4, false);
  if (little !== big) throw new Error(`both-endian field at ${offset}: little ${little} != big ${big}`);
  return little;
}

/** Reads a both-endian 16-bit field, throwing when its two halves disagree. */
export function bothEndian16At(image: Uint8Array, offset: number): number {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const little = view.getUint16(offset, true);
  const big = view.getUint16(offset + 2, false);
  if (little !== big) throw new Error(`both-endian field at ${offset}: little ${little} != big ${big}`);
  return little;
}

/** Parses one directory record at `offset`, checking its both-endian fields and even length. */
export function recordAt(image: Uint8Array, offset: number): RawRecord {
  const length = image[offset]!;
  const identifierLength = image[offset + 32]!;
  if (length % 2 !== 0 || length < 34 || 33 + identifierLength > length) {
    throw new Error(
      `directory record at ${offset} has length ${length} for a ${identifierLength}-byte identifier`,
    );
  }
  if (bothEndian16At(image, offset + 28) !== 1)
    throw new Error(`record at ${offset}: volume sequence number is not 1`);
  return {
    identifier: image.slice(offset + 33, offset + 33 + identifierLength),
    extent: bothEndian32At(image, offset + 2),
    size: bothEndian32At(image, offset + 10),
    flags: image[offset + 25]!,
    date: [...image.slice(offset + 18, offset + 25)],
    offset,
  };
}

/** The records of the root directory the descriptor in `descriptorSector` points at; none may cross a sector. */
export function rootRecords(image: Uint8Array, descriptorSector: number): RawRecord[] {
  const root = recordAt(image, descriptorSector * SECTOR + 156);
  const records: RawRecord[] = [];
  const start = root.extent * SECTOR;
  let offset = start;
  while (offset < start + root.size) {
    const length = image[offset]!;
    if (length === 0) {
      offset = (Math.floor(offset / SECTOR) + 1) * SECTOR; // the rest of the sector is padding
      continue;
    }
    if ((offset % SECTOR) + length > SECTOR)
      throw new Error(`directory record at ${offset} crosses a sector boundary`);
    records.push(recordAt(image, offset));
    offset += length;
  }
  return records;
}

/** Text of an 8-bit identifier. */
export function asciiOf(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/** Text of a UCS-2 big-endian identifier. */
export function ucs2Of(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) text += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
  return text;
}
