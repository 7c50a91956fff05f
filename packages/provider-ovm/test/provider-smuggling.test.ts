/**
 * Archives that two tar readers read differently. The host's reader (tar-stream) sees harmless
 * files; GNU tar on dom0 sees headers hidden in a file's data: a symbolic link to a dom0 file as
 * the template's disk, a device node, a FIFO. Whatever the archive says, only the regular files the
 * host extracted may end up in seed_pool — checked here against real GNU tar over a real sshd.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshDom0 } from '../src/dom0/ssh-dom0.js';
import { extractAndList, verifyExtracted, verifyListing } from '../src/dom0/verify-extracted.js';
import { expectCode, type OvmFixture, startOvmFixture } from './ovm-fixture.js';
import { header, paxHeader, paxRecord, tgz } from './tar-bytes.js';

let fixture: OvmFixture;

beforeAll(async () => {
  fixture = await startOvmFixture('smuggling');
}, 60_000);

afterAll(async () => {
  await fixture?.teardown();
});

/** Headers only GNU tar will see: the disk as a link to a dom0 file, a device node, a FIFO. */
function hiddenHeaders(): Buffer {
  return Buffer.concat([
    header({ name: 'System.img', type: '2', linkname: '/etc/hostname' }),
    header({ name: 'console', type: '3', devmajor: 1, devminor: 3, mode: 0o666 }),
    header({ name: 'pipe', type: '6' }),
  ]);
}

/** Every path under `root` that is neither a regular file nor a directory. */
async function specialFilesUnder(root: string): Promise<string[]> {
  const special: string[] = [];
  for (const entry of (await readdir(root, { recursive: true })).map(String)) {
    const info = await lstat(join(root, entry));
    if (!info.isFile() && !info.isDirectory()) special.push(entry);
  }
  return special.sort();
}

/** Extracts the archive as the host does before it asks the provider to import. */
async function extractOnHost(archive: Buffer): Promise<{ archivePath: string; directory: string }> {
  const work = await mkdtemp(join(fixture.dir, 'import-'));
  const archivePath = join(work, 'template.tgz');
  await writeFile(archivePath, archive);
  const directory = join(work, 'template');
  await mkdir(directory);
  await fixture.context.archives.extract(archivePath, directory);
  return { archivePath, directory };
}

