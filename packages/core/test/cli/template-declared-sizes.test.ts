/**
 * `ims template import` holds a template to the disk sizes its template.json declares: an image
 * larger than declared (what a decompression bomb behind a small declaration looks like) is
 * refused before the provider sees it; a template that matches its declaration is imported.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, FIXTURE_PLUGINS, runIms, tempHome } from './run-ims.js';

beforeAll(assertBuilt);

const home = tempHome();
const env = { IMS_HOME: home, IMS_PLUGIN_PATH: FIXTURE_PLUGINS };

function templateTgz(name: string, declared: number, actual: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'ims-declared-'));
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  const disks = [{ file: 'System.img', role: 'system', format: 'raw', sizeBytes: declared }];
  writeFileSync(join(tree, 'template.json'), JSON.stringify({ name, disks }));
  writeFileSync(join(tree, 'System.img'), Buffer.alloc(actual));
  execFileSync('tar', ['czf', join(dir, 't.tgz'), '-C', tree, '.']);
  return join(dir, 't.tgz');
}

function zerosTgz(name: string, bytes: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'ims-sparse-'));
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  const disks = [{ file: 'System.img', role: 'system', format: 'raw', sizeBytes: bytes }];
  writeFileSync(join(tree, 'template.json'), JSON.stringify({ name, disks }));
  writeFileSync(join(tree, 'System.img'), Buffer.alloc(bytes));
  execFileSync('tar', ['czf', join(dir, 't.tgz'), '-C', tree, '.']);
  return join(dir, 't.tgz');
}

beforeAll(async () => {
  expect((await runIms(['config', 'create', 'mem', '--provider', 'memory', '--persist'], env)).code).toBe(0);
});

describe('expansion bound', () => {
  it('a 128 MiB image of zeros expands too far by default; the hint names the setting that admits it', async () => {
    const archive = zerosTgz('sparse', 128 * 1024 * 1024);
    const refused = await runIms(['template', 'import', 'mem', archive], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/expands more than 200 times/);
    expect(refused.stderr).toContain('IMS_IMPORT_MAX_EXPANSION_RATIO');
    const bad = await runIms(['template', 'import', 'mem', archive], {
      ...env,
      IMS_IMPORT_MAX_EXPANSION_RATIO: 'lots',
    });
    expect(bad.code).toBe(2);
    const admitted = await runIms(['template', 'import', 'mem', archive], {
      ...env,
      IMS_IMPORT_MAX_EXPANSION_RATIO: '5000',
    });
    expect(admitted.stderr).toBe('');
    expect(admitted.code).toBe(0);
  });
});

describe('declared disk sizes', () => {
  it('a disk image larger than its template.json declares is refused', async () => {
    const run = await runIms(['template', 'import', 'mem', templateTgz('liar', 1024, 65_536)], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "The template's System.img has 65536 bytes, but its template.json declares 1024.",
    );
    const list = JSON.parse((await runIms(['template', 'list', '--json'], env)).stdout) as { name: string }[];
    expect(list.map((t) => t.name)).not.toContain('liar');
  });

  it('a template matching its declaration is imported', async () => {
    const run = await runIms(['template', 'import', 'mem', templateTgz('honest', 65_536, 65_536)], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});
