import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_HASH_MARKER, bundleHash, codeCacheDir, commandKey, runCli } from '../../src/launcher.js';
import { assertBuilt, runImsOk, tempHome } from './run-ims.js';

describe('the CLI code cache', () => {
  let root: string;
  let cacheDir: string;
  let home: string;
  const env = () => ({ IMS_HOME: home, IMS_CACHE_DIR: cacheDir });
  const files = () => (existsSync(join(cacheDir, 'code')) ? readdirSync(join(cacheDir, 'code')).sort() : []);
  const cacheFile = (command: string) => {
    const matching = files().filter((name) => name.endsWith(`-${command}.bin`));
    expect(matching, `one cache file for ${command}`).toHaveLength(1);
    return join(cacheDir, 'code', matching[0] ?? '');
  };

  beforeAll(() => {
    assertBuilt();
    root = mkdtempSync(join(tmpdir(), 'ims-code-cache-'));
    home = tempHome();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is written on a command’s first run, privately, and used unchanged by the next', async () => {
    cacheDir = join(root, 'first');
    const first = await runImsOk(['config', 'list', '--json'], env());
    const file = cacheFile('config-list');
    expect(statSync(join(cacheDir, 'code')).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = readFileSync(file);
    const inode = statSync(file).ino;
    expect(written.length).toBeGreaterThan(10_000);

    const second = await runImsOk(['config', 'list', '--json'], env());
    expect(second.stdout).toBe(first.stdout);
    // Rewritten (a new file renamed into place) only when missing or rejected by V8.
    expect(statSync(file).ino).toBe(inode);
    expect(readFileSync(file).equals(written)).toBe(true);

    await runImsOk(['plugins', '--json'], env());
    expect(files().filter((name) => name.endsWith('-plugins.bin'))).toHaveLength(1);
  });

  it('replaces a corrupt cache and still runs the command correctly', async () => {
    cacheDir = join(root, 'corrupt');
    const reference = await runImsOk(['config', 'list', '--json'], env());
    const file = cacheFile('config-list');
    const garbage = Buffer.alloc(statSync(file).size, 0x5a);
    writeFileSync(file, garbage, { mode: 0o600 });
    const run = await runImsOk(['config', 'list', '--json'], env());
    expect(run.stdout).toBe(reference.stdout);
    expect(run.stderr).toBe('');
    expect(readFileSync(file).equals(garbage)).toBe(false);
  });

  it('ignores a cache others could have written, and removes caches of other builds and dead writes', async () => {
    cacheDir = join(root, 'foreign');
    await runImsOk(['config', 'list', '--json'], env());
    const file = cacheFile('config-list');
    const planted = Buffer.alloc(statSync(file).size, 0x42);
    writeFileSync(file, planted);
    chmodSync(file, 0o666);
    const stale = join(cacheDir, 'code', 'cli-v0.0.1-x64-1-2-config-list.bin');
    writeFileSync(stale, 'old', { mode: 0o600 });
    const abandoned = `${file}.999999.tmp`;
    const writing = `${file}.999998.tmp`;
    for (const partial of [abandoned, writing]) writeFileSync(partial, 'partial', { mode: 0o600 });
    utimesSync(abandoned, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    await runImsOk(['config', 'list', '--json'], env());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file).equals(planted)).toBe(false);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(abandoned)).toBe(false);
    expect(existsSync(writing), 'a write in progress elsewhere is left alone').toBe(true);
  });

  it('keeps out of a cache directory others can write to', async () => {
    cacheDir = join(root, 'shared');
    mkdirSync(join(cacheDir, 'code'), { recursive: true });
    chmodSync(join(cacheDir, 'code'), 0o777);
    await runImsOk(['config', 'list', '--json'], env());
    expect(files()).toEqual([]);
  });

  it('is not used at all with IMS_CACHE_DIR=off', async () => {
    cacheDir = 'off';
    const run = await runImsOk(['config', 'list', '--json'], { IMS_HOME: home, IMS_CACHE_DIR: 'off' });
    expect(JSON.parse(run.stdout)).toEqual([]);
    expect(existsSync(join(process.cwd(), 'off'))).toBe(false);
  });
});

describe('code cache naming', () => {
  it('keys a cache by up to two command words, anything else by `other`', () => {
    expect(commandKey(['vm', 'list', '--all', '--json'])).toBe('vm-list');
    expect(commandKey(['vm', 'start', 'web1'])).toBe('vm-start');
    expect(commandKey(['plugins'])).toBe('plugins');
    expect(commandKey(['--json', 'vm'])).toBe('other');
    expect(commandKey(['../../etc', 'x'])).toBe('other');
    expect(commandKey(['VM'])).toBe('other');
    expect(commandKey([])).toBe('other');
  });

  it('lives in IMS_CACHE_DIR, else the XDG cache directory, else ~/.cache', () => {
    expect(codeCacheDir({ IMS_CACHE_DIR: '/c' })).toBe('/c/code');
    expect(codeCacheDir({ IMS_CACHE_DIR: 'off' })).toBeUndefined();
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/ims/code');
    expect(codeCacheDir({})).toMatch(/\/\.cache\/ims\/code$/);
  });
});

describe('code caches of different builds', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ims-code-cache-builds-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const sameTime = new Date('1985-10-26T08:15:00Z'); // what npm gives every installed file
  function writeBundle(path: string, answer: number, withHash = true): void {
    const code = `module.exports.main = async () => ${answer};\n`;
    const hash = createHash('sha256').update(code).digest('hex');
    writeFileSync(path, withHash ? `${code}${BUNDLE_HASH_MARKER}${hash}\n` : code);
    utimesSync(path, sameTime, sameTime);
  }

  it('never runs the cached code of another build of the same length and file time', async () => {
    const bundle = join(root, 'cli.cjs');
    const env = { IMS_CACHE_DIR: join(root, 'cache') };
    writeBundle(bundle, 41);
    expect(await runCli(['vm', 'list'], env, bundle)).toBe(41);
    expect(await runCli(['vm', 'list'], env, bundle)).toBe(41); // from the cache
    writeBundle(bundle, 42);
    expect(await runCli(['vm', 'list'], env, bundle)).toBe(42);
  });

  it('keeps no cache for a bundle without its content hash', async () => {
    const bundle = join(root, 'unhashed.cjs');
    const env = { IMS_CACHE_DIR: join(root, 'cache-unhashed') };
    writeBundle(bundle, 7, false);
    expect(await runCli(['vm', 'list'], env, bundle)).toBe(7);
    expect(existsSync(join(root, 'cache-unhashed', 'code'))).toBe(false);
    expect(bundleHash('x\n//# imsBundleHash=not-hex\n')).toBeUndefined();
  });
});
