/**
 * What interrupted `ims` commands leave, and how the next command and `ims doctor [--repair]` deal
 * with it, on the memory fixture provider (its hypervisor persisted in a file, read here directly).
 * Kills at random points are the VirtualBox simulator's test (provider-virtualbox/test/
 * interruption-cli.test.ts); here each leftover is placed exactly, as a killed process leaves it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, FIXTURE_PLUGINS, IMS_BIN, type ImsRun, runIms, tempHome } from './run-ims.js';

beforeAll(assertBuilt);

/** A pid no process can have: Linux's largest pid_max is 2^22. */
const DEAD_PID = 2 ** 22 + 1;

function setup(options: string[] = []) {
  const home = tempHome();
  const env = { IMS_HOME: home, IMS_PLUGIN_PATH: FIXTURE_PLUGINS };
  const ims = (...words: string[]) => runIms(words, env);
  const ok = async (...words: string[]) => {
    const run = await ims(...words);
    expect(run.code, run.stderr).toBe(0);
    return run;
  };
  const state = () => JSON.parse(readFileSync(join(home, 'state.json'), 'utf8'));
  const writeState = (doc: unknown) => writeFileSync(join(home, 'state.json'), JSON.stringify(doc));
  /** The simulated hypervisor's own state, not IMS's. */
  const hypervisor = () =>
    JSON.parse(readFileSync(join(home, 'data', 'mem', 'memory-hypervisor.json'), 'utf8')) as {
      vms: Record<string, unknown>;
      templates: Record<string, unknown>;
    };
  return {
    home,
    env,
    ims,
    ok,
    state,
    writeState,
    hypervisor,
    create: async () => {
      await ok('config', 'create', 'mem', '--provider', 'memory', '--persist', ...options);
      const source = join(home, '..', 'template-t');
      mkdirSync(source, { recursive: true });
      writeFileSync(join(source, 'System.img'), Buffer.alloc(1024));
      await ok('template', 'import', 'mem', source, '--name', 't');
    },
  };
}

