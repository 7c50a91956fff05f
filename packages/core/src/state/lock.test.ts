import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { imsRejection } from '../../test/rejection.js';
import { deadPid, makeTempDir, modeOf, removeTempDirs } from '../../test/state/helpers.js';
import { acquireFileLock } from './lock.js';

afterEach(removeTempDirs);

async function lockPath(): Promise<string> {
  return join(await makeTempDir(), 'state.lock');
}

function lockText(fields: {
  pid: number;
  hostname?: string;
  token?: string;
  startTime?: string;
  bootId?: string;
}): string {
  return JSON.stringify({
    pid: fields.pid,
    hostname: fields.hostname ?? hostname(),
    acquiredAt: '2024-01-01T00:00:00.000Z',
    token: fields.token ?? 'someone-else',
    ...(fields.startTime === undefined ? {} : { startTime: fields.startTime }),
    ...(fields.bootId === undefined ? {} : { bootId: fields.bootId }),
  });
}

/** A live child process (`sleep`), killed after the test. */
async function liveChild(): Promise<ChildProcess> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child;
}
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
async function startTimeOf(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] as string;
}

describe('acquireFileLock', () => {
  it('writes pid, hostname and acquiredAt into a private lock file and deletes it on release', async () => {
    const path = await lockPath();
    const lock = await acquireFileLock(path);
    const content = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    expect(content).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(Date.parse(String(content.acquiredAt))).toBeGreaterThan(Date.now() - 10_000);
    expect(await modeOf(path)).toBe(0o600);
    expect(await lock.stillHeld()).toBe(true);
    await lock.release();
    await lock.release();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  it('times out with IMS_STATE_LOCKED naming the live holder', async () => {
    const path = await lockPath();
    const held = await acquireFileLock(path);
    const started = Date.now();
    const error = await imsRejection(
      acquireFileLock(path, { timeoutMs: 150, description: 'the test state' }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(error.code).toBe('IMS_STATE_LOCKED');
    expect(error.message).toContain('the test state');
    expect(error.message).toContain(`process ${process.pid}`);
    expect(error.hint).toContain(path);
    expect(error.details).toMatchObject({ pid: process.pid, lockPath: path });
    expect(await held.stillHeld()).toBe(true);
    await held.release();
  });

  it('breaks a lock whose holder process is dead', async () => {
    const path = await lockPath();
    await writeFile(path, lockText({ pid: await deadPid() }));
    const lock = await acquireFileLock(path, { timeoutMs: 1000 });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  it('records the start time and boot id of the holder process', async () => {
    const path = await lockPath();
    const lock = await acquireFileLock(path);
    const content = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    expect(content.startTime).toBe(await startTimeOf(process.pid));
    expect(content.bootId).toBe((await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim());
    await lock.release();
  });

  it('breaks a lock whose pid now belongs to another process (its start time differs)', async () => {
    const path = await lockPath();
    const child = await liveChild();
    const pid = child.pid as number;
    const realStart = await startTimeOf(pid);
    await writeFile(path, lockText({ pid, startTime: String(Number(realStart) - 1) }));
    const lock = await acquireFileLock(path, { timeoutMs: 1000 });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('breaks a lock taken before the last boot, even if its pid is alive now', async () => {
    const path = await lockPath();
    const child = await liveChild();
    const pid = child.pid as number;
    const bootId = '00000000-0000-4000-8000-000000000000';
    await writeFile(path, lockText({ pid, startTime: await startTimeOf(pid), bootId }));
    const lock = await acquireFileLock(path, { timeoutMs: 1000 });
    await lock.release();
  });

  it('keeps a lock whose live holder has the recorded start time', async () => {
    const path = await lockPath();
    const child = await liveChild();
    const pid = child.pid as number;
    await writeFile(path, lockText({ pid, startTime: await startTimeOf(pid) }));
    const error = await imsRejection(acquireFileLock(path, { timeoutMs: 150 }));
    expect(error.code).toBe('IMS_STATE_LOCKED');
    expect(error.message).toContain(`process ${pid}`);
  });

  it('clears the break lock of a breaker that died, then breaks the stale lock', async () => {
    const path = await lockPath();
    await writeFile(path, lockText({ pid: await deadPid() }));
    await writeFile(`${path}.break`, lockText({ pid: await deadPid(), token: 'dead-breaker' }));
    const lock = await acquireFileLock(path, { timeoutMs: 1000 });
    expect(await lock.stillHeld()).toBe(true);
    await lock.release();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  it('leaves breaking to the process holding the break lock', async () => {
    const path = await lockPath();
    await writeFile(path, lockText({ pid: await deadPid() }));
    await writeFile(`${path}.break`, lockText({ pid: process.pid, hostname: 'elsewhere.example' }));
    const error = await imsRejection(acquireFileLock(path, { timeoutMs: 100 }));
    expect(error.code).toBe('IMS_STATE_LOCKED');
    expect((await readdir(join(path, '..'))).sort()).toEqual(['state.lock', 'state.lock.break']);
  });

  it('breaks a lock with this pid that no acquisition in this process made (a dead namesake)', async () => {
    const path = await lockPath();
    await writeFile(path, lockText({ pid: process.pid, token: 'from-a-previous-life' }));
    const lock = await acquireFileLock(path, { timeoutMs: 1000 });
    await lock.release();
  });

  it('does not break a lock held by a live process on another host', async () => {
    const path = await lockPath();
    await writeFile(path, lockText({ pid: await deadPid(), hostname: 'elsewhere.example' }));
    const error = await imsRejection(acquireFileLock(path, { timeoutMs: 50 }));
    expect(error.code).toBe('IMS_STATE_LOCKED');
    expect(error.message).toContain('on elsewhere.example');
  });

  it('waits for a young unparsable lock (its writer may be mid-write) but breaks an old one', async () => {
    const path = await lockPath();
    await writeFile(path, '');
    const error = await imsRejection(acquireFileLock(path, { timeoutMs: 50 }));
    expect(error.code).toBe('IMS_STATE_LOCKED');
    expect(error.message).toContain('unknown process');

    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await utimes(path, twoMinutesAgo, twoMinutesAgo);
    const lock = await acquireFileLock(path, { timeoutMs: 1000 });
    expect(await lock.stillHeld()).toBe(true);
    await lock.release();
  });

  it('leaves a lock that is no longer ours on release', async () => {
    const path = await lockPath();
    const lock = await acquireFileLock(path);
    const foreign = lockText({ pid: process.pid, token: 'taken-over' });
    await writeFile(path, foreign);
    expect(await lock.stillHeld()).toBe(false);
    await lock.release();
    expect(await readFile(path, 'utf8')).toBe(foreign);
  });

  it('gives mutual exclusion to many concurrent acquirers in one process', async () => {
    const path = await lockPath();
    let inside = 0;
    let maxInside = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        const lock = await acquireFileLock(path);
        inside += 1;
        maxInside = Math.max(maxInside, inside);
        await sleep(1);
        inside -= 1;
        done += 1;
        await lock.release();
      }),
    );
    expect(done).toBe(25);
    expect(maxInside).toBe(1);
  });
});
