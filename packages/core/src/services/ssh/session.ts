import { stat } from 'node:fs/promises';
import { type Duplex, PassThrough, type Readable } from 'node:stream';
import type { Logger, RunOptions, SshSession } from '@ims/spi';
import { ImsError, isImsError } from '@ims/spi';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { type CommandExit, type StartedCommand, superviseCommand } from '../local-runner.js';
import { endClient, openExtraLane, PARALLEL_UPLOAD_MIN_BYTES } from './extra-lane.js';
import { quoteArg, quoteArgv } from './quote.js';
import {
  isNoSuchFile,
  sftpDownload,
  sftpMkdirp,
  sftpReadFile,
  sftpRemove,
  sftpStat,
  sftpUpload,
  sftpWriteFile,
} from './sftp-files.js';

/** Where a session is connected. */
export interface SessionEndpoint {
  /** Host name or address. */
  host: string;
  /** Port. */
  port: number;
  /** Login user. */
  username: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `ssh://user@host:port`, with IPv6 addresses in brackets. */
export function sshTargetUrl(endpoint: SessionEndpoint): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `ssh://${endpoint.username}@${host}:${endpoint.port}`;
}

/**
 * The command line sent to the remote login shell: a report of the shell's PID on stderr (see
 * {@link splitPidReport}), then the quoted command. `cwd` and `env` have no SSH equivalent that
 * servers honour, so they become `cd` and `env` in front of it.
 */
export function remoteCommandLine(argv: readonly string[], options: RunOptions): string {
  // sshd makes the login shell a session leader, so its PID is the process group to kill on timeout.
  const parts: string[] = ['echo ims-remote-pid:$$ >&2;'];
  if (options.cwd !== undefined)
    parts.push(`cd ${quoteArg(options.cwd.startsWith('-') ? `./${options.cwd}` : options.cwd)} &&`);
  const env = Object.entries(options.env ?? {});
  const bad = env.find(([name]) => !ENV_NAME.test(name));
  if (bad) throw new ImsError('IMS_INVALID_ARGUMENT', `Invalid environment variable name "${bad[0]}".`);
  if (env.length > 0) parts.push('env', ...env.map(([name, value]) => quoteArg(`${name}=${value}`)));
  parts.push(quoteArgv(argv));
  return parts.join(' ');
}

/** The line {@link remoteCommandLine} puts on remote stderr to name the remote shell's PID. */
const PID_REPORT = /(?:^|\n)(ims-remote-pid:(\d+)\n)/;
/**
 * How far into stderr the PID report is looked for. Login scripts or a verbose sshd may print
 * before it, so it is not necessarily the first line.
 */
const PID_REPORT_WINDOW_BYTES = 8192;
/** How long a kill waits for the PID report before giving up and just closing the channel. */
const PID_WAIT_MS = 1000;

/** Passes `source` through minus the PID report line, whose PID goes to `onPid`. */
export function splitPidReport(source: Readable, onPid: (pid: number) => void): Readable {
  const output = new PassThrough();
  let head: Buffer | undefined = Buffer.alloc(0);
  const scan = (atEnd: boolean) => {
    if (head === undefined) return;
    // latin1 maps bytes 1:1 to characters, so string offsets are byte offsets.
    const match = PID_REPORT.exec(head.toString('latin1'));
    if (!match && !atEnd && head.length <= PID_REPORT_WINDOW_BYTES) return;
    let rest = head;
    if (match) {
      const lineStart = match.index + match[0].length - match[1]!.length;
      rest = Buffer.concat([head.subarray(0, lineStart), head.subarray(lineStart + match[1]!.length)]);
      onPid(Number(match[2]));
    }
    head = undefined;
    if (rest.length > 0) output.write(rest);
  };
  source.on('data', (chunk: Buffer) => {
    if (head === undefined) {
      output.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    scan(false);
  });
  source.on('end', () => {
    scan(true);
    output.end();
  });
  return output;
}

function ended(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
  });
}

