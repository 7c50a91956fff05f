import { type FileHandle, link, open, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImsError } from '@ims/spi';
import { currentBootId, isProcessAlive, processStartTime } from './process-alive.js';

/** What a lock file says about its holder. */
export interface LockHolder {
  /** Process id of the holder. */
  pid: number;
  /** Host the holder runs on. */
  hostname: string;
  /** When the lock was taken (ISO 8601). */
  acquiredAt: string;
  /** Random identity of this acquisition, so a holder recognises its own lock file. */
  token: string;
  /**
   * When the holder process started (see {@link processStartTime}): a pid alive with another start
   * time is a later process that reused the pid, and the lock is stale. Absent where unknown.
   */
  startTime?: string;
  /** The boot the lock was taken in: a lock from an earlier boot is stale whatever its pid. */
  bootId?: string;
}

/** Options of {@link acquireFileLock}. */
export interface LockOptions {
  /** Give up with `IMS_STATE_LOCKED` after this many milliseconds (default 10 000). */
  timeoutMs?: number;
  /** A lock file that cannot be parsed counts as stale once it is this old (default 60 000 ms). */
  unparsableStaleAfterMs?: number;
  /** What the lock protects, for the error message (default: the lock file's path). */
  description?: string;
}

/** A held lock. */
export interface FileLock {
  /** Path of the lock file. */
  readonly path: string;
  /** True while the lock file on disk is still this acquisition's. */
  stillHeld(): Promise<boolean>;
  /** Deletes the lock file if it is still ours; calling it again does nothing. */
  release(): Promise<void>;
}

/** A lock file as read from disk: its identity, its raw text and, if that parses, its holder. */
interface ObservedLock {
  dev: number;
  ino: number;
  mtimeMs: number;
  text: string;
  holder: LockHolder | undefined;
}

const FIRST_DELAY_MIN_MS = 2;
const FIRST_DELAY_MAX_MS = 5;
const MAX_DELAY_MS = 50;
/** A break lock lives for milliseconds; an unparsable one this old was left by a dead breaker. */
const BREAK_LOCK_UNPARSABLE_STALE_MS = 5_000;

/** Tokens of the locks this process holds right now: a lock with our pid but another token is a dead namesake's. */
const heldTokens = new Set<string>();
let tokenCounter = 0;

function randomPart(): string {
  return Math.random().toString(36).slice(2, 10);
}

/** This process's start time, read once. */
const ownStartTime = processStartTime(process.pid);

function newHolder(): LockHolder {
  tokenCounter += 1;
  const bootId = currentBootId();
  return {
    pid: process.pid,
    hostname: hostname(),
    acquiredAt: new Date().toISOString(),
    token: `${process.pid}-${Date.now().toString(36)}-${randomPart()}-${tokenCounter.toString(36)}`,
    ...(ownStartTime === undefined ? {} : { startTime: ownStartTime }),
    ...(bootId === undefined ? {} : { bootId }),
  };
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder> | null;
    if (
      typeof value?.pid === 'number' &&
      typeof value.hostname === 'string' &&
      typeof value.acquiredAt === 'string' &&
      typeof value.token === 'string'
    ) {
      return {
        pid: value.pid,
        hostname: value.hostname,
        acquiredAt: value.acquiredAt,
        token: value.token,
        ...(typeof value.startTime === 'string' ? { startTime: value.startTime } : {}),
        ...(typeof value.bootId === 'string' ? { bootId: value.bootId } : {}),
      };
    }
  } catch {
    // An unparsable lock is judged by its age instead.
  }
  return undefined;
}

/** Reads a lock file through one descriptor so identity and content belong together; `undefined` if absent. */
async function observeLock(path: string): Promise<ObservedLock | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const info = await handle.stat();
    const text = await handle.readFile('utf8');
    return { dev: info.dev, ino: info.ino, mtimeMs: info.mtimeMs, text, holder: parseHolder(text) };
  } finally {
    await handle.close();
  }
}

function sameLockFile(a: ObservedLock, b: ObservedLock): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.text === b.text;
}

function isStale(lock: ObservedLock, unparsableStaleAfterMs: number): boolean {
  const holder = lock.holder;
  if (holder === undefined) return Date.now() - lock.mtimeMs > unparsableStaleAfterMs;
  // A pid on another host cannot be probed from here.
  if (holder.hostname !== hostname()) return false;
  if (holder.pid === process.pid) return !heldTokens.has(holder.token);
  if (!isProcessAlive(holder.pid)) return true;
  // Alive, but is it the holder? After a reboot, or once the pid was reused, it is another process.
  const bootId = currentBootId();
  if (holder.bootId !== undefined && bootId !== undefined && holder.bootId !== bootId) return true;
  if (holder.startTime === undefined) return false;
  const startTime = processStartTime(holder.pid);
  return startTime !== undefined && startTime !== holder.startTime;
}

/**
 * Removes a lock file judged stale, unless it changed since it was judged.
 *
 * First the judgement is confirmed by reading the file again. We read it, then found its holder
 * dead; a holder that released normally had deleted the file before it died. So if the very
 * same file (same inode, same content with its unique token) is still there after we saw the
 * holder dead, it was abandoned, not released. Without this, every lock released while we were
 * looking at it would look stale.
 *
 * Deleting by path could still delete a newer, live lock if another process removed the
 * abandoned one and took the lock in between. So we rename whatever is at the path to a unique
 * name (atomic; only one process wins it), then check that what we moved is the file we judged.
 * If so, deleting it is safe. If not, we grabbed a live lock and link it back (link never
 * replaces a file). Should yet another process have created a lock in that short window, two
 * processes believe they hold the lock; the displaced holder sees this through `stillHeld()`,
 * which writers check just before committing. {@link breakStaleLock} serializes breakers so this
 * needs a breaker to die mid-break on top of the crashed holder.
 */
