/**
 * Behaviour beyond the conformance kit, on the simulator: import rollback, the startvm exit-1
 * quirk, stale guest properties after a restart, unmanaged VMs, and arguments hostile to shells
 * reaching VBoxManage whole (locally; the SSH variant is in provider-ssh.test.ts).
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BootParams } from '@ims/spi';
import { isImsError } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../core/test/rejection.js';
import plugin from '../src/index.js';
import { createSimFixture, createTinyVm, type SimFixture, simConfig } from './sim-fixture.js';
import { tinyTemplate } from './tiny-template.js';

const HOSTILE_VALUE = `it's "quoted" $(touch /tmp/ims-pwned) \`id\` ; | & \\ \n second line\t日本`;

function bootParams(vm: string, mac: string): BootParams {
  return {
    vmName: vm,
    hostname: vm,
    nics: [{ mac, address: { address: '10.0.2.15', prefix: 24 }, gateway: '10.0.2.2' }],
    dns: ['10.0.2.3'],
    sshKeys: [],
    params: { 'hostile.value': HOSTILE_VALUE },
  };
}

async function waitFor<T>(probe: () => Promise<T>, done: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The VM names the simulator has registered. */
async function registered(fixture: SimFixture): Promise<string[]> {
  const { stdout } = await fixture.vbox(['list', 'vms']);
  return [...stdout.matchAll(/^"(.*)" \{/gm)].map((m) => m[1] as string);
}

describe('on the simulator imitating 7.1 (odd VM folder, every start exits 1)', () => {
  let fixture: SimFixture;
  let mac: string;

  beforeAll(async () => {
    fixture = await createSimFixture({
      version: '7.1',
      prefix: 'behave',
      // Long enough to look at the guest properties before the guest republishes them, even on a busy machine.
      env: { VBOXSIM_BOOT_MS: '5000', VBOXSIM_STARTVM_EXIT1_EVERY: '1' },
      vmFolderName: `vm folder "q" $(id) it's`,
    });
    ({
      macs: [mac = ''],
    } = await createTinyVm(fixture));
  });

  afterAll(async () => {
    await fixture?.teardown();
  });

  it('keeps the template and VM files inside the configured folder, whatever characters it has', async () => {
    const { stdout } = await fixture.vbox(['showvminfo', 'web-1', '--machinereadable']);
    expect(stdout).toContain(
      `CfgFile="${join(fixture.vmFolder, 'web-1', 'web-1.vbox').replaceAll('"', '\\"')}"`,
    );
    expect(await registered(fixture)).toEqual(expect.arrayContaining(['ims-template-tiny', 'web-1']));
  });

  it('starts although startvm exits 1, and hands the hostile boot parameters over as one argument', async () => {
    const params = bootParams('web-1', mac);
    await fixture.provider.startVm('web-1', { bootParams: params });
    expect((await fixture.provider.getStatus('web-1')).state).toBe('running');
    const { stdout } = await fixture.vbox(['guestproperty', 'get', 'web-1', '/IMS/bootparams/conf']);
    const encoded = /^Value: ([A-Za-z0-9+/=]+)\n$/.exec(stdout)?.[1] ?? '';
    expect(Buffer.from(encoded, 'base64').toString('utf8')).toBe(
      fixture.context.bootImage.renderConf(params),
    );
    expect(fixture.context.bootImage.renderConf(params)).toContain('second line');
  });

  it('reports the address only once the guest wrote it during this boot, never the previous boot’s', async () => {
    const addresses = await waitFor(
      () => fixture.provider.getAddresses('web-1'),
      (a) => a.length > 0,
      20_000,
    );
    expect(addresses).toEqual([{ mac, address: '10.0.2.15', prefix: 24, source: 'guest-property' }]);
    await fixture.provider.stopVm('web-1', { force: true, timeoutMs: 5_000 });
    expect(await fixture.provider.getAddresses('web-1')).toEqual([]);
    const other = {
      ...bootParams('web-1', mac),
      nics: [{ mac, address: { address: '10.0.2.20', prefix: 24 } }],
    };
    await fixture.provider.startVm('web-1', { bootParams: other });
    // The old properties are still there, but written before this boot.
    const { stdout } = await fixture.vbox(['guestproperty', 'enumerate', 'web-1']);
    expect(stdout).toContain('10.0.2.15');
    expect(await fixture.provider.getAddresses('web-1')).toEqual([]);
    const fresh = await waitFor(
      () => fixture.provider.getAddresses('web-1'),
      (a) => a.length > 0,
      20_000,
    );
    expect(fresh).toEqual([{ mac, address: '10.0.2.20', prefix: 24, source: 'guest-property' }]);
  });

  it('matches the guest’s interfaces to NICs by MAC when its interface order is not the slot order', async () => {
    const {
      macs: [first = '', second = ''],
    } = await fixture.provider.createVm({
      name: 'two-nics',
      template: 'tiny',
      cpus: 1,
      memoryMiB: 64,
      nics: [{}, {}],
    });
    const params: BootParams = {
      ...bootParams('two-nics', first),
      nics: [
        { mac: first, address: { address: '10.0.2.15', prefix: 24 } },
        { mac: second, address: { address: '192.168.56.10', prefix: 28 } },
      ],
    };
    await fixture.provider.startVm('two-nics', { bootParams: params });
    const addresses = await waitFor(
      () => fixture.provider.getAddresses('two-nics'),
      (a) => a.length === 2,
      20_000,
    );
    expect(new Set(addresses.map((a) => `${a.mac} ${a.address}/${a.prefix}`))).toEqual(
      new Set([`${first} 10.0.2.15/24`, `${second} 192.168.56.10/28`]),
    );
    // The simulated guest numbers its interfaces in reverse slot order.
    const { stdout } = await fixture.vbox([
      'guestproperty',
      'get',
      'two-nics',
      '/VirtualBox/GuestInfo/Net/0/MAC',
    ]);
    expect(stdout.trim().toLowerCase()).toBe(`value: ${second.replaceAll(':', '')}`);
    await fixture.provider.deleteVm('two-nics', { force: true });
  });

  it('suspends to a saved state and resumes from it', async () => {
    await fixture.provider.suspendVm('web-1');
    expect(await fixture.provider.getStatus('web-1')).toEqual({ state: 'suspended', providerState: 'saved' });
    const refused = await rejection(
      fixture.provider.startVm('web-1', { bootParams: bootParams('web-1', mac) }),
    );
    expect(isImsError(refused) && refused.code).toBe('IMS_INVALID_STATE');
    await fixture.provider.resumeVm('web-1');
    expect((await fixture.provider.getStatus('web-1')).state).toBe('running');
    await fixture.provider.stopVm('web-1', { force: true, timeoutMs: 5_000 });
  });

  it('stops a suspended VM gracefully, and deletes a suspended VM only when forced', async () => {
    await fixture.provider.startVm('web-1', { bootParams: bootParams('web-1', mac) });
    await fixture.provider.suspendVm('web-1');
    // The simulated guest answers the power button only once it has booted (5 s here, see above).
    await fixture.provider.stopVm('web-1', { force: false, timeoutMs: 20_000 });
    expect(await fixture.provider.getStatus('web-1')).toEqual({
      state: 'stopped',
      providerState: 'poweroff',
    });

    const { macs } = await fixture.provider.createVm({
      name: 'doomed',
      template: 'tiny',
      cpus: 1,
      memoryMiB: 64,
      nics: [{}],
    });
    await fixture.provider.startVm('doomed', { bootParams: bootParams('doomed', macs[0] as string) });
    await fixture.provider.suspendVm('doomed');
    const refused = await rejection(fixture.provider.deleteVm('doomed', { force: false }));
    expect(isImsError(refused) && refused.code).toBe('IMS_INVALID_STATE');
    await fixture.provider.deleteVm('doomed', { force: true });
    expect(await registered(fixture)).not.toContain('doomed');
  });

  it('lists VMs made outside IMS only with includeUnmanaged, and refuses to delete them', async () => {
    const made = await fixture.vbox([
      'createvm',
      '--name',
      'outsider',
      '--basefolder',
      fixture.vmFolder,
      '--register',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const mine = (await fixture.provider.listVms({ includeUnmanaged: false })).map((v) => v.name);
    expect(mine).toEqual(['web-1']);
    const all = await fixture.provider.listVms({ includeUnmanaged: true });
    expect(all.map((v) => v.name)).toEqual(['ims-template-tiny', 'outsider', 'web-1']);
    expect(all.find((v) => v.name === 'outsider')).toEqual({
      name: 'outsider',
      state: 'stopped',
      providerState: 'poweroff',
    });
    const error = await rejection(fixture.provider.deleteVm('outsider', { force: true }));
    expect(isImsError(error) && error.code).toBe('IMS_INVALID_STATE');
    expect(await registered(fixture)).toContain('outsider');
  });

  it('refuses to delete a template while a VM is cloned from it', async () => {
    const error = await rejection(fixture.provider.deleteTemplate('tiny'));
    expect(isImsError(error) && error.code).toBe('IMS_INVALID_STATE');
    expect(String(error)).toContain('web-1');
  });
});

describe('a template import that fails half-way', () => {
  let fixture: SimFixture;

  beforeAll(async () => {
    fixture = await createSimFixture({ version: '6.1', prefix: 'rollback' });
  });

  afterAll(async () => {
    await fixture?.teardown();
  });

  it('removes the template VM, its disks and its folder, and records nothing', async () => {
    // A VBoxManage that refuses to take snapshots: the import fails after the VM was made.
    const failing = join(fixture.dir, 'bin', 'VBoxManage-nosnap');
    await writeFile(
      failing,
      [
        '#!/bin/sh',
        'if [ "$1" = snapshot ]; then',
        `  echo "VBoxManage: error: Could not take the snapshot (disk full)" >&2`,
        '  echo "VBoxManage: error: Details: code VBOX_E_FILE_ERROR (0x80bb0004), component SnapshotWrap" >&2',
        '  exit 1',
        'fi',
        `exec '${fixture.vboxManage}' "$@"`,
        '',
      ].join('\n'),
    );
    await chmod(failing, 0o755);
    const provider = await plugin.create(fixture.context, simConfig(failing, fixture.vmFolder));
    const template = await tinyTemplate(fixture.dir);
    const error = await rejection(provider.importTemplate({ name: 'tiny', ...template }));
    expect(isImsError(error) && error.code).toBe('IMS_PROVIDER_ERROR');
    expect(String(error)).toContain('disk full');
    expect(await registered(fixture)).toEqual([]);
    expect(await provider.listTemplates()).toEqual([]);
    const folder = join(fixture.vmFolder, 'ims-templates', 'tiny');
    expect(await readFile(join(folder, 'System.vdi')).catch((e: NodeJS.ErrnoException) => e.code)).toBe(
      'ENOENT',
    );
    // Nothing is left in the way of the next import.
    await fixture.provider.importTemplate({ name: 'tiny', ...template });
    expect((await fixture.provider.listTemplates()).map((t) => t.name)).toEqual(['tiny']);
    await provider.close();
  });
});
