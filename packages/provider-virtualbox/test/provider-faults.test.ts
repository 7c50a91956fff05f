/**
 * Faults on the simulator: a machine lock held longer than the retry budget (a clear error and
 * nothing half-done), and a VBoxManage path that does not exist (a clear error naming it).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isImsError } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../core/test/rejection.js';
import plugin from '../src/index.js';
import { createSimFixture, type SimFixture, simConfig } from './sim-fixture.js';
import { tinyTemplate } from './tiny-template.js';

const boot = (vm: string, mac: string) => ({
  bootParams: {
    vmName: vm,
    hostname: vm,
    nics: [{ mac, address: 'dhcp' as const }],
    dns: [],
    sshKeys: [],
    params: {},
  },
});

describe('a lock held longer than the retry budget', () => {
  let fixture: SimFixture;
  let mac: string;

  beforeAll(async () => {
    // Locks linger a minute after a power-off; the provider retries for one second.
    fixture = await createSimFixture({
      version: '7.0',
      prefix: 'locked',
      env: { VBOXSIM_LOCK_LINGER_MS: '60000' },
      config: { lockRetrySeconds: 1 },
    });
    await fixture.provider.importTemplate({ name: 'tiny', ...(await tinyTemplate(fixture.dir)) });
    ({
      macs: [mac = ''],
    } = await fixture.provider.createVm({
      name: 'held',
      template: 'tiny',
      cpus: 1,
      memoryMiB: 64,
      nics: [{}],
    }));
    await fixture.provider.startVm('held', boot('held', mac));
    await fixture.provider.stopVm('held', { force: true, timeoutMs: 5_000 });
  });

  afterAll(async () => {
    await fixture?.teardown();
  });

  it('deleteVm fails with IMS_INVALID_STATE saying the VM stayed locked, and deletes nothing', async () => {
    const began = Date.now();
    const error = await rejection(fixture.provider.deleteVm('held', { force: false }));
    expect(isImsError(error), String(error)).toBe(true);
    if (!isImsError(error)) return;
    expect(error.code).toBe('IMS_INVALID_STATE');
    expect(error.message).toMatch(/VM held stayed locked by another VirtualBox session/);
    expect(error.message).toMatch(/locked/);
    expect(error.details).toMatchObject({ vm: 'held', command: 'unregistervm', attempts: 6 });
    expect(Date.now() - began).toBeLessThan(10_000);
    // Still there, still ours, still stopped, files in place.
    expect((await fixture.provider.listVms({ includeUnmanaged: false })).map((v) => v.name)).toEqual([
      'held',
    ]);
    expect((await fixture.provider.getStatus('held')).state).toBe('stopped');
    expect(existsSync(join(fixture.vmFolder, 'held', 'held.vbox'))).toBe(true);
    expect(JSON.parse(await readFile(join(fixture.dataDir, 'vms', 'held.json'), 'utf8'))).toMatchObject({
      name: 'held',
    });
  });

  it('startVm fails the same way and leaves the VM stopped', async () => {
    const error = await rejection(fixture.provider.startVm('held', boot('held', mac)));
    expect(isImsError(error) && error.code, String(error)).toBe('IMS_INVALID_STATE');
    expect(String(error)).toMatch(/stayed locked/);
    expect((await fixture.provider.getStatus('held')).state).toBe('stopped');
  });
});

describe('a VBoxManage path that does not exist', () => {
  let fixture: SimFixture;

  beforeAll(async () => {
    fixture = await createSimFixture({ version: '6.1', prefix: 'nopath' });
  });

  afterAll(async () => {
    await fixture?.teardown();
  });

  it('fails every operation with IMS_TOOL_MISSING (exit 4) naming the path and --vbox-manage', async () => {
    const missing = join(fixture.dir, 'no such dir', 'VBoxManage');
    const provider = await plugin.create(fixture.context, simConfig(missing, fixture.vmFolder));
    try {
      for (const attempt of [
        () => provider.describe(),
        () => provider.listVms({ includeUnmanaged: true }),
        () => provider.getStatus('web-1'),
      ]) {
        const error = await rejection(attempt());
        expect(isImsError(error) && error.code, String(error)).toBe('IMS_TOOL_MISSING');
        expect(String(error)).toContain(`"${missing}"`);
        expect(isImsError(error) && error.hint).toMatch(/--vbox-manage/);
      }
    } finally {
      await provider.close();
    }
  });
});
