import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const RETRY_LIMIT_MS = 60_000;
/** A lock file with no pid yet belongs to a process between create and write; older than this it is stale. */
const EMPTY_LOCK_STALE_MS = 5_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the lock file's owner is gone, so the lock may be broken. */
function isStale(path: string): boolean {
  try {
    const text = readFileSync(path, 'utf8').trim();
    const pid = Number(text);
    if (text !== '' && Number.isInteger(pid) && pid > 0) return !processAlive(pid);
    return Date.now() - statSync(path).mtimeMs > EMPTY_LOCK_STALE_MS;
  } catch {
    return false;
  }
}

/**
 * Removes a stale lock while holding `<path>.break`, re-checking staleness under it: two processes
 * that both saw the same dead owner must not have the slower one remove the faster one's new lock.
 */
function breakStaleLock(path: string): boolean {
  const breaker = `${path}.break`;
  try {
    closeSync(openSync(breaker, 'wx', 0o600));
  } catch {
    // someone else is breaking it; a breaker left by a crashed process is itself stale after a while
    try {
      if (Date.now() - statSync(breaker).mtimeMs > EMPTY_LOCK_STALE_MS) unlinkSync(breaker);
    } catch {
      // gone already
    }
    return false;
  }
  try {
    if (isStale(path)) unlinkSync(path);
    return true;
  } catch {
    return true;
  } finally {
    try {
      unlinkSync(breaker);
    } catch {
      // nothing to clean up
    }
  }
}

/**
 * Takes an exclusive lock by creating `path` with O_EXCL and writing our pid; retries with a short
 * randomized backoff and breaks locks whose owner process no longer exists. Returns the release function.
 */
export async function acquireLock(path: string): Promise<() => void> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // already broken by another process that judged us dead; nothing to release
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (isStale(path) && breakStaleLock(path)) continue;
    if (Date.now() - started > RETRY_LIMIT_MS) {
      throw new Error(`timed out after ${RETRY_LIMIT_MS} ms waiting for the state lock ${path}`);
    }
    await sleep(Math.min(50, 2 + attempt * 2) + Math.random() * 5);
  }
}
