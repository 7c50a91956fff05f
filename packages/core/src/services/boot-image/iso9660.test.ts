import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asciiOf,
  bothEndian16At,
  bothEndian32At,
  rootRecords,
  ucs2Of,
} from '../../../test/boot-image/iso-inspect.js';
import {
  describeWithIsoinfo,
  extractWithIsoinfo,
  extractWithXorriso,
  listWithIsoinfo,
  writeImage,
} from '../../../test/boot-image/iso-tools.js';
import { tempDir, thrownImsError } from '../../../test/boot-image/tools.js';
import { buildIso, type IsoFile } from './iso9660.js';

/** Deterministic bytes of every value, so misplaced sectors show up as wrong content. */
function patterned(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed * 7 + (i >> 11)) & 0xff;
  return bytes;
}

const SMALL: IsoFile[] = [
  { name: 'meta-data', data: Buffer.from('instance-id: "ims-web-1"\n') },
  { name: 'user-data', data: Buffer.from('#cloud-config\n') },
  { name: 'network-config', data: Buffer.from('version: 2\n') },
  { name: 'bootparams.conf', data: Buffer.from("IMS_BOOTPARAMS_VERSION='1'\n") },
];

// 60 long names (all mangling to the same 8.3 base) make both root directories span several sectors;
// a 200 KiB file spans a hundred; the odd sizes and an empty file test the ends of extents.
const MANY: IsoFile[] = [
  { name: 'large-file.bin', data: patterned(200 * 1024, 1) },
  { name: 'empty', data: new Uint8Array(0) },
  { name: 'odd-2049.bin', data: patterned(2049, 2) },
  { name: 'exact-2048.bin', data: patterned(2048, 3) },
  ...Array.from({ length: 60 }, (_, i) => ({
    name: `file-with-a-rather-long-name-so-records-are-big-${String(i).padStart(3, '0')}.txt`,
    data: patterned(100 + i * 37, 10 + i),
  })),
];

