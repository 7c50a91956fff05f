import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const SSHD = '/usr/sbin/sshd';
const PRIVSEP_DIR = '/run/sshd';
const READY_TIMEOUT_MS = 10_000;

/** A running OpenSSH server on 127.0.0.1 for tests, with its own host and client keys. */
export interface TestSshd {
  /** Port it listens on (127.0.0.1 only). */
  port: number;
  /** Private host key file. */
  hostKeyPath: string;
  /** Host public key line (`ssh-ed25519 AAAA... comment`). */
  hostPublicKey: string;
  /** `SHA256:` fingerprint of the host key, as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** Private key file of a client key listed in the server's authorized keys. */
  clientKeyPath: string;
  /** The user to log in as: the user running the tests. */
  username: string;
  /** The temporary directory holding keys and configuration. */
  dir: string;
  /** The last lines sshd logged (for failure messages). */
  log(): string;
  /** Stops the server (by its own PID) and removes its directory. */
  stop(): Promise<void>;
}

/** Options of {@link startSshd}. */
export interface StartSshdOptions {
  /** Listen on this port instead of a free one (to restart "the same host" with another key). */
  port?: number;
}

const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Resolves with the server's first bytes once it accepts on the port, so we know it is an SSH server. */
function readBanner(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000);
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('latin1'));
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('no banner'));
    });
    socket.once('error', reject);
  });
}

async function waitUntilListening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`sshd exited (${child.exitCode ?? child.signalCode}) before listening:\n${log()}`);
    }
    try {
      const banner = await readBanner(port);
      if (banner.startsWith('SSH-2.0-OpenSSH')) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `sshd did not accept connections on 127.0.0.1:${port} within ${READY_TIMEOUT_MS} ms:\n${log()}`,
  );
}

async function generateKey(path: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ims-test', '-f', path]);
}

/**
 * Starts `/usr/sbin/sshd -D -e` as a child process with a fresh ed25519 host key and client key,
 * listening on 127.0.0.1 only, key authentication only. Throws when OpenSSH's server is missing.
 */
export async function startSshd(options: StartSshdOptions = {}): Promise<TestSshd> {
  if (!existsSync(SSHD)) {
    throw new Error('OpenSSH server missing: apt-get install -y --no-install-recommends openssh-server');
  }
  // sshd refuses to start without its privilege separation directory.
  if (!existsSync(PRIVSEP_DIR)) mkdirSync(PRIVSEP_DIR, { mode: 0o755, recursive: true });

  const dir = await mkdtemp(join(tmpdir(), 'ims-sshd-'));
  try {
    const hostKeyPath = join(dir, 'host_ed25519');
    const clientKeyPath = join(dir, 'client_ed25519');
    await Promise.all([generateKey(hostKeyPath), generateKey(clientKeyPath)]);
    const authorizedKeys = join(dir, 'authorized_keys');
    await writeFile(authorizedKeys, await readFile(`${clientKeyPath}.pub`));
    await chmod(authorizedKeys, 0o600);
    const hostPublicKey = (await readFile(`${hostKeyPath}.pub`, 'utf8')).trim();
    const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKeyPath}.pub`]);
    const fingerprint = stdout.split(' ')[1] ?? '';

    const port = options.port ?? (await freePort());
    const configPath = join(dir, 'sshd_config');
    await writeFile(
      configPath,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKeyPath}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${authorizedKeys}`,
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'StrictModes no',
        'UsePAM no',
        'UseDNS no',
        'AllowStreamLocalForwarding yes',
        'MaxSessions 32',
        'Subsystem sftp internal-sftp',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );

    const child = spawn(SSHD, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-20_000);
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitUntilListening(port, child, () => log);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }

    return {
      port,
      hostKeyPath,
      hostPublicKey,
      fingerprint,
      clientKeyPath,
      username: userInfo().username,
      dir,
      log: () => log,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
