/** The local check every template archive passes before a byte of it goes to dom0. */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ErrorCode, isImsError } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTar,
  buildTgz,
  dir,
  type FixtureEntry,
  file,
  hardlink,
  symlink,
} from '../../core/test/archive/tar-fixtures.js';
import { checkTemplateArchive } from '../src/archive-check.js';

let work: string;
let count = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ims-ovm-archive-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function archiveOf(entries: readonly FixtureEntry[]): Promise<string> {
  count += 1;
  const path = join(work, `a${count}.tgz`);
  await writeFile(path, await buildTgz(entries));
  return path;
}

async function refusal(path: string): Promise<{ code: ErrorCode; message: string }> {
  try {
    await checkTemplateArchive(path);
  } catch (error) {
    expect(isImsError(error), String(error)).toBe(true);
    return error as never;
  }
  throw new Error('expected the archive to be refused');
}

const VM_CFG = file('vm.cfg', "name = 't'\nvif = ['bridge=xenbr0']\n");

describe('checkTemplateArchive', () => {
  it('accepts files and directories at the root and reports the archive’s SHA-256 and size', async () => {
    const path = await archiveOf([
      VM_CFG,
      dir('sub'),
      file('sub/System.img', Buffer.alloc(4096, 1)),
      file('./README', 'x'),
    ]);
    const bytes = await readFile(path);
    const checked = await checkTemplateArchive(path);
    expect(checked).toEqual({
      sha256: createHash('sha256').update(bytes).digest('hex'),
      sizeBytes: bytes.length,
      entries: 4,
      root: '',
    });
  });

  it('accepts a template inside one top-level directory and says which', async () => {
    const path = await archiveOf([dir('web/'), file('web/vm.cfg', 'x'), file('web/System.img', 'y')]);
    expect((await checkTemplateArchive(path)).root).toBe('web');
  });

  it.each([
    [
      'a ".." component',
      [VM_CFG, file('../escape', 'x')],
      /"\.\.\/escape" is unsafe: its name contains a "\.\." component/,
    ],
    ['a ".." deeper down', [VM_CFG, file('a/../../etc/cron.d/x', 'x')], /contains a "\.\." component/],
    ['an absolute name', [VM_CFG, file('/etc/passwd', 'x')], /is an absolute path/],
    [
      'a symbolic link out',
      [VM_CFG, symlink('System.img', '/etc/shadow')],
      /is a symbolic link \(to "\/etc\/shadow"\)/,
    ],
    ['a symbolic link inside', [VM_CFG, symlink('link', 'vm.cfg')], /is a symbolic link/],
    ['a hard link', [VM_CFG, hardlink('System.img', 'vm.cfg')], /is a hard link/],
    [
      'a device',
      [VM_CFG, { header: { name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 } }],
      /block-device/,
    ],
    ['a FIFO', [VM_CFG, { header: { name: 'pipe', type: 'fifo' } }], /fifo/],
  ] as const)('refuses %s with IMS_ARCHIVE_UNSAFE', async (_what, entries, message) => {
    const error = await refusal(await archiveOf(entries as readonly FixtureEntry[]));
    expect(error.code).toBe('IMS_ARCHIVE_UNSAFE');
    expect(error.message).toMatch(message);
  });

  it('refuses an archive without vm.cfg as not an OVM template', async () => {
    const error = await refusal(
      await archiveOf([file('System.img', 'x'), file('other/vm.cfg', 'x'), dir('more')]),
    );
    expect(error.code).toBe('IMS_INVALID_ARGUMENT');
    expect(error.message).toMatch(/has no vm\.cfg/);
  });

  it('refuses a plain tar, a truncated tgz and garbage as IMS_ARCHIVE_CORRUPT', async () => {
    const plain = join(work, 'plain.tar');
    await writeFile(plain, await buildTar([VM_CFG]));
    const full = await buildTgz([VM_CFG, file('System.img', Buffer.alloc(100_000, 7))]);
    const truncated = join(work, 'truncated.tgz');
    await writeFile(truncated, full.subarray(0, Math.floor(full.length / 2)));
    const garbage = join(work, 'garbage.tgz');
    await writeFile(garbage, 'this is not an archive');
    for (const path of [plain, truncated, garbage])
      expect((await refusal(path)).code, path).toBe('IMS_ARCHIVE_CORRUPT');
  });

  it('reports a missing archive as IMS_IO_FAILED', async () => {
    expect((await refusal(join(work, 'missing.tgz'))).code).toBe('IMS_IO_FAILED');
  });
});
