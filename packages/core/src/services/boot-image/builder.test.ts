import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeWithIsoinfo,
  extractWithIsoinfo,
  extractWithXorriso,
  listWithIsoinfo,
  writeImage,
} from '../../../test/boot-image/iso-tools.js';
import { exampleParams } from '../../../test/boot-image/params.js';
import { rejectedImsError, tempDir } from '../../../test/boot-image/tools.js';
import { BOOTPARAMS_CONF_MAX_BYTES, renderBootParamsConf } from './bootparams-conf.js';
import {
  BOOT_IMAGE_MAX_BYTES,
  BOOT_IMAGE_MIN_SECTORS,
  BOOT_IMAGE_VOLUME_ID,
  bootImageFiles,
  createBootImageBuilder,
} from './builder.js';

describe('createBootImageBuilder', () => {
  const builder = createBootImageBuilder();
  let work: { dir: string; remove: () => Promise<void> };
  beforeAll(async () => {
    work = await tempDir('boot-image');
  });
  afterAll(async () => {
    await work.remove();
  });

  it('renders the same conf as renderBootParamsConf', () => {
    expect(builder.renderConf(exampleParams())).toBe(renderBootParamsConf(exampleParams()));
  });

  it('builds a cidata image whose four files read back byte for byte with xorriso and isoinfo', async () => {
    const params = exampleParams({ params: { motd: "hello 'world'\n🚀" } });
    const image = await builder.build(params);
    const path = await writeImage(join(work.dir, 'boot.iso'), image);
    const expected = bootImageFiles(params);
    expect(expected.map((file) => file.name)).toEqual([
      'meta-data',
      'user-data',
      'network-config',
      'bootparams.conf',
    ]);

    const out = join(work.dir, 'extracted');
    await mkdir(out);
    const extracted = await extractWithXorriso(path, out);
    expect([...extracted.keys()].sort()).toEqual(expected.map((file) => file.name).sort());
    for (const file of expected) {
      expect(extracted.get(file.name)?.equals(file.data), file.name).toBe(true);
      expect((await extractWithIsoinfo(path, `/${file.name}`, true)).equals(file.data), file.name).toBe(true);
    }
    expect((await extractWithIsoinfo(path, '/bootparams.conf', true)).toString('utf8')).toBe(
      renderBootParamsConf(params),
    );

    const description = await describeWithIsoinfo(path);
    expect(description).toMatch(new RegExp(`^Volume id: ${BOOT_IMAGE_VOLUME_ID}$`, 'm'));
    // Padded so busybox's findfs (which skips devices under ~68 KiB) finds it by label.
    expect(image.length).toBe(BOOT_IMAGE_MIN_SECTORS * 2048);
    expect(description).toMatch(new RegExp(`^Volume size is: ${BOOT_IMAGE_MIN_SECTORS}$`, 'm'));
    expect(description).toMatch(/Joliet with UCS level 3 found/);
    expect((await listWithIsoinfo(path, false)).map((entry) => entry.name).sort()).toEqual([
      '.',
      '..',
      'BOOTPARA.CON;1',
      'META_DAT.;1',
      'NETWORK_.;1',
      'USER_DAT.;1',
    ]);
  });

  it('is deterministic: the same params give identical bytes, different params different bytes', async () => {
    const first = Buffer.from(await builder.build(exampleParams()));
    const again = Buffer.from(await createBootImageBuilder().build(exampleParams()));
    expect(again.equals(first)).toBe(true);
    for (const changed of [
      exampleParams({ hostname: 'web-2' }),
      exampleParams({ vmName: 'web-2' }),
      exampleParams({ dns: ['10.0.2.3'] }),
      exampleParams({ params: { 'das.host': 'admin.example2' } }),
    ]) {
      expect(Buffer.from(await builder.build(changed)).equals(first)).toBe(false);
    }
  });

  it('builds the largest allowed conf well within the image limit', async () => {
    const base = Buffer.byteLength(renderBootParamsConf(exampleParams({ params: { pad: '' } })));
    const params = exampleParams({ params: { pad: 'x'.repeat(BOOTPARAMS_CONF_MAX_BYTES - base) } });
    const image = await builder.build(params);
    expect(image.length).toBeLessThanOrEqual(BOOT_IMAGE_MAX_BYTES);
    const path = await writeImage(join(work.dir, 'largest.iso'), image);
    expect((await extractWithIsoinfo(path, '/bootparams.conf', true)).length).toBe(BOOTPARAMS_CONF_MAX_BYTES);
  });

  it('rejects invalid parameters with IMS_BOOTPARAMS_INVALID', async () => {
    const error = await rejectedImsError(
      builder.build(exampleParams({ params: { 'a.b': '1', 'a-b': '2' } })),
    );
    expect(error.code).toBe('IMS_BOOTPARAMS_INVALID');
    expect(error.message).toContain('"a.b" and "a-b"');
    const nul = await rejectedImsError(builder.build(exampleParams({ params: { key: '\u0000' } })));
    expect(nul.code).toBe('IMS_BOOTPARAMS_INVALID');
  });

  it('refuses an image over the limit, with its size, even when the conf fits', async () => {
    const dns = Array.from({ length: 1_500 }, (_, i) => `10.${i >> 8}.${i & 255}.1`);
    const nics = Array.from({ length: 40 }, (_, i) => ({
      mac: `52:54:00:00:00:${i.toString(16).padStart(2, '0')}`,
      address: 'dhcp' as const,
    }));
    const params = exampleParams({ nics, dns });
    expect(() => renderBootParamsConf(params)).not.toThrow();
    const error = await rejectedImsError(builder.build(params));
    expect(error.code).toBe('IMS_BOOTPARAMS_INVALID');
    expect(error.message).toMatch(/the boot image would be \d+ bytes, \d+ over the limit of 524288 bytes/);
  });
});