describe('buildIso read back by real tools', () => {
  let work: { dir: string; remove: () => Promise<void> };
  beforeAll(async () => {
    work = await tempDir('iso9660');
  });
  afterAll(async () => {
    await work.remove();
  });

  describe.each([
    ['four small files', SMALL],
    ['a 200 KiB file, an empty file and 60 long names', MANY],
  ])('%s', (label, files) => {
    let image: Uint8Array;
    let path: string;
    beforeAll(async () => {
      image = buildIso({ volumeId: 'cidata', files });
      path = await writeImage(join(work.dir, `${label.replaceAll(' ', '-')}.iso`), image);
    });

    it('xorriso extracts every file under its real name, byte for byte', async () => {
      const out = join(work.dir, `${label.replaceAll(' ', '-')}-xorriso`);
      await mkdir(out);
      const extracted = await extractWithXorriso(path, out);
      expect([...extracted.keys()].sort()).toEqual(files.map((file) => file.name).sort());
      for (const file of files) expect(extracted.get(file.name)?.equals(file.data), file.name).toBe(true);
    });

    it('isoinfo -J reads every file by its real name, byte for byte', async () => {
      for (const file of files) {
        const data = await extractWithIsoinfo(path, `/${file.name}`, true);
        expect(data.equals(file.data), file.name).toBe(true);
      }
    });

    it('isoinfo -d shows the label, the size and Joliet level 3', async () => {
      const description = await describeWithIsoinfo(path);
      expect(description).toMatch(/^Volume id: cidata$/m);
      expect(description).toMatch(/^Logical block size is: 2048$/m);
      expect(description).toContain(`Volume size is: ${image.length / 2048}`);
      expect(description).toMatch(/Joliet with UCS level 3 found/);
    });

    it('the plain ISO 9660 tree holds unique 8.3 names with the same contents', async () => {
      const listing = (await listWithIsoinfo(path, false)).filter((entry) => !entry.directory);
      expect(listing).toHaveLength(files.length);
      const names = listing.map((entry) => entry.name);
      expect(new Set(names).size).toBe(names.length);
      for (const name of names) expect(name).toMatch(/^[A-Z0-9_]{0,8}\.[A-Z0-9_]{0,3};1$/);
      const byName = new Map(listing.map((entry) => [entry.name, entry]));
      expect(byName.get(files === SMALL ? 'META_DAT.;1' : 'LARGE_FI.BIN;1')?.size).toBe(
        files[0]!.data.length,
      );
      const contents = await Promise.all(names.map((name) => extractWithIsoinfo(path, `/${name}`, false)));
      const expected = files.map((file) => Buffer.from(file.data).toString('hex')).sort();
      expect(contents.map((data) => data.toString('hex')).sort()).toEqual(expected);
    });

    it('the Joliet listing matches the real names and sizes', async () => {
      const listing = (await listWithIsoinfo(path, true)).filter((entry) => !entry.directory);
      expect(listing.map((entry) => [entry.name, entry.size]).sort()).toEqual(
        files.map((file) => [file.name, file.data.length]).sort(),
      );
    });

    it('has consistent both-endian fields, sorted records and no record across a sector boundary', () => {
      const sectors = image.length / 2048;
      expect(Number.isInteger(sectors)).toBe(true);
      for (const descriptor of [16, 17]) {
        const base = descriptor * 2048;
        expect(bothEndian32At(image, base + 80)).toBe(sectors);
        expect(bothEndian16At(image, base + 120)).toBe(1);
        expect(bothEndian16At(image, base + 124)).toBe(1);
        expect(bothEndian16At(image, base + 128)).toBe(2048);
        expect(bothEndian32At(image, base + 132)).toBe(10);
        const view = new DataView(image.buffer, image.byteOffset);
        const lTable = view.getUint32(base + 140, true);
        const mTable = view.getUint32(base + 148, false);
        const records = rootRecords(image, descriptor);
        const [self, parent] = records;
        expect(view.getUint32(lTable * 2048 + 2, true)).toBe(self!.extent);
        expect(view.getUint32(mTable * 2048 + 2, false)).toBe(self!.extent);
        expect([...self!.identifier, ...parent!.identifier]).toEqual([0, 1]);
        expect(parent!.extent).toBe(self!.extent);
        const entries = records.slice(2);
        expect(entries).toHaveLength(files.length);
        for (const record of entries) {
          expect(record.flags).toBe(0);
          expect(record.extent + Math.ceil(record.size / 2048)).toBeLessThanOrEqual(sectors);
          expect(record.date).toEqual([100, 1, 1, 0, 0, 0, 0]);
        }
        const names = entries.map((record) => (descriptor === 17 ? ucs2Of : asciiOf)(record.identifier));
        expect(names).toEqual([...names].sort());
        if (files === MANY) expect(self!.size).toBeGreaterThan(2048);
      }
      expect(Buffer.from(image.subarray(16 * 2048 + 40, 16 * 2048 + 72)).toString('latin1')).toBe(
        'cidata'.padEnd(32),
      );
      expect(ucs2Of(image.subarray(17 * 2048 + 40, 17 * 2048 + 72))).toBe('cidata'.padEnd(16));
      expect([...image.subarray(17 * 2048 + 88, 17 * 2048 + 91)]).toEqual([0x25, 0x2f, 0x45]);
      expect([...image.subarray(18 * 2048, 18 * 2048 + 7)]).toEqual([255, 0x43, 0x44, 0x30, 0x30, 0x31, 1]);
    });
  });

  it('is deterministic: the same input gives the same bytes, any change gives others', () => {
    const first = buildIso({ volumeId: 'cidata', files: MANY });
    expect(Buffer.from(buildIso({ volumeId: 'cidata', files: MANY })).equals(first)).toBe(true);
    const changed = MANY.map((file, i) =>
      i === 5 ? { ...file, data: patterned(file.data.length, 99) } : file,
    );
    expect(Buffer.from(buildIso({ volumeId: 'cidata', files: changed })).equals(first)).toBe(false);
    expect(Buffer.from(buildIso({ volumeId: 'CIDATA', files: MANY })).equals(first)).toBe(false);
  });

  it('refuses duplicate names, names Joliet cannot hold and bad volume labels', () => {
    const data = new Uint8Array(1);
    const cases: Array<[string, IsoFile[]]> = [
      [
        'cidata',
        [
          { name: 'a', data },
          { name: 'a', data },
        ],
      ],
      ['cidata', [{ name: 'a/b', data }]],
      ['cidata', [{ name: '', data }]],
      ['', [{ name: 'a', data }]],
      ['x'.repeat(17), [{ name: 'a', data }]],
      ['cïdata', [{ name: 'a', data }]],
    ];
    for (const [volumeId, files] of cases) {
      expect(thrownImsError(() => buildIso({ volumeId, files })).code).toBe('IMS_INVALID_ARGUMENT');
    }
  });
});
