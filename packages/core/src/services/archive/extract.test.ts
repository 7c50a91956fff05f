import { execFile } from 'node:child_process';
import {
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type ExtractOptions, type ImsError, isImsError } from '@ims/spi';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, describeTree, type Sandbox } from '../../../test/archive/sandbox.js';
import {
  buildTar,
  buildTgz,
  dir,
  type FixtureEntry,
  file,
  hardlink,
  headerOffsets,
  patternBytes,
  symlink as symlinkEntry,
  withTypeflag,
} from '../../../test/archive/tar-fixtures.js';
import { createArchiveExtractor } from './extract.js';

const run = promisify(execFile);
const extractor = createArchiveExtractor();
const MiB = 1024 * 1024;

/** Legitimate entries put before each hostile one, so the cleanup after a refusal is exercised. */
const PRELUDE: FixtureEntry[] = [
  dir('keep/'),
  file('keep/a.txt', 'kept?\n'),
  file('top.txt', 'top\n'),
  symlinkEntry('keep/alias', 'a.txt'),
];

let sandbox: Sandbox;
let outsideBefore: string[];

beforeEach(async () => {
  sandbox = await createSandbox();
  outsideBefore = await sandbox.outsideSnapshot();
});

afterEach(async () => {
  await sandbox.cleanup();
});

