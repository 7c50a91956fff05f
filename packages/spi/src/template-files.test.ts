import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isImsError } from './errors.js';
import { templateFile, templateMetadata, templateRoot } from './template-files.js';

let dir: string;
let root: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ims-spi-template-'));
  root = join(dir, 'tpl');
  await mkdir(join(root, 'sub'), { recursive: true });
  await writeFile(join(root, 'System.img'), Buffer.alloc(4096));
  await writeFile(join(dir, 'outside.img'), 'secret');
  await symlink(join(dir, 'outside.img'), join(root, 'escape.img'));
  await symlink('System.img', join(root, 'alias.img'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(isImsError(error) && error.code).toBe('IMS_INVALID_ARGUMENT');
    expect(isImsError(error) && error.hint).toMatch(/ims-template-build/);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('template files', () => {
  it('resolves files inside the template, following links that stay inside', async () => {
    const real = await templateRoot(root);
    expect(await templateFile(real, 'System.img', 'system disk')).toEqual({
      path: join(real, 'System.img'),
      sizeBytes: 4096,
    });
    expect((await templateFile(real, 'alias.img', 'system disk')).path).toBe(join(real, 'System.img'));
  });

  it('refuses names leaving the directory, links leading out, missing files and directories', async () => {
    const real = await templateRoot(root);
    expect(await refusal(templateFile(real, '../outside.img', 'kernel'))).toContain('must be a path inside');
    expect(await refusal(templateFile(real, join(dir, 'outside.img'), 'kernel'))).toContain(
      'must be a path inside',
    );
    expect(await refusal(templateFile(real, 'escape.img', 'kernel'))).toContain('leads outside');
    expect(await refusal(templateFile(real, 'nope.img', 'initrd'))).toContain('missing from the template');
    expect(await refusal(templateFile(real, 'sub', 'initrd'))).toContain('not a regular file');
    expect(await refusal(templateFile(real, undefined, 'system disk'))).toContain('has no file name');
    expect(await refusal(templateRoot(join(dir, 'absent')))).toContain('does not exist');
  });

  it('reads template.json unless the host already parsed it, and refuses a missing or non-object one', async () => {
    const given = { name: 'given', disks: [] };
    expect(await templateMetadata(root, given)).toBe(given);
    expect(await refusal(templateMetadata(root))).toContain('has no template.json');
    await writeFile(join(root, 'template.json'), '[1, 2');
    expect(await refusal(templateMetadata(root))).toContain('not a JSON object');
    await writeFile(join(root, 'template.json'), JSON.stringify({ name: 'tpl', disks: [] }));
    expect(await templateMetadata(root)).toEqual({ name: 'tpl', disks: [] });
  });
});
