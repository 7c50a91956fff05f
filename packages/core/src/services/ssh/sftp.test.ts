import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshSession } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imsFailure } from '../../../test/ssh/helpers.js';
import { startSshd, type TestSshd } from '../../../test/ssh/sshd.js';
import { createSshConnector } from './connector.js';

describe('SshSession files over SFTP against a real sshd', () => {
  let sshd: TestSshd;
  let local: string;
  let remote: string;
  let session: SshSession;

  beforeAll(async () => {
    sshd = await startSshd();
    local = await mkdtemp(join(tmpdir(), 'ims-sftp-local-'));
    // The server runs on this machine, so "remote" paths are local paths we can check directly.
    remote = await mkdtemp(join(tmpdir(), 'ims-sftp-remote-'));
    session = await createSshConnector({ knownHostsPath: join(local, 'known_hosts') }).connect({
      host: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      privateKey: await readFile(sshd.clientKeyPath, 'utf8'),
      acceptNewHostKey: true,
    });
  });
  afterAll(async () => {
    await session?.close();
    await sshd?.stop();
    await rm(local, { recursive: true, force: true });
    await rm(remote, { recursive: true, force: true });
  });

  it('uploads and downloads a few MiB byte for byte, with progress reaching the total', async () => {
    const size = 5 * 1024 * 1024 + 12_345;
    const data = randomBytes(size);
    const source = join(local, 'source.bin');
    await writeFile(source, data);

    const uploadProgress: Array<[number, number]> = [];
    await session.upload(source, join(remote, 'uploaded.bin'), (done, total) =>
      uploadProgress.push([done, total]),
    );
    expect((await readFile(join(remote, 'uploaded.bin'))).equals(data)).toBe(true);
    expect(uploadProgress.length).toBeGreaterThan(1);
    expect(uploadProgress.at(-1)).toEqual([size, size]);
    expect(uploadProgress.every(([done], i) => i === 0 || done >= uploadProgress[i - 1]![0])).toBe(true);

    const downloadProgress: Array<[number, number]> = [];
    const target = join(local, 'downloaded.bin');
    await session.download(join(remote, 'uploaded.bin'), target, (done, total) =>
      downloadProgress.push([done, total]),
    );
    expect((await readFile(target)).equals(data)).toBe(true);
    expect(downloadProgress.at(-1)).toEqual([size, size]);
  });

  it('reports completion for an empty file', async () => {
    const source = join(local, 'empty');
    await writeFile(source, '');
    const progress: Array<[number, number]> = [];
    await session.upload(source, join(remote, 'empty'), (done, total) => progress.push([done, total]));
    expect(progress.at(-1)).toEqual([0, 0]);
    expect((await stat(join(remote, 'empty'))).size).toBe(0);
  });

  it('writes files with the requested mode, replacing existing ones', async () => {
    const path = join(remote, 'secret.conf');
    await session.writeFile(path, 'old content that is longer', 0o644);
    await session.writeFile(path, 'token=abc\n', 0o600);
    expect(await readFile(path, 'utf8')).toBe('token=abc\n');
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    const bytes = randomBytes(300_000);
    await session.writeFile(join(remote, 'default-mode.bin'), bytes);
    expect((await readFile(join(remote, 'default-mode.bin'))).equals(bytes)).toBe(true);
    expect((await stat(join(remote, 'default-mode.bin'))).mode & 0o777).toBe(0o644);
  });

  it('reads files back', async () => {
    await writeFile(join(remote, 'read-me'), 'content ✓');
    expect((await session.readFile(join(remote, 'read-me'))).toString('utf8')).toBe('content ✓');
    const error = await imsFailure(session.readFile(join(remote, 'no-such-file')));
    expect(error.code).toBe('IMS_COMMAND_FAILED');
    expect(error.message).toContain('no-such-file');
  });

  it('creates directories with their parents, idempotently', async () => {
    const path = join(remote, 'a', 'b', 'c');
    await session.mkdir(path);
    await session.mkdir(path);
    expect((await stat(path)).isDirectory()).toBe(true);
    await writeFile(join(remote, 'plain-file'), '');
    expect((await imsFailure(session.mkdir(join(remote, 'plain-file', 'sub')))).code).toBe(
      'IMS_COMMAND_FAILED',
    );
  });

  it('removes files, treating a missing file as done, and tells whether paths exist', async () => {
    const path = join(remote, 'to-remove');
    await writeFile(path, 'x');
    expect(await session.exists(path)).toBe(true);
    await session.remove(path);
    expect(await session.exists(path)).toBe(false);
    await session.remove(path);
    expect(await session.exists(remote)).toBe(true);
  });

  it('refuses to upload a local file that does not exist', async () => {
    const error = await imsFailure(session.upload(join(local, 'missing'), join(remote, 'x')));
    expect(error.code).toBe('IMS_INVALID_ARGUMENT');
  });

  it('fails an upload into a missing remote directory with IMS_COMMAND_FAILED', async () => {
    const source = join(local, 'small');
    await writeFile(source, 'x');
    const error = await imsFailure(session.upload(source, join(remote, 'missing-dir', 'x')));
    expect(error.code).toBe('IMS_COMMAND_FAILED');
  });

  it('fails with IMS_CONNECTION_FAILED once closed', async () => {
    const other = await createSshConnector({ knownHostsPath: join(local, 'known_hosts') }).connect({
      host: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      privateKey: sshd.clientKeyPath,
    });
    await other.close();
    expect((await imsFailure(other.exists(remote))).code).toBe('IMS_CONNECTION_FAILED');
    expect((await imsFailure(other.run(['true']))).code).toBe('IMS_CONNECTION_FAILED');
  });
});
