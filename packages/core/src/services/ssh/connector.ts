import { readFile } from 'node:fs/promises';
import type { Logger, SshConnector, SshSession, SshTarget } from '@ims/spi';
import { ImsError, isImsError } from '@ims/spi';
import { type CipherAlgorithm, Client, type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';
import { checkHostKey, linesForHost, normalizeFingerprint, readKnownHosts } from './known-hosts.js';
import { createSshSession, type SessionEndpoint } from './session.js';

/** Options of {@link createSshConnector}. */
export interface SshConnectorOptions {
  /** The host's `IMS_HOME/known_hosts`; read on every connect, appended to when a key is trusted. */
  knownHostsPath: string;
  /** Where connection events are logged (never credentials). */
  logger?: Logger;
  /** Uploads of at least this many bytes go over two connections; default 64 MiB. */
  parallelUploadMinBytes?: number;
}

/** Default for {@link SshTarget.connectTimeoutMs}. */
const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

/** GCM first (AES-NI makes it fastest), then chacha20; CTR only for servers offering neither. */
const CIPHERS: CipherAlgorithm[] = [
  'aes128-gcm@openssh.com',
  'chacha20-poly1305@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes256-ctr',
];

const HOST_KEY_ALGORITHMS: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * Host key algorithms with the types already on file for this host first, so a server with several
 * keys presents the one we know instead of one that would look like a changed key.
 */
export function hostKeyAlgorithmsFor(knownKeyTypes: readonly string[]): ServerHostKeyAlgorithm[] {
  const preferred = knownKeyTypes.flatMap((type) => HOST_KEY_ALGORITHMS[type] ?? []);
  return [...new Set([...preferred, ...Object.values(HOST_KEY_ALGORITHMS).flat()])];
}

interface ResolvedTarget extends SessionEndpoint {
  label: string;
  timeoutMs: number;
}

function resolveTarget(target: SshTarget): ResolvedTarget {
  const port = target.port ?? 22;
  if (!target.host || /[\s,#/@]/.test(target.host)) {
    throw new ImsError('IMS_INVALID_ARGUMENT', `Invalid SSH host "${target.host}".`, {
      hint: 'Give a host name or an IP address, without user or port.',
    });
  }
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new ImsError('IMS_INVALID_ARGUMENT', `Invalid SSH port ${port}: expected 1 to 65535.`);
  }
  if (!target.username) throw new ImsError('IMS_INVALID_ARGUMENT', 'The SSH user name is empty.');
  const timeoutMs = target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `Invalid SSH connect timeout ${timeoutMs}: expected a positive number of milliseconds.`,
    );
  }
  if (target.hostKeyFingerprint !== undefined) normalizeFingerprint(target.hostKeyFingerprint);
  const label = target.host.includes(':') ? `[${target.host}]:${port}` : `${target.host}:${port}`;
  return { host: target.host, port, username: target.username, label, timeoutMs };
}