function connectionLost(target: string, cause?: unknown): ImsError {
  return new ImsError('IMS_CONNECTION_FAILED', `The SSH connection to ${target} is closed.`, {
    ...(cause === undefined ? {} : { cause }),
    hint: 'Connect again; if this repeats, check the network and the SSH server on the host.',
    details: { target },
  });
}

/** Options of {@link createSshSession}. */
export interface SshSessionOptions {
  /** Where connection events are logged. */
  logger?: Logger | undefined;
  /** Opens another ready connection to the same host, for uploads split over two connections. */
  connectAgain?: ((signal: AbortSignal) => Promise<Client>) | undefined;
  /** Uploads of at least this many bytes use `connectAgain`; default {@link PARALLEL_UPLOAD_MIN_BYTES}. */
  parallelUploadMinBytes?: number | undefined;
}

/** Wraps an ssh2 `Client` that is ready (authenticated) as an {@link SshSession}. */
export function createSshSession(
  client: Client,
  endpoint: SessionEndpoint,
  options: SshSessionOptions = {},
): SshSession {
  const { logger, connectAgain, parallelUploadMinBytes = PARALLEL_UPLOAD_MIN_BYTES } = options;
  const target = sshTargetUrl(endpoint);
  let closed = false;
  let sftpChannel: Promise<SFTPWrapper> | undefined;

  client.on('error', (error: Error) => {
    logger?.warn('SSH connection error', { target, error: error.message });
  });
  client.on('close', () => {
    closed = true;
  });

  function openSftp(): Promise<SFTPWrapper> {
    if (closed) return Promise.reject(connectionLost(target));
    sftpChannel ??= new Promise<SFTPWrapper>((resolve, reject) => {
      client.sftp((error, sftp) => {
        if (error) {
          sftpChannel = undefined;
          reject(
            new ImsError(
              'IMS_CONNECTION_FAILED',
              `Cannot open an SFTP channel to ${target}: ${error.message}`,
              {
                cause: error,
                hint: 'Enable the sftp subsystem in the host’s sshd_config (Subsystem sftp internal-sftp).',
                details: { target },
              },
            ),
          );
          return;
        }
        sftp.on('close', () => {
          sftpChannel = undefined;
        });
        resolve(sftp);
      });
    });
    return sftpChannel;
  }

  async function withSftp<T>(
    operation: string,
    path: string,
    work: (sftp: SFTPWrapper) => Promise<T>,
  ): Promise<T> {
    const sftp = await openSftp();
    try {
      return await work(sftp);
    } catch (error) {
      if (isImsError(error)) throw error;
      if (closed) throw connectionLost(target, error);
      const reason = isNoSuchFile(error) ? 'no such file or directory' : (error as Error).message;
      throw new ImsError(
        'IMS_COMMAND_FAILED',
        `SFTP ${operation} of ${path} on ${target} failed: ${reason}`,
        {
          cause: error,
          details: { target, operation, path, sftpStatus: (error as { code?: unknown }).code },
        },
      );
    }
  }

  /**
   * Kills the remote command's process group. The SSH "signal" request would be simpler, but
   * OpenSSH refuses it for root logins, which are common on hypervisor hosts.
   */
  function killRemote(pid: number, channel: ClientChannel): void {
    try {
      client.exec(`kill -s KILL -- -${pid}`, (error, killer) => {
        if (error) return;
        killer.resume();
        killer.stderr.resume();
        killer.end();
      });
    } catch {
      // The connection is gone, and the remote command with it.
    }
    channel.close();
  }

  function startRemote(commandLine: string): Promise<StartedCommand> {
    if (closed) return Promise.reject(connectionLost(target));
    return new Promise<StartedCommand>((resolve, reject) => {
      const onChannel = (error: Error | undefined, channel: ClientChannel) => {
        if (error) {
          reject(
            new ImsError('IMS_CONNECTION_FAILED', `Cannot start a command on ${target}: ${error.message}`, {
              cause: error,
              details: { target },
            }),
          );
          return;
        }
        let exit: CommandExit | undefined;
        channel.on('exit', (code: number | null, signal?: string) => {
          exit = { exitCode: code ?? null, signal: signal ?? null };
        });
        let pid: number | undefined;
        let killRequested = false;
        const stderr = splitPidReport(channel.stderr, (reported) => {
          pid = reported;
          if (killRequested) killRemote(reported, channel);
        });
        const channelClosed = new Promise<void>((resolveClose) =>
          channel.once('close', () => resolveClose()),
        );
        const exited = Promise.all([channelClosed, ended(channel), ended(stderr)]).then(async () => {
          if (exit) return exit;
          // No exit status: either the server sent none, or the connection died under the command.
          await new Promise((wait) => setImmediate(wait));
          if (closed) throw connectionLost(target);
          return { exitCode: null, signal: null };
        });
        const kill = () => {
          if (pid !== undefined) return killRemote(pid, channel);
          killRequested = true;
          setTimeout(() => channel.close(), PID_WAIT_MS).unref();
        };
        resolve({ stdin: channel, stdout: channel, stderr, exited, kill });
      };
      try {
        client.exec(commandLine, onChannel);
      } catch (error) {
        reject(connectionLost(target, error));
      }
    });
  }

  return {
    target,
    run(argv, options = {}) {
      return superviseCommand(argv, target, options, () => startRemote(remoteCommandLine(argv, options)));
    },
    async upload(localPath, remotePath, onProgress) {
      const stats = await stat(localPath).catch(() => undefined);
      if (!stats?.isFile())
        throw new ImsError('IMS_INVALID_ARGUMENT', `Cannot upload ${localPath}: it is not a local file.`);
      // Started before the first channel is open, so the two set-ups overlap.
      const extra =
        connectAgain && !closed && stats.size >= parallelUploadMinBytes
          ? openExtraLane(connectAgain, remotePath, logger)
          : undefined;
      try {
        await withSftp('upload', remotePath, (sftp) =>
          sftpUpload(sftp, localPath, remotePath, onProgress, extra),
        );
      } finally {
        // sftpUpload released it (and reported a failed close) unless the first channel never opened.
        await extra?.release().catch(() => {});
      }
    },
    download(remotePath, localPath, onProgress) {
      return withSftp('download', remotePath, (sftp) =>
        sftpDownload(sftp, remotePath, localPath, onProgress),
      );
    },
    writeFile(remotePath, data, mode = 0o644) {
      const bytes =
        typeof data === 'string'
          ? Buffer.from(data, 'utf8')
          : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      return withSftp('write', remotePath, (sftp) => sftpWriteFile(sftp, remotePath, bytes, mode));
    },
    readFile(remotePath) {
      return withSftp('read', remotePath, (sftp) => sftpReadFile(sftp, remotePath));
    },
    mkdir(remotePath) {
      return withSftp('mkdir', remotePath, (sftp) => sftpMkdirp(sftp, remotePath));
    },
    remove(remotePath) {
      return withSftp('remove', remotePath, (sftp) => sftpRemove(sftp, remotePath));
    },
    exists(remotePath) {
      return withSftp('stat', remotePath, async (sftp) => (await sftpStat(sftp, remotePath)) !== undefined);
    },
    openUnixSocket(remotePath) {
      if (closed) return Promise.reject(connectionLost(target));
      return new Promise<Duplex>((resolve, reject) => {
        try {
          client.openssh_forwardOutStreamLocal(remotePath, (error, channel) => {
            if (!error) return resolve(channel);
            reject(
              new ImsError(
                'IMS_CONNECTION_FAILED',
                `Cannot open the unix socket ${remotePath} on ${target}: ${error.message}`,
                {
                  cause: error,
                  hint: 'Check that the socket exists, the login user may connect to it, and sshd allows AllowStreamLocalForwarding.',
                  details: { target, path: remotePath },
                },
              ),
            );
          });
        } catch (error) {
          reject(connectionLost(target, error));
        }
      });
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return endClient(client);
    },
  };
}
