import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ImsError, isImsError } from '@ims/spi';
import { removeStaleTempFiles, writeFileAtomic } from './atomic-write.js';
import { stateV2Problem } from './check-state.js';
import { assertSafeHome } from './home.js';
import { killPoint } from './kill-point.js';
import { acquireFileLock, type FileLock } from './lock.js';
import { loadStateDocument } from './migrations.js';
import { emptyState, type StateV2 } from './model.js';
import {
  CURRENT_SECRETS_VERSION,
  loadSecretsDocument,
  newSecretsId,
  secretsProblem,
  serializeSecrets,
} from './secrets-document.js';
import { invalidUpdate } from './state-errors.js';
import type { SecretsById, SecretsDraft, StateStore } from './store.js';

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

function serializeState(state: StateV2): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** The secrets ids the configurations of `state` name. */
function secretsIdsOf(state: StateV2): Set<string> {
  return new Set(Object.values(state.configs).map((config) => config.secretsId));
}

/** The entries of `entries` whose ids are in `ids`. */
function entriesNamed(entries: SecretsById, ids: ReadonlySet<string>): SecretsById {
  return Object.fromEntries(Object.entries(entries).filter(([id]) => ids.has(id)));
}

/** The secrets of one {@link FileStateStore.update}: read lazily, additions kept apart until saved. */
class FileSecretsDraft implements SecretsDraft {
  readonly added: SecretsById = {};
  #onDisk: SecretsById | undefined;

  constructor(private readonly load: () => SecretsById) {}

  add(secrets: Record<string, string>): string {
    const id = newSecretsId();
    // A configuration without secrets still gets an id, but no entry.
    if (Object.keys(secrets).length > 0) this.added[id] = { ...secrets };
    return id;
  }

  get(id: string): Record<string, string> {
    const entries = Object.hasOwn(this.added, id) ? this.added : this.onDisk();
    return Object.hasOwn(entries, id) ? { ...entries[id] } : {};
  }

  /** The entries in secrets.json when the update began. */
  onDisk(): SecretsById {
    this.#onDisk ??= this.load();
    return this.#onDisk;
  }
}

class FileStateStore implements StateStore {
  private lastRead: { signature: string; state: StateV2 } | undefined;
  private homeChecked = false;
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

  async read(): Promise<StateV2> {
    this.checkHome();
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

  /**
   * The state and the secrets change together. The write order keeps one rule at every instant,
   * whenever the process dies: every secrets id the saved state names has its entry in the saved
   * secrets.json. First the new entries are added to secrets.json, then state.json is replaced,
   * then the entries the new state no longer names are removed. An entry left behind by a process
   * killed between those writes is named by no configuration: it is never read (ids are random and
   * never reused) and the next update removes it. All of it runs under the lock, so no other
   * writer can see an entry added here before the state naming it is saved.
   */
  async update<T>(fn: (draft: StateV2, secrets: SecretsDraft) => T | Promise<T>): Promise<T> {
    return this.withLock(async (lock) => {
      const before = readTextIfExists(this.statePath);
      const draft = before === undefined ? emptyState() : this.parseState(before);
      const namedBefore = secretsIdsOf(draft);
      const secrets = new FileSecretsDraft(() => this.loadSecrets());
      const result = await fn(draft, secrets);
      const problem = stateV2Problem(draft);
      if (problem !== undefined) {
        throw invalidUpdate('state', problem);
      }
      const secretsShape = secretsProblem(secrets.added);
      if (secretsShape !== undefined) throw invalidUpdate('secrets', secretsShape);
      const namedAfter = secretsIdsOf(draft);
      const adding = entriesNamed(secrets.added, namedAfter);
      if (Object.keys(adding).length > 0) {
        await this.beforeWrite(lock);
        await this.writeSecrets({ ...entriesNamed(secrets.onDisk(), namedBefore), ...adding });
        killPoint('state-update:secrets-added');
      }
      const after = serializeState(draft);
      if (after !== before) {
        await this.beforeWrite(lock);
        try {
          if (before !== undefined) await writeFileAtomic(this.backupPath, before, { mode: FILE_MODE });
        } catch (error) {
          throw ioFailed('save', this.backupPath, error);
        }
        await this.writeOrFail(this.statePath, after);
        killPoint('state-update:state-saved');
      }
      await this.sweepSecrets(lock, namedAfter);
      return result;
    });
  }

  async readSecrets(config: { name: string; secretsId: string }): Promise<Record<string, string>> {
    let secretsId = config.secretsId;
    // Readers take no lock: the record may come from a state read just before an update gave the
    // configuration new secrets and removed the old entry. Its entry missing, the current state
    // says which one to read (a few rounds, in case updates keep coming).
    for (let round = 0; ; round++) {
      const entries = this.loadSecrets();
      if (Object.hasOwn(entries, secretsId)) return { ...entries[secretsId] };
      const current = (await this.read()).configs[config.name]?.secretsId;
      if (current === undefined || current === secretsId || round === 3) return {};
      secretsId = current;
    }
  }

  /**
   * Removes the secrets.json entries no configuration names (secrets of deleted or changed
   * configurations, leftovers of killed processes) and rewrites a version-1 file as version 2.
   * Housekeeping only: dead entries are never read, so a failure here (an unreadable or corrupt
   * secrets.json, a full disk) fails no command; the next update tries again, and reading the
   * secrets reports the problem.
   */
  private async sweepSecrets(lock: FileLock, named: ReadonlySet<string>): Promise<void> {
    try {
      this.narrowSecretsMode();
      const text = readTextIfExists(this.secretsPath);
      if (text === undefined) return;
      const entries = loadSecretsDocument(text, this.secretsPath);
      const kept = entriesNamed(entries, named);
      const current = (JSON.parse(text) as { version?: unknown }).version === CURRENT_SECRETS_VERSION;
      if (current && Object.keys(kept).length === Object.keys(entries).length) return;
      await this.beforeWrite(lock);
      await this.writeSecrets(kept);
    } catch {
      // See above.
    }
  }

  private async writeSecrets(entries: SecretsById): Promise<void> {
    this.narrowSecretsMode();
    await this.writeOrFail(this.secretsPath, serializeSecrets(entries));
  }

  /**
   * Refuses a home others can change (see {@link assertSafeHome}); once it exists and passed, not
   * again in this process: a command reads the state several times.
   */
  private checkHome(): void {
    if (this.homeChecked) return;
    assertSafeHome(this.home);
    this.homeChecked = existsSync(this.home);
  }

  private parseState(text: string): StateV2 {
    const now = this.options.now;
    return loadStateDocument(text, {
      path: this.statePath,
      findBackup: () => (existsSync(this.backupPath) ? this.backupPath : undefined),
      ...(now === undefined ? {} : { now }),
    }).state;
  }

  private loadSecrets(): SecretsById {
    this.checkHome();
    this.narrowSecretsMode();
    const text = readTextIfExists(this.secretsPath);
    return text === undefined ? {} : loadSecretsDocument(text, this.secretsPath);
  }

  /** A secrets file readable by others (restored from a backup, copied by hand) is tightened to 0600. */
  private narrowSecretsMode(): void {
    let mode: number;
    try {
      mode = statSync(this.secretsPath).mode;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return;
      throw ioFailed('read', this.secretsPath, error);
    }
    if ((mode & 0o077) === 0) return;
    try {
      chmodSync(this.secretsPath, FILE_MODE);
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
    this.checkHome();
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