async function extractionError(input: string | Readable, options?: ExtractOptions): Promise<ImsError> {
  const outcome = await extractor.extract(input, sandbox.target, options).then(
    (entries) => ({ entries }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`extraction succeeded: ${JSON.stringify(outcome.entries)}`);
  if (!isImsError(outcome.error)) throw new Error(`not an ImsError: ${String(outcome.error)}`);
  return outcome.error;
}

/** The checks every failed extraction must pass: nothing left in the target, nothing changed outside. */
async function expectNothingLeft(): Promise<void> {
  expect(await readdir(sandbox.target)).toEqual([]);
  expect(await sandbox.outsideSnapshot()).toEqual(outsideBefore);
}

async function expectRefused(entries: FixtureEntry[], entryName: string, reason: RegExp): Promise<ImsError> {
  const archive = await sandbox.writeArchive('hostile.tar', await buildTar(entries));
  const error = await extractionError(archive);
  expect(error.code).toBe('IMS_ARCHIVE_UNSAFE');
  expect(error.message).toContain(JSON.stringify(entryName));
  expect(error.message).toMatch(reason);
  expect(error.hint).toMatch(/not a trustworthy template/);
  expect(error.hint).toMatch(/nothing was extracted outside/);
  await expectNothingLeft();
  return error;
}

describe('refused entry names', () => {
  it('refuses an absolute path', async () => {
    const escaped = join(sandbox.root, 'escaped.txt');
    await expectRefused([...PRELUDE, file(escaped, 'x')], escaped, /absolute path/);
  });

  it('refuses a leading ".." component', async () => {
    await expectRefused([...PRELUDE, file('../escaped.txt', 'x')], '../escaped.txt', /"\.\." component/);
  });

  it('refuses a ".." component in the middle of a name', async () => {
    await expectRefused(
      [...PRELUDE, file('keep/../../sentinel/keep.txt', 'overwritten')],
      'keep/../../sentinel/keep.txt',
      /"\.\."/,
    );
  });

  it('refuses a name with a NUL byte', async () => {
    const name = 'keep/evil\0.txt';
    await expectRefused(
      [...PRELUDE, { header: { name: 'plain', pax: { path: name } }, data: 'x' }],
      name,
      /NUL byte/,
    );
  });

  it('refuses an empty name', async () => {
    await expectRefused([...PRELUDE, file('', 'x')], '', /empty name/);
  });
});

describe('refused symbolic links', () => {
  it('refuses an absolute link target', async () => {
    await expectRefused([...PRELUDE, symlinkEntry('evil', sandbox.sentinel)], 'evil', /absolute path/);
  });

  it('refuses a relative link target that leaves the target', async () => {
    await expectRefused([...PRELUDE, symlinkEntry('evil', '../sentinel')], 'evil', /outside the target/);
  });

  it('refuses a nested link climbing one level too many', async () => {
    await expectRefused(
      [...PRELUDE, symlinkEntry('keep/evil', '../../sentinel/keep.txt')],
      'keep/evil',
      /outside the target/,
    );
  });

  it('refuses ".." after a name, which could resolve through another link', async () => {
    // keep/up -> .. is the target itself; esc -> keep/up/.. reads as "keep" but is really the target's parent.
    await expectRefused(
      [...PRELUDE, symlinkEntry('keep/up', '..'), symlinkEntry('esc', 'keep/up/../sentinel')],
      'esc',
      /"\.\." after a name/,
    );
  });

  it('refuses a link with an empty target', async () => {
    await expectRefused([...PRELUDE, symlinkEntry('empty-link', '')], 'empty-link', /empty target/);
  });
});

describe('refused hard links', () => {
  it('refuses an absolute hard link target', async () => {
    const outside = join(sandbox.sentinel, 'keep.txt');
    await expectRefused([...PRELUDE, hardlink('grab', outside)], 'grab', /absolute path/);
  });

  it('refuses a hard link target that leaves the target', async () => {
    await expectRefused([...PRELUDE, hardlink('grab', '../sentinel/keep.txt')], 'grab', /"\.\."/);
  });

  it('refuses a hard link to a file that comes later in the archive', async () => {
    await expectRefused(
      [...PRELUDE, hardlink('early', 'late.txt'), file('late.txt', 'late')],
      'early',
      /"late\.txt" was not extracted before/,
    );
  });

  it('refuses a hard link to a directory', async () => {
    await expectRefused([...PRELUDE, hardlink('dirlink', 'keep')], 'dirlink', /is a directory/);
  });

  it('refuses a hard link to a symbolic link', async () => {
    await expectRefused([...PRELUDE, hardlink('linklink', 'keep/alias')], 'linklink', /is a symlink/);
  });
});

describe('refused entry types', () => {
  const cases = [
    ['character-device', /character device/],
    ['block-device', /block device/],
    ['fifo', /FIFO/],
    ['contiguous-file', /contiguous file/],
  ] as const;
  for (const [type, reason] of cases) {
    it(`refuses a ${type}`, async () => {
      await expectRefused(
        // tar-stream packs a body for contiguous files only.
        [
          ...PRELUDE,
          {
            header: { name: `keep/${type}`, type, devmajor: 1, devminor: 3 },
            ...(type === 'contiguous-file' ? { data: 'x' } : {}),
          },
        ],
        `keep/${type}`,
        reason,
      );
    });
  }

  it('refuses an entry of a type tar-stream does not know (GNU old sparse "S")', async () => {
    const tar = await buildTar([...PRELUDE, file('sparse.img', 'data')]);
    const offsets = headerOffsets(tar);
    const archive = await sandbox.writeArchive('sparse.tar', withTypeflag(tar, offsets.at(-1)!, 'S'));
    const error = await extractionError(archive);
    expect(error.code).toBe('IMS_ARCHIVE_UNSAFE');
    expect(error.message).toContain('"sparse.img"');
    expect(error.message).toMatch(/unknown type/);
    await expectNothingLeft();
  });

  it('refuses a pax GNU sparse file', async () => {
    await expectRefused(
      [...PRELUDE, { header: { name: 'disk.img', pax: { 'GNU.sparse.major': '1' } }, data: 'map' }],
      'disk.img',
      /GNU sparse/,
    );
  });
});

describe('never writing through links or over entries', () => {
  it('refuses a file below a link to a directory', async () => {
    await expectRefused(
      [...PRELUDE, symlinkEntry('s', 'keep'), file('s/f.txt', 'x')],
      's/f.txt',
      /"s" is a symbolic link/,
    );
  });

  it('refuses a file below a link to the target itself', async () => {
    await expectRefused(
      [...PRELUDE, symlinkEntry('d', '.'), file('d/f.txt', 'x')],
      'd/f.txt',
      /"d" is a symbolic link/,
    );
  });

  it('refuses a directory below a link', async () => {
    await expectRefused([...PRELUDE, symlinkEntry('s', 'keep'), dir('s/sub/')], 's/sub/', /symbolic link/);
  });

  it('refuses a duplicate file entry instead of overwriting', async () => {
    await expectRefused([...PRELUDE, file('keep/a.txt', 'second')], 'keep/a.txt', /appears twice/);
  });

  it('refuses a file where a link was extracted', async () => {
    await expectRefused([...PRELUDE, file('keep/alias', 'through the link')], 'keep/alias', /appears twice/);
  });

  it('refuses an entry below a regular file', async () => {
    await expectRefused(
      [...PRELUDE, file('top.txt/inner', 'x')],
      'top.txt/inner',
      /"top\.txt" is not a directory/,
    );
  });

  it('refuses a regular file named like the target itself', async () => {
    await expectRefused([...PRELUDE, file('.', 'x')], '.', /target directory itself/);
  });
});

describe('limits', () => {
  it('refuses an archive bigger than maxTotalBytes before writing its data', async () => {
    const archive = await sandbox.writeArchive(
      'big.tgz',
      await buildTgz([...PRELUDE, file('big.bin', patternBytes(2 * MiB))]),
    );
    const error = await extractionError(archive, { maxTotalBytes: MiB });
    expect(error.code).toBe('IMS_ARCHIVE_UNSAFE');
    expect(error.message).toContain('"big.bin"');
    expect(error.message).toMatch(/maxTotalBytes = 1048576/);
    expect(error.details).toMatchObject({ limit: 'maxTotalBytes' });
    await expectNothingLeft();
  });

  it('judges the size from the header, even when the data never arrives', async () => {
    const tar = await buildTar([file('huge.bin', patternBytes(4096))]);
    // Only the header: a parser that wrote first would fail with "truncated" instead.
    const archive = await sandbox.writeArchive('header-only.tar', tar.subarray(0, 512));
    const error = await extractionError(archive, { maxTotalBytes: 1000 });
    expect(error.code).toBe('IMS_ARCHIVE_UNSAFE');
    expect(error.message).toContain('"huge.bin"');
    await expectNothingLeft();
  });

  it('refuses a compressed archive expanding more than maxExpansionRatio, having written about the allowance', async () => {
    const archive = await sandbox.writeArchive(
      'bomb.tgz',
      await buildTgz([...PRELUDE, file('zeros.img', Buffer.alloc(16 * MiB))]),
    );
    const error = await extractionError(archive, { maxExpansionRatio: 10, expansionAllowanceBytes: MiB });
    expect(error.code).toBe('IMS_ARCHIVE_UNSAFE');
    expect(error.message).toContain('"zeros.img"');
    expect(error.message).toMatch(/expands more than 10 times/);
    expect(error.details).toMatchObject({ limit: 'maxExpansionRatio' });
    const written = Number(/: (\d+) bytes written/.exec(error.message)?.[1]);
    expect(written).toBeGreaterThan(MiB);
    expect(written).toBeLessThan(2 * MiB);
    await expectNothingLeft();
  });

  it('extracts archives within the ratio, and small ones within the allowance whatever their ratio', async () => {
    const data = patternBytes(4 * MiB);
    const dense = await sandbox.writeArchive('dense.tgz', await buildTgz([file('data.img', data)]));
    await extractor.extract(dense, sandbox.target, { maxExpansionRatio: 2, expansionAllowanceBytes: 0 });
    expect(await readFile(join(sandbox.target, 'data.img'))).toEqual(data);
    await rm(join(sandbox.target, 'data.img'));
    const sparse = await sandbox.writeArchive(
      'sparse.tgz',
      await buildTgz([file('empty.img', Buffer.alloc(MiB))]),
    );
    await extractor.extract(sparse, sandbox.target, { maxExpansionRatio: 2, expansionAllowanceBytes: MiB });
    expect((await stat(join(sandbox.target, 'empty.img'))).size).toBe(MiB);
  });

  it('the default bound stops a 4 GiB bomb of a few MB after writing less than 128 MiB', async () => {
    // gzip members may be concatenated: one tar header, then the same 64 MiB of zeros 64 times.
    const size = 4 * 1024 * MiB;
    const tarHeader = (await buildTar([file('System.img', '')])).subarray(0, 512);
    tarHeader.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    tarHeader.write('        ', 148, 'latin1');
    const sum = tarHeader.reduce((total, byte) => total + byte, 0);
    tarHeader.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const zeros = gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
    const bomb = Buffer.concat([gzipSync(tarHeader), ...Array(64).fill(zeros), gzipSync(Buffer.alloc(1024))]);
    expect(bomb.length).toBeLessThan(8 * MiB);
    const archive = await sandbox.writeArchive('bomb.tgz', bomb);
    const error = await extractionError(archive);
    expect(error.code).toBe('IMS_ARCHIVE_UNSAFE');
    expect(error.message).toMatch(/expands more than 200 times/);
    expect(Number(/: (\d+) bytes written/.exec(error.message)?.[1])).toBeLessThan(128 * MiB);
    await expectNothingLeft();
  });

  it('refuses more entries than maxEntries', async () => {
    const entries = [...PRELUDE, file('fifth.txt', '5'), file('sixth.txt', '6')];
    const archive = await sandbox.writeArchive('many.tar', await buildTar(entries));
    const error = await extractionError(archive, { maxEntries: 5 });
    expect(error.code).toBe('IMS_ARCHIVE_UNSAFE');
    expect(error.message).toContain('"sixth.txt"');
    expect(error.message).toMatch(/maxEntries = 5/);
    await expectNothingLeft();
  });

  it('rejects a negative limit as an invalid argument', async () => {
    const archive = await sandbox.writeArchive('ok.tar', await buildTar(PRELUDE));
    const error = await extractionError(archive, { maxEntries: -1 });
    expect(error.code).toBe('IMS_INVALID_ARGUMENT');
    await expectNothingLeft();
  });
});

describe('corrupt input', () => {
  const payload = (): FixtureEntry[] => [...PRELUDE, file('payload.bin', patternBytes(MiB + 77))];

  it('reports a truncated gzip archive', async () => {
    const tgz = await buildTgz(payload());
    const archive = await sandbox.writeArchive('cut.tgz', tgz.subarray(0, Math.floor(tgz.length / 2)));
    const error = await extractionError(archive);
    expect(error.code).toBe('IMS_ARCHIVE_CORRUPT');
    expect(error.message).toMatch(/gzip data is truncated/);
    expect(error.message).toContain('"payload.bin"');
    await expectNothingLeft();
  });

  it('reports a truncated plain tar, naming the entry it ends in', async () => {
    const tar = await buildTar(payload());
    const archive = await sandbox.writeArchive('cut.tar', tar.subarray(0, tar.length - 600 * 1024));
    const error = await extractionError(archive);
    expect(error.code).toBe('IMS_ARCHIVE_CORRUPT');
    expect(error.message).toMatch(/truncated inside entry "payload\.bin"/);
    await expectNothingLeft();
  });

  it('reports random bytes as neither gzip nor tar', async () => {
    const archive = await sandbox.writeArchive('random.tgz', patternBytes(8192, 42));
    const error = await extractionError(archive);
    expect(error.code).toBe('IMS_ARCHIVE_CORRUPT');
    expect(error.message).toMatch(/neither gzip nor tar/);
    await expectNothingLeft();
  });

  it('reports gzip data that does not hold a tar archive', async () => {
    const archive = await sandbox.writeArchive('text.tgz', gzipSync(patternBytes(8192, 7)));
    const error = await extractionError(archive);
    expect(error.code).toBe('IMS_ARCHIVE_CORRUPT');
    expect(error.message).toMatch(/gzip data does not hold a tar archive/);
    await expectNothingLeft();
  });

  it('reports damaged gzip data', async () => {
    const tgz = Buffer.from(await buildTgz(payload()));
    tgz[Math.floor(tgz.length / 2)]! ^= 0xff;
    tgz[Math.floor(tgz.length / 2) + 1]! ^= 0xff;
    const error = await extractionError(await sandbox.writeArchive('damaged.tgz', tgz));
    expect(error.code).toBe('IMS_ARCHIVE_CORRUPT');
    expect(error.message).toMatch(/gzip data is (corrupt|truncated)/);
    await expectNothingLeft();
  });

  it('reports a header checksum error, naming the entry before it', async () => {
    const tar = Buffer.from(await buildTar(PRELUDE));
    const second = headerOffsets(tar)[1]!;
    tar[second + 10]! ^= 0x01;
    const error = await extractionError(await sandbox.writeArchive('checksum.tar', tar));
    expect(error.code).toBe('IMS_ARCHIVE_CORRUPT');
    expect(error.message).toMatch(/after entry "keep\/" fails its checksum/);
    await expectNothingLeft();
  });

  it('reports a missing archive file as IMS_ARCHIVE_CORRUPT saying it does not exist', async () => {
    const error = await extractionError(join(sandbox.root, 'archives', 'missing.tgz'));
    expect(error.code).toBe('IMS_ARCHIVE_CORRUPT');
    expect(error.message).toMatch(/missing\.tgz" does not exist/);
    await expectNothingLeft();
  });

  it('reports an empty file', async () => {
    const error = await extractionError(await sandbox.writeArchive('empty.tar', Buffer.alloc(0)));
    expect(error.code).toBe('IMS_ARCHIVE_CORRUPT');
    expect(error.message).toMatch(/empty/);
    await expectNothingLeft();
  });

  it('passes on an IMS error raised by the source stream', async () => {
    const source = new PassThrough();
    const pending = extractionError(source);
    source.write(await buildTar(PRELUDE).then((tar) => tar.subarray(0, 2048)));
    const { ImsError } = await import('@ims/spi');
    setTimeout(() => source.destroy(new ImsError('IMS_CONNECTION_FAILED', 'download broke')), 20);
    const error = await pending;
    expect(error.code).toBe('IMS_CONNECTION_FAILED');
    await expectNothingLeft();
  });
});

describe('the target directory', () => {
  it('must exist', async () => {
    const archive = await sandbox.writeArchive('ok.tar', await buildTar(PRELUDE));
    const error = await extractor.extract(archive, join(sandbox.root, 'nope')).catch((e: unknown) => e);
    expect(isImsError(error) && error.code).toBe('IMS_INVALID_ARGUMENT');
    expect(String((error as Error).message)).toMatch(/does not exist/);
  });

  it('must be empty, and is left alone when it is not', async () => {
    await writeFile(join(sandbox.target, 'already.txt'), 'mine');
    const archive = await sandbox.writeArchive('ok.tar', await buildTar(PRELUDE));
    const error = await extractionError(archive);
    expect(error.code).toBe('IMS_INVALID_ARGUMENT');
    expect(error.message).toMatch(/not empty/);
    expect(await readdir(sandbox.target)).toEqual(['already.txt']);
  });
});

describe('extraction', () => {
  const entries = (): FixtureEntry[] => [
    dir('./'),
    dir('app/'),
    dir('app/bin/', 0o750),
    file('app/bin/run', '#!/bin/sh\necho hi\n', 0o755),
    file('app/data.bin', patternBytes(300 * 1024, 3), 0o640),
    symlinkEntry('app/current', 'bin/run'),
    symlinkEntry('app/bin/up', '../data.bin'),
    hardlink('app/data-copy.bin', 'app/data.bin'),
    file('implicit/parent/file.txt', 'parents made on the way'),
    dir('implicit/'),
    dir('app/'),
  ];

  const expectedReport = [
    { path: 'app', type: 'directory', size: 0 },
    { path: 'app/bin', type: 'directory', size: 0 },
    { path: 'app/bin/run', type: 'file', size: 18 },
    { path: 'app/data.bin', type: 'file', size: 300 * 1024 },
    { path: 'app/current', type: 'symlink', size: 0 },
    { path: 'app/bin/up', type: 'symlink', size: 0 },
    { path: 'app/data-copy.bin', type: 'file', size: 300 * 1024 },
    { path: 'implicit/parent/file.txt', type: 'file', size: 23 },
    { path: 'implicit', type: 'directory', size: 0 },
  ];

  async function expectExtractedTree(): Promise<void> {
    const root = sandbox.target;
    expect(await readFile(join(root, 'app/bin/run'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect((await stat(join(root, 'app/bin/run'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(root, 'app/bin'))).mode & 0o7777).toBe(0o750);
    expect((await stat(join(root, 'app/data.bin'))).mode & 0o7777).toBe(0o640);
    expect((await readFile(join(root, 'app/data.bin'))).equals(patternBytes(300 * 1024, 3))).toBe(true);
    expect(await readlink(join(root, 'app/current'))).toBe('bin/run');
    expect((await readFile(join(root, 'app/bin/up'))).equals(patternBytes(300 * 1024, 3))).toBe(true);
    const original = await stat(join(root, 'app/data.bin'));
    const copy = await stat(join(root, 'app/data-copy.bin'));
    expect(copy.ino).toBe(original.ino);
    expect(await readFile(join(root, 'implicit/parent/file.txt'), 'utf8')).toBe('parents made on the way');
  }

  it('extracts a plain (uncompressed) tar', async () => {
    const archive = await sandbox.writeArchive('plain.tar', await buildTar(entries()));
    expect(await extractor.extract(archive, sandbox.target)).toEqual(expectedReport);
    await expectExtractedTree();
    expect(await sandbox.outsideSnapshot()).toEqual(outsideBefore);
  });

  it('detects gzip by content, not by the file name', async () => {
    const gzipNamedTar = await sandbox.writeArchive('really-gzip.tar', await buildTgz(entries()));
    expect(await extractor.extract(gzipNamedTar, sandbox.target)).toEqual(expectedReport);
    await expectExtractedTree();
  });

  it('detects plain tar by content, whatever the name says', async () => {
    const tarNamedTgz = await sandbox.writeArchive('really-plain.tgz', await buildTar(entries()));
    expect(await extractor.extract(tarNamedTgz, sandbox.target)).toEqual(expectedReport);
  });

  it('extracts from a Readable, in small chunks', async () => {
    const tgz = await buildTgz(entries());
    const chunks = Array.from({ length: Math.ceil(tgz.length / 1000) }, (_, i) =>
      tgz.subarray(i * 1000, (i + 1) * 1000),
    );
    expect(await extractor.extract(Readable.from(chunks), sandbox.target)).toEqual(expectedReport);
    await expectExtractedTree();
  });

  it('strips setuid, setgid and sticky bits and keeps directories usable by the owner', async () => {
    const archive = await sandbox.writeArchive(
      'modes.tar',
      await buildTar([
        dir('locked/', 0o1500),
        file('locked/suid', 'x', 0o4755),
        file('locked/sgid', 'x', 0o2711),
        file('locked/owner-read', 'x', 0o400),
        dir('shared/', 0o3777),
      ]),
    );
    await extractor.extract(archive, sandbox.target);
    const modeOf = async (path: string) => (await stat(join(sandbox.target, path))).mode & 0o7777;
    expect(await modeOf('locked/suid')).toBe(0o755);
    expect(await modeOf('locked/sgid')).toBe(0o711);
    expect(await modeOf('locked/owner-read')).toBe(0o400);
    expect(await modeOf('locked')).toBe(0o700);
    expect(await modeOf('shared')).toBe(0o777);
  });

  it('reports progress up to the archive size', async () => {
    const tgz = await buildTgz([...entries(), file('more.bin', patternBytes(2 * MiB, 9))]);
    const archive = await sandbox.writeArchive('progress.tgz', tgz);
    const calls: Array<[number, number]> = [];
    await extractor.extract(archive, sandbox.target, {
      onProgress: (done, total) => calls.push([done, total]),
    });
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.at(-1)).toEqual([tgz.length, tgz.length]);
    for (let i = 1; i < calls.length; i += 1) expect(calls[i]![0]).toBeGreaterThan(calls[i - 1]![0]);
  });

  it('reports 0 as the total for a stream, and still counts every byte', async () => {
    const tar = await buildTar(entries());
    let last: [number, number] | undefined;
    await extractor.extract(Readable.from([tar]), sandbox.target, {
      onProgress: (done, total) => (last = [done, total]),
    });
    expect(last).toEqual([tar.length, 0]);
  });

  it('stops and cleans up when aborted mid-way', async () => {
    const tar = await buildTar([...PRELUDE, file('slow.bin', patternBytes(4 * MiB, 5))]);
    const source = new PassThrough();
    const controller = new AbortController();
    const pending = extractionError(source, {
      signal: controller.signal,
      onProgress: (done) => {
        if (done >= 2 * MiB) controller.abort();
      },
    });
    source.write(tar.subarray(0, 3 * MiB)); // and never the rest: only the abort can end this
    const error = await pending;
    expect(error.code).toBe('IMS_ABORTED');
    expect(source.destroyed).toBe(true);
    await expectNothingLeft();
  });

  it('does nothing when the signal is already aborted', async () => {
    const archive = await sandbox.writeArchive('ok.tar', await buildTar(PRELUDE));
    const error = await extractionError(archive, { signal: AbortSignal.abort() });
    expect(error.code).toBe('IMS_ABORTED');
    await expectNothingLeft();
  });
});

describe('an archive made by GNU tar', () => {
  let source: string;

  beforeEach(async () => {
    source = await mkdtemp(join(tmpdir(), 'ims-archive-src-'));
  });

  afterEach(async () => {
    await rm(source, { recursive: true, force: true });
  });

  async function gnuTar(args: string[]): Promise<void> {
    try {
      await run('tar', args);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') {
        throw new Error('GNU tar is missing; install it with `apt-get install tar`');
      }
      throw error;
    }
  }

  it('extracts a `tar czf` archive byte for byte', async () => {
    const tree = join(source, 'tree');
    await mkdir(join(tree, 'nested/deeper/deepest'), { recursive: true });
    await mkdir(join(tree, 'docs'));
    await mkdir(join(tree, 'empty-dir'), { mode: 0o750 });
    await writeFile(join(tree, 'docs/readme.txt'), 'read me\n', { mode: 0o644 });
    await writeFile(join(tree, 'nested/deeper/deepest/data.bin'), patternBytes(3 * MiB + 123, 11));
    await writeFile(join(tree, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await symlink('deeper/deepest/data.bin', join(tree, 'nested/link-to-data'));
    await symlink('../../docs/readme.txt', join(tree, 'nested/deeper/readme-link'));
    await link(join(tree, 'nested/deeper/deepest/data.bin'), join(tree, 'hard.bin'));
    // Longer than the 100 bytes of a plain header: GNU tar stores it as a GNU long name.
    const longDir = join(tree, 'long', 'x'.repeat(90), 'y'.repeat(60));
    await mkdir(longDir, { recursive: true });
    await writeFile(join(longDir, 'ünïcödé.txt'), 'long and non-ASCII\n');
    const archive = join(source, 'tree.tgz');
    await gnuTar(['czf', archive, '-C', tree, '.']);

    const entries = await extractor.extract(archive, sandbox.target);

    expect(await describeTreeHashed(sandbox.target)).toEqual(await describeTreeHashed(tree));
    const extractedData = await stat(join(sandbox.target, 'nested/deeper/deepest/data.bin'));
    expect((await stat(join(sandbox.target, 'hard.bin'))).ino).toBe(extractedData.ino);
    expect(extractedData.size).toBe(3 * MiB + 123);
    const byPath = new Map(entries.map((entry) => [entry.path, entry]));
    expect(byPath.get('hard.bin')).toEqual({ path: 'hard.bin', type: 'file', size: 3 * MiB + 123 });
    expect(byPath.get('nested/link-to-data')?.type).toBe('symlink');
    expect(byPath.get('empty-dir')?.type).toBe('directory');
    expect(byPath.has('')).toBe(false);
  });
});

/** Like {@link describeTree}, but big file contents are compared through their bytes' checksum. */
async function describeTreeHashed(root: string): Promise<string[]> {
  const { createHash } = await import('node:crypto');
  const lines = await describeTree(root);
  return Promise.all(
    lines.map(async (line) => {
      const match = /^(\S+) file (\d+) /.exec(line);
      if (match === null) return line;
      const bytes = await readFile(join(root, match[1]!));
      return `${match[1]} file ${match[2]} sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    }),
  );
}

describe('sandbox self-check', () => {
  it('notices a change outside the target', async () => {
    await writeFile(join(sandbox.sentinel, 'keep.txt'), 'changed');
    expect(await sandbox.outsideSnapshot()).not.toEqual(outsideBefore);
    await mkdir(join(sandbox.root, 'escaped'));
    expect((await lstat(join(sandbox.root, 'escaped'))).isDirectory()).toBe(true);
    expect((await sandbox.outsideSnapshot())[0]).toContain('escaped');
  });
});
