import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { SshSession } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ancestorNamed,
  imsFailure,
  processesWithArgument,
  processWithArgumentExists,
} from '../../../test/ssh/helpers.js';
import { hostileStrings } from '../../../test/ssh/hostile-strings.js';
import { startSshd, type TestSshd } from '../../../test/ssh/sshd.js';
import { createSshConnector } from './connector.js';
import { remoteCommandLine, splitPidReport } from './session.js';

/** Unique per run, so processes left by an earlier failed run cannot confuse the checks. */
const RUN_ID = String(process.pid).padStart(7, '0');

describe('ssh2 native crypto', () => {
  it('is available (the ssh2 install script built its binding)', () => {
    const requireFromCore = createRequire(new URL('../../../package.json', import.meta.url));
    const { bindingAvailable } = requireFromCore('ssh2/lib/protocol/crypto.js') as {
      bindingAvailable: boolean;
    };
    expect(
      bindingAvailable,
      "ssh2's native crypto binding is missing: install scripts for ssh2 must be allowed (pnpm onlyBuiltDependencies) so it can build; without it SSH is several times slower",
    ).toBe(true);
  });
});

describe('remote command plumbing', () => {
  async function split(chunks: string[]): Promise<{ text: string; pid: number | undefined }> {
    const source = new PassThrough();
    let pid: number | undefined;
    const output = splitPidReport(source, (reported) => {
      pid = reported;
    });
    let text = '';
    output.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    const done = new Promise((resolve) => output.on('end', resolve));
    for (const chunk of chunks) source.write(chunk);
    source.end();
    await done;
    return { text, pid };
  }

  it('strips the PID report from stderr, also after login noise and across chunks', async () => {
    expect(await split(['ims-remote-pid:42\nerr\n'])).toEqual({ text: 'err\n', pid: 42 });
    expect(await split(['motd line\nims-remote-', 'pid:7\n', 'tail'])).toEqual({
      text: 'motd line\ntail',
      pid: 7,
    });
    expect(await split(['no report here\n'])).toEqual({ text: 'no report here\n', pid: undefined });
    expect(await split(['x ims-remote-pid:9\n'])).toEqual({ text: 'x ims-remote-pid:9\n', pid: undefined });
  });

  it('builds the remote command line with cd and env in front of the quoted command', () => {
    expect(remoteCommandLine(['ls', '-l', "it's"], { cwd: '/var/tmp', env: { A: 'b c' } })).toBe(
      `echo ims-remote-pid:$$ >&2; cd /var/tmp && env 'A=b c' 'ls' -l 'it'\\''s'`,
    );
    expect(() => remoteCommandLine(['ls'], { env: { 'BAD NAME': 'x' } })).toThrow(
      /environment variable name/,
    );
  });
});

