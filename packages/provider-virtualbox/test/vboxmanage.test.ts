/** The VBoxManage runner: argv, locale, failure judgement, error mapping, lock retries, missing executables. */
import { createLocalRunner } from '@ims/core';
import { type CommandRunner, ImsError, type RunOptions, type RunResult } from '@ims/spi';
import { describe, expect, it } from 'vitest';
import { imsRejection } from '../../core/test/rejection.js';
import type { VBoxHost } from '../src/host.js';
import { VBoxManage } from '../src/vboxmanage.js';

interface Call {
  argv: readonly string[];
  options: RunOptions | undefined;
}

type Reply = Partial<RunResult> | (() => Partial<RunResult>) | Error;

/** A runner that answers each call with the next scripted reply (the last one repeats). */
function fakeRunner(replies: Reply[]): CommandRunner & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    target: 'fake',
    calls,
    async run(argv, options) {
      calls.push({ argv: [...argv], options });
      const reply = replies[Math.min(calls.length - 1, replies.length - 1)] as Reply;
      if (reply instanceof Error) throw reply;
      const result = typeof reply === 'function' ? reply() : reply;
      return { exitCode: 0, stdout: '', stderr: '', ...result };
    },
  };
}

function hostWith(runner: CommandRunner, isLocal = true): VBoxHost {
  const fail = () => Promise.reject(new Error('not used'));
  return {
    target: isLocal ? 'local' : 'ssh://root@vbox-host:22',
    isLocal,
    runner: async () => runner,
    mkdir: fail,
    writeFile: fail,
    upload: fail,
    removeFile: fail,
    removeEmptyFolder: fail,
    reset: async () => {},
    close: async () => {},
  };
}

function vboxWith(runner: CommandRunner, options: { isLocal?: boolean; budgetMs?: number } = {}) {
  const sleeps: number[] = [];
  const vbox = new VBoxManage({
    host: hostWith(runner, options.isLocal ?? true),
    executable: '/opt/vbox/VBoxManage',
    clock: {
      now: () => 0,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    },
    signal: new AbortController().signal,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    lockRetry: { attempts: 6, budgetMs: options.budgetMs ?? 5_000 },
    timeoutMs: 60_000,
  });
  return { vbox, sleeps };
}

const block = (message: string, name?: string, code?: string) =>
  [
    `VBoxManage: error: ${message}`,
    ...(name === undefined
      ? []
      : [`VBoxManage: error: Details: code ${name} (${code}), component SessionMachine, interface IMachine`]),
    'VBoxManage: error: Context: "LockMachine(a->session, LockType_Write)" at line 1 of file VBoxManageModifyVM.cpp',
    '',
  ].join('\n');

const LOCKED = block(
  "The machine 'vm1' is already locked for a session (or being unlocked)",
  'VBOX_E_INVALID_OBJECT_STATE',
  '0x80bb0007',
);

