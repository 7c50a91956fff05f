import type { Duplex, Readable } from 'node:stream';
import type { BootParams } from './bootparams.js';

/** Structured logger handed to a provider. Never pass secrets to it. */
export interface Logger {
  /** Detail for `--debug`. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Normal progress worth a line in a log. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something the user should know that did not stop the operation. */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** A failure, just before it is thrown. */
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Options of one command run. */
export interface RunOptions {
  /** Bytes written to the command's standard input, which is then closed. */
  input?: string | Uint8Array;
  /** Kill the command and fail with `IMS_TIMEOUT` after this many milliseconds. */
  timeoutMs?: number;
  /** Cancel the command. */
  signal?: AbortSignal;
  /** Extra environment variables (local runs only; SSH servers usually refuse them). */
  env?: Record<string, string>;
  /** Working directory (local runs only). */
  cwd?: string;
  /** When true, a non-zero exit resolves instead of throwing `IMS_COMMAND_FAILED`. */
  allowFailure?: boolean;
}

/** The outcome of a command run. */
export interface RunResult {
  /** Exit code; `null` when the command was ended by a signal. */
  exitCode: number | null;
  /** Everything the command wrote to standard output, as UTF-8. */
  stdout: string;
  /** Everything the command wrote to standard error, as UTF-8. */
  stderr: string;
}

/**
 * Runs programs. Commands are argument vectors, never shell strings: the runner does any
 * quoting the transport needs, so no provider ever builds a command line from user input.
 */
export interface CommandRunner {
  /** Where commands run: `local`, or `ssh://user@host:port`. */
  readonly target: string;
  /** Runs `argv[0]` with the remaining arguments. */
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
}

/** How to reach an SSH server. Host keys are always verified against `IMS_HOME/known_hosts`. */
export interface SshTarget {
  /** Host name or address. */
  host: string;
  /** Port, default 22. */
  port?: number;
  /** User to log in as. */
  username: string;
  /** Password, if password authentication is used. */
  password?: string;
  /** Path of a private key file, or the key itself (PEM/OpenSSH text). */
  privateKey?: string;
  /** Passphrase of the private key. */
  passphrase?: string;
  /**
   * The expected host key fingerprint (`SHA256:...` as `ssh-keygen -l` prints it). When set, the
   * host's key must match it and is then recorded in known_hosts.
   */
  hostKeyFingerprint?: string;
  /** Accept and record an unknown host key (trust on first use). A changed key is never accepted. */
  acceptNewHostKey?: boolean;
  /** Give up connecting after this many milliseconds (default 15 000). */
  connectTimeoutMs?: number;
}

/** Progress callback of a transfer: bytes done and total. */
export type TransferProgress = (doneBytes: number, totalBytes: number) => void;

/** An open SSH connection: commands, SFTP file transfer and socket forwarding. */
export interface SshSession extends CommandRunner {
  /**
   * Uploads a local file (pipelined SFTP writes, big files over a second connection too). An
   * existing remote file is written over in place and then cut to the new size, as OpenSSH does.
   */
  upload(localPath: string, remotePath: string, onProgress?: TransferProgress): Promise<void>;
  /** Downloads a remote file. */
  download(remotePath: string, localPath: string, onProgress?: TransferProgress): Promise<void>;
  /** Writes bytes to a remote file, creating or replacing it, with the given mode (default 0o644). */
  writeFile(remotePath: string, data: string | Uint8Array, mode?: number): Promise<void>;
  /** Reads a whole remote file. */
  readFile(remotePath: string): Promise<Buffer>;
  /** Creates a remote directory and its parents. */
  mkdir(remotePath: string): Promise<void>;
  /** Removes a remote file; missing files are not an error. */
  remove(remotePath: string): Promise<void>;
  /** True if the remote path exists. */
  exists(remotePath: string): Promise<boolean>;
  /** Opens a stream to a unix socket on the remote host (e.g. libvirt's socket for `qemu+ssh`). */
  openUnixSocket(remotePath: string): Promise<Duplex>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Opens SSH sessions with host-key verification. */
export interface SshConnector {
  /** Connects and authenticates, or fails with `IMS_CONNECTION_FAILED`, `IMS_AUTH_FAILED`, `IMS_HOST_KEY_*`. */
  connect(target: SshTarget, signal?: AbortSignal): Promise<SshSession>;
}

/** Limits of a safe extraction. */
export interface ExtractOptions {
  /** Refuse archives whose entries add up to more than this many bytes (default 64 GiB). */
  maxTotalBytes?: number;
  /** Refuse archives with more entries than this (default 100 000). */
  maxEntries?: number;
  /**
   * Refuse a compressed archive once its entries have written more than this many times the
   * compressed bytes read so far, plus {@link expansionAllowanceBytes} (default 200): a
   * decompression bomb is stopped early instead of filling the disk.
   */
  maxExpansionRatio?: number;
  /** Bytes any archive may expand to regardless of its ratio (default 64 MiB). */
  expansionAllowanceBytes?: number;
  /** Called as bytes of the archive are consumed. */
  onProgress?: TransferProgress;
  /** Cancel the extraction. */
  signal?: AbortSignal;
}

/** One extracted entry. */
export interface ExtractedEntry {
  /** Path relative to the target directory, `/`-separated. */
  path: string;
  /** Entry type. */
  type: 'file' | 'directory' | 'symlink';
  /** Size in bytes (files). */
  size: number;
}

/**
 * Extracts tar and gzip-compressed tar archives safely: no absolute paths, no `..`, no links
 * leaving the target, no device files or FIFOs, size limits. Refusals are `IMS_ARCHIVE_UNSAFE`.
 */
export interface ArchiveExtractor {
  /** Extracts `archivePath` (tar or tgz, detected by content) into the existing empty directory `targetDir`. */
  extract(
    archivePath: string | Readable,
    targetDir: string,
    options?: ExtractOptions,
  ): Promise<ExtractedEntry[]>;
}

/** Builds the boot-parameter image (ISO 9660, label `cidata`) described in `docs/boot-parameters.md`. */
export interface BootImageBuilder {
  /** The `bootparams.conf` text for these parameters. */
  renderConf(params: BootParams): string;
  /** The complete image, deterministic for the same parameters. */
  build(params: BootParams): Promise<Uint8Array>;
}

/** Reports progress of long work; the CLI draws it as a bar on a terminal and stays silent otherwise. */
export interface ProgressReporter {
  /** Starts a task; `total` in `unit`s when known. */
  start(label: string, total?: number, unit?: 'bytes' | 'items' | 'seconds'): ProgressTask;
}

/** One task of a {@link ProgressReporter}. */
export interface ProgressTask {
  /** Sets how much is done. */
  update(done: number, total?: number): void;
  /** Ends the task. */
  done(): void;
}

/** Wall clock and timers, behind a port so tests can drive time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds, or rejects with `IMS_ABORTED` when the signal fires. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Everything the host hands a provider instance. A provider never imports the host. */
export interface ProviderContext {
  /** The configuration's name. */
  configName: string;
  /** A directory the provider may use for its own files (caches, keys, logs) for this configuration. */
  dataDir: string;
  /** Logger, already tagged with the provider and configuration. */
  logger: Logger;
  /** Runs commands on the IMS host. */
  localRunner: CommandRunner;
  /** Opens SSH sessions (commands, SFTP, socket forwarding) with host-key verification. */
  ssh: SshConnector;
  /** Extracts template archives safely. */
  archives: ArchiveExtractor;
  /** Builds boot-parameter images. */
  bootImage: BootImageBuilder;
  /** Progress reporting for long work. */
  progress: ProgressReporter;
  /** Cancels the current operation (Ctrl-C, SIGTERM). */
  signal: AbortSignal;
  /**
   * Since SPI 1.3: the signal for undoing work after {@link ProviderContext.signal} fired (removing a
   * half-made VM or template). It fires only when the user insists (a second Ctrl-C) or the
   * clean-up time is up, so clean-up is not cancelled by the very interruption that needs it.
   * Absent on hosts before 1.3: use a signal that never fires (`cleanupSignalOf(context)`).
   */
  cleanupSignal?: AbortSignal;
  /** Time. */
  clock: Clock;
}

/** A signal that never fires, for {@link cleanupSignalOf} on hosts without a clean-up signal. */
const NEVER = new AbortController().signal;

/** The context's clean-up signal (SPI 1.3), or one that never fires on older hosts. */
export function cleanupSignalOf(context: Pick<ProviderContext, 'cleanupSignal'>): AbortSignal {
  return context.cleanupSignal ?? NEVER;
}
