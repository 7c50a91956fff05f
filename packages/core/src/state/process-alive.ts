import { readFileSync } from 'node:fs';

/** True when a process with this pid exists on this host (signal 0 probes without signalling). */
export function isProcessAlive(pid: number): boolean {
  // 0 and negative pids address process groups, never one process.
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When the process started, as field 22 of `/proc/<pid>/stat` (clock ticks since boot), or
 * `undefined` where there is no such file (the process is gone, or no Linux procfs). A pid is
 * reused once its process is gone; the pair pid + start time names one process for the whole boot.
 */
export function processStartTime(pid: number): string | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 is the command name in parentheses and may itself contain ") ": count from the last one.
  const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTime = afterName[22 - 3];
  return startTime !== undefined && /^\d+$/.test(startTime) ? startTime : undefined;
}

let cachedBootId: string | undefined | null = null;

/** This boot's random id (Linux), or `undefined` where the kernel does not provide one. */
export function currentBootId(): string | undefined {
  if (cachedBootId === null) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    } catch {
      cachedBootId = undefined;
    }
  }
  return cachedBootId;
}