/** A journal entry as a process that was killed leaves it. */
function entry(kind: 'vm-create' | 'template-import', name: string, pid = DEAD_PID) {
  const id = kind === 'vm-create' ? `${kind}:${name}` : `${kind}:mem/${name}`;
  return {
    id,
    kind,
    config: 'mem',
    name,
    ...(kind === 'vm-create' ? { template: 't' } : {}),
    pid,
    hostname: hostname(),
    token: `${pid}-test`,
    startedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** Starts `ims`, sends `signal` once stderr shows `when`, resolves to how it ended. */
function signalWhen(words: string[], env: Record<string, string>, when: RegExp, signal: NodeJS.Signals) {
  return new Promise<ImsRun>((resolve, reject) => {
    const child = spawn(process.execPath, [IMS_BIN, ...words], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, IMS_DEBUG: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (!sent && when.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('interrupted commands on the memory provider', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s while `vm start --wait-ip` waits: exit %i, saying the VM is started',
    async (signal, code) => {
      const t = setup(['--boot-delay-ms', '60000']);
      await t.create();
      await t.ok('vm', 'create', 'mem', 'w1', '--template', 't');
      // The debug log names the start once the provider did it; the wait follows.
      const run = await signalWhen(['vm', 'start', 'w1', '--wait-ip=30'], t.env, /started VM/, signal);
      expect(run.code, run.stderr).toBe(code);
      expect(run.stderr).toContain(`${signal === 'SIGINT' ? 'interrupted' : 'terminated'} (${signal})`);
      expect(run.stderr).toMatch(/ims: VM "w1" is started\.\n$/);
      expect(t.state().pending).toEqual({});
    },
  );

  it('a create killed after the hypervisor made the VM: status says what to run, doctor reports it, create again rolls it back first', async () => {
    const t = setup();
    await t.create();
    await t.ok('vm', 'create', 'mem', 'ghost', '--template', 't');
    // What a kill between the provider's create and IMS's final write leaves: the VM in the
    // hypervisor, no record in IMS, the journal entry of a dead process.
    const doc = t.state();
    delete doc.vms.ghost;
    doc.pending = { 'vm-create:ghost': entry('vm-create', 'ghost') };
    t.writeState(doc);

    const status = await t.ims('vm', 'status', 'ghost');
    expect(status.code).toBe(3);
    expect(status.stderr).toContain(
      `VM "ghost" was never completely created: the \`ims vm create\` of process ${DEAD_PID}`,
    );
    expect(status.stderr).toContain('Run `ims vm delete ghost` or `ims doctor --repair`');
    const start = await t.ims('vm', 'start', 'ghost');
    expect(start.code).toBe(3);
    expect(start.stderr).toContain('was never completely created');

    const doctor = await t.ims('doctor', '--json');
    expect(doctor.code).toBe(1);
    expect(JSON.parse(doctor.stdout)).toContainEqual({
      check: 'interrupted vm create ghost',
      status: 'fail',
      detail: expect.stringContaining('`ims doctor --repair` rolls it back'),
      leftover: {
        kind: 'vm-create',
        config: 'mem',
        name: 'ghost',
        pid: DEAD_PID,
        startedAt: '2026-01-01T00:00:00.000Z',
      },
    });
    const human = await t.ims('doctor');
    expect(human.stdout).toMatch(/interrupted vm create ghost\s+fail/);

    const again = await t.ims('vm', 'create', 'mem', 'ghost', '--template', 't', '--cpus', '3');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(
      `rolling back the creation of VM "ghost" (configuration mem), interrupted in process ${DEAD_PID}`,
    );
    expect(t.state().pending).toEqual({});
    expect(t.state().vms.ghost.cpus).toBe(3);
    expect((t.hypervisor().vms.ghost as { cpus: number }).cpus).toBe(3);
    expect((await t.ims('doctor')).code).toBe(0);
  });

  it('a VM record with an empty MAC left by an older IMS becomes a rollback, not a VM that start, status and delete misreport', async () => {
    const t = setup();
    await t.create();
    await t.ok('vm', 'create', 'mem', 'old', '--template', 't');
    // Version 1 recorded the VM before creating it, with an empty MAC until the provider answered.
    const doc = t.state();
    doc.vms.old.nics[0].mac = '';
    delete doc.pending;
    t.writeState({ ...doc, version: 1 });

    const status = await t.ims('vm', 'status', 'old');
    expect(status.code).toBe(3);
    expect(status.stderr).toContain(
      'VM "old" was never completely created: the `ims vm create` of an IMS before state version 2',
    );
    const deleted = await t.ok('vm', 'delete', 'old');
    expect(deleted.stdout).toContain('its interrupted creation was rolled back');
    expect(t.hypervisor().vms.old).toBeUndefined();
    expect(t.state()).toMatchObject({ version: 2, vms: {}, pending: {} });
    await t.ok('vm', 'create', 'mem', 'old', '--template', 't');
  });

  it('vm delete and doctor --repair roll back a dead create; a template import is rolled back by template delete', async () => {
    const t = setup();
    await t.create();
    await t.ok('vm', 'create', 'mem', 'half1', '--template', 't');
    await t.ok('vm', 'create', 'mem', 'half2', '--template', 't');
    const doc = t.state();
    delete doc.vms.half1;
    delete doc.vms.half2;
    doc.pending = {
      'vm-create:half1': entry('vm-create', 'half1'),
      'vm-create:half2': entry('vm-create', 'half2'),
      // Killed before the provider got to it: nothing in the hypervisor.
      'template-import:mem/early': entry('template-import', 'early'),
    };
    t.writeState(doc);

    const deleted = await t.ok('vm', 'delete', 'half1');
    expect(deleted.stdout).toContain('Deleted "half1" (its interrupted creation was rolled back).');
    expect(t.hypervisor().vms.half1).toBeUndefined();

    const dropped = await t.ok('template', 'delete', 'mem', 'early');
    expect(dropped.stdout).toContain('its interrupted import was rolled back');

    const repair = await t.ims('doctor', '--repair', '--json');
    expect(repair.code, repair.stdout).toBe(0);
    expect(JSON.parse(repair.stdout)).toContainEqual(
      expect.objectContaining({ check: 'interrupted vm create half2', status: 'ok', repaired: true }),
    );
    expect(t.hypervisor().vms.half2).toBeUndefined();
    expect(t.state().pending).toEqual({});
    await t.ok('vm', 'create', 'mem', 'half2', '--template', 't');
  });

  it('an operation of a live process is left alone: the same name is refused, doctor shows it running', async () => {
    const t = setup();
    await t.create();
    const doc = t.state();
    doc.pending = { 'vm-create:busy': entry('vm-create', 'busy', process.pid) };
    t.writeState(doc);
    const create = await t.ims('vm', 'create', 'mem', 'busy', '--template', 't');
    expect(create.code).toBe(1);
    expect(create.stderr).toContain(`is in progress: process ${process.pid} started it`);
    const repair = await t.ims('doctor', '--repair', '--json');
    expect(JSON.parse(repair.stdout)).toContainEqual(
      expect.objectContaining({ check: 'running vm create busy', status: 'ok' }),
    );
    expect(Object.keys(t.state().pending)).toEqual(['vm-create:busy']);
  });

  it('config delete rolls back what dead processes left in the configuration, and waits for live ones', async () => {
    const t = setup();
    await t.create();
    await t.ok('vm', 'create', 'mem', 'left', '--template', 't');
    const doc = t.state();
    delete doc.vms.left;
    doc.pending = { 'vm-create:left': entry('vm-create', 'left', process.pid) };
    t.writeState(doc);
    const refused = await t.ims('config', 'delete', 'mem');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is in progress');

    t.writeState({ ...t.state(), pending: { 'vm-create:left': entry('vm-create', 'left') } });
    expect(t.hypervisor().vms.left).toBeDefined();
    // The hypervisor's file goes with the configuration's data directory: its log line is the witness.
    // The configuration still has its template: --force deletes it through the provider.
    const deleted = await t.ims('config', 'delete', 'mem', '--force');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stderr).toContain(
      `rolling back the creation of VM "left" (configuration mem), interrupted in process ${DEAD_PID}`,
    );
    expect(deleted.stderr).not.toContain('could not');
    expect(t.state().pending).toEqual({});
    expect(t.state().configs).toEqual({});
  });

  it('work directories of dead imports are reported, then removed by doctor --repair and by the next import', async () => {
    const t = setup();
    await t.create();
    const tmp = join(t.home, 'tmp');
    const leave = (name: string, pid: number) => {
      mkdirSync(join(tmp, name), { recursive: true });
      writeFileSync(join(tmp, name, 'owner.json'), JSON.stringify({ pid, hostname: hostname(), token: 'x' }));
      writeFileSync(join(tmp, name, 'download'), Buffer.alloc(300_000));
    };
    leave('import-dead01', DEAD_PID);
    leave('import-live01', process.pid);
    const report = await t.ims('doctor', '--json');
    const leftovers = (JSON.parse(report.stdout) as { leftover?: { path: string; sizeBytes: number } }[])
      .map((c) => c.leftover)
      .filter((l) => l !== undefined);
    expect(leftovers).toEqual([
      { kind: 'work-dir', path: join(tmp, 'import-dead01'), sizeBytes: expect.any(Number), pid: DEAD_PID },
    ]);
    expect(leftovers[0]?.sizeBytes).toBeGreaterThanOrEqual(300_000);

    await t.ok('doctor', '--repair');
    expect((await readdir(tmp)).sort()).toEqual(['import-live01']);

    leave('import-dead02', DEAD_PID);
    const source = join(t.home, '..', 'tpl');
    mkdirSync(source);
    writeFileSync(join(source, 'System.img'), Buffer.alloc(1024));
    await t.ok('template', 'import', 'mem', source, '--name', 'fresh');
    expect((await readdir(tmp)).sort()).toEqual(['import-live01']);
  });
});
