/**
 * Who owns a piece of unfinished work — a journal entry, a work directory: this process, another
 * live process on this host, a dead one, or a process on another host. A pid alone is not enough:
 * pids are reused, so the process's start time and a token of this process's own go with it.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { PendingOperation } from '../state/model.js';
import { isProcessAlive, processStartTime } from '../state/process-alive.js';

/** Tokens of the entries this process wrote: a pid equal to ours with another token is a dead namesake's. */
const ownTokens = new Set<string>();

/** Who this process is, with a token of its own, for a journal entry or a work directory's owner file. */
export function newOwner(): Pick<
  PendingOperation,
  'pid' | 'hostname' | 'token' | 'startedAt' | 'processStart'
> {
  const token = `${process.pid}-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  ownTokens.add(token);
  const processStart = ownStartTime;
  return {
    pid: process.pid,
    hostname: hostname(),
    token,
    startedAt: new Date().toISOString(),
    ...(processStart === undefined ? {} : { processStart }),
  };
}

/** This process's start time, read once. */
const ownStartTime = processStartTime(process.pid);

/** Whose an entry is: this process's, a live process's, a dead one's, or one on another host. */
export type PendingOwner = 'self' | 'alive' | 'dead' | 'elsewhere';

/** Whether the process that wrote an entry (or a work directory's owner file) is still at work. */
export function ownerOf(
  entry: Pick<PendingOperation, 'pid' | 'hostname' | 'token' | 'processStart'>,
): PendingOwner {
  // Made by the migration from state version 1: no process is working on it.
  if (entry.pid === 0) return 'dead';
  if (entry.hostname !== hostname()) return 'elsewhere';
  if (entry.pid === process.pid) return ownTokens.has(entry.token) ? 'self' : 'dead';
  if (!isProcessAlive(entry.pid)) return 'dead';
  // Another process has the pid by now (pids are reused), unless /proc cannot tell.
  const started = entry.processStart === undefined ? undefined : processStartTime(entry.pid);
  return started !== undefined && started !== entry.processStart ? 'dead' : 'alive';
}
