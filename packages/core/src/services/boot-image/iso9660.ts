import { ImsError } from '@ims/spi';
import {
  bothEndian16,
  bothEndian32,
  paddedAscii,
  paddedUcs2,
  recordDateTime,
  SECTOR_SIZE,
  sectorsFor,
  ucs2,
  uint16,
  uint32,
  unspecifiedVolumeDateTime,
  volumeDateTime,
} from './iso9660-fields.js';
import {
  assertJolietName,
  compareCodeUnits,
  compareLevel1,
  type Level1Name,
  level1Identifier,
  level1Names,
} from './iso9660-names.js';

/** One file of the flat root directory. */
export interface IsoFile {
  /** The real name, as the Joliet tree shows it (e.g. `meta-data`). */
  name: string;
  /** The file's bytes. */
  data: Uint8Array;
}

/** What {@link buildIso} writes. */
export interface IsoSpec {
  /** The volume label, printable ASCII, at most 16 characters (it must fit the Joliet descriptor too). */
  volumeId: string;
  /** The files of the root directory; their data is written in this order. */
  files: readonly IsoFile[];
  /** Pad the volume (zero sectors at the end, counted in the volume size) to at least this many sectors. */
  minSectors?: number;
}

/** The one timestamp every date field carries, so that the same input gives the same bytes. */
export const ISO_FIXED_TIMESTAMP = new Date(Date.UTC(2000, 0, 1, 0, 0, 0));

/** The longest volume label: 16 UCS-2 characters fill the Joliet descriptor's 32-byte field. */
export const ISO_VOLUME_ID_MAX = 16;

// Fixed sectors: 0-15 system area, then the descriptors and the four one-sector path tables.
const PRIMARY_DESCRIPTOR_SECTOR = 16;
const JOLIET_DESCRIPTOR_SECTOR = 17;
const TERMINATOR_SECTOR = 18;
const PATH_TABLES = { primaryL: 19, primaryM: 20, jolietL: 21, jolietM: 22 } as const;
const FIRST_DIRECTORY_SECTOR = 23;

// Joliet UCS-2 level 3 escape sequence "%/E" (SVD field at byte 88).
const JOLIET_ESCAPE = Uint8Array.of(0x25, 0x2f, 0x45);
const DIRECTORY_FLAG = 0x02;
const SELF_ID = Uint8Array.of(0x00);
const PARENT_ID = Uint8Array.of(0x01);
const PATH_TABLE_SIZE = 10;

interface PlacedFile {
  level1: Level1Name;
  joliet: string;
  data: Uint8Array;
  extent: number;
}

interface Tree {
  kind: 'primary' | 'joliet';
  extent: number;
  size: number;
  records: Uint8Array[];
}

/**
 * An ISO 9660 image with a Joliet tree: a flat root of small files, level-1 8.3 names in the primary
 * tree and the real names in the Joliet tree, both pointing at the same 2048-aligned file data.
 * Deterministic: every date is {@link ISO_FIXED_TIMESTAMP}.
 */
