/**
 * The OVM Manager restarting under a provider (simulator on the same OVS root and port, local
 * dom0): while it is down, calls fail plainly; once it is back, the same provider instance
 * reconnects, and the Manager still knows its templates and VMs — a running VM still running with
 * the address its guest reported — and hands out no id twice.
 */
import { join } from 'node:path';
import type { BootParams, Provider } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltTemplate, busyboxTemplate } from '../../provider-libvirt/test/busybox-template.js';
import { startOvmManagerSimulator } from '../src/simulator/index.js';
import { readStateFile } from '../src/simulator/state-file.js';
import {
  expectCode,
  MANAGER_PASSWORD,
  MANAGER_USER,
  type OvmFixture,
  SIM_DELAYS,
  type Simulator,
  startOvmFixture,
} from './ovm-fixture.js';

// A documentation prefix (RFC 5737): the simulated guest reads it, nothing is sent there.
const ADDRESS = '198.51.100.40';

let fixture: OvmFixture;
let template: BuiltTemplate;
let restarted: Simulator | undefined;

function params(vm: string, mac: string): BootParams {
  return {
    vmName: vm,
    hostname: vm,
    nics: [{ mac, address: { address: ADDRESS, prefix: 24 } }],
    dns: [],
    sshKeys: [],
    params: {},
  };
}

async function addressesOf(provider: Provider, vm: string) {
  for (let i = 0; i < 100; i += 1) {
    const found = await provider.getAddresses(vm);
    if (found.length > 0) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return provider.getAddresses(vm);
}

beforeAll(async () => {
  template = await busyboxTemplate();
  fixture = await startOvmFixture('restart', { local: true });
}, 120_000);

afterAll(async () => {
  await restarted?.stop().catch(() => {});
  await fixture?.teardown();
});

describe('an OVM Manager that restarts', () => {
  it('keeps its templates and VMs, and the provider goes on with it', async () => {
    const { provider } = fixture;
    await provider.importTemplate({ name: 'tpl', directory: template.directory });
    const { macs } = await provider.createVm({
      name: 'keeps',
      template: 'tpl',
      cpus: 1,
      memoryMiB: 64,
      nics: [{}],
    });
    const mac = macs[0] as string;
    await provider.startVm('keeps', { bootParams: params('keeps', mac) });
    expect(await addressesOf(provider, 'keeps')).toEqual([
      { mac, address: ADDRESS, prefix: 24, source: 'manager' },
    ]);
    const [before] = await fixture.runningPool();

    const port = Number(new URL(fixture.sim.url).port);
    await fixture.sim.stop();
    await expectCode(provider.getStatus('keeps'), 'IMS_CONNECTION_FAILED');

    restarted = await startOvmManagerSimulator({
      ovsRoot: fixture.ovsRoot,
      port,
      users: { [MANAGER_USER]: MANAGER_PASSWORD },
      delays: SIM_DELAYS,
    });
    expect((await provider.getStatus('keeps')).state).toBe('running');
    expect(await provider.getAddresses('keeps')).toEqual([
      { mac, address: ADDRESS, prefix: 24, source: 'manager' },
    ]);
    expect((await provider.listTemplates()).map((t) => t.name)).toEqual(['tpl']);

    await provider.createVm({ name: 'after', template: 'tpl', cpus: 1, memoryMiB: 64, nics: [{}] });
    const ids = (await fixture.runningPool()).map((dir) => Number(dir.split('_')[0]));
    expect(new Set(ids).size).toBe(2);
    expect(Math.max(...ids)).toBeGreaterThan(Number(before?.split('_')[0]));

    await provider.stopVm('keeps', { force: true, timeoutMs: 10_000 });
    for (const vm of ['keeps', 'after']) await provider.deleteVm(vm, { force: false });
    expect(await fixture.runningPool()).toEqual([]);
    const state = readStateFile(join(fixture.ovsRoot, '.ovm-manager-sim', 'state.json'));
    expect(state.vms).toEqual([]);
    expect(state.manager?.templates.map((t) => t.name)).toEqual(['tpl']);
  });
});
