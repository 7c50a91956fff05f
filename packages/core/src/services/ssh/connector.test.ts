import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SshTarget } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imsFailure } from '../../../test/ssh/helpers.js';
import { startSshd, type TestSshd } from '../../../test/ssh/sshd.js';
import { createSshConnector, hostKeyAlgorithmsFor } from './connector.js';
import { readKnownHosts } from './known-hosts.js';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('hostKeyAlgorithmsFor', () => {
  it('asks first for the key types already on file for the host', () => {
    expect(hostKeyAlgorithmsFor([]).slice(0, 1)).toEqual(['ssh-ed25519']);
    const forRsa = hostKeyAlgorithmsFor(['ssh-rsa']);
    expect(forRsa.slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(new Set(forRsa).size).toBe(forRsa.length);
    expect(forRsa).toContain('ssh-ed25519');
  });
});

describe('createSshConnector against a real sshd', () => {
  let sshd: TestSshd;
  let dir: string;
  let counter = 0;

  /** A known_hosts path nobody has used yet. */
  const freshKnownHosts = () => join(dir, `known_hosts_${++counter}`);
  const targetFor = (extra: Partial<SshTarget> = {}): SshTarget => ({
    host: '127.0.0.1',
    port: sshd.port,
    username: sshd.username,
    privateKey: sshd.clientKeyPath,
    ...extra,
  });

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await mkdtemp(join(tmpdir(), 'ims-ssh-connector-'));
  });
  afterAll(async () => {
    await sshd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses an unknown host key with IMS_HOST_KEY_UNKNOWN and records nothing', async () => {
    const knownHosts = freshKnownHosts();
    const error = await imsFailure(createSshConnector({ knownHostsPath: knownHosts }).connect(targetFor()));
    expect(error.code).toBe('IMS_HOST_KEY_UNKNOWN');
    expect(error.message).toContain(sshd.fingerprint);
    expect(error.hint).toMatch(/fingerprint/);
    expect(await exists(knownHosts)).toBe(false);
  });

  it('accepts a new key when asked, records it 0600, then trusts it without the flag', async () => {
    const knownHosts = freshKnownHosts();
    const connector = createSshConnector({ knownHostsPath: knownHosts });
    const first = await connector.connect(targetFor({ acceptNewHostKey: true }));
    expect((await first.run(['echo', 'hi'])).stdout).toBe('hi\n');
    await first.close();
    expect((await stat(knownHosts)).mode & 0o777).toBe(0o600);
    const text = await readFile(knownHosts, 'utf8');
    expect(text).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey.split(' ').slice(0, 2).join(' ')}\n`);

    const second = await connector.connect(targetFor());
    await second.close();
    expect(await readFile(knownHosts, 'utf8')).toBe(text);
  });

  it('negotiates aes128-gcm without compression and logs no secrets', async () => {
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    const record = (message: string, fields?: Record<string, unknown>) => lines.push([message, fields]);
    const logger = { debug: record, info: record, warn: record, error: record };
    const keyText = await readFile(sshd.clientKeyPath, 'utf8');
    const session = await createSshConnector({ knownHostsPath: freshKnownHosts(), logger }).connect(
      targetFor({ privateKey: keyText, hostKeyFingerprint: sshd.fingerprint }),
    );
    await session.close();
    const handshake = lines.find(([message]) => message === 'SSH handshake');
    expect(handshake?.[1]).toMatchObject({ cipher: 'aes128-gcm@openssh.com', compression: 'none' });
    expect(lines.find(([message]) => message === 'Recorded SSH host key')).toBeDefined();
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(keyText.split('\n')[1]);
  });

  it('trusts and records a key that matches the pinned fingerprint', async () => {
    const knownHosts = freshKnownHosts();
    const session = await createSshConnector({ knownHostsPath: knownHosts }).connect(
      targetFor({ hostKeyFingerprint: sshd.fingerprint }),
    );
    await session.close();
    expect(await readKnownHosts(knownHosts)).toHaveLength(1);
  });

  it('refuses a wrong pinned fingerprint even with acceptNewHostKey', async () => {
    const knownHosts = freshKnownHosts();
    const wrong = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const error = await imsFailure(
      createSshConnector({ knownHostsPath: knownHosts }).connect(
        targetFor({ hostKeyFingerprint: wrong, acceptNewHostKey: true }),
      ),
    );
    expect(error.code).toBe('IMS_HOST_KEY_MISMATCH');
    expect(error.message).toContain(wrong);
    expect(error.message).toContain(sshd.fingerprint);
    expect(await exists(knownHosts)).toBe(false);
  });

  it('fails quickly with IMS_CONNECTION_FAILED on a dead port', async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
    await new Promise((resolve) => server.close(resolve));
    const started = Date.now();
    const error = await imsFailure(
      createSshConnector({ knownHostsPath: freshKnownHosts() }).connect(
        targetFor({ port, acceptNewHostKey: true }),
      ),
    );
    expect(error.code).toBe('IMS_CONNECTION_FAILED');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain('refused');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  describe('against a server that never speaks', () => {
    let silent: Server;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('times out with IMS_CONNECTION_FAILED after connectTimeoutMs', async () => {
      const port = (silent.address() as { port: number }).port;
      const started = Date.now();
      const error = await imsFailure(
        createSshConnector({ knownHostsPath: freshKnownHosts() }).connect(
          targetFor({ port, connectTimeoutMs: 400 }),
        ),
      );
      expect(error.code).toBe('IMS_CONNECTION_FAILED');
      expect(error.message).toContain('timed out after 400 ms');
      expect(Date.now() - started).toBeLessThan(3000);
    });
  });

  it('refuses a client key the server does not know with IMS_AUTH_FAILED', async () => {
    const other = await startSshd();
    try {
      const error = await imsFailure(
        createSshConnector({ knownHostsPath: freshKnownHosts() }).connect(
          targetFor({ privateKey: other.clientKeyPath, acceptNewHostKey: true }),
        ),
      );
      expect(error.code).toBe('IMS_AUTH_FAILED');
      expect(error.message).toContain(sshd.username);
    } finally {
      await other.stop();
    }
  });

  it('refuses a password login with IMS_AUTH_FAILED and never shows the password', async () => {
    const password = 'hunter2-Very-Secret';
    const error = await imsFailure(
      createSshConnector({ knownHostsPath: freshKnownHosts() }).connect({
        host: '127.0.0.1',
        port: sshd.port,
        username: sshd.username,
        password,
        acceptNewHostKey: true,
      }),
    );
    expect(error.code).toBe('IMS_AUTH_FAILED');
    expect(
      `${error.message} ${error.hint} ${JSON.stringify(error.details)} ${String(error.cause)}`,
    ).not.toContain(password);
  });

  it('says which private key file cannot be read', async () => {
    const missing = join(dir, 'no-such-key');
    const error = await imsFailure(
      createSshConnector({ knownHostsPath: freshKnownHosts() }).connect(targetFor({ privateKey: missing })),
    );
    expect(error.code).toBe('IMS_INVALID_ARGUMENT');
    expect(error.message).toContain(missing);
  });

  it('refuses garbage key text with IMS_AUTH_FAILED without echoing it', async () => {
    const garbage =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END OPENSSH PRIVATE KEY-----\n';
    const error = await imsFailure(
      createSshConnector({ knownHostsPath: freshKnownHosts() }).connect(targetFor({ privateKey: garbage })),
    );
    expect(error.code).toBe('IMS_AUTH_FAILED');
    expect(error.message).not.toContain('c2VjcmV0');
  });

  it('refuses a wrong passphrase with IMS_AUTH_FAILED without echoing it', async () => {
    const keyPath = join(dir, 'encrypted_key');
    await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'right-passphrase', '-f', keyPath]);
    const passphrase = 'wrong-Passphrase-123';
    const error = await imsFailure(
      createSshConnector({ knownHostsPath: freshKnownHosts() }).connect(
        targetFor({ privateKey: keyPath, passphrase }),
      ),
    );
    expect(error.code).toBe('IMS_AUTH_FAILED');
    expect(`${error.message} ${error.hint} ${JSON.stringify(error.details)}`).not.toContain(passphrase);
  });

  it('stops connecting when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await imsFailure(
      createSshConnector({ knownHostsPath: freshKnownHosts() }).connect(
        targetFor({ acceptNewHostKey: true }),
        controller.signal,
      ),
    );
    expect(error.code).toBe('IMS_ABORTED');
  });

  it('refuses a CHANGED host key with IMS_HOST_KEY_MISMATCH even with acceptNewHostKey', async () => {
    const knownHosts = freshKnownHosts();
    const connector = createSshConnector({ knownHostsPath: knownHosts });
    await (await connector.connect(targetFor({ acceptNewHostKey: true }))).close();
    const before = await readFile(knownHosts, 'utf8');
    const oldFingerprint = sshd.fingerprint;

    const port = sshd.port;
    await sshd.stop();
    sshd = await startSshd({ port });
    expect(sshd.fingerprint).not.toBe(oldFingerprint);

    for (const flags of [
      {},
      { acceptNewHostKey: true },
      { hostKeyFingerprint: sshd.fingerprint, acceptNewHostKey: true },
    ]) {
      const error = await imsFailure(connector.connect(targetFor(flags)));
      expect(error.code).toBe('IMS_HOST_KEY_MISMATCH');
      expect(error.message).toContain(oldFingerprint);
      expect(error.message).toContain(sshd.fingerprint);
      expect(error.hint).toContain(`ssh-keygen -R '[127.0.0.1]:${port}' -f ${knownHosts}`);
    }
    expect(await readFile(knownHosts, 'utf8')).toBe(before);
  });
});
