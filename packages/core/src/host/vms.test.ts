import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imsRejection } from '../../test/rejection.js';
import { hostnameFor, readPublicKeys } from './vms.js';

describe('hostnameFor', () => {
  it('keeps valid names and repairs what hostnames may not hold', () => {
    expect(hostnameFor('web-1')).toBe('web-1');
    expect(hostnameFor('db.lab')).toBe('db.lab');
    expect(hostnameFor('app_server_2')).toBe('app-server-2');
    expect(hostnameFor('a..b')).toBe('a.b');
    expect(hostnameFor('x_.y')).toBe('x.y');
    expect(hostnameFor('_')).toBe('vm');
  });
});

describe('readPublicKeys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ims-keys-'));

  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    const fifo = join(dir, 'key.pub');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    const error = await imsRejection(readPublicKeys([fifo]));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.code).toBe('IMS_INVALID_ARGUMENT');
    expect(error.message).toContain('it is a FIFO, not a regular file');
  }, 5000);

  it('refuses a device and a directory, and reads a key through a symlink', async () => {
    expect((await imsRejection(readPublicKeys(['/dev/zero']))).message).toContain('a device');
    expect((await imsRejection(readPublicKeys([dir]))).message).toContain('a directory');
    const key = join(dir, 'id.pub');
    writeFileSync(key, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB1ucHSvt4dcd me@host\n');
    symlinkSync(key, join(dir, 'link.pub'));
    expect(await readPublicKeys([join(dir, 'link.pub')])).toEqual([
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB1ucHSvt4dcd me@host',
    ]);
  });
});