export function buildIso(spec: IsoSpec): Uint8Array {
  assertVolumeId(spec.volumeId);
  const names = spec.files.map((file) => file.name);
  for (const name of names) assertJolietName(name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) {
    throw new ImsError('IMS_INVALID_ARGUMENT', `The file name ${JSON.stringify(duplicate)} is given twice.`, {
      hint: 'Give every file of the image a different name.',
    });
  }
  const level1 = level1Names(names);
  const files = spec.files.map((file, index) => ({
    level1: level1[index]!,
    joliet: file.name,
    data: file.data,
  }));

  const primaryOrder = [...files].sort((a, b) => compareLevel1(a.level1, b.level1));
  const jolietOrder = [...files].sort((a, b) => compareCodeUnits(a.joliet, b.joliet));
  const primarySize = directorySize(primaryOrder.map((file) => level1Identifier(file.level1).length));
  const jolietSize = directorySize(jolietOrder.map((file) => file.joliet.length * 2));
  const primaryExtent = FIRST_DIRECTORY_SECTOR;
  const jolietExtent = primaryExtent + sectorsFor(primarySize);

  let nextSector = jolietExtent + sectorsFor(jolietSize);
  const placed = new Map<string, PlacedFile>();
  for (const file of files) {
    // An empty file occupies no sector, so there is no extent to point at; it is recorded as 0.
    const extent = file.data.length === 0 ? 0 : nextSector;
    nextSector += sectorsFor(file.data.length);
    placed.set(file.joliet, { ...file, extent });
  }
  const totalSectors = Math.max(nextSector, spec.minSectors ?? 0);

  const primary: Tree = {
    kind: 'primary',
    extent: primaryExtent,
    size: primarySize,
    records: primaryOrder.map((file) => {
      const at = placed.get(file.joliet)!;
      return directoryRecord(at.extent, at.data.length, 0, asciiBytes(level1Identifier(file.level1)));
    }),
  };
  const joliet: Tree = {
    kind: 'joliet',
    extent: jolietExtent,
    size: jolietSize,
    records: jolietOrder.map((file) => {
      const at = placed.get(file.joliet)!;
      return directoryRecord(at.extent, at.data.length, 0, ucs2(file.joliet));
    }),
  };

  const image = new Uint8Array(totalSectors * SECTOR_SIZE);
  image.set(volumeDescriptor(primary, spec.volumeId, totalSectors), PRIMARY_DESCRIPTOR_SECTOR * SECTOR_SIZE);
  image.set(volumeDescriptor(joliet, spec.volumeId, totalSectors), JOLIET_DESCRIPTOR_SECTOR * SECTOR_SIZE);
  image.set(terminatorDescriptor(), TERMINATOR_SECTOR * SECTOR_SIZE);
  image.set(rootPathTable(primary.extent, true), PATH_TABLES.primaryL * SECTOR_SIZE);
  image.set(rootPathTable(primary.extent, false), PATH_TABLES.primaryM * SECTOR_SIZE);
  image.set(rootPathTable(joliet.extent, true), PATH_TABLES.jolietL * SECTOR_SIZE);
  image.set(rootPathTable(joliet.extent, false), PATH_TABLES.jolietM * SECTOR_SIZE);
  image.set(directoryExtent(primary), primary.extent * SECTOR_SIZE);
  image.set(directoryExtent(joliet), joliet.extent * SECTOR_SIZE);
  for (const file of placed.values()) {
    if (file.data.length > 0) image.set(file.data, file.extent * SECTOR_SIZE);
  }
  return image;
}

function assertVolumeId(volumeId: string): void {
  if (!/^[\x20-\x7e]{1,16}$/.test(volumeId)) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `The volume label ${JSON.stringify(volumeId)} is not 1 to ${ISO_VOLUME_ID_MAX} printable ASCII characters.`,
      { hint: 'Use a short label such as "cidata".' },
    );
  }
}

/** Bytes a directory takes: `.` and `..`, then the records, none crossing a sector boundary. */
function directorySize(identifierLengths: readonly number[]): number {
  let size = 0;
  for (const length of [1, 1, ...identifierLengths]) size = placeRecord(size, recordLength(length));
  return sectorsFor(size) * SECTOR_SIZE;
}

/** The end offset of a record of `length` bytes appended at `offset`, moved to the next sector if it would straddle. */
function placeRecord(offset: number, length: number): number {
  const room = SECTOR_SIZE - (offset % SECTOR_SIZE);
  return (length > room ? offset + room : offset) + length;
}

function recordLength(identifierLength: number): number {
  // ECMA-119 9.1.12: a padding byte keeps every record an even length.
  return 33 + identifierLength + (identifierLength % 2 === 0 ? 1 : 0);
}

