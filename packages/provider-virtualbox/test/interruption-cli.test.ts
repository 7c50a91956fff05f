/**
 * Interrupting real `ims` processes at many points of `vm create`, `vm start` and `template import`
 * on the VBoxManage simulator, with SIGINT, SIGTERM and SIGKILL; then the next command on the same
 * object and `ims doctor`. Every run must end fully done or fully undone — asked of the simulator
 * itself (`VBoxManage list vms`), of the VM folder and of `IMS_HOME/tmp`, not only of IMS — and the
 * name must be usable again. Points are spread over the measured length of each command, so the
 * signals land in different steps (clone, modifyvm, records, state writes) on a fast or slow machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { constants, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertProviderBuilt } from '../../core/test/cli/provider-build.js';
import { IMS_BIN, type ImsRun, runIms, runImsOk } from '../../core/test/cli/run-ims.js';
import { createSimCliSetup, runArgv } from './sim-fixture.js';
import { tinyTemplate } from './tiny-template.js';

const CONFIG = 'vb';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGKILL'] as const;
type Signal = (typeof SIGNALS)[number];
/** A pid no process can have: Linux's largest pid_max is 2^22. */
const DEAD_PID = 2 ** 22 + 1;
const EXIT_OF: Record<Exclude<Signal, 'SIGKILL'>, number> = { SIGINT: 130, SIGTERM: 143 };

let dir: string;
let home: string;
let vboxManage: string;
let vmFolder: string;
let archive: string;

const env = () => ({ IMS_HOME: home });
const ims = (...words: string[]) => runImsOk(words, env());

/**
 * Starts `ims` in a process group of its own, sends `signal` after `delayMs`, and resolves to how
 * it ended. SIGINT goes to the whole group, as a terminal's Ctrl-C does (VBoxManage then gets it
 * too); SIGTERM and SIGKILL to `ims` alone, as `timeout` and `kill` do.
 */
function interrupted(words: readonly string[], signal: Signal, delayMs: number): Promise<ImsRun> {
  return new Promise((resolvePromise, reject) => {
    const child: ChildProcess = spawn(process.execPath, [IMS_BIN, ...words], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const send = () => {
      try {
        if (signal === 'SIGINT' && child.pid !== undefined) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        // Already ended.
      }
    };
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(send, delayMs);
    child.on('error', reject);
    child.on('close', (code, killedBy) => {
      clearTimeout(timer);
      // Killed by the signal itself (before `ims` set up its handlers): 128 + n, as a shell reports it.
      const bySignal = killedBy === null ? -1 : 128 + (constants.signals[killedBy] ?? 0);
      resolvePromise({ code: code ?? bySignal, stdout, stderr });
    });
  });
}

/** How long a command takes uninterrupted, in ms. */
async function timed(words: readonly string[]): Promise<number> {
  const started = Date.now();
  await ims(...words);
  return Date.now() - started;
}

/** `count` points spread over a command of `lengthMs` (from just after start-up to just before the end). */
function points(lengthMs: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.round((lengthMs * (i + 1)) / (count + 1)));
}

