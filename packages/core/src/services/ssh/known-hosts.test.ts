import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imsFailure } from '../../../test/ssh/helpers.js';
import {
  appendKnownHost,
  checkHostKey,
  decideHostKey,
  fingerprintOf,
  type HostKeyCheck,
  hostFieldMatches,
  keyTypeOf,
  knownHostName,
  normalizeFingerprint,
  parseKnownHosts,
  readKnownHosts,
} from './known-hosts.js';

const run = promisify(execFile);

interface TestKey {
  line: string;
  blob: Buffer;
  fingerprint: string;
}

/** A fresh key made by ssh-keygen, with the fingerprint ssh-keygen itself prints. */
async function makeKey(dir: string, name: string, type: 'ed25519' | 'ecdsa' = 'ed25519'): Promise<TestKey> {
  const path = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', path]);
  const line = (await readFile(`${path}.pub`, 'utf8')).trim();
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`]);
  return { line, blob: Buffer.from(line.split(' ')[1]!, 'base64'), fingerprint: stdout.split(' ')[1]! };
}

describe('known_hosts', () => {
  let dir: string;
  let keyA: TestKey;
  let keyB: TestKey;
  let keyC: TestKey;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ims-known-hosts-'));
    [keyA, keyB, keyC] = await Promise.all([
      makeKey(dir, 'a'),
      makeKey(dir, 'b'),
      makeKey(dir, 'c', 'ecdsa'),
    ]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const check = (overrides: Partial<HostKeyCheck> & { presentedKey: Buffer }): HostKeyCheck => ({
    knownHostsPath: join(dir, 'policy_known_hosts'),
    host: 'hv1.example',
    port: 2222,
    ...overrides,
  });

  it('computes fingerprints exactly like ssh-keygen -l', () => {
    for (const key of [keyA, keyB, keyC]) expect(fingerprintOf(key.blob)).toBe(key.fingerprint);
    expect(keyTypeOf(keyA.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(keyC.blob)).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOf(Buffer.from([0, 0]))).toBeUndefined();
  });

  it('names hosts as OpenSSH does', () => {
    expect(knownHostName('HV1.example', 22)).toBe('hv1.example');
    expect(knownHostName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
  });

  it('accepts fingerprints with or without padding and refuses other formats', async () => {
    expect(normalizeFingerprint(`${keyA.fingerprint}=`)).toBe(keyA.fingerprint);
    expect(() => normalizeFingerprint('MD5:00:11:22')).toThrow(/Invalid host key fingerprint/);
  });

  it('parses lines, patterns, negations, markers and comments', () => {
    const [type, blob] = keyA.line.split(' ');
    const text = [
      '# comment',
      '',
      `hv1,hv2.example,[10.0.0.5]:2222 ${type} ${blob} comment`,
      `*.lab,!bad.lab ${type} ${blob}`,
      `@revoked old.example ${type} ${blob}`,
      `@cert-authority *.example ${type} ${blob}`,
      `broken ssh-rsa ${blob}`,
      'too-short',
    ].join('\n');
    const lines = parseKnownHosts(text);
    expect(lines.map((line) => [line.marker, line.hosts])).toEqual([
      [undefined, 'hv1,hv2.example,[10.0.0.5]:2222'],
      [undefined, '*.lab,!bad.lab'],
      ['revoked', 'old.example'],
    ]);
    expect(hostFieldMatches(lines[0]!.hosts, 'hv2.example')).toBe(true);
    expect(hostFieldMatches(lines[0]!.hosts, '[10.0.0.5]:2222')).toBe(true);
    expect(hostFieldMatches(lines[0]!.hosts, '10.0.0.5')).toBe(false);
    expect(hostFieldMatches(lines[1]!.hosts, 'good.lab')).toBe(true);
    expect(hostFieldMatches(lines[1]!.hosts, 'bad.lab')).toBe(false);
  });

  it('writes a 0600 file that ssh-keygen finds, and understands it once ssh-keygen hashed it', async () => {
    const path = join(dir, 'sub', 'known_hosts');
    await appendKnownHost(path, '127.0.0.1', 2222, keyA.blob);
    await appendKnownHost(path, 'hv1.example', 22, keyC.blob);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toBe(
      `[127.0.0.1]:2222 ${keyA.line.split(' ').slice(0, 2).join(' ')}\nhv1.example ${keyC.line.split(' ').slice(0, 2).join(' ')}\n`,
    );
    const found = await run('ssh-keygen', ['-F', '[127.0.0.1]:2222', '-f', path]);
    expect(found.stdout).toContain(keyA.line.split(' ')[1]);

    await run('ssh-keygen', ['-H', '-f', path]);
    const hashed = await readFile(path, 'utf8');
    expect(hashed).not.toContain('127.0.0.1');
    expect(hashed).toMatch(/^\|1\|/);
    const verdict = await checkHostKey(
      check({ knownHostsPath: path, host: '127.0.0.1', presentedKey: keyA.blob }),
    );
    expect(verdict).toBe('known');
    const changed = await imsFailure(
      checkHostKey(check({ knownHostsPath: path, host: 'hv1.example', port: 22, presentedKey: keyB.blob })),
    );
    expect(changed.code).toBe('IMS_HOST_KEY_MISMATCH');
  });

  it('adds a missing final newline before appending', async () => {
    const path = join(dir, 'no_newline');
    await writeFile(path, `other ${keyB.line.split(' ').slice(0, 2).join(' ')}`, { mode: 0o644 });
    await appendKnownHost(path, 'hv1.example', 22, keyA.blob);
    expect((await readKnownHosts(path)).map((line) => line.hosts)).toEqual(['other', 'hv1.example']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('reads a missing file as empty', async () => {
    expect(await readKnownHosts(join(dir, 'nope'))).toEqual([]);
  });

  describe('policy', () => {
    const lines = () =>
      parseKnownHosts(`[hv1.example]:2222 ${keyA.line}\n@revoked [old.example]:2222 ${keyB.line}\n`);

    it('trusts a known, matching key', () => {
      expect(decideHostKey(check({ presentedKey: keyA.blob }), lines())).toBe('known');
    });

    it('refuses a different key for a known host, whatever the flags, showing both fingerprints', () => {
      for (const overrides of [
        {},
        { acceptNew: true },
        { expectedFingerprint: keyB.fingerprint, acceptNew: true },
      ]) {
        let caught: unknown;
        try {
          decideHostKey(check({ presentedKey: keyB.blob, ...overrides }), lines());
        } catch (error) {
          caught = error;
        }
        expect(caught).toMatchObject({ code: 'IMS_HOST_KEY_MISMATCH' });
        const message = (caught as Error).message;
        expect(message).toContain(keyA.fingerprint);
        expect(message).toContain(keyB.fingerprint);
        expect((caught as { hint: string }).hint).toContain("ssh-keygen -R '[hv1.example]:2222'");
      }
    });

    it('refuses an unknown key with its fingerprint unless pinned or accepted', () => {
      const unknown = check({ host: 'new.example', presentedKey: keyB.blob });
      expect(() => decideHostKey(unknown, lines())).toThrow(keyB.fingerprint);
      expect(() => decideHostKey(unknown, lines())).toThrow(
        expect.objectContaining({ code: 'IMS_HOST_KEY_UNKNOWN' }),
      );
      expect(decideHostKey({ ...unknown, acceptNew: true }, lines())).toBe('record');
      expect(decideHostKey({ ...unknown, expectedFingerprint: keyB.fingerprint }, lines())).toBe('record');
    });

    it('refuses a key that does not match the pinned fingerprint even with acceptNew', () => {
      const pinned = check({
        host: 'new.example',
        presentedKey: keyB.blob,
        expectedFingerprint: keyA.fingerprint,
        acceptNew: true,
      });
      expect(() => decideHostKey(pinned, lines())).toThrow(
        expect.objectContaining({ code: 'IMS_HOST_KEY_MISMATCH' }),
      );
      const knownButPinnedOther = check({ presentedKey: keyA.blob, expectedFingerprint: keyC.fingerprint });
      expect(() => decideHostKey(knownButPinnedOther, lines())).toThrow(
        expect.objectContaining({ code: 'IMS_HOST_KEY_MISMATCH' }),
      );
    });

    it('refuses a revoked key', () => {
      const revoked = check({ host: 'old.example', presentedKey: keyB.blob, acceptNew: true });
      expect(() => decideHostKey(revoked, lines())).toThrow(
        expect.objectContaining({ code: 'IMS_HOST_KEY_MISMATCH' }),
      );
    });
  });
});
