import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ImsError } from '@ims/spi';

/** One usable line of an OpenSSH `known_hosts` file. */
export interface KnownHostLine {
  /** `@revoked` for revoked keys; other markers (`@cert-authority`) are not kept. */
  marker: 'revoked' | undefined;
  /** The host field: comma-separated patterns, or one hashed `|1|salt|hash` entry. */
  hosts: string;
  /** Key type as written in the file, e.g. `ssh-ed25519`. */
  keyType: string;
  /** The key blob (SSH wire format). */
  key: Buffer;
}

/** A host key, described for messages. */
export interface HostKeyInfo {
  /** Key type, e.g. `ssh-ed25519`. */
  keyType: string;
  /** `SHA256:...` fingerprint as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

/** Where a host is, and what it presented. */
export interface HostKeyCheck {
  /** Path of the known_hosts file (the host's `IMS_HOME/known_hosts`). */
  knownHostsPath: string;
  /** Host name or address as the user wrote it. */
  host: string;
  /** SSH port. */
  port: number;
  /** The key blob the server presented during key exchange. */
  presentedKey: Buffer;
  /** Pinned `SHA256:` fingerprint; the presented key must match it. */
  expectedFingerprint?: string | undefined;
  /** Trust and record an unknown key on first use. */
  acceptNew?: boolean | undefined;
}

/** What {@link checkHostKey} concluded. */
export type HostKeyVerdict = 'known' | 'recorded';

const FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** The name a host is filed under: `host` on port 22, `[host]:port` otherwise (as OpenSSH does). */
export function knownHostName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

/** The `SHA256:` fingerprint of a key blob, identical to what `ssh-keygen -l` prints. */
export function fingerprintOf(key: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a key blob (its first SSH string), or `undefined` when malformed. */
export function keyTypeOf(key: Uint8Array): string | undefined {
  if (key.length < 4) return undefined;
  const length = Buffer.from(key.buffer, key.byteOffset, key.byteLength).readUInt32BE(0);
  if (length === 0 || length > key.length - 4 || length > 64) return undefined;
  return Buffer.from(key.subarray(4, 4 + length)).toString('latin1');
}

/** Describes a key blob for messages. */
export function describeKey(key: Uint8Array): HostKeyInfo {
  return { keyType: keyTypeOf(key) ?? 'unknown', fingerprint: fingerprintOf(key) };
}

/**
 * Checks a fingerprint given by the user and returns it without base64 padding, or fails with
 * `IMS_INVALID_ARGUMENT` when it is not a `SHA256:` fingerprint.
 */
export function normalizeFingerprint(fingerprint: string): string {
  const normalized = fingerprint.trim().replace(/=+$/, '');
  if (!FINGERPRINT_PATTERN.test(normalized)) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `Invalid host key fingerprint "${fingerprint}": expected SHA256: and 43 base64 characters.`,
      {
        hint: 'Take the fingerprint from `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` run on the host.',
      },
    );
  }
  return normalized;
}

/** Parses `known_hosts` text; comments, blank, malformed and `@cert-authority` lines are skipped. */
export function parseKnownHosts(text: string): KnownHostLine[] {
  const lines: KnownHostLine[] = [];
  for (const raw of text.split('\n')) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    let marker: KnownHostLine['marker'];
    if (fields[0].startsWith('@')) {
      if (fields[0] !== '@revoked') continue;
      marker = 'revoked';
      fields.shift();
    }
    const [hosts, keyType, encoded] = fields;
    if (hosts === undefined || keyType === undefined || encoded === undefined) continue;
    const key = Buffer.from(encoded, 'base64');
    if (keyTypeOf(key) !== keyType) continue;
    lines.push({ marker, hosts, keyType, key });
  }
  return lines;
}

function globToRegExp(pattern: string): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`, 'i');
}

function hashedEntryMatches(entry: string, name: string): boolean {
  const [, version, salt, hash] = entry.split('|');
  if (version !== '1' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** True when a line's host field covers `name` (hashed entries, patterns, `!` negations). */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|')) return hashedEntryMatches(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globToRegExp(negated ? pattern.slice(1) : pattern).test(name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** The lines of `known_hosts` that apply to a host and port. */
export function linesForHost(lines: readonly KnownHostLine[], host: string, port: number): KnownHostLine[] {
  const name = knownHostName(host, port);
  return lines.filter((line) => hostFieldMatches(line.hosts, name));
}

/** Reads and parses a `known_hosts` file; a missing file is an empty one. */
export async function readKnownHosts(path: string): Promise<KnownHostLine[]> {
  try {
    return parseKnownHosts(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ImsError(
      'IMS_CONNECTION_FAILED',
      `Cannot read the known hosts file ${path}: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'Check that the file is readable by the user running ims.',
      },
    );
  }
}