/** The private key text: `privateKey` itself when it is key text, else the file it names. */
async function loadPrivateKey(privateKey: string): Promise<string> {
  if (privateKey.includes('\n') || privateKey.includes('-----BEGIN')) return privateKey;
  try {
    return await readFile(privateKey, 'utf8');
  } catch (error) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `Cannot read the SSH private key file ${privateKey}: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'Check the configured private key path and that it is readable by the user running ims.',
      },
    );
  }
}

function credentialKinds(target: SshTarget): string {
  const kinds = [
    target.privateKey !== undefined && 'public key',
    target.password !== undefined && 'password',
  ];
  return kinds.filter(Boolean).join(' and ') || 'no credentials';
}

/** Turns an ssh2 connection error into the IMS error that says what happened. */
function connectError(
  error: Error & { level?: string; code?: string },
  target: SshTarget,
  resolved: ResolvedTarget,
): ImsError {
  const where = resolved.label;
  const details = { host: resolved.host, port: resolved.port, username: resolved.username };
  if (error.level === 'client-authentication') {
    return new ImsError(
      'IMS_AUTH_FAILED',
      `SSH login as ${resolved.username} on ${where} was refused (tried: ${credentialKinds(target)}).`,
      {
        hint: "Check the user name and credentials; for key login the public key must be in the user's authorized_keys on the host.",
        details,
      },
    );
  }
  if (error.level === 'client-timeout') {
    return new ImsError(
      'IMS_CONNECTION_FAILED',
      `Connecting to ${where} over SSH timed out after ${resolved.timeoutMs} ms.`,
      {
        hint: 'Check that the host is up and the port is reachable through any firewall, or raise the connect timeout.',
        details,
      },
    );
  }
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'the connection was refused (no SSH server listens on that port)',
    EHOSTUNREACH: 'the host is unreachable',
    ENETUNREACH: 'the network is unreachable',
    ETIMEDOUT: 'the connection timed out',
    ECONNRESET: 'the connection was reset by the server',
    ENOTFOUND: 'the host name cannot be resolved',
    EAI_AGAIN: 'the host name cannot be resolved right now',
  };
  const reason = (error.code && reasons[error.code]) ?? error.message;
  const phase =
    error.level === 'client-socket' || error.level === 'client-dns'
      ? 'Cannot connect to'
      : 'SSH handshake failed with';
  return new ImsError('IMS_CONNECTION_FAILED', `${phase} ${where}: ${reason}.`, {
    cause: error,
    hint: 'Check the host name, the port and that sshd runs on the host.',
    details: { ...details, errno: error.code },
  });
}

/** Connects, verifies the host key and logs in; resolves with the ready ssh2 client. */
async function openClient(
  target: SshTarget,
  resolved: ResolvedTarget,
  options: SshConnectorOptions,
  signal?: AbortSignal,
): Promise<Client> {
  const aborted = () =>
    new ImsError('IMS_ABORTED', `Connecting to ${resolved.label} over SSH was cancelled.`, {
      details: { host: resolved.host, port: resolved.port },
    });
  if (signal?.aborted) throw aborted();
  const privateKey = target.privateKey === undefined ? undefined : await loadPrivateKey(target.privateKey);
  const known = linesForHost(await readKnownHosts(options.knownHostsPath), resolved.host, resolved.port);

  const client = new Client();
  let hostKeyFailure: ImsError | undefined;
  // Must return undefined: ssh2 treats any other return value (even a Promise) as the verdict.
  const hostVerifier = (key: Buffer, verify: (valid: boolean) => void): void => {
    checkHostKey({
      knownHostsPath: options.knownHostsPath,
      host: resolved.host,
      port: resolved.port,
      presentedKey: key,
      expectedFingerprint: target.hostKeyFingerprint,
      acceptNew: target.acceptNewHostKey,
    }).then(
      (verdict) => {
        if (verdict === 'recorded') {
          options.logger?.info('Recorded SSH host key', {
            host: resolved.label,
            knownHostsPath: options.knownHostsPath,
          });
        }
        verify(true);
      },
      (error: unknown) => {
        hostKeyFailure = isImsError(error)
          ? error
          : new ImsError('IMS_INTERNAL', `Host key check failed: ${(error as Error).message}`, {
              cause: error,
            });
        verify(false);
      },
    );
  };
  const config: ConnectConfig = {
    host: resolved.host,
    port: resolved.port,
    username: resolved.username,
    readyTimeout: resolved.timeoutMs,
    hostVerifier,
    algorithms: {
      cipher: CIPHERS,
      compress: ['none'],
      serverHostKey: hostKeyAlgorithmsFor(known.map((line) => line.keyType)),
    },
    keepaliveInterval: 15_000,
    keepaliveCountMax: 4,
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(privateKey === undefined ? {} : { privateKey }),
    ...(target.passphrase === undefined ? {} : { passphrase: target.passphrase }),
  };

  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (error: ImsError) =>
      finish(() => {
        client.removeListener('ready', onReady);
        client.destroy();
        reject(error);
      });
    const onAbort = () => fail(aborted());
    const onReady = () =>
      finish(() => {
        options.logger?.debug('SSH connected', { host: resolved.label, username: resolved.username });
        resolve(client);
      });

    client.on('error', (error: Error & { level?: string; code?: string }) => {
      if (settled) return;
      fail(hostKeyFailure ?? connectError(error, target, resolved));
    });
    client.once('close', () =>
      fail(
        hostKeyFailure ??
          new ImsError(
            'IMS_CONNECTION_FAILED',
            `The SSH server at ${resolved.label} closed the connection during login.`,
            {
              details: { host: resolved.host, port: resolved.port },
            },
          ),
      ),
    );
    client.once('ready', onReady);
    client.once('handshake', (negotiated) =>
      options.logger?.debug('SSH handshake', {
        host: resolved.label,
        cipher: negotiated.cs.cipher,
        compression: negotiated.cs.compress,
        hostKeyAlgorithm: negotiated.serverHostKey,
      }),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      client.connect(config);
    } catch (error) {
      // ssh2 parses the private key synchronously; its messages never contain the key or passphrase.
      fail(
        new ImsError(
          'IMS_AUTH_FAILED',
          `Cannot use the SSH private key for ${resolved.label}: ${(error as Error).message}.`,
          {
            cause: error,
            hint: 'Check that the key is an OpenSSH or PEM private key and that its passphrase is right.',
            details: { host: resolved.host, port: resolved.port },
          },
        ),
      );
      return;
    }
    // Without it, ssh2's many small packets wait on Nagle's algorithm and transfers crawl.
    client.setNoDelay(true);
  });
}

async function connect(
  target: SshTarget,
  options: SshConnectorOptions,
  signal?: AbortSignal,
): Promise<SshSession> {
  const resolved = resolveTarget(target);
  const client = await openClient(target, resolved, options, signal);
  return createSshSession(client, resolved, {
    logger: options.logger,
    // Same target, same host key check: a second connection for big uploads.
    connectAgain: (again) => openClient(target, resolved, options, again),
    parallelUploadMinBytes: options.parallelUploadMinBytes,
  });
}

/** An {@link SshConnector} on ssh2 that verifies host keys against `knownHostsPath`. */
export function createSshConnector(options: SshConnectorOptions): SshConnector {
  return {
    connect: (target, signal) => connect(target, options, signal),
  };
}