describe('argv and locale', () => {
  it('runs locally as [executable, ...args] with LANG and LC_ALL set, each argument one element', async () => {
    const runner = fakeRunner([{}]);
    const { vbox } = vboxWith(runner);
    const hostile = `it's "quoted" $(id) \`id\`; rm -rf / \n second line`;
    await vbox.run(['guestproperty', 'set', 'vm1', '/IMS/bootparams/conf', hostile]);
    expect(runner.calls[0]?.argv).toEqual([
      '/opt/vbox/VBoxManage',
      'guestproperty',
      'set',
      'vm1',
      '/IMS/bootparams/conf',
      hostile,
    ]);
    expect(runner.calls[0]?.options).toMatchObject({
      allowFailure: true,
      timeoutMs: 60_000,
      env: { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
    });
  });

  it('runs remotely through env(1), since SSH servers drop the environment', async () => {
    const runner = fakeRunner([{}]);
    const { vbox } = vboxWith(runner, { isLocal: false });
    await vbox.run(['list', 'vms']);
    expect(runner.calls[0]?.argv).toEqual([
      'env',
      'LANG=C.UTF-8',
      'LC_ALL=C.UTF-8',
      '/opt/vbox/VBoxManage',
      'list',
      'vms',
    ]);
    expect(runner.calls[0]?.options?.env).toBeUndefined();
  });
});

describe('failure judgement and error mapping', () => {
  it('treats an error line on stderr as a failure even with exit 0, keeping VirtualBox’s message', async () => {
    const { vbox } = vboxWith(fakeRunner([{ exitCode: 0, stderr: block('Medium is broken') }]));
    const error = await imsRejection(vbox.run(['storageattach', 'vm1']));
    expect(error.code).toBe('IMS_PROVIDER_ERROR');
    expect(error.message).toContain('Medium is broken');
    expect(error.details).toMatchObject({
      command: 'storageattach',
      exitCode: 0,
      vboxMessage: 'Medium is broken',
    });
  });

  it('accepts startvm’s success text over its exit code 1, but only for startvm', async () => {
    const started = {
      exitCode: 1,
      stdout: 'Waiting for VM "vm1" to power on...\nVM "vm1" has been successfully started.\n',
    };
    const { vbox } = vboxWith(fakeRunner([started]));
    expect((await vbox.run(['startvm', 'vm1', '--type', 'headless'])).ok).toBe(true);
    const other = vboxWith(fakeRunner([started]));
    expect((await other.vbox.run(['controlvm', 'vm1', 'resume'], { allowFailure: true })).ok).toBe(false);
  });

  it('maps "object not found" to IMS_VM_NOT_FOUND when the call concerns a VM', async () => {
    const stderr = block(
      "Could not find a registered machine named 'ghost'",
      'VBOX_E_OBJECT_NOT_FOUND',
      '0x80bb0001',
    );
    const { vbox } = vboxWith(fakeRunner([{ exitCode: 1, stderr }]));
    const error = await imsRejection(vbox.run(['showvminfo', 'ghost', '--machinereadable'], { vm: 'ghost' }));
    expect(error.code).toBe('IMS_VM_NOT_FOUND');
    expect(error.message).toContain("Could not find a registered machine named 'ghost'");
    expect(error.details).toMatchObject({ resultName: 'VBOX_E_OBJECT_NOT_FOUND', resultCode: 0x80bb0001 });
    const noVm = await imsRejection(vbox.run(['convertfromraw', 'a', 'b']));
    expect(noVm.code).toBe('IMS_PROVIDER_ERROR');
  });

  it('maps invalid VM states and "not currently running" to IMS_INVALID_STATE', async () => {
    const invalid = block('Invalid machine state: PoweredOff', 'VBOX_E_INVALID_VM_STATE', '0x80bb0002');
    const { vbox } = vboxWith(fakeRunner([{ exitCode: 1, stderr: invalid }]));
    expect((await imsRejection(vbox.run(['controlvm', 'vm1', 'savestate'], { vm: 'vm1' }))).code).toBe(
      'IMS_INVALID_STATE',
    );
    const notRunning = vboxWith(
      fakeRunner([{ exitCode: 1, stderr: "VBoxManage: error: Machine 'vm1' is not currently running\n" }]),
    );
    const error = await imsRejection(notRunning.vbox.run(['controlvm', 'vm1', 'pause'], { vm: 'vm1' }));
    expect(error.code).toBe('IMS_INVALID_STATE');
    expect(error.message).toContain("Machine 'vm1' is not currently running");
  });

  it('hints at the version for a syntax error (exit 2) and resolves failures with allowFailure', async () => {
    const { vbox } = vboxWith(
      fakeRunner([{ exitCode: 2, stderr: 'VBoxManage: error: Unknown option: --frob\n' }]),
    );
    const error = await imsRejection(vbox.run(['modifyvm', 'vm1', '--frob']));
    expect(error.hint).toMatch(/version/);
    const outcome = await vbox.run(['modifyvm', 'vm1', '--frob'], { allowFailure: true });
    expect(outcome).toMatchObject({ ok: false, exitCode: 2, error: { message: 'Unknown option: --frob' } });
  });
});

describe('retries while the machine is locked', () => {
  it('repeats a call refused with INVALID_OBJECT_STATE, pausing longer each time, until it works', async () => {
    const runner = fakeRunner([
      { exitCode: 1, stderr: LOCKED },
      { exitCode: 1, stderr: LOCKED },
      { stdout: 'done' },
    ]);
    const { vbox, sleeps } = vboxWith(runner);
    const outcome = await vbox.run(['modifyvm', 'vm1', '--memory', '256'], { vm: 'vm1' });
    expect(outcome.stdout).toBe('done');
    expect(runner.calls).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]).toBeCloseTo((sleeps[0] as number) * 2);
  });

  it('gives up after 6 tries within the budget with a clear IMS_INVALID_STATE keeping VirtualBox’s message', async () => {
    const runner = fakeRunner([{ exitCode: 1, stderr: LOCKED }]);
    const { vbox, sleeps } = vboxWith(runner, { budgetMs: 5_000 });
    const error = await imsRejection(vbox.run(['unregistervm', 'vm1', '--delete'], { vm: 'vm1' }));
    expect(runner.calls).toHaveLength(6);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeCloseTo(5_000);
    expect(error.code).toBe('IMS_INVALID_STATE');
    expect(error.message).toMatch(/VM vm1 stayed locked .* refused 6 times over 5\.0 s/);
    expect(error.message).toContain('already locked for a session');
    expect(error.details).toMatchObject({ attempts: 6, resultName: 'VBOX_E_INVALID_OBJECT_STATE' });
  });

  it('recognises a lock by its message when the Details line is missing, and can be told not to retry', async () => {
    const bare = "VBoxManage: error: Cannot unregister the machine 'vm1' while it is locked\n";
    const runner = fakeRunner([{ exitCode: 1, stderr: bare }, {}]);
    const { vbox } = vboxWith(runner);
    await vbox.run(['unregistervm', 'vm1', '--delete']);
    expect(runner.calls).toHaveLength(2);
    const once = fakeRunner([{ exitCode: 1, stderr: LOCKED }]);
    const noRetry = vboxWith(once);
    await imsRejection(noRetry.vbox.run(['snapshot', 'vm1', 'take', 's'], { retryWhileLocked: false }));
    expect(once.calls).toHaveLength(1);
  });
});

