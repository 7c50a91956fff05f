import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger, SshSession } from '@ims/spi';
import { Client, type SFTPWrapper } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imsFailure } from '../../../test/ssh/helpers.js';
import { startSshd, type TestSshd } from '../../../test/ssh/sshd.js';
import { createSshConnector } from './connector.js';
import type { ExtraUploadLane } from './extra-lane.js';
import { sftpUpload } from './sftp-files.js';
import { DEFAULT_UPLOAD_TUNING, openRemote } from './sftp-upload.js';

const MIB = 1024 * 1024;
const REQUEST = DEFAULT_UPLOAD_TUNING.requestBytes;
const BLOCK = DEFAULT_UPLOAD_TUNING.readBlockBytes;

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

/** A logger that keeps the messages, to see how many connections a session opened. */
function recordingLogger(messages: string[]): Logger {
  const record = (message: string) => messages.push(message);
  return { debug: record, info: record, warn: record, error: record };
}

function connectRaw(sshd: TestSshd, key: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client)).once('error', reject);
    client.connect({ host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKey: key });
  });
}

function sftpOf(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) =>
    client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp))),
  );
}

describe('SFTP upload: pipelined writes, over one or two connections', () => {
  let sshd: TestSshd;
  let local: string;
  let remote: string;
  let key: string;
  const messages: string[] = [];
  let single: SshSession;
  let parallel: SshSession;

  beforeAll(async () => {
    sshd = await startSshd();
    local = await mkdtemp(join(tmpdir(), 'ims-upload-local-'));
    remote = await mkdtemp(join(tmpdir(), 'ims-upload-remote-'));
    key = await readFile(sshd.clientKeyPath, 'utf8');
    const target = {
      host: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      privateKey: key,
      hostKeyFingerprint: sshd.fingerprint,
    };
    const knownHostsPath = join(local, 'known_hosts');
    single = await createSshConnector({
      knownHostsPath,
      parallelUploadMinBytes: Number.MAX_SAFE_INTEGER,
    }).connect(target);
    parallel = await createSshConnector({
      knownHostsPath,
      parallelUploadMinBytes: 2 * MIB,
      logger: recordingLogger(messages),
    }).connect(target);
  });
  afterAll(async () => {
    await single?.close();
    await parallel?.close();
    await sshd?.stop();
    await rm(local, { recursive: true, force: true });
    await rm(remote, { recursive: true, force: true });
  });

  async function uploadChecked(session: SshSession, size: number, name: string) {
    const source = join(local, name);
    await writeFile(source, randomBytes(size));
    const target = join(remote, name);
    const progress: Array<[number, number]> = [];
    await session.upload(source, target, (done, total) => progress.push([done, total]));
    expect((await stat(target)).size).toBe(size);
    expect(await sha256(target)).toBe(await sha256(source));
    expect(progress.at(-1)).toEqual([size, size]);
    expect(
      progress.every(([done, total], i) => total === size && (i === 0 || done >= progress[i - 1]![0])),
    ).toBe(true);
  }

  it('uploads sizes around the request and read-block boundaries byte for byte', async () => {
    for (const size of [0, 1, REQUEST - 1, REQUEST, REQUEST + 1, BLOCK + 12_345, 3 * BLOCK]) {
      await uploadChecked(single, size, `single-${size}`);
    }
  });

  it('splits a big upload over a second connection, byte for byte', async () => {
    const connections = () => messages.filter((message) => message === 'SSH connected').length;
    const before = connections();
    await uploadChecked(parallel, 24 * MIB + 7, 'parallel-big');
    expect(connections() - before).toBe(1);
    await uploadChecked(parallel, 2 * MIB - 1, 'parallel-below-threshold');
    expect(connections() - before).toBe(1);
    // At the threshold the second connection may lose the race against the upload; either way it
    // is stopped or closed, and the file is right.
    await uploadChecked(parallel, 2 * MIB, 'parallel-threshold');
  });

  it('replaces a longer existing remote file completely when writing over two connections', async () => {
    const source = join(local, 'shorter');
    const data = randomBytes(5 * MIB + 3);
    await writeFile(source, data);
    const target = join(remote, 'longer-before');
    await writeFile(target, randomBytes(9 * MIB));
    await parallel.upload(source, target);
    expect((await readFile(target)).equals(data)).toBe(true);
  });

  it('writes over an existing file in place and cuts it to the new size, also when empty', async () => {
    const target = join(remote, 'overwritten-in-place');
    await writeFile(target, randomBytes(9 * MIB));
    const inode = (await stat(target)).ino;
    for (const size of [3 * MIB + 1, 0]) {
      const source = join(local, `new-${size}`);
      const data = randomBytes(size);
      await writeFile(source, data);
      await single.upload(source, target);
      expect((await readFile(target)).equals(data)).toBe(true);
      expect((await stat(target)).ino).toBe(inode);
    }
  });

  it('goes on over one connection when the second one cannot be opened', async () => {
    const client = await connectRaw(sshd, key);
    try {
      const sftp = await sftpOf(client);
      let released = 0;
      const failingLane: ExtraUploadLane = {
        join: async () => undefined,
        release: async () => {
          released += 1;
        },
      };
      const source = join(local, 'fallback');
      await writeFile(source, randomBytes(3 * MIB + 5));
      await sftpUpload(sftp, source, join(remote, 'fallback'), undefined, failingLane);
      expect(await sha256(join(remote, 'fallback'))).toBe(await sha256(source));
      expect(released).toBe(1);
    } finally {
      client.end();
    }
  });

  it('fails the whole upload when writes on the second connection fail', async () => {
    const first = await connectRaw(sshd, key);
    const second = await connectRaw(sshd, key);
    try {
      const sftp = await sftpOf(first);
      const other = await sftpOf(second);
      let released = 0;
      // A handle the server never gave out: every write on this lane is refused.
      const brokenLane: ExtraUploadLane = {
        join: async (remoteOpened) => {
          await remoteOpened;
          return { sftp: other, handle: Buffer.from('not-a-handle') };
        },
        release: async () => {
          released += 1;
        },
      };
      const source = join(local, 'broken-lane');
      await writeFile(source, randomBytes(16 * MIB));
      await expect(
        sftpUpload(sftp, source, join(remote, 'broken-lane'), undefined, brokenLane),
      ).rejects.toThrow();
      expect(released).toBe(1);
    } finally {
      first.end();
      second.end();
    }
  });

  it('opens the second lane only after the first channel created the file', async () => {
    const client = await connectRaw(sshd, key);
    try {
      const sftp = await sftpOf(client);
      const target = join(remote, 'created-by-first');
      let joined = false;
      // `r+` never creates: it fails unless the first channel's `w` open came first.
      const lane: ExtraUploadLane = {
        join: async (remoteOpened) => {
          await remoteOpened;
          const handle = await openRemote(sftp, target, 'r+');
          joined = true;
          return { sftp, handle };
        },
        release: async () => {},
      };
      const source = join(local, 'created-by-first');
      await writeFile(source, randomBytes(4 * MIB + 1));
      await sftpUpload(sftp, source, target, undefined, lane);
      expect(joined).toBe(true);
      expect(await sha256(target)).toBe(await sha256(source));
    } finally {
      client.end();
    }
  });

  it('maps a failed upload to an ImsError', async () => {
    const source = join(local, 'big-into-missing-dir');
    await writeFile(source, randomBytes(3 * MIB));
    const error = await imsFailure(parallel.upload(source, join(remote, 'missing-dir', 'x')));
    expect(error.code).toBe('IMS_COMMAND_FAILED');
  });

  it('has the native AES-GCM binding of ssh2 (without it uploads are CPU-bound)', () => {
    const require = createRequire(import.meta.url);
    expect(require('ssh2/lib/protocol/crypto.js').bindingAvailable).toBe(true);
  });
});