/** Appends a host key to `known_hosts` (created with mode 0600, directory 0700 when missing). */
export async function appendKnownHost(
  path: string,
  host: string,
  port: number,
  key: Uint8Array,
): Promise<void> {
  const keyType = keyTypeOf(key);
  if (keyType === undefined) throw new ImsError('IMS_INTERNAL', 'Refusing to record a malformed host key.');
  if (/[\s,#]/.test(host) || host === '') {
    throw new ImsError('IMS_INVALID_ARGUMENT', `Invalid SSH host name "${host}".`);
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // O_APPEND makes the single write land whole at the end even when two connections record at once.
  const file = await open(path, 'a+', 0o600);
  try {
    await file.chmod(0o600);
    const { size } = await file.stat();
    let separator = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await file.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) separator = '\n';
    }
    const line = `${separator}${knownHostName(host, port)} ${keyType} ${Buffer.from(key).toString('base64')}\n`;
    await file.write(line);
  } finally {
    await file.close();
  }
}

function hostLabel(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function mismatchError(
  check: HostKeyCheck,
  expected: string[],
  presented: HostKeyInfo,
  why: string,
  hint: string,
): ImsError {
  return new ImsError(
    'IMS_HOST_KEY_MISMATCH',
    `The SSH host key of ${hostLabel(check.host, check.port)} ${why}: expected ${expected.join(' or ')}, ` +
      `received ${presented.keyType} ${presented.fingerprint}. Someone may be intercepting the connection.`,
    {
      hint,
      details: {
        host: check.host,
        port: check.port,
        expectedFingerprints: expected,
        receivedFingerprint: presented.fingerprint,
        keyType: presented.keyType,
        knownHostsPath: check.knownHostsPath,
      },
    },
  );
}

/**
 * Decides whether a presented host key is trusted, from already parsed `known_hosts` lines.
 * Returns `known` when it is on file, `record` when it may be trusted and must be written down,
 * and throws `IMS_HOST_KEY_MISMATCH` or `IMS_HOST_KEY_UNKNOWN` otherwise.
 */
export function decideHostKey(check: HostKeyCheck, lines: readonly KnownHostLine[]): 'known' | 'record' {
  const presented = describeKey(check.presentedKey);
  const applicable = linesForHost(lines, check.host, check.port);
  const sameKey = (line: KnownHostLine) => line.key.equals(check.presentedKey);
  const removeHint =
    `Verify the host's key with its administrator; if the change is legitimate, remove the old line with ` +
    `\`ssh-keygen -R '${knownHostName(check.host, check.port)}' -f ${check.knownHostsPath}\` and connect again.`;

  if (applicable.some((line) => line.marker === 'revoked' && sameKey(line))) {
    throw mismatchError(
      check,
      ['a key that is not revoked'],
      presented,
      'is marked @revoked in known_hosts',
      removeHint,
    );
  }
  if (check.expectedFingerprint !== undefined) {
    const expected = normalizeFingerprint(check.expectedFingerprint);
    if (expected !== presented.fingerprint) {
      throw mismatchError(
        check,
        [expected],
        presented,
        'does not match the configured fingerprint',
        "Verify the host's key with its administrator (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the host) and correct the configuration's host key fingerprint.",
      );
    }
  }
  const trusted = applicable.filter((line) => line.marker === undefined);
  if (trusted.some(sameKey)) return 'known';
  if (trusted.length > 0) {
    const expected = [...new Set(trusted.map((line) => `${line.keyType} ${fingerprintOf(line.key)}`))];
    throw mismatchError(
      check,
      expected,
      presented,
      `has changed (known_hosts: ${check.knownHostsPath})`,
      removeHint,
    );
  }
  if (check.expectedFingerprint !== undefined || check.acceptNew === true) return 'record';
  throw new ImsError(
    'IMS_HOST_KEY_UNKNOWN',
    `The SSH host ${hostLabel(check.host, check.port)} is not known: it presented the ${presented.keyType} key ` +
      `${presented.fingerprint}, which is not in ${check.knownHostsPath}.`,
    {
      hint:
        "Compare the fingerprint with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the host, then set it as the configuration's " +
        'host key fingerprint, or accept the key explicitly (accept new host key).',
      details: {
        host: check.host,
        port: check.port,
        receivedFingerprint: presented.fingerprint,
        keyType: presented.keyType,
        knownHostsPath: check.knownHostsPath,
      },
    },
  );
}

/**
 * Applies the host key policy against the `known_hosts` file and records a newly trusted key.
 * Known and matching: `known`. Different key on file, or pinned fingerprint not matching:
 * `IMS_HOST_KEY_MISMATCH`, whatever else is set. Unknown: `IMS_HOST_KEY_UNKNOWN` unless the pinned
 * fingerprint matches or `acceptNew` is set, in which case the key is appended and `recorded`.
 */
export async function checkHostKey(check: HostKeyCheck): Promise<HostKeyVerdict> {
  const decision = decideHostKey(check, await readKnownHosts(check.knownHostsPath));
  if (decision === 'known') return 'known';
  await appendKnownHost(check.knownHostsPath, check.host, check.port, check.presentedKey);
  return 'recorded';
}
