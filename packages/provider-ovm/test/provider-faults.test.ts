/**
 * Faults: a Manager that refuses the password, is not there, or goes away in the middle of an
 * import; an HTTP 500 from power on; an import cancelled mid-upload; a dom0 whose SSH host key
 * changed; and an SSH session that dies between two operations.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BootParams, ProgressReporter, Provider, ProviderContext } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type TestSshd } from '../../core/test/ssh/sshd.js';
import { type BuiltTemplate, busyboxTemplate } from '../../provider-libvirt/test/busybox-template.js';
import { startOvmManagerSimulator } from '../src/simulator/index.js';
import {
  expectCode,
  fixtureConfig,
  MANAGER_PASSWORD,
  type OvmFixture,
  SIM_DELAYS,
  startOvmFixture,
} from './ovm-fixture.js';

const run = promisify(execFile);

let fixture: OvmFixture;
let template: BuiltTemplate;

/** A tiny OVM template directory (vm.cfg and a small disk). */
async function tinyTemplate(name: string): Promise<string> {
  const directory = join(fixture.dir, `src-${name}`);
  await mkdir(directory, { recursive: true });
  await writeFile(
    join(directory, 'vm.cfg'),
    [
      `name = '${name}'`,
      'memory = 64',
      'vcpus = 1',
      `disk = ['file:/OVS/seed_pool/${name}/System.img,xvda,w']`,
      "vif = ['bridge=xenbr0']",
      '',
    ].join('\n'),
  );
  await writeFile(join(directory, 'System.img'), Buffer.alloc(64 * 1024));
  return directory;
}

function params(vm: string, mac: string): BootParams {
  return { vmName: vm, hostname: vm, nics: [{ mac, address: 'dhcp' }], dns: [], sshKeys: [], params: {} };
}

beforeAll(async () => {
  template = await busyboxTemplate();
  fixture = await startOvmFixture('faults');
}, 120_000);

afterAll(async () => {
  await fixture?.teardown();
});

describe('the Manager', () => {
  it('refusing the password gives IMS_AUTH_FAILED, without the password anywhere', async () => {
    const wrong = 'not-the-Secret-42';
    const provider = await fixture.providerWith({ password: wrong });
    const error = await expectCode(
      provider.describe(),
      'IMS_AUTH_FAILED',
      /refused the credentials of user "admin"/,
    );
    const shown = `${error.message} ${error.hint ?? ''} ${JSON.stringify((error as { details?: unknown }).details)}`;
    expect(shown).not.toContain(wrong);
    expect(shown).not.toContain(MANAGER_PASSWORD);
    await expectCode(provider.listVms({ includeUnmanaged: true }), 'IMS_AUTH_FAILED');
  });

  it('not listening gives IMS_CONNECTION_FAILED naming the URL, with a hint to check the Manager', async () => {
    const provider = await fixture.providerWith({ managerUrl: 'http://127.0.0.1:9' });
    const error = await expectCode(
      provider.describe(),
      'IMS_CONNECTION_FAILED',
      /http:\/\/127\.0\.0\.1:9\/OVSWS\/ServerPoolService/,
    );
    expect(error.hint).toMatch(/OVM Manager is running/);
  });

  it('dropping the connection at registerTemplate fails the import and leaves nothing in seed_pool', async () => {
    fixture.sim.injectFault({ operation: 'registerTemplate', kind: 'drop' });
    await expectCode(
      fixture.provider.importTemplate({
        name: 'dropped',
        directory: template.directory,
        archivePath: template.archive,
      }),
      'IMS_CONNECTION_FAILED',
    );
    expect(await fixture.seedPool()).toEqual([]);
    expect((await fixture.provider.listTemplates()).map((t) => t.name)).not.toContain('dropped');
    // Nothing in the way of a second try.
    await fixture.provider.importTemplate({ name: 'dropped', directory: await tinyTemplate('dropped') });
    expect(await fixture.seedPool()).toEqual(['dropped']);
    await fixture.provider.deleteTemplate('dropped');
  });

  it('stopping in the middle of the upload fails the import and leaves nothing on dom0', async () => {
    const dir = join(fixture.dir, 'down-ovs');
    await mkdir(join(dir, 'seed_pool'), { recursive: true });
    await mkdir(join(dir, 'running_pool'), { recursive: true });
    const sim = await startOvmManagerSimulator({
      ovsRoot: dir,
      port: 0,
      users: { admin: MANAGER_PASSWORD },
      delays: SIM_DELAYS,
    });
    let stopping: Promise<void> | undefined;
    const stopHalfway: ProgressReporter = {
      start: () => ({
        update: (done, total) => {
          if (total !== undefined && done > total / 2) stopping ??= sim.stop();
        },
        done() {},
      }),
    };
    const context: ProviderContext = { ...fixture.context, progress: stopHalfway };
    const provider = await fixture.providerWith(fixtureConfig(sim, dir, fixture.sshd), context);
    try {
      await expectCode(
        provider.importTemplate({
          name: 'halfway',
          directory: template.directory,
          archivePath: template.archive,
        }),
        'IMS_CONNECTION_FAILED',
      );
      expect(stopping).toBeDefined();
      expect(await readdir(join(dir, 'seed_pool'))).toEqual([]);
    } finally {
      await stopping;
      await sim.stop().catch(() => {});
    }
  });

  it('answering HTTP 500 to power on gives a clear error; the VM stays stopped and the next start works', async () => {
    await fixture.provider.importTemplate({ name: 'tiny500', directory: await tinyTemplate('tiny500') });
    const { macs } = await fixture.provider.createVm({
      name: 'vm500',
      template: 'tiny500',
      cpus: 1,
      memoryMiB: 64,
      nics: [{}],
    });
    const mac = macs[0] as string;
    fixture.sim.injectFault({ operation: 'powerOn', kind: 'http500' });
    await expectCode(
      fixture.provider.startVm('vm500', { bootParams: params('vm500', mac) }),
      'IMS_PROVIDER_ERROR',
      /OVM Manager powerOn at http:\/\/127\.0\.0\.1:\d+\/OVSWS\/VirtualMachineService failed: it answered HTTP 500/,
    );
    expect(await fixture.provider.getStatus('vm500')).toEqual({
      state: 'stopped',
      providerState: 'POWEREDOFF',
    });
    await fixture.provider.startVm('vm500', { bootParams: params('vm500', mac) });
    expect((await fixture.provider.getStatus('vm500')).state).toBe('running');
    await fixture.provider.deleteVm('vm500', { force: true });
    await fixture.provider.deleteTemplate('tiny500');
  });
});

