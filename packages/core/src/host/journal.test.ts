import { mkdir, mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../services/logger.js';
import { processStartTime } from '../state/process-alive.js';
import { ImsHost } from './ims-host.js';
import { newPendingOperation } from './journal.js';
import { newOwner, ownerOf } from './process-owner.js';
import { createWorkDir, removeWorkDir, workDirLeftovers } from './work-dirs.js';

/** A pid no process can have: Linux's largest pid_max is 2^22. */
const DEAD_PID = 2 ** 22 + 1;

async function tempHost(): Promise<{ host: ImsHost; warnings: string[] }> {
  const home = join(await mkdtemp(join(tmpdir(), 'ims-journal-')), 'home');
  await mkdir(home);
  const warnings: string[] = [];
  const logger = createLogger({ write: (line) => warnings.push(line), verbose: false });
  return { host: new ImsHost({ home, roots: [], logger }), warnings };
}

describe('whose a journal entry is', () => {
  it('tells this process, a live one, a dead one, another host and a version-1 entry apart', () => {
    const mine = newPendingOperation('vm-create', 'lab', 'web1');
    expect(ownerOf(mine)).toBe('self');
    // Our pid with a token this process never issued: a dead process that had the same pid.
    expect(ownerOf({ ...mine, token: 'someone-else' })).toBe('dead');
    // Without a start time (no /proc where it was written), a live pid is taken at its word.
    expect(ownerOf({ pid: process.ppid, hostname: hostname(), token: 'x' })).toBe('alive');
    expect(ownerOf({ ...mine, pid: DEAD_PID })).toBe('dead');
    expect(ownerOf({ ...mine, hostname: `not-${hostname()}` })).toBe('elsewhere');
    expect(ownerOf({ ...mine, pid: 0, hostname: '' })).toBe('dead');
  });

  it('knows a live process that got the pid of a dead one later (pids are reused) by its start time', () => {
    const parent = { pid: process.ppid, hostname: hostname(), token: 'x' };
    const started = processStartTime(process.ppid) ?? '';
    expect(started, 'this test needs /proc').toMatch(/^\d+$/);
    expect(ownerOf({ ...parent, processStart: started })).toBe('alive');
    expect(ownerOf({ ...parent, processStart: String(Number(started) + 1) })).toBe('dead');
    expect(newPendingOperation('vm-create', 'lab', 'web2').processStart).toBe(processStartTime(process.pid));
  });

  it('keys VM creates by VM name alone (names are unique across configurations), imports by configuration too', () => {
    expect(newPendingOperation('vm-create', 'lab', 'web1').id).toBe('vm-create:web1');
    expect(newPendingOperation('template-import', 'lab', 'ol9').id).toBe('template-import:lab/ol9');
  });
});

describe('work directories', () => {
  it('reports those of dead processes, and unowned ones only once they are old', async () => {
    const { host } = await tempHost();
    const live = await createWorkDir(host, 'import-');
    const tmp = join(host.home, 'tmp');
    const make = async (name: string, owner?: unknown) => {
      await mkdir(join(tmp, name));
      await writeFile(join(tmp, name, 'data'), Buffer.alloc(1000));
      if (owner !== undefined) await writeFile(join(tmp, name, 'owner.json'), JSON.stringify(owner));
      return join(tmp, name);
    };
    const dead = await make('import-dead', { ...newOwner(), pid: DEAD_PID });
    await make('import-far', { ...newOwner(), pid: DEAD_PID, hostname: `not-${hostname()}` });
    await make('import-fresh');
    const old = await make('import-old');
    await utimes(old, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    await make('something-else', { ...newOwner(), pid: DEAD_PID });

    const found = await workDirLeftovers(host);
    expect(found.map((f) => f.path).sort()).toEqual([dead, old].sort());
    expect(found.find((f) => f.path === dead)).toMatchObject({
      pid: DEAD_PID,
      sizeBytes: expect.any(Number),
    });
    expect(found.find((f) => f.path === dead)?.sizeBytes).toBeGreaterThanOrEqual(1000);
    expect(found.map((f) => f.path)).not.toContain(live);
  });

  it('removes only directories that are work directories of this home', async () => {
    const { host, warnings } = await tempHost();
    const outside = await mkdtemp(join(tmpdir(), 'import-not-ims-'));
    await removeWorkDir(host, outside);
    expect(await readdir(join(outside, '..'))).toContain(outside.split('/').pop());
    expect(warnings.join('\n')).toContain(`not removing ${outside}`);
    await removeWorkDir(host, join(host.home, 'tmp', '..', 'state.json'));
    const mine = await createWorkDir(host, 'import-');
    await removeWorkDir(host, mine);
    expect(await readdir(join(host.home, 'tmp'))).toEqual([]);
  });
});
