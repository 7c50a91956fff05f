import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ImsError, isImsError } from '@ims/spi';
import { removeStaleTempFiles, writeFileAtomic } from './atomic-write.js';
import { stateV2Problem } from './check-state.js';
import { acquireFileLock, type FileLock } from './lock.js';
import { loadStateDocument } from './migrations.js';
import { emptyState, type State } from './model.js';
import { loadSecretsDocument, secretsProblem, serializeSecrets } from './secrets-document.js';
import { invalidUpdate } from './state-errors.js';
import type { SecretsByConfig, StateStore } from './store.js';

/** File names inside `IMS_HOME`. */
export const STATE_FILES = {
  /** Configurations, templates and VMs. */
  state: 'state.json',
  /** The previous good `state.json`. */
  backup: 'state.json.bak',
  /** Secret provider options, mode 0600. */
  secrets: 'secrets.json',
  /** The cross-process lock guarding both documents. */
  lock: 'state.lock',
} as const;

const HOME_MODE = 0o700;
const FILE_MODE = 0o600;

/** Options of {@link createFileStateStore}. */
export interface FileStateStoreOptions {
  /** How long `update` waits for the lock before `IMS_STATE_LOCKED` (default 10 000 ms). */
  lockTimeoutMs?: number;
  /** Clock for migration timestamps (default: the real time). */
  now?: () => Date;
}

export { resolveImsHome } from './home.js';

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function describeIoError(error: unknown): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return code === undefined ? message : `${code}: ${message}`;
}

/** `IMS_IO_FAILED` for a file system operation on `path` that failed. */
function ioFailed(action: 'read' | 'save' | 'create' | 'lock', path: string, error: unknown): ImsError {
  const what = action === 'lock' ? `lock the IMS state with ${path}` : `${action} ${path}`;
  return new ImsError('IMS_IO_FAILED', `Could not ${what} (${describeIoError(error)}).`, {
    hint:
      action === 'read'
        ? `Check the permissions of ${path}.`
        : `Check free space and permissions in ${dirname(path)}; the previous state is left intact.`,
    cause: error,
    details: { path, code: errorCode(error) },
  });
}

/** The file's text, or `undefined` when it does not exist. */
// Read synchronously: a command reads the state and secrets files several times, and for files
// this small the thread-pool round trips of the asynchronous API cost more than the reads.
function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw ioFailed('read', path, error);
  }
}

/** Identity, size and times of a file (nanoseconds), or undefined when it cannot be stat'ed. */
function fileSignature(path: string): string | undefined {
  try {
    const stats = statSync(path, { bigint: true });
    return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
  } catch {
    return undefined;
  }
}

