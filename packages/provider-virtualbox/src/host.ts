/**
 * The machine VirtualBox runs on: this one, or a host reached over SSH (commands through the
 * session's runner, files through SFTP). The SSH session is opened on first use and opened again
 * after it was found lost.
 */
import { copyFile, mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import {
  type CommandRunner,
  ImsError,
  isImsError,
  type ProviderContext,
  type SshSession,
  type SshTarget,
  type TransferProgress,
} from '@ims/spi';
import type { VirtualBoxConfig } from './config.js';

/** Commands and files on the VirtualBox host. */
export interface VBoxHost {
  /** `local`, or `ssh://user@host:port`, for messages. */
  readonly target: string;
  /** True when VirtualBox runs on the IMS host itself. */
  readonly isLocal: boolean;
  /** The runner for commands on the host. */
  runner(): Promise<CommandRunner>;
  /** Makes a directory and its parents. */
  mkdir(path: string): Promise<void>;
  /** Writes a file, replacing it. */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  /** Copies a file of the IMS host onto the VirtualBox host. */
  upload(localPath: string, remotePath: string, onProgress?: TransferProgress): Promise<void>;
  /** Removes a file; a missing one is fine. */
  removeFile(path: string): Promise<void>;
  /**
   * Removes a folder only if it is empty (never recursively): true when it was removed, false when
   * it is missing or still holds something.
   */
  removeEmptyFolder(path: string): Promise<boolean>;
  /** Forgets a session found lost, so the next use connects again. */
  reset(): Promise<void>;
  /** Closes the SSH session, if any. */
  close(): Promise<void>;
}

/** The host a configuration names. */
export function createHost(context: ProviderContext, config: VirtualBoxConfig): VBoxHost {
  return config.host === undefined ? localHost(context) : new RemoteHost(context, config, config.host);
}

function localHost(context: ProviderContext): VBoxHost {
  return {
    target: 'local',
    isLocal: true,
    runner: async () => context.localRunner,
    mkdir: (path) => io('create directory', path, () => mkdir(path, { recursive: true }).then(() => {})),
    writeFile: (path, data) => io('write', path, () => writeFile(path, data)),
    upload: (from, to) => io('copy', to, () => copyFile(from, to)),
    removeFile: (path) => io('remove', path, () => rm(path, { force: true })),
    removeEmptyFolder: async (path) => {
      try {
        await rmdir(path);
        return true;
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTEMPTY' || code === 'EEXIST') return false;
        await io('remove folder', path, () => Promise.reject(cause));
        return false;
      }
    },
    reset: async () => {},
    close: async () => {},
  };
}

async function io(what: string, path: string, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new ImsError('IMS_IO_FAILED', `Could not ${what} ${path}: ${reason}.`, {
      cause,
      hint: 'Check the permissions and free space of the VM folder (--vm-folder).',
      details: { path },
    });
  }
}

class RemoteHost implements VBoxHost {
  readonly target: string;
  readonly isLocal = false;
  readonly #context: ProviderContext;
  readonly #sshTarget: SshTarget;
  #session: Promise<SshSession> | undefined;

  constructor(context: ProviderContext, config: VirtualBoxConfig, host: string) {
    this.#context = context;
    this.target = `ssh://${config.sshUser}@${host}:${config.sshPort}`;
    const target: SshTarget = { host, port: config.sshPort, username: config.sshUser };
    if (config.sshKey !== undefined) target.privateKey = config.sshKey;
    if (config.sshPassword !== undefined) target.password = config.sshPassword;
    if (config.hostKeyFingerprint !== undefined) target.hostKeyFingerprint = config.hostKeyFingerprint;
    if (config.acceptNewHostKey === true) target.acceptNewHostKey = true;
    this.#sshTarget = target;
  }

  runner(): Promise<CommandRunner> {
    return this.#open();
  }

  mkdir(path: string): Promise<void> {
    return this.#use((s) => s.mkdir(path));
  }

  writeFile(path: string, data: Uint8Array): Promise<void> {
    return this.#use((s) => s.writeFile(path, data));
  }

  upload(localPath: string, remotePath: string, onProgress?: TransferProgress): Promise<void> {
    return this.#use((s) => s.upload(localPath, remotePath, onProgress));
  }

  removeFile(path: string): Promise<void> {
    return this.#use((s) => s.remove(path));
  }

  async removeEmptyFolder(path: string): Promise<boolean> {
    // `rmdir` removes nothing but an empty folder; the session quotes the path as one argument,
    // and the C locale keeps its messages in English.
    const outcome = await this.#use((s) =>
      s.run(['env', 'LC_ALL=C', 'rmdir', '--', path], { allowFailure: true }),
    );
    if (outcome.exitCode === 0) return true;
    if (/not empty|exists|no such file/i.test(outcome.stderr)) return false;
    throw new ImsError('IMS_IO_FAILED', `Could not remove folder ${path}: ${outcome.stderr.trim()}.`, {
      hint: 'Check the permissions of the VM folder (--vm-folder).',
      details: { path },
    });
  }

  async reset(): Promise<void> {
    const pending = this.#session;
    this.#session = undefined;
    const session = await pending?.catch(() => undefined);
    await session?.close().catch(() => {});
  }

  close(): Promise<void> {
    return this.reset();
  }

  async #use<T>(action: (session: SshSession) => Promise<T>): Promise<T> {
    const session = await this.#open();
    try {
      return await action(session);
    } catch (error) {
      if (isImsError(error) && error.code === 'IMS_CONNECTION_FAILED') await this.reset();
      throw error;
    }
  }

  #open(): Promise<SshSession> {
    if (this.#session === undefined) {
      const attempt = this.#context.ssh.connect(this.#sshTarget, this.#context.signal);
      this.#session = attempt;
      // A failed attempt is forgotten, so the next call tries again.
      attempt.catch(() => {
        if (this.#session === attempt) this.#session = undefined;
      });
    }
    return this.#session;
  }
}
