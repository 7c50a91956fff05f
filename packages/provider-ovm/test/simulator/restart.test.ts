/**
 * What a restarted simulator takes back from its state file: templates (with their approval
 * state), VMs whose directory is still there, id counters; interrupted operations settle as
 * modelled; an unreadable file is ignored with a log line.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManagerModel, settledAfterRestart } from '../../src/simulator/manager-model.js';
import type { SimulatedVm } from '../../src/simulator/model-types.js';
import { tempRoot, writeTemplate } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function model(root: string, logs: string[] = []): Promise<ManagerModel> {
  const made = new ManagerModel({
    ovsRoot: root,
    poolName: 'pool1',
    masterIp: '127.0.0.1',
    bootMs: 20,
    transitionMs: 20,
    log: (line) => logs.push(line),
  });
  await made.init();
  cleanups.push(() => made.stop());
  return made;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
}

describe('a restarted simulator', () => {
  it('keeps templates, their approval and the VMs still on disk, and never reuses an id', async () => {
    const { root, cleanup } = await tempRoot();
    cleanups.push(cleanup);
    for (const name of ['approved', 'pending']) await writeTemplate(root, name);
    const first = await model(root);
    await first.templates.register('approved');
    first.templates.approve('approved');
    await first.templates.register('pending');
    const kept = first.createVm({ templateName: 'approved', vmName: 'kept', bridge: 'xenbr0' });
    const gone = first.createVm({ templateName: 'approved', vmName: 'gone', bridge: 'xenbr0' });
    await until(() => first.vms().every((vm) => vm.status === 'POWEREDOFF'));
    await first.stop();
    await rm(gone.dir, { recursive: true, force: true });

    const second = await model(root);
    expect(second.templates.list().map((t) => [t.name, t.status])).toEqual([
      ['approved', 'ACTIVE'],
      ['pending', 'PENDING'],
    ]);
    expect(second.vms().map((vm) => [vm.name, vm.imgId, vm.status])).toEqual([
      ['kept', kept.imgId, 'POWEREDOFF'],
    ]);
    const next = second.createVm({ templateName: 'approved', vmName: 'next', bridge: 'xenbr0' });
    expect(next.imgId).toBeGreaterThan(Math.max(kept.imgId, gone.imgId));
  });

  it('ignores a state file it cannot read, saying so', async () => {
    const { root, cleanup } = await tempRoot();
    cleanups.push(cleanup);
    await model(root);
    await writeFile(join(root, '.ovm-manager-sim', 'state.json'), '{ not json');
    const logs: string[] = [];
    const again = await model(root, logs);
    expect(again.vms()).toEqual([]);
    expect(logs.some((line) => line.startsWith('ignoring '))).toBe(true);
  });

  it('settles an operation under way where the hypervisor left it', () => {
    const vm = (status: SimulatedVm['status'], domId: number | null) =>
      ({ status, domId, imgIp: domId === null ? '' : '198.51.100.1' }) as SimulatedVm;
    expect(settledAfterRestart(vm('RUNNING', 4))).toEqual({
      status: 'RUNNING',
      domId: 4,
      imgIp: '198.51.100.1',
    });
    expect(settledAfterRestart(vm('REBOOTING', 4)).status).toBe('RUNNING');
    expect(settledAfterRestart(vm('RESUMING', 4)).status).toBe('RUNNING');
    expect(settledAfterRestart(vm('SUSPENDING', 4)).status).toBe('SUSPENDED');
    expect(settledAfterRestart(vm('INITIALIZING', null))).toEqual({
      status: 'POWEREDOFF',
      domId: null,
      imgIp: '',
    });
    expect(settledAfterRestart(vm('SHUTTINGDOWN', 4))).toEqual({
      status: 'POWEREDOFF',
      domId: null,
      imgIp: '',
    });
    expect(settledAfterRestart(vm('CREATING', null)).status).toBe('ERROR');
    expect(settledAfterRestart(vm('DELETING', null)).status).toBe('ERROR');
    expect(settledAfterRestart(vm('RUNNING', null)).status).toBe('POWEREDOFF');
    expect(settledAfterRestart(vm('POWEREDOFF', null)).status).toBe('POWEREDOFF');
  });
});