/** Freezes a parsed JSON document and everything in it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function serializeState(state: State): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

class FileStateStore implements StateStore {
  private lastRead: { signature: string; state: State } | undefined;
  private readonly statePath: string;
  private readonly backupPath: string;
  private readonly secretsPath: string;
  private readonly lockPath: string;

  constructor(
    private readonly home: string,
    private readonly options: FileStateStoreOptions,
  ) {
    this.statePath = join(home, STATE_FILES.state);
    this.backupPath = join(home, STATE_FILES.backup);
    this.secretsPath = join(home, STATE_FILES.secrets);
    this.lockPath = join(home, STATE_FILES.lock);
  }

  async read(): Promise<State> {
    // A command reads the state several times (the VM, then its configuration, ...), and with
    // many VMs parsing and checking it takes milliseconds each time: the parsed state is kept
    // while the file is unchanged. Every write replaces the file (a new inode), so its identity
    // and times tell. What is handed out is frozen, as several callers share it.
    const signature = fileSignature(this.statePath);
    if (signature !== undefined && signature === this.lastRead?.signature) return this.lastRead.state;
    const text = readTextIfExists(this.statePath);
    if (text === undefined) return emptyState();
    const state = deepFreeze(this.parseState(text));
    if (signature !== undefined) this.lastRead = { signature, state };
    return state;
  }

  async update<T>(fn: (draft: State) => T | Promise<T>): Promise<T> {
    return this.withLock(async (lock) => {
      const before = readTextIfExists(this.statePath);
      const draft = before === undefined ? emptyState() : this.parseState(before);
      const result = await fn(draft);
      const problem = stateV2Problem(draft);
      if (problem !== undefined) {
        throw invalidUpdate('state', problem);
      }
      const after = serializeState(draft);
      if (after === before) return result;
      await this.beforeWrite(lock);
      try {
        if (before !== undefined) await writeFileAtomic(this.backupPath, before, { mode: FILE_MODE });
      } catch (error) {
        throw ioFailed('save', this.backupPath, error);
      }
      await this.writeOrFail(this.statePath, after);
      return result;
    });
  }

  async readSecrets(config: string): Promise<Record<string, string>> {
    const all = await this.loadSecrets();
    return { ...all[config] };
  }

  async updateSecrets(fn: (all: SecretsByConfig) => void | Promise<void>): Promise<void> {
    await this.withLock(async (lock) => {
      await this.narrowSecretsMode();
      const before = readTextIfExists(this.secretsPath);
      const all = before === undefined ? {} : loadSecretsDocument(before, this.secretsPath);
      await fn(all);
      const problem = secretsProblem(all);
      if (problem !== undefined) {
        throw invalidUpdate('secrets', problem);
      }
      const after = serializeSecrets(all);
      if (after === before || (before === undefined && Object.keys(all).length === 0)) return;
      await this.beforeWrite(lock);
      await this.writeOrFail(this.secretsPath, after);
    });
  }

  private parseState(text: string): State {
    const now = this.options.now;
    return loadStateDocument(text, {
      path: this.statePath,
      findBackup: () => (existsSync(this.backupPath) ? this.backupPath : undefined),
      ...(now === undefined ? {} : { now }),
    }).state;
  }

  private async loadSecrets(): Promise<SecretsByConfig> {
    await this.narrowSecretsMode();
    const text = readTextIfExists(this.secretsPath);
    return text === undefined ? {} : loadSecretsDocument(text, this.secretsPath);
  }

  /** A secrets file readable by others (restored from a backup, copied by hand) is tightened to 0600. */
  private async narrowSecretsMode(): Promise<void> {
    let mode: number;
    try {
      mode = statSync(this.secretsPath).mode;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return;
      throw ioFailed('read', this.secretsPath, error);
    }
    if ((mode & 0o077) === 0) return;
    try {
      await chmod(this.secretsPath, FILE_MODE);
    } catch (error) {
      throw new ImsError(
        'IMS_IO_FAILED',
        `${this.secretsPath} is readable by others and could not be made private.`,
        {
          hint: `Run: chmod 600 ${this.secretsPath}`,
          cause: error,
          details: { path: this.secretsPath },
        },
      );
    }
  }

  private async withLock<T>(work: (lock: FileLock) => Promise<T>): Promise<T> {
    try {
      await mkdir(this.home, { recursive: true, mode: HOME_MODE });
    } catch (error) {
      throw ioFailed('create', this.home, error);
    }
    let lock: FileLock;
    try {
      lock = await acquireFileLock(this.lockPath, {
        description: `the IMS state in ${this.home}`,
        ...(this.options.lockTimeoutMs === undefined ? {} : { timeoutMs: this.options.lockTimeoutMs }),
      });
    } catch (error) {
      throw isImsError(error) ? error : ioFailed('lock', this.lockPath, error);
    }
    try {
      return await work(lock);
    } finally {
      // A lock we fail to delete names our pid; it is broken as stale once this process exits, so
      // a release failure must not hide the outcome of the work.
      await lock.release().catch(() => undefined);
    }
  }

  /** Last checks before replacing a file: the lock is still ours, and leftovers of killed writers go. */
  private async beforeWrite(lock: FileLock): Promise<void> {
    const held = await lock.stillHeld().catch((error: unknown) => {
      throw ioFailed('lock', this.lockPath, error);
    });
    if (!held) {
      throw new ImsError(
        'IMS_STATE_LOCKED',
        `Lost the lock on the IMS state in ${this.home}; nothing was saved.`,
        {
          hint: 'Another ims process took over the lock; retry the command.',
          details: { lockPath: this.lockPath },
        },
      );
    }
    await removeStaleTempFiles(this.home, Object.values(STATE_FILES)).catch(() => undefined);
  }

  private async writeOrFail(path: string, text: string): Promise<void> {
    try {
      await writeFileAtomic(path, text, { mode: FILE_MODE });
    } catch (error) {
      throw ioFailed('save', path, error);
    }
  }
}

/** A {@link StateStore} keeping `state.json` and `secrets.json` in `home`, created (mode 0700) on first write. */
export function createFileStateStore(home: string, options: FileStateStoreOptions = {}): StateStore {
  return new FileStateStore(resolve(home), options);
}
