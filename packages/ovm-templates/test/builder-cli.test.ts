import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILDER,
  makeTempDir,
  PACKAGE_DIR,
  removeTempDir,
  requireTool,
  run,
  runBuilder,
} from './helpers/builder.js';

/** Every shell script of the builder: the entry point, its libraries and the files it installs. */
function builderScripts(): string[] {
  const found: string[] = [BUILDER];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.sh') || readFileSync(path, 'utf8').startsWith('#!/bin/sh')) found.push(path);
    }
  };
  walk(join(PACKAGE_DIR, 'builder'));
  return found;
}

/** An --out that is never created: every case below stops at the command line. */
const NEVER = join(tmpdir(), 'ims-tb-cli-never-created');

describe('ims-template-build command line', () => {
  let dir: string | undefined;
  let out: string;

  beforeAll(async () => {
    dir = await makeTempDir('ims-tb-cli');
    out = join(dir, 'out');
  });
  afterAll(() => removeTempDir(dir));

  it.each([
    ['../x', /invalid template name '\.\.\/x'/],
    ['a;b', /invalid template name 'a;b'/],
    ['-x', /invalid template name '-x'/],
    ['a'.repeat(64), /invalid template name/],
    ['', /--name is required/],
  ])('refuses the name %j with exit code 2', async (name, message) => {
    const result = await runBuilder(['--base', 'busybox', '--name', name, '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("Try 'ims-template-build --help'");
  });

  it('accepts a 63-character name and stops at the next problem', async () => {
    const result = await runBuilder(['--base', 'busybox', '--name', 'a'.repeat(63)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--out is required');
  });

  it('requires --base', async () => {
    const result = await runBuilder(['--name', 'web', '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--base is required');
  });

  it('refuses an unknown base', async () => {
    const result = await runBuilder(['--base', 'alpine', '--name', 'web', '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown base 'alpine': use busybox or debootstrap");
  });

  it('refuses an --out that exists and is not empty, leaving it alone', async () => {
    const full = join(out, 'full');
    await mkdir(full, { recursive: true });
    await writeFile(join(full, 'keep.txt'), 'mine');
    const result = await runBuilder(['--base', 'busybox', '--name', 'web', '--out', full]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('exists and is not empty');
    expect(readdirSync(full)).toEqual(['keep.txt']);
  });

  it('refuses an --out that is a file', async () => {
    const file = join(dir ?? '', 'a-file');
    await writeFile(file, 'x');
    const result = await runBuilder(['--base', 'busybox', '--name', 'web', '--out', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('exists and is not a directory');
  });

  it.each([
    [['--bogus'], "unknown argument '--bogus'"],
    [['--name'], '--name needs a value'],
    [
      ['--base', 'busybox', '--name', 'w', '--out', NEVER, '--size-mb', '12x'],
      "--size-mb '12x' must be a whole number",
    ],
    [['--base', 'busybox', '--name', 'w', '--out', NEVER, '--ssh'], '--ssh needs --base debootstrap'],
    [['--base', 'busybox', '--name', 'w', '--out', NEVER, '--app', '/nonexistent/app'], 'does not exist'],
    [['--base', 'busybox', '--name', 'w', '--out', NEVER, '--hook', '/nonexistent/hook'], 'is not a file'],
  ])('refuses %j with exit code 2', async (args, message) => {
    const result = await runBuilder(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('refuses an --app file that is not an archive', async () => {
    const notArchive = join(dir ?? '', 'app.zip');
    await writeFile(notArchive, 'PK');
    const fresh = join(dir ?? '', 'fresh-out');
    const result = await runBuilder([
      '--base',
      'busybox',
      '--name',
      'w',
      '--out',
      fresh,
      '--app',
      notArchive,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is neither a directory nor a .tar, .tgz or .tar.gz archive');
  });

  it('prints its usage with --help and exits 0', async () => {
    const result = await runBuilder(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'Usage: ims-template-build --base busybox|debootstrap --name NAME --out DIR',
    );
    expect(result.stdout).toContain('IMS_TEMPLATE_CACHE');
  });

  it('is clean under shellcheck, with every script it installs', async () => {
    requireTool('shellcheck', 'shellcheck');
    const scripts = builderScripts();
    expect(scripts.map((path) => path.slice(PACKAGE_DIR.length))).toEqual(
      expect.arrayContaining([
        'bin/ims-template-build',
        'builder/lib/common.sh',
        'builder/files/initramfs/init',
      ]),
    );
    const result = await run('shellcheck', ['-x', '--severity=style', ...scripts]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