describe('a missing VBoxManage', () => {
  it('locally (ENOENT from the real local runner): IMS_TOOL_MISSING naming the path, with a hint', async () => {
    const missing = '/nonexistent/dir/VBoxManage';
    const vbox = new VBoxManage({
      host: hostWith(createLocalRunner()),
      executable: missing,
      clock: { now: () => 0, sleep: async () => {} },
      signal: new AbortController().signal,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      lockRetry: { attempts: 6, budgetMs: 10 },
      timeoutMs: 10_000,
    });
    const error = await imsRejection(vbox.version());
    expect(error.code).toBe('IMS_TOOL_MISSING');
    expect(error.message).toContain(`"${missing}"`);
    expect(error.hint).toMatch(/--vbox-manage/);
  });

  it('over SSH (exit 127 from env or the shell): the same error naming the remote path', async () => {
    for (const stderr of [
      "env: '/opt/vbox/VBoxManage': No such file or directory\n",
      'sh: 1: /opt/vbox/VBoxManage: not found\n',
    ]) {
      const { vbox } = vboxWith(fakeRunner([{ exitCode: 127, stderr }]), { isLocal: false });
      const error = await imsRejection(vbox.run(['list', 'vms']));
      expect(error.code).toBe('IMS_TOOL_MISSING');
      expect(error.message).toContain('"/opt/vbox/VBoxManage" was not found on ssh://root@vbox-host:22');
      expect(error.hint).toMatch(/--vbox-manage/);
    }
  });

  it('passes other runner failures on unchanged', async () => {
    const lost = new ImsError('IMS_CONNECTION_FAILED', 'SSH connection lost');
    const { vbox } = vboxWith(fakeRunner([lost]), { isLocal: false });
    expect(await imsRejection(vbox.run(['list', 'vms']))).toBe(lost);
  });
});

describe('version', () => {
  it('is asked once per instance, skipping WARNING lines', async () => {
    const runner = fakeRunner([{ stdout: 'WARNING: The environment variable LOGNAME ...\n7.1.14r170994\n' }]);
    const { vbox } = vboxWith(runner);
    expect(await vbox.version()).toMatchObject({ major: 7, minor: 1, patch: 14 });
    await vbox.version();
    expect(runner.calls).toHaveLength(1);
    expect(runner.calls[0]?.argv.slice(1)).toEqual(['--version']);
  });

  it('fails clearly when the output has no version, and asks again next time', async () => {
    const runner = fakeRunner([{ stdout: 'hello\n' }, { stdout: '6.1.50r161033\n' }]);
    const { vbox } = vboxWith(runner);
    expect((await imsRejection(vbox.version())).code).toBe('IMS_PROVIDER_ERROR');
    expect((await vbox.version()).major).toBe(6);
  });
});