/** A directory record (ECMA-119 9.1). */
function directoryRecord(extent: number, size: number, flags: number, identifier: Uint8Array): Uint8Array {
  const record = new Uint8Array(recordLength(identifier.length));
  record[0] = record.length;
  record[1] = 0; // no extended attribute record
  record.set(bothEndian32(extent), 2);
  record.set(bothEndian32(size), 10);
  record.set(recordDateTime(ISO_FIXED_TIMESTAMP), 18);
  record[25] = flags;
  record.set(bothEndian16(1), 28); // volume sequence number
  record[32] = identifier.length;
  record.set(identifier, 33);
  return record;
}

function rootRecord(tree: Tree, identifier: Uint8Array): Uint8Array {
  return directoryRecord(tree.extent, tree.size, DIRECTORY_FLAG, identifier);
}

/** The directory's sectors: `.` and `..` (the root is its own parent), then the records. */
function directoryExtent(tree: Tree): Uint8Array {
  const bytes = new Uint8Array(tree.size);
  let offset = 0;
  for (const record of [rootRecord(tree, SELF_ID), rootRecord(tree, PARENT_ID), ...tree.records]) {
    const end = placeRecord(offset, record.length);
    bytes.set(record, end - record.length);
    offset = end;
  }
  return bytes;
}

/** A path table holding only the root (ECMA-119 9.4), little- or big-endian. */
function rootPathTable(rootExtent: number, littleEndian: boolean): Uint8Array {
  const table = new Uint8Array(PATH_TABLE_SIZE);
  table[0] = 1; // identifier length: the root's single 0x00 byte
  table[1] = 0;
  table.set(uint32(rootExtent, littleEndian), 2);
  table.set(uint16(1, littleEndian), 6); // the root's parent is directory number 1, itself
  table[8] = 0;
  return table;
}

/** The primary (type 1) or Joliet supplementary (type 2) volume descriptor (ECMA-119 8.4, 8.5). */
function volumeDescriptor(tree: Tree, volumeId: string, totalSectors: number): Uint8Array {
  const joliet = tree.kind === 'joliet';
  const text = (value: string, length: number) =>
    joliet ? paddedUcs2(value, length) : paddedAscii(value, length);
  const sector = new Uint8Array(SECTOR_SIZE);
  sector.set(descriptorHeader(joliet ? 2 : 1), 0);
  sector.set(text('', 32), 8); // system identifier
  sector.set(text(volumeId, 32), 40);
  sector.set(bothEndian32(totalSectors), 80);
  if (joliet) sector.set(JOLIET_ESCAPE, 88);
  sector.set(bothEndian16(1), 120); // volume set size
  sector.set(bothEndian16(1), 124); // volume sequence number
  sector.set(bothEndian16(SECTOR_SIZE), 128); // logical block size
  sector.set(bothEndian32(PATH_TABLE_SIZE), 132);
  sector.set(uint32(joliet ? PATH_TABLES.jolietL : PATH_TABLES.primaryL, true), 140);
  sector.set(uint32(joliet ? PATH_TABLES.jolietM : PATH_TABLES.primaryM, false), 148);
  sector.set(rootRecord(tree, SELF_ID), 156);
  sector.set(text('', 128), 190); // volume set identifier
  sector.set(text('', 128), 318); // publisher
  sector.set(text('', 128), 446); // data preparer
  sector.set(text('', 128), 574); // application
  sector.set(text('', 37), 702); // copyright file
  sector.set(text('', 37), 739); // abstract file
  sector.set(text('', 37), 776); // bibliographic file
  sector.set(volumeDateTime(ISO_FIXED_TIMESTAMP), 813); // creation
  sector.set(volumeDateTime(ISO_FIXED_TIMESTAMP), 830); // modification
  sector.set(unspecifiedVolumeDateTime(), 847); // expiration
  sector.set(unspecifiedVolumeDateTime(), 864); // effective
  sector[881] = 1; // file structure version
  return sector;
}

function terminatorDescriptor(): Uint8Array {
  const sector = new Uint8Array(SECTOR_SIZE);
  sector.set(descriptorHeader(255), 0);
  return sector;
}

function descriptorHeader(type: number): Uint8Array {
  return Uint8Array.of(type, ...asciiBytes('CD001'), 1);
}

function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}