async function removeIfUnchanged(path: string, judged: ObservedLock): Promise<void> {
  const confirmed = await observeLock(path);
  if (confirmed === undefined || !sameLockFile(confirmed, judged)) return;
  // Named like an atomic-write temp file so a breaker that dies here leaves something the cleanup removes.
  const aside = join(dirname(path), `${basename(path)}.${process.pid}.${randomPart()}.tmp`);
  try {
    await rename(path, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  try {
    const moved = await observeLock(aside);
    if (moved === undefined || sameLockFile(moved, judged)) return;
    try {
      await link(aside, path);
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return;
      // File systems without hard links: a plain rename may replace a newer lock, the lesser evil.
      await rename(aside, path);
    }
  } finally {
    await rm(aside, { force: true });
  }
}

/**
 * Breaks a stale lock. When a holder crashes, every waiter sees the stale lock at once; letting
 * all of them break it invites the race described at {@link removeIfUnchanged}. So only the
 * waiter that wins `<lock>.break` (O_EXCL) breaks; the others keep waiting. A break lock left by
 * a breaker that died is itself removed with {@link removeIfUnchanged}.
 * Resolves to true when this call removed something.
 */
async function breakStaleLock(path: string, judged: ObservedLock): Promise<boolean> {
  const breakPath = `${path}.break`;
  const breaker = newHolder();
  heldTokens.add(breaker.token);
  try {
    if (!(await tryCreate(breakPath, breaker))) {
      const other = await observeLock(breakPath);
      if (other === undefined || !isStale(other, BREAK_LOCK_UNPARSABLE_STALE_MS)) return false;
      await removeIfUnchanged(breakPath, other);
      return true;
    }
    try {
      await removeIfUnchanged(path, judged);
      return true;
    } finally {
      if ((await observeLock(breakPath))?.holder?.token === breaker.token)
        await rm(breakPath, { force: true });
    }
  } finally {
    heldTokens.delete(breaker.token);
  }
}

class HeldFileLock implements FileLock {
  private released = false;

  constructor(
    readonly path: string,
    private readonly token: string,
  ) {}

  async stillHeld(): Promise<boolean> {
    return (await observeLock(this.path))?.holder?.token === this.token;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    try {
      // Nobody breaks a live holder's lock, so between this check and the delete the file stays ours
      // (the only exception is the put-back race described at removeIfUnchanged).
      if (await this.stillHeld()) await rm(this.path, { force: true });
    } finally {
      heldTokens.delete(this.token);
    }
  }
}

async function tryCreate(path: string, holder: LockHolder): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(holder));
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
  return true;
}

function lockedError(path: string, description: string, waitedMs: number, last: ObservedLock | undefined) {
  const holder = last?.holder;
  const waited = `gave up after ${(waitedMs / 1000).toFixed(1)} s`;
  if (holder === undefined) {
    return new ImsError(
      'IMS_STATE_LOCKED',
      `Could not lock ${description}: ${path} is held by an unknown process (its lock file cannot be parsed); ${waited}.`,
      {
        hint: `Wait and retry; if no ims command is running, remove ${path}.`,
        details: { lockPath: path, waitedMs },
      },
    );
  }
  const where = holder.hostname === hostname() ? '' : ` on ${holder.hostname}`;
  return new ImsError(
    'IMS_STATE_LOCKED',
    `Could not lock ${description}: process ${holder.pid}${where} holds it since ${holder.acquiredAt}; ${waited}.`,
    {
      hint: `Wait for that ims command to finish and retry; if process ${holder.pid}${where} is gone, remove ${path}.`,
      details: {
        lockPath: path,
        pid: holder.pid,
        hostname: holder.hostname,
        acquiredAt: holder.acquiredAt,
        waitedMs,
      },
    },
  );
}

/**
 * Takes an exclusive cross-process lock by creating `path` with O_EXCL. Waits with jittered
 * backoff while a live process holds it, breaks it when its holder is dead, and throws
 * `IMS_STATE_LOCKED` when the deadline passes.
 */
export async function acquireFileLock(path: string, options: LockOptions = {}): Promise<FileLock> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const unparsableStaleAfterMs = options.unparsableStaleAfterMs ?? 60_000;
  const started = Date.now();
  const deadline = started + timeoutMs;
  let delayMs = FIRST_DELAY_MIN_MS + Math.random() * (FIRST_DELAY_MAX_MS - FIRST_DELAY_MIN_MS);
  for (;;) {
    const holder = newHolder();
    heldTokens.add(holder.token);
    let created = false;
    try {
      created = await tryCreate(path, holder);
    } finally {
      if (!created) heldTokens.delete(holder.token);
    }
    if (created) return new HeldFileLock(path, holder.token);

    const current = await observeLock(path);
    if (current === undefined) continue;
    if (isStale(current, unparsableStaleAfterMs) && (await breakStaleLock(path, current))) continue;
    const now = Date.now();
    if (now >= deadline) throw lockedError(path, options.description ?? path, now - started, current);
    // Jitter in [delay/2, delay] keeps 20+ waiters from retrying in lockstep.
    await sleep(Math.min(deadline - now, delayMs / 2 + Math.random() * (delayMs / 2)));
    delayMs = Math.min(MAX_DELAY_MS, delayMs * 2);
  }
}