describe('cancelling an import', () => {
  it('in the middle of the upload stops it with IMS_ABORTED and removes what was sent', async () => {
    const controller = new AbortController();
    const abortHalfway: ProgressReporter = {
      start: () => ({
        update: (done, total) => {
          if (total !== undefined && done > total / 3) controller.abort();
        },
        done() {},
      }),
    };
    const context: ProviderContext = {
      ...fixture.context,
      progress: abortHalfway,
      signal: controller.signal,
    };
    const provider = await fixture.providerWith({}, context);
    await expectCode(
      provider.importTemplate({
        name: 'cancelled',
        directory: template.directory,
        archivePath: template.archive,
      }),
      'IMS_ABORTED',
    );
    expect(await fixture.seedPool()).toEqual([]);
    expect((await fixture.provider.listTemplates()).map((t) => t.name)).not.toContain('cancelled');
  });
});

describe('dom0 over SSH', () => {
  let other: TestSshd | undefined;

  afterAll(async () => {
    await other?.stop();
  });

  it('is refused with IMS_HOST_KEY_MISMATCH when its host key changed, and nothing is imported', async () => {
    const first = await startSshd();
    let provider: Provider | undefined;
    try {
      // The first contact records the key in known_hosts.
      provider = await fixture.providerWith(fixtureConfig(fixture.sim, fixture.ovsRoot, first));
      await provider.importTemplate({ name: 'keyed', directory: await tinyTemplate('keyed') });
      await provider.deleteTemplate('keyed');
      await provider.close();
    } finally {
      await first.stop();
    }
    // "The same host" comes back with another key.
    other = await startSshd({ port: first.port });
    const pinned = await fixture.providerWith(
      fixtureConfig(fixture.sim, fixture.ovsRoot, { ...other, fingerprint: first.fingerprint }),
    );
    await expectCode(
      pinned.importTemplate({ name: 'keyed2', directory: await tinyTemplate('keyed2') }),
      'IMS_HOST_KEY_MISMATCH',
    );
    const unpinned = await fixture.providerWith({
      ...fixtureConfig(fixture.sim, fixture.ovsRoot, other),
      hostKeyFingerprint: undefined,
    } as never);
    await expectCode(
      unpinned.importTemplate({ name: 'keyed2', directory: await tinyTemplate('keyed2') }),
      'IMS_HOST_KEY_MISMATCH',
    );
    expect(await fixture.seedPool()).toEqual([]);
    expect((await fixture.provider.listTemplates()).map((t) => t.name)).toEqual([]);
  });

  it('is reconnected when its session died between two operations', async () => {
    const sshd = fixture.sshd as TestSshd;
    await fixture.provider.importTemplate({
      name: 'before-cut',
      directory: await tinyTemplate('before-cut'),
    });
    // End the session's server side: the per-connection sshd processes are children of the listener.
    const listener = (await readFile(join(sshd.dir, 'sshd.pid'), 'utf8')).trim();
    const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', listener]);
    const children = stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    expect(children.length).toBeGreaterThan(0);
    for (const pid of children) process.kill(Number(pid), 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await fixture.provider.importTemplate({ name: 'after-cut', directory: await tinyTemplate('after-cut') });
    expect(await fixture.seedPool()).toEqual(['after-cut', 'before-cut']);
    await fixture.provider.deleteTemplate('before-cut');
    await fixture.provider.deleteTemplate('after-cut');
  });
});
