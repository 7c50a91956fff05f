/**
 * Hostile template archives: entries with `..`, absolute names and symbolic links out of the
 * template. Each is refused with IMS_ARCHIVE_UNSAFE before a byte is sent to dom0: nothing is
 * uploaded, nothing is written outside, nothing is registered.
 */
import { existsSync } from 'node:fs';
import { symlink as makeSymlink, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTgz, dir, type FixtureEntry, file, symlink } from '../../core/test/archive/tar-fixtures.js';
import { expectCode, type OvmFixture, startOvmFixture } from './ovm-fixture.js';

const VM_CFG = "name = 'evil'\nmemory = 64\nvcpus = 1\nvif = ['bridge=xenbr0']\n";

let fixture: OvmFixture;
let directory: string;

beforeAll(async () => {
  fixture = await startOvmFixture('hostile');
  directory = join(fixture.dir, 'extracted');
  await mkdir(directory);
  await writeFile(join(directory, 'vm.cfg'), VM_CFG);
  await writeFile(join(directory, 'System.img'), Buffer.alloc(4096));
}, 60_000);

afterAll(async () => {
  await fixture?.teardown();
});

/** Files anywhere under the OVS root (hidden upload and staging files included). */
async function allUnder(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true })).map(String).sort();
}

describe('hostile template archives', () => {
  it.each([
    ['a ".." entry', (target: string) => [file('vm.cfg', VM_CFG), file(`../../${target}`, 'pwned')]],
    [
      'an absolute entry',
      (target: string) => [file('vm.cfg', VM_CFG), file(join(fixture.dir, target), 'pwned')],
    ],
    [
      'a symbolic link out, then a file through it',
      (target: string) => [
        file('vm.cfg', VM_CFG),
        symlink('out', fixture.dir),
        file(`out/${target}`, 'pwned'),
      ],
    ],
    [
      'a directory climbing out',
      (target: string) => [file('vm.cfg', VM_CFG), dir('a/../../'), file(`a/../../${target}`, 'x')],
    ],
  ] as const)('with %s are refused, and nothing reaches dom0', async (_what, entries) => {
    const target = `escaped-${Math.random().toString(36).slice(2)}`;
    const archivePath = join(fixture.dir, `${target}.tgz`);
    await writeFile(archivePath, await buildTgz(entries(target) as FixtureEntry[]));
    const before = await allUnder(fixture.ovsRoot);
    await expectCode(
      fixture.provider.importTemplate({ name: 'evil', directory, archivePath }),
      'IMS_ARCHIVE_UNSAFE',
      /entry ".*" is unsafe/,
    );
    expect(await allUnder(fixture.ovsRoot)).toEqual(before);
    expect(existsSync(join(fixture.dir, target))).toBe(false);
    expect(existsSync(join(fixture.ovsRoot, target))).toBe(false);
    expect(await fixture.provider.listTemplates()).toEqual([]);
  });

  it('a template directory holding a symbolic link is refused before anything is sent', async () => {
    const linked = join(fixture.dir, 'linked');
    await mkdir(linked);
    await writeFile(join(linked, 'vm.cfg'), VM_CFG);
    await makeSymlink('/etc/passwd', join(linked, 'System.img'));
    await expectCode(
      fixture.provider.importTemplate({ name: 'evil', directory: linked }),
      'IMS_INVALID_ARGUMENT',
      /not a regular file/,
    );
    expect(await fixture.seedPool()).toEqual([]);
  });

  it('names that are not template names never reach dom0', async () => {
    for (const name of ['../target', '.ims-staging-x', 'a/b', "x'; rm -rf /"]) {
      await expectCode(fixture.provider.importTemplate({ name, directory }), 'IMS_INVALID_NAME');
    }
    expect(await fixture.seedPool()).toEqual([]);
  });
});
