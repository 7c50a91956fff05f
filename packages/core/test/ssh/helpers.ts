import { readdir, readFile } from 'node:fs/promises';
import { type ImsError, isImsError } from '@ims/spi';

/** The ImsError a promise rejects with; fails the test when it resolves or rejects with something else. */
export async function imsFailure(promise: Promise<unknown>): Promise<ImsError> {
  const outcome = await promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ rejected: error }),
  );
  if ('resolved' in outcome) throw new Error('expected the operation to fail, but it succeeded');
  if (!isImsError(outcome.rejected))
    throw new Error(`expected an ImsError, got: ${String(outcome.rejected)}`);
  return outcome.rejected;
}

/** PIDs of processes on this machine that have `marker` as one of their arguments. */
export async function processesWithArgument(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes(marker)) pids.push(Number(pid));
  }
  return pids;
}

/** True while some process on this machine has `marker` in its command line. */
export async function processWithArgumentExists(marker: string): Promise<boolean> {
  return (await processesWithArgument(marker)).length > 0;
}

/** The nearest ancestor of `pid` whose command line starts with `prefix`. */
export async function ancestorNamed(pid: number, prefix: string): Promise<number | undefined> {
  let current = pid;
  while (current > 1) {
    const stat = await readFile(`/proc/${current}/stat`, 'utf8').catch(() => '');
    // Field 4 (after the parenthesised name, which may contain spaces) is the parent PID.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isInteger(parent) || parent <= 1) return undefined;
    const cmdline = await readFile(`/proc/${parent}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.startsWith(prefix)) return parent;
    current = parent;
  }
  return undefined;
}
