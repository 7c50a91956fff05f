import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TemplateDisk, TemplateMetadata } from '@ims/spi';
import { expect } from 'vitest';
import { makeTempDir, removeTempDir, run, sha256File } from './builder.js';

/** The files every built template directory holds, sorted. */
export const TEMPLATE_FILES = [
  'Application.img',
  'Bootparams.img',
  'README',
  'System.img',
  'initrd.img',
  'template.json',
  'vm.cfg',
  'vmlinuz',
];

/** template.json as the builder writes it: the SPI's metadata plus the base it was built from. */
export interface BuiltTemplateMetadata extends TemplateMetadata {
  /** `busybox` or `debootstrap`. */
  base: string;
}

const METADATA_KEYS = ['base', 'cmdline', 'disks', 'initrd', 'kernel', 'name', 'os'];
const DISK_KEYS = ['file', 'format', 'role', 'sha256', 'sizeBytes'];

/** Reads template.json and checks its shape against TemplateMetadata (no keys beyond it but `base`). */
export async function readTemplateJson(dir: string): Promise<BuiltTemplateMetadata> {
  const parsed = JSON.parse(await readFile(join(dir, 'template.json'), 'utf8')) as BuiltTemplateMetadata;
  expect(Object.keys(parsed).sort()).toEqual(METADATA_KEYS);
  for (const disk of parsed.disks) {
    expect(Object.keys(disk).sort()).toEqual(DISK_KEYS);
  }
  return parsed;
}

/** Checks that every disk's size and checksum in template.json are those of the file. */
export async function expectDisksMatchFiles(dir: string, disks: readonly TemplateDisk[]): Promise<void> {
  for (const disk of disks) {
    const path = join(dir, disk.file);
    expect((await stat(path)).size, `${disk.file} size`).toBe(disk.sizeBytes);
    expect(await sha256File(path), `${disk.file} sha256`).toBe(disk.sha256);
  }
}

/** Checks that NAME.tgz holds exactly the directory's files, byte for byte, at its root, owned by 0:0. */
export async function expectArchiveMatchesDirectory(archive: string, dir: string): Promise<void> {
  const listing = await run('tar', ['--numeric-owner', '-tvzf', archive]);
  expect(listing.code, listing.stderr).toBe(0);
  const lines = listing.stdout.trim().split('\n');
  const names = lines.map((line) => line.split(/\s+/).at(-1));
  expect(names).toEqual([...(await readdir(dir))].sort());
  for (const line of lines) {
    expect(line.split(/\s+/)[1], line).toBe('0/0');
  }
  const extracted = await makeTempDir('ims-tb-tgz');
  try {
    const untar = await run('tar', ['-xzf', archive, '-C', extracted]);
    expect(untar.code, untar.stderr).toBe(0);
    for (const name of await readdir(dir)) {
      expect(await sha256File(join(extracted, name)), name).toBe(await sha256File(join(dir, name)));
    }
  } finally {
    await removeTempDir(extracted);
  }
}
