import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deadPid, makeTempDir, modeOf, removeTempDirs } from '../../test/state/helpers.js';
import { removeStaleTempFiles, writeFileAtomic } from './atomic-write.js';

afterEach(removeTempDirs);

describe('writeFileAtomic', () => {
  it('creates the file with exactly the given mode, whatever the umask', async () => {
    const dir = await makeTempDir();
    const previous = process.umask(0o077);
    try {
      await writeFileAtomic(join(dir, 'a.json'), 'one', { mode: 0o640 });
      process.umask(0o000);
      await writeFileAtomic(join(dir, 'b.json'), 'two', { mode: 0o600 });
    } finally {
      process.umask(previous);
    }
    expect(await readFile(join(dir, 'a.json'), 'utf8')).toBe('one');
    expect(await modeOf(join(dir, 'a.json'))).toBe(0o640);
    expect(await modeOf(join(dir, 'b.json'))).toBe(0o600);
  });

  it('replaces an existing file and its mode, leaving no temp file behind', async () => {
    const dir = await makeTempDir();
    const target = join(dir, 'state.json');
    await writeFile(target, 'old', { mode: 0o644 });
    await writeFileAtomic(target, new TextEncoder().encode('new'), { mode: 0o600 });
    expect(await readFile(target, 'utf8')).toBe('new');
    expect(await modeOf(target)).toBe(0o600);
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('fails without leaving anything when the directory does not exist', async () => {
    const dir = await makeTempDir();
    await expect(writeFileAtomic(join(dir, 'missing', 'x.json'), 'x', { mode: 0o600 })).rejects.toMatchObject(
      {
        code: 'ENOENT',
      },
    );
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('removeStaleTempFiles', () => {
  it('removes temp files of dead writers and old ones, and keeps the rest', async () => {
    const dir = await makeTempDir();
    const dead = await deadPid();
    const files = {
      deadWriter: `state.json.${dead}.abc123.tmp`,
      deadBackupWriter: `state.json.bak.${dead}.abc123.tmp`,
      liveYoung: `state.json.${process.pid}.abc123.tmp`,
      liveOld: `secrets.json.${process.pid}.def456.tmp`,
      otherTarget: `known_hosts.${dead}.abc123.tmp`,
      notATemp: `state.json.${dead}.tmp`,
      target: 'state.json',
    };
    for (const name of Object.values(files)) await writeFile(join(dir, name), '{');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await utimes(join(dir, files.liveOld), twoMinutesAgo, twoMinutesAgo);

    const removed = await removeStaleTempFiles(dir, ['state.json', 'state.json.bak', 'secrets.json']);

    expect(removed.sort()).toEqual(
      [files.deadWriter, files.deadBackupWriter, files.liveOld].map((name) => join(dir, name)).sort(),
    );
    expect((await readdir(dir)).sort()).toEqual(
      [files.liveYoung, files.otherTarget, files.notATemp, files.target].sort(),
    );
  });

  it('returns nothing for a missing directory', async () => {
    const dir = await makeTempDir();
    expect(await removeStaleTempFiles(join(dir, 'nope'), ['state.json'])).toEqual([]);
  });
});
