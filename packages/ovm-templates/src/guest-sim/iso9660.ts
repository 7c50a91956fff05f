/**
 * A small ISO 9660 reader, written from ECMA-119 and the Joliet specification rather than from
 * IMS's own writer, so that the simulated guests catch mistakes the writer would share.
 */

const SECTOR = 2048;
const FIRST_DESCRIPTOR_SECTOR = 16;
const MAX_DESCRIPTORS = 64;
const ROOT_RECORD_OFFSET = 156;
const RECORD_HEADER = 33;
const FLAG_DIRECTORY = 0x02;
const FLAG_ASSOCIATED = 0x04;
const FLAG_MULTI_EXTENT = 0x80;

interface Extent {
  start: number;
  length: number;
}

function u16le(image: Uint8Array, at: number): number {
  return (image[at] ?? 0) | ((image[at + 1] ?? 0) << 8);
}

function u32le(image: Uint8Array, at: number): number {
  return (u16le(image, at) + u16le(image, at + 2) * 0x10000) >>> 0;
}

function u32be(image: Uint8Array, at: number): number {
  return (
    ((image[at] ?? 0) * 0x1000000 +
      ((image[at + 1] ?? 0) << 16) +
      ((image[at + 2] ?? 0) << 8) +
      (image[at + 3] ?? 0)) >>>
    0
  );
}

/** A both-endian 32-bit field (ECMA-119 7.3.3); the two halves must agree. */
function both32(image: Uint8Array, at: number, what: string): number {
  const little = u32le(image, at);
  if (little !== u32be(image, at + 4))
    throw new Error(`ISO 9660: ${what} has different little- and big-endian values`);
  return little;
}

function ascii(image: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...image.subarray(from, to));
}

/** Checks that an extent lies inside the image and returns its byte range. */
function extentInImage(image: Uint8Array, record: number, what: string): Extent {
  const block = both32(image, record + 2, `${what} extent location`);
  const length = both32(image, record + 10, `${what} data length`);
  const start = block * SECTOR;
  if (start + length > image.length || (length > 0 && block < FIRST_DESCRIPTOR_SECTOR + 1)) {
    throw new Error(
      `ISO 9660: ${what} extent (block ${block}, ${length} bytes) lies outside the ${image.length}-byte image`,
    );
  }
  return { start, length };
}

/** Finds the root directory of the Joliet supplementary descriptor, else of the primary one. */
function rootDirectoryRecord(image: Uint8Array): { record: number; joliet: boolean } {
  let primary: number | undefined;
  let joliet: number | undefined;
  for (let index = 0; ; index++) {
    const at = (FIRST_DESCRIPTOR_SECTOR + index) * SECTOR;
    if (index >= MAX_DESCRIPTORS || at + SECTOR > image.length) {
      throw new Error(
        `ISO 9660: no volume descriptor set terminator (image of ${image.length} bytes is not an ISO or is truncated)`,
      );
    }
    if (ascii(image, at + 1, at + 6) !== 'CD001') {
      throw new Error(
        `ISO 9660: volume descriptor at sector ${FIRST_DESCRIPTOR_SECTOR + index} lacks the CD001 signature`,
      );
    }
    const type = image[at];
    if (type === 255) break;
    if (type !== 1 && type !== 2) continue;
    if (u16le(image, at + 128) !== SECTOR) {
      throw new Error(
        `ISO 9660: logical block size is ${u16le(image, at + 128)}, only ${SECTOR} is supported`,
      );
    }
    const volumeBytes = both32(image, at + 80, 'volume space size') * SECTOR;
    if (volumeBytes > image.length) {
      throw new Error(
        `ISO 9660: the volume claims ${volumeBytes} bytes but the image has only ${image.length} (truncated?)`,
      );
    }
    const escapeSequence = ascii(image, at + 88, at + 91);
    if (type === 1) primary ??= at;
    else if (escapeSequence === '%/@' || escapeSequence === '%/C' || escapeSequence === '%/E') joliet ??= at;
  }
  if (joliet !== undefined) return { record: joliet + ROOT_RECORD_OFFSET, joliet: true };
  if (primary !== undefined) return { record: primary + ROOT_RECORD_OFFSET, joliet: false };
  throw new Error('ISO 9660: no primary volume descriptor');
}

function jolietName(raw: Uint8Array): string {
  if (raw.length % 2 !== 0) throw new Error('ISO 9660: a Joliet file name has an odd number of bytes');
  let name = '';
  for (let i = 0; i < raw.length; i += 2)
    name += String.fromCharCode(((raw[i] ?? 0) << 8) | (raw[i + 1] ?? 0));
  return name;
}

function fileName(raw: Uint8Array, joliet: boolean): string {
  const name = (joliet ? jolietName(raw) : ascii(raw, 0, raw.length)).replace(/;\d+$/, '');
  return joliet ? name : name.replace(/\.$/, '');
}

/** Reads the regular files of an ISO 9660 image's root directory, by name (Joliet names when present). */
export function readIsoFiles(image: Uint8Array): Map<string, Uint8Array> {
  const { record, joliet } = rootDirectoryRecord(image);
  const root = extentInImage(image, record, 'root directory');
  const files = new Map<string, Uint8Array>();
  let offset = 0;
  while (offset < root.length) {
    const at = root.start + offset;
    const length = image[at] ?? 0;
    const sectorLeft = SECTOR - (offset % SECTOR);
    if (length === 0) {
      offset += sectorLeft; // records never cross a sector; the rest of this one is padding
      continue;
    }
    const nameLength = image[at + 32] ?? 0;
    if (
      length < RECORD_HEADER + 1 ||
      length > sectorLeft ||
      offset + length > root.length ||
      RECORD_HEADER + nameLength > length
    ) {
      throw new Error(`ISO 9660: malformed directory record at byte ${at}`);
    }
    offset += length;
    const flags = image[at + 25] ?? 0;
    const raw = image.subarray(at + RECORD_HEADER, at + RECORD_HEADER + nameLength);
    if ((flags & (FLAG_DIRECTORY | FLAG_ASSOCIATED)) !== 0 || (nameLength === 1 && (raw[0] ?? 0) <= 1))
      continue;
    const name = fileName(raw, joliet);
    if (flags & FLAG_MULTI_EXTENT)
      throw new Error(`ISO 9660: ${name} spans several extents, which is not supported`);
    if (files.has(name)) throw new Error(`ISO 9660: ${name} appears twice in the root directory`);
    const extent = extentInImage(image, at, name);
    files.set(name, image.slice(extent.start, extent.start + extent.length));
  }
  return files;
}