describe('archives read differently by the host and by GNU tar', () => {
  it('a PAX global header that GNU tar applies and the host ignores is refused; nothing special reaches dom0', async () => {
    // GNU tar applies the global `size=0` to vm.cfg and reads its data as three more headers.
    const hidden = hiddenHeaders();
    const archive = tgz(
      paxHeader('g', paxRecord('size', '0')),
      header({ name: 'vm.cfg', type: '0', size: hidden.length }),
      hidden,
    );
    const { archivePath, directory } = await extractOnHost(archive);
    expect((await readdir(directory)).sort()).toEqual(['vm.cfg']);
    await expectCode(
      fixture.provider.importTemplate({ name: 'smuggled-global', directory, archivePath }),
      'IMS_ARCHIVE_UNSAFE',
      /global/i,
    );
    expect(await specialFilesUnder(fixture.ovsRoot)).toEqual([]);
    expect(await fixture.seedPool()).toEqual([]);
    expect(await fixture.provider.listTemplates()).toEqual([]);
  });

  it('a malformed PAX size the host honours and GNU tar ignores is refused; nothing special reaches dom0', async () => {
    // The host takes `size=1536junk` as 1536 and reads the hidden headers as vm.cfg's data; GNU
    // tar rejects the record, keeps the header's size 0 and extracts the hidden headers.
    const hidden = hiddenHeaders();
    const archive = tgz(
      paxHeader('x', paxRecord('size', `${hidden.length}junk`)),
      header({ name: 'vm.cfg', type: '0', size: 0 }),
      hidden,
    );
    const { archivePath, directory } = await extractOnHost(archive);
    expect((await readdir(directory)).sort()).toEqual(['vm.cfg']);
    await expectCode(
      fixture.provider.importTemplate({ name: 'smuggled-pax', directory, archivePath }),
      'IMS_ARCHIVE_UNSAFE',
      /PAX size "1536junk" is malformed/,
    );
    expect(await specialFilesUnder(fixture.ovsRoot)).toEqual([]);
    expect(await fixture.seedPool()).toEqual([]);
  });

  it.each([
    ['a GNU sparse entry', () => tgz(header({ name: 'vm.cfg', type: 'S', size: 0 }))],
    ['a multi-volume continuation', () => tgz(header({ name: 'vm.cfg', type: 'M', size: 0 }))],
    ['a GNU names entry', () => tgz(header({ name: 'vm.cfg', type: 'N', size: 0 }))],
    [
      'a PAX sparse-file record',
      () => tgz(paxHeader('x', paxRecord('GNU.sparse.major', '1')), header({ name: 'vm.cfg', type: '0' })),
    ],
    [
      'a global header holding only a comment',
      () => tgz(paxHeader('g', paxRecord('comment', 'x')), header({ name: 'vm.cfg', type: '0' })),
    ],
    [
      'a directory declaring data',
      () => tgz(header({ name: 'd/', type: '5', size: 512 }), Buffer.alloc(512)),
    ],
  ])('%s is refused before anything is sent', async (_what, build) => {
    const work = await mkdtemp(join(fixture.dir, 'refused-'));
    const archivePath = join(work, 'template.tgz');
    await writeFile(archivePath, build());
    const directory = join(work, 'template');
    await mkdir(directory);
    await writeFile(join(directory, 'vm.cfg'), "name = 'x'\n");
    await expectCode(
      fixture.provider.importTemplate({ name: 'refused', directory, archivePath }),
      'IMS_ARCHIVE_UNSAFE',
    );
    expect(await fixture.seedPool()).toEqual([]);
  });

  it("dom0 gets the files the host extracted, packed by IMS, never the user's archive bytes", async () => {
    // A benign archive that disagrees with the directory: had the archive itself been sent, its
    // content would be the template.
    const userArchive = tgz(
      header({ name: 'vm.cfg', type: '0', size: 8 }),
      Buffer.concat([Buffer.from('from-tgz'), Buffer.alloc(504)]),
    );
    const work = await mkdtemp(join(fixture.dir, 'packed-'));
    const archivePath = join(work, 'template.tgz');
    await writeFile(archivePath, userArchive);
    const directory = join(work, 'template');
    await mkdir(join(directory, 'disks'), { recursive: true });
    await writeFile(join(directory, 'vm.cfg'), 'from-directory');
    await writeFile(join(directory, 'disks', 'System.img'), Buffer.alloc(70_000, 7));
    const info = await fixture.provider.importTemplate({ name: 'packed', directory, archivePath });
    expect(info).toMatchObject({ name: 'packed', sizeBytes: 70_000 + 14 });
    const seed = join(fixture.ovsRoot, 'seed_pool', 'packed');
    expect(await specialFilesUnder(fixture.ovsRoot)).toEqual([]);
    expect((await readdir(seed, { recursive: true })).map(String).sort()).toEqual([
      'disks',
      'disks/System.img',
      'vm.cfg',
    ]);
    expect(await readFile(join(seed, 'vm.cfg'), 'utf8')).toBe('from-directory');
    expect(await readFile(join(seed, 'disks', 'System.img'))).toEqual(Buffer.alloc(70_000, 7));
    expect((await fixture.seedPool()).filter((n) => n.startsWith('.'))).toEqual([]);
    expect((await readdir(join(fixture.home, 'data'))).filter((n) => n.startsWith('.ims-pack-'))).toEqual([]);
    await fixture.provider.deleteTemplate('packed');
  });

  it('one command on dom0 checks the checksum before it extracts, then lists what tar wrote', async () => {
    const dom0 = sshDom0(fixture.context, fixture.config, async () => '127.0.0.1');
    try {
      const data = Buffer.from("name = 'x'\n");
      const tar = Buffer.concat([
        header({ name: 'vm.cfg', type: '0', size: data.length }),
        data,
        Buffer.alloc(1024 + 512 - data.length),
      ]);
      const archive = join(fixture.ovsRoot, 'seed_pool', ".ims-upload-it's.tar");
      await writeFile(archive, tar);
      const staging = join(fixture.ovsRoot, 'seed_pool', ".ims-staging-it's");
      await mkdir(staging);
      const options = { archive, staging, gzip: false, template: 'check' };
      await expectCode(
        extractAndList(dom0, { ...options, sha256: '0'.repeat(64) }),
        'IMS_IO_FAILED',
        /arrived damaged/,
      );
      expect(await readdir(staging)).toEqual([]);
      const sha256 = createHash('sha256').update(tar).digest('hex');
      const listing = await extractAndList(dom0, { ...options, sha256 });
      verifyListing(listing, [{ relative: 'vm.cfg', type: 'file', size: data.length }], 'check');
      expect(await readFile(join(staging, 'vm.cfg'))).toEqual(data);
      await dom0.removeTree(staging);
      await dom0.removeTree(archive);
    } finally {
      await dom0.close();
    }
  });

  it('what dom0 wrote is checked there: a link, a FIFO or an unsent file in the staging directory is refused', async () => {
    const dom0 = sshDom0(fixture.context, fixture.config, async () => '127.0.0.1');
    try {
      const staging = join(fixture.ovsRoot, 'seed_pool', '.ims-staging-check');
      await mkdir(join(staging, 'sub'), { recursive: true });
      await writeFile(join(staging, 'vm.cfg'), 'x');
      const expected = [
        { relative: 'sub', type: 'directory' as const, size: 0 },
        { relative: 'vm.cfg', type: 'file' as const, size: 1 },
      ];
      await verifyExtracted(dom0, staging, expected, 'check');
      await symlink('/etc/hostname', join(staging, 'sub', "it's a link"));
      await expectCode(
        verifyExtracted(dom0, staging, expected, 'check'),
        'IMS_ARCHIVE_UNSAFE',
        /symbolic link/,
      );
      await dom0.removeTree(join(staging, 'sub', "it's a link"));
      await writeFile(join(staging, 'extra'), 'y');
      await expectCode(
        verifyExtracted(dom0, staging, expected, 'check'),
        'IMS_IO_FAILED',
        /extra was not sent/,
      );
      await dom0.removeTree(staging);
    } finally {
      await dom0.close();
    }
  });
});