/** The VMs the simulator has registered: asked of it directly. */
async function simVms(): Promise<string[]> {
  const run = await runArgv([vboxManage, 'list', 'vms']);
  expect(run.code).toBe(0);
  return [...run.stdout.matchAll(/^"(.*)" \{/gm)].map((m) => m[1] as string).sort();
}

interface ImsState {
  vms: Record<string, unknown>;
  configs: Record<string, { templates: Record<string, unknown> }>;
  pending: Record<string, { kind: string; name: string }>;
}

async function imsState(): Promise<ImsState> {
  const state = JSON.parse(await readFile(join(home, 'state.json'), 'utf8')) as ImsState;
  return { ...state, pending: state.pending ?? {} };
}

async function entries(path: string): Promise<string[]> {
  return (await readdir(path).catch(() => [] as string[])).sort();
}

/**
 * Whatever the hypervisor, the VM folder and IMS_HOME/tmp hold is either fully IMS's (recorded,
 * complete) or named by a journal entry that a later command can roll back: nothing unaccounted for.
 */
async function expectAccountedFor(): Promise<ImsState> {
  const state = await imsState();
  const templates = Object.keys(state.configs[CONFIG]?.templates ?? {});
  const pendingVms = Object.values(state.pending)
    .filter((p) => p.kind === 'vm-create')
    .map((p) => p.name);
  const pendingTemplates = Object.values(state.pending)
    .filter((p) => p.kind === 'template-import')
    .map((p) => p.name);
  const allowedVms = new Set([
    ...Object.keys(state.vms),
    ...templates.map((t) => `ims-template-${t}`),
    ...pendingVms,
    ...pendingTemplates.map((t) => `ims-template-${t}`),
  ]);
  for (const vm of await simVms()) expect(allowedVms, `VirtualBox holds ${vm}`).toContain(vm);
  const folders = new Set([...Object.keys(state.vms), ...pendingVms, 'ims-templates']);
  for (const folder of await entries(vmFolder))
    expect(folders, `VM folder holds ${folder}`).toContain(folder);
  const templateFolders = new Set([...templates, ...pendingTemplates]);
  for (const folder of await entries(join(vmFolder, 'ims-templates'))) {
    expect(templateFolders, `template folder holds ${folder}`).toContain(folder);
  }
  return state;
}

/**
 * Nothing pending, nothing in IMS_HOME/tmp, and everything VirtualBox and the folders hold is
 * recorded; with `doctor`, `ims doctor` agrees (it costs a second, so loops ask it after the runs
 * that can leave something: SIGKILL, and once at the end).
 */
async function expectClean(doctorToo = true): Promise<void> {
  const state = await expectAccountedFor();
  expect(state.pending).toEqual({});
  expect(await entries(join(home, 'tmp'))).toEqual([]);
  if (!doctorToo) return;
  const doctor = await runIms(['doctor', '--json'], env());
  const checks = JSON.parse(doctor.stdout) as { check: string; status: string; leftover?: unknown }[];
  expect(checks.filter((c) => c.leftover !== undefined)).toEqual([]);
  expect(checks.filter((c) => c.status === 'fail')).toEqual([]);
}

/** What a graceful interruption must look like: 130/143 and a last word on the state it left. */
function expectGracefulExit(run: ImsRun, signal: Signal, object: RegExp): void {
  if (signal === 'SIGKILL') return;
  // A command that finished before the signal arrived exits 0; one that saw it exits 128 + n.
  if (run.code === 0) return;
  expect(run.code, run.stderr).toBe(EXIT_OF[signal]);
  // Ended by the signal before `ims` had started anything: nothing to report.
  if (run.stderr === '') return;
  // Interrupted before it touched the hypervisor (e.g. while extracting), it says so instead.
  expect(run.stderr).toMatch(new RegExp(`${object.source}|stopped by ${signal}; nothing was left half-done`));
}

beforeAll(async () => {
  assertProviderBuilt(resolve(import.meta.dirname, '..'));
  ({ dir, home, vmFolder, vboxManage } = await createSimCliSetup({ version: '7.0', prefix: 'interrupt' }));
  const { directory } = await tinyTemplate(join(dir, 'templates'), 'tiny');
  archive = join(dir, 'tiny.tar');
  const tar = await runArgv(['tar', '-cf', archive, '-C', directory, '.']);
  expect(tar.code, tar.stderr).toBe(0);
  await ims(
    ...['config', 'create', CONFIG, '--provider', 'virtualbox'],
    ...['--vbox-manage', vboxManage, '--vm-folder', vmFolder, '--lock-retry-seconds', '5'],
  );
  await ims('template', 'import', CONFIG, archive, '--name', 'base');
});

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('interrupted ims commands on VirtualBox (simulator)', () => {
  it('vm create: SIGINT, SIGTERM or SIGKILL anywhere leaves it done or undone, and the name usable', async () => {
    const length = await timed(['vm', 'create', CONFIG, 'probe', '--template', 'base']);
    const delays = points(length, 9);
    for (const [index, delay] of delays.entries()) {
      const signal = SIGNALS[index % SIGNALS.length] as Signal;
      const name = `c${index}`;
      const run = await interrupted(['vm', 'create', CONFIG, name, '--template', 'base'], signal, delay);
      const label = `${signal} after ${delay} ms: ${run.stderr}`;
      expectGracefulExit(
        run,
        signal,
        new RegExp(`VM "${name}" (is created|was not created; nothing of it is left)`),
      );
      const state = await expectAccountedFor();
      const done = state.vms[name] !== undefined;
      if (signal !== 'SIGKILL') {
        // Done means VirtualBox has it; undone means VirtualBox, the folder and the journal do not.
        expect(state.pending, label).toEqual({});
        expect((await simVms()).includes(name), label).toBe(done);
        expect((await entries(vmFolder)).includes(name), label).toBe(done);
      }
      // The next command on the same name works whatever was left: delete what was done, or create
      // again what was not.
      if (done) {
        await ims('vm', 'delete', name);
        expect(await simVms()).not.toContain(name);
      } else {
        await ims('vm', 'create', CONFIG, name, '--template', 'base');
        expect(await simVms()).toContain(name);
      }
      await expectClean(signal === 'SIGKILL');
    }
    await expectClean();
  }, 150_000);

  it('vm start: an interrupted start leaves the VM whole, running or stopped, and startable', async () => {
    await ims('vm', 'create', CONFIG, 'runner', '--template', 'base');
    const length = await timed(['vm', 'start', 'runner']);
    await ims('vm', 'stop', 'runner', '--force');
    for (const [index, delay] of points(length, 3).entries()) {
      const signal = SIGNALS[(index + 1) % SIGNALS.length] as Signal;
      const run = await interrupted(['vm', 'start', 'runner'], signal, delay);
      expectGracefulExit(run, signal, /VM "runner" is (started|running|stopped)/);
      await ims('vm', 'start', 'runner');
      const status = JSON.parse((await ims('vm', 'status', 'runner', '--json')).stdout) as { state: string };
      expect(['running', 'starting']).toContain(status.state);
      await ims('vm', 'stop', 'runner', '--force');
      await expectClean(signal === 'SIGKILL');
    }
    await expectClean();
  }, 150_000);

  it('template import: interrupted anywhere, the template is imported or gone, with no VM, disk or tmp file left', async () => {
    const length = await timed(['template', 'import', CONFIG, archive, '--name', 'probe-t']);
    for (const [index, delay] of points(length, 6).entries()) {
      const signal = SIGNALS[index % SIGNALS.length] as Signal;
      const name = `t${index}`;
      const run = await interrupted(['template', 'import', CONFIG, archive, '--name', name], signal, delay);
      const label = `${signal} after ${delay} ms: ${run.stderr}`;
      expectGracefulExit(
        run,
        signal,
        new RegExp(`Template "${name}" (is imported|was not imported; nothing of it is left)`),
      );
      const state = await expectAccountedFor();
      const done = state.configs[CONFIG]?.templates[name] !== undefined;
      if (signal !== 'SIGKILL') {
        expect(state.pending, label).toEqual({});
        expect((await simVms()).includes(`ims-template-${name}`), label).toBe(done);
        expect(await entries(join(home, 'tmp')), label).toEqual([]);
      } else if (!done) {
        // `ims doctor` reports what the killed process left (if it got as far as leaving anything).
        const doctor = await runIms(['doctor', '--json'], env());
        const leftovers = (JSON.parse(doctor.stdout) as { leftover?: { kind: string } }[]).filter(
          (c) => c.leftover !== undefined,
        );
        const pending = Object.keys(state.pending).length + (await entries(join(home, 'tmp'))).length;
        expect(leftovers.length, label).toBe(pending);
        if (pending > 0) expect(doctor.code).not.toBe(0);
      }
      // The next command on the same name works whatever was left.
      if (done) {
        await ims('template', 'delete', CONFIG, name);
        expect(await simVms()).not.toContain(`ims-template-${name}`);
      } else {
        await ims('template', 'import', CONFIG, archive, '--name', name);
        expect(await simVms()).toContain(`ims-template-${name}`);
      }
      await expectClean(signal === 'SIGKILL');
    }
    await expectClean();
  }, 150_000);

  it('kill -9 during vm create: doctor reports the half-made VM, doctor --repair removes it from VirtualBox', async () => {
    // Kill only once the clone is registered in VirtualBox: the case that used to orphan it.
    const child = spawn(process.execPath, [IMS_BIN, 'vm', 'create', CONFIG, 'orphan', '--template', 'base'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env() },
      stdio: 'ignore',
    });
    const ended = new Promise((r) => child.on('close', r));
    const deadline = Date.now() + 20_000;
    while (!(await simVms()).includes('orphan') && Date.now() < deadline) await sleep(20);
    child.kill('SIGKILL');
    await ended;
    const state = await imsState();
    if (state.vms.orphan !== undefined) return expect.fail('the create finished before it could be killed');
    expect(await simVms()).toContain('orphan');
    expect(Object.keys(state.pending)).toEqual(['vm-create:orphan']);

    const status = await runIms(['vm', 'status', 'orphan'], env());
    expect(status.code).toBe(3);
    expect(status.stderr).toContain('was never completely created');
    expect(status.stderr).toContain('ims vm delete orphan');

    const report = await runIms(['doctor', '--json'], env());
    expect(report.code).toBe(1);
    expect(JSON.parse(report.stdout)).toContainEqual(
      expect.objectContaining({
        check: 'interrupted vm create orphan',
        status: 'fail',
        leftover: expect.objectContaining({ kind: 'vm-create', config: CONFIG, name: 'orphan' }),
      }),
    );
    const repair = await runIms(['doctor', '--repair', '--json'], env());
    expect(repair.code, repair.stdout).toBe(0);
    expect(JSON.parse(repair.stdout)).toContainEqual(
      expect.objectContaining({ check: 'interrupted vm create orphan', status: 'ok', repaired: true }),
    );
    expect(await simVms()).not.toContain('orphan');
    expect(await entries(vmFolder)).not.toContain('orphan');
    await expectClean();
    await ims('vm', 'create', CONFIG, 'orphan', '--template', 'base');
  }, 60_000);

  it('kill -9 during import: the half-registered template VM goes with `template delete`, the tmp files with the next import', async () => {
    const child = spawn(
      process.execPath,
      [IMS_BIN, 'template', 'import', CONFIG, archive, '--name', 'half'],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env() }, stdio: 'ignore' },
    );
    const ended = new Promise((r) => child.on('close', r));
    const deadline = Date.now() + 30_000;
    while (!(await simVms()).includes('ims-template-half') && Date.now() < deadline) await sleep(20);
    child.kill('SIGKILL');
    await ended;
    if ((await imsState()).configs[CONFIG]?.templates.half !== undefined) {
      return expect.fail('the import finished before it could be killed');
    }
    expect(await simVms()).toContain('ims-template-half');
    expect((await entries(join(home, 'tmp'))).length).toBe(1);
    // A work directory of a dead process that no journal entry names (killed before the name was known).
    const stray = join(home, 'tmp', 'import-stray');
    await mkdir(stray);
    await writeFile(
      join(stray, 'owner.json'),
      JSON.stringify({ pid: DEAD_PID, hostname: hostname(), token: 't' }),
    );

    const deleted = await runIms(['template', 'delete', CONFIG, 'half'], env());
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain('rolled back');
    expect(await simVms()).not.toContain('ims-template-half');
    expect(await entries(join(home, 'tmp'))).toEqual(['import-stray']);
    await ims('template', 'import', CONFIG, archive, '--name', 'half');
    await expectClean();
  }, 60_000);
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