describe('SshSession commands against a real sshd', () => {
  let sshd: TestSshd;
  let dir: string;
  let session: SshSession;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await mkdtemp(join(tmpdir(), 'ims-ssh-session-'));
    const connector = createSshConnector({ knownHostsPath: join(dir, 'known_hosts') });
    session = await connector.connect({
      host: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      privateKey: sshd.clientKeyPath,
      hostKeyFingerprint: sshd.fingerprint,
    });
  });
  afterAll(async () => {
    await session?.close();
    await sshd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('names its target', () => {
    expect(session.target).toBe(`ssh://${sshd.username}@127.0.0.1:${sshd.port}`);
  });

  it('round-trips 1000 hostile arguments byte-exact through the remote shell', async () => {
    const strings = hostileStrings(1000);
    const { stdout } = await session.run(['printf', '%s\\0', ...strings]);
    expect(stdout.split('\0').slice(0, -1)).toEqual(strings);
  });

  it('runs each of a few hostile arguments as its own command', async () => {
    for (const text of hostileStrings(10, 99)) {
      expect((await session.run(['printf', '%s', text])).stdout).toBe(text);
    }
  });

  it('separates stdout and stderr and reports the exit code', async () => {
    const result = await session.run(['sh', '-c', 'echo out; echo err >&2; exit 5'], { allowFailure: true });
    expect(result).toEqual({ exitCode: 5, stdout: 'out\n', stderr: 'err\n' });
  });

  it('fails a non-zero exit with IMS_COMMAND_FAILED naming the command, code and stderr', async () => {
    const error = await imsFailure(session.run(['sh', '-c', 'echo "disk is full" >&2; exit 4']));
    expect(error.code).toBe('IMS_COMMAND_FAILED');
    expect(error.message).toContain('"sh"');
    expect(error.message).toContain('exit code 4');
    expect(error.message).toContain('disk is full');
    expect(error.message).toContain(session.target);
  });

  it('hints at a missing remote program', async () => {
    const error = await imsFailure(session.run(['ims-no-such-program-xyz']));
    expect(error.code).toBe('IMS_COMMAND_FAILED');
    expect(error.details).toMatchObject({ exitCode: 127 });
    expect(error.hint).toContain('not installed');
  });

  it('feeds input and closes standard input', async () => {
    expect((await session.run(['cat'], { input: 'a\nb $(id)\n' })).stdout).toBe('a\nb $(id)\n');
    expect((await session.run(['cat'], { timeoutMs: 5000 })).stdout).toBe('');
  });

  it('applies cwd and env through the remote shell', async () => {
    const result = await session.run(['sh', '-c', 'printf "%s|%s" "$IMS_VAR" "$(pwd)"'], {
      cwd: '/tmp',
      env: { IMS_VAR: "it's $(id)" },
    });
    expect(result.stdout).toBe("it's $(id)|/tmp");
  });

  it('kills the remote command and its children on timeout with IMS_TIMEOUT', async () => {
    const markers = [`31.1${RUN_ID}`, `31.2${RUN_ID}`];
    const started = Date.now();
    const script = `sleep ${markers[0]} & sleep ${markers[1]}; wait`;
    const error = await imsFailure(session.run(['sh', '-c', script], { timeoutMs: 300 }));
    expect(error.code).toBe('IMS_TIMEOUT');
    expect(error.message).toContain('300 ms');
    expect(Date.now() - started).toBeLessThan(3000);
    for (const marker of markers) {
      const deadline = Date.now() + 3000;
      while ((await processWithArgumentExists(marker)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await processWithArgumentExists(marker), `the remote "sleep ${marker}" was not killed`).toBe(
        false,
      );
    }
    expect((await session.run(['echo', 'still usable'])).stdout).toBe('still usable\n');
  });

  it('cancels a remote command through the abort signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const error = await imsFailure(session.run(['sleep', '30'], { signal: controller.signal }));
    expect(error.code).toBe('IMS_ABORTED');
  });

  it('runs commands concurrently on one connection', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => session.run(['echo', String(i)])));
    expect(results.map((result) => result.stdout)).toEqual(Array.from({ length: 8 }, (_, i) => `${i}\n`));
  });

  it('fails a running command with IMS_CONNECTION_FAILED when the connection dies', async () => {
    const other = await createSshConnector({ knownHostsPath: join(dir, 'known_hosts') }).connect({
      host: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      privateKey: sshd.clientKeyPath,
    });
    const marker = `30.3${RUN_ID}`;
    const running = imsFailure(other.run(['sleep', marker]));
    let sleeper: number | undefined;
    for (let i = 0; i < 100 && sleeper === undefined; i++) {
      sleeper = (await processesWithArgument(marker))[0];
      if (sleeper === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sleeper, 'the remote sleep never started').toBeDefined();
    const connectionProcess = await ancestorNamed(sleeper!, 'sshd: ');
    expect(connectionProcess, 'no sshd connection process above the remote command').toBeDefined();
    process.kill(connectionProcess!, 'SIGKILL');
    const error = await running;
    expect(error.code).toBe('IMS_CONNECTION_FAILED');
    process.kill(sleeper!, 'SIGKILL');
    expect((await imsFailure(other.run(['true']))).code).toBe('IMS_CONNECTION_FAILED');
  });

  describe('openUnixSocket', () => {
    let server: Server;
    let socketPath: string;

    beforeAll(async () => {
      socketPath = join(dir, 'echo.sock');
      server = createServer((socket) => socket.pipe(socket));
      await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('streams to a unix socket on the remote host', async () => {
      const stream = await session.openUnixSocket(socketPath);
      const received = new Promise<string>((resolve) => {
        let text = '';
        stream.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          if (text.length >= 11) resolve(text);
        });
      });
      stream.write('hello $(id)');
      expect(await received).toBe('hello $(id)');
      stream.end();
    });

    it('fails with IMS_CONNECTION_FAILED for a missing socket', async () => {
      const error = await imsFailure(session.openUnixSocket(join(dir, 'missing.sock')));
      expect(error.code).toBe('IMS_CONNECTION_FAILED');
      expect(error.message).toContain('missing.sock');
    });
  });
});
