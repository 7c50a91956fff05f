/**
 * Files and commands on dom0 (the server pool master), where the OVS repository lives: over one
 * SSH session, or directly when dom0 is this machine (`dom0Host: local`).
 */
import type { RunOptions, RunResult, TransferProgress } from '@ims/spi';
import { ImsError } from '@ims/spi';

/** Access to dom0's files and programs. Paths are absolute paths on dom0. */
export interface Dom0 {
  /** Where dom0 is, for messages: `local` or `ssh://user@host:port`. */
  where(): Promise<string>;
  /** Runs a program (argument vector, never a shell line). */
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Copies a local file to dom0, reporting progress; the signal interrupts it. */
  upload(localPath: string, remotePath: string, onProgress?: TransferProgress): Promise<void>;
  /** Replaces a file's content atomically (written beside it, then renamed over it). */
  replaceFile(path: string, data: string | Uint8Array): Promise<void>;
  /** Reads a whole file. */
  readFile(path: string): Promise<Buffer>;
  /** True if the path exists. */
  exists(path: string): Promise<boolean>;
  /** Creates a directory and its parents. */
  mkdir(path: string): Promise<void>;
  /** Removes a file or a whole directory tree; a missing path is fine. */
  removeTree(path: string): Promise<void>;
  /** Renames a file or directory; fails if `to` exists. */
  rename(from: string, to: string): Promise<void>;
  /** The SHA-256 of a file, lower-case hex. */
  sha256(path: string): Promise<string>;
  /** Releases the connection, if any. */
  close(): Promise<void>;
}

/** Refuses paths that must never reach `rm -rf` or a rename: relative ones, the root, `..` steps. */
export function assertSafeDom0Path(path: string): void {
  const parts = path.split('/');
  if (!path.startsWith('/') || parts.filter((p) => p !== '').length < 2 || parts.includes('..')) {
    throw new ImsError(
      'IMS_INTERNAL',
      `Refusing to change ${JSON.stringify(path)} on dom0: not a path inside a repository.`,
    );
  }
}

/** The hex digest from `sha256sum` output, or `IMS_COMMAND_FAILED` when there is none. */
export function parseSha256sum(stdout: string, path: string): string {
  const digest = /^\\?([0-9a-fA-F]{64})\s/.exec(stdout)?.[1];
  if (digest === undefined) {
    throw new ImsError('IMS_COMMAND_FAILED', `sha256sum printed no checksum for ${path} on dom0.`, {
      hint: 'Check that coreutils is installed on dom0.',
      details: { path },
    });
  }
  return digest.toLowerCase();
}
