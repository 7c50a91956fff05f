/**
 * Template import on the real daemon: every file lands in its volume byte for byte, and raw disk
 * images stay sparse — their zeros travel as stream holes and are never written. Uses a copy of
 * the busybox template whose system disk is grown to 512 MiB of mostly free space. (The conformance
 * kit boots guests from templates imported this way.)
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TemplateMetadata } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateVolumes } from '../src/names.js';
import { busyboxTemplate } from './busybox-template.js';
import { createProviderFixture, type ProviderFixture } from './provider-fixture.js';

const GROWN_BYTES = 512 * 1024 ** 2;

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

let fixture: ProviderFixture;
let directory: string;
let metadata: TemplateMetadata;

beforeAll(async () => {
  const template = await busyboxTemplate();
  fixture = await createProviderFixture('import');
  directory = join(fixture.dir, 'grown');
  await cp(template.directory, directory, { recursive: true });
  // Grow the system disk the way a bigger template would look: the same data, more free space.
  const system = join(directory, 'System.img');
  await truncate(system, GROWN_BYTES);
  metadata = JSON.parse(await readFile(join(directory, 'template.json'), 'utf8')) as TemplateMetadata;
  for (const disk of metadata.disks ?? []) {
    if (disk.role === 'system') Object.assign(disk, { sizeBytes: GROWN_BYTES, sha256: await sha256(system) });
  }
  await writeFile(join(directory, 'template.json'), JSON.stringify(metadata, null, 2));
}, 600_000);

afterAll(async () => {
  await fixture?.teardown();
});

describe('template import into a pool', () => {
  it('uploads every file byte for byte, and the raw system disk without writing its zeros', async () => {
    await fixture.provider.importTemplate({ name: 'grown', directory, metadata });
    const volumes = templateVolumes('grown');
    const pairs = [
      [volumes.system, 'System.img'],
      [volumes.app, 'Application.img'],
      [volumes.kernel, 'vmlinuz'],
      [volumes.initrd, 'initrd.img'],
    ] as const;
    for (const [volume, file] of pairs) {
      expect(await sha256(join(fixture.poolDir, volume)), volume).toBe(await sha256(join(directory, file)));
    }
    const system = await stat(join(fixture.poolDir, volumes.system));
    expect(system.size).toBe(GROWN_BYTES);
    // The busybox system disk holds ~13 MiB of data; without holes all 512 MiB would be written.
    expect(system.blocks * 512).toBeLessThan(64 * 1024 ** 2);
  });
});
