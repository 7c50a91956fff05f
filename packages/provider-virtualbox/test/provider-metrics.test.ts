/** Metrics of many VMs: twenty running VMs cost exactly one `metrics query` call. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BootParams } from '@ims/spi';
import { isImsError, mapLimited } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimFixture, type SimFixture } from './sim-fixture.js';
import { tinyTemplate } from './tiny-template.js';

const COUNT = 20;

function bootParams(vm: string, mac: string): BootParams {
  return { vmName: vm, hostname: vm, nics: [{ mac, address: 'dhcp' }], dns: [], sshKeys: [], params: {} };
}

describe(`metrics of ${COUNT} running VMs`, () => {
  let fixture: SimFixture;
  const names = Array.from({ length: COUNT }, (_, i) => `m-${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    fixture = await createSimFixture({ version: '5.2', prefix: 'metrics', callLog: true });
    await fixture.provider.importTemplate({ name: 'tiny', ...(await tinyTemplate(fixture.dir)) });
    // Prepared in-process: twenty VMs through the wrapper would cost a process start per call.
    const preparer = await fixture.inProcessProvider();
    await mapLimited(names, 4, async (name) => {
      const spec = { name, template: 'tiny', cpus: 2, memoryMiB: 96, nics: [{}] };
      const { macs } = await preparer.createVm(spec);
      await preparer.startVm(name, { bootParams: bootParams(name, macs[0] as string) });
    });
    await preparer.close();
    // One metrics period, so every VM has collected a sample.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  }, 60_000);

  afterAll(async () => {
    await fixture?.teardown();
  });

  it('are read with one metrics query call for all of them', async () => {
    const log = join(fixture.dir, 'calls.log');
    await writeFile(log, '');
    const samples = await fixture.provider.getMetrics(names);
    const calls = (await readFile(log, 'utf8')).split('\n').filter((l) => l !== '');
    expect(calls.filter((c) => c === 'metrics query')).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('showvminfo'))).toHaveLength(0);
    expect(samples.map((s) => s.vm)).toEqual(names);
    for (const sample of samples) {
      expect(sample).toMatchObject({ vcpus: 2, memoryTotalBytes: 96 * 1024 * 1024 });
      expect(sample.cpuTimeNs).toBeGreaterThanOrEqual(0);
      // Collected for one period since the start: VirtualBox's load and memory figures are there.
      expect(sample.cpuPercent, JSON.stringify(sample)).toBeGreaterThanOrEqual(0);
      expect(sample.memoryUsedBytes, JSON.stringify(sample)).toBeGreaterThan(0);
    }
  });

  it('fails with IMS_VM_NOT_FOUND when one name is unknown, before querying anything', async () => {
    const log = join(fixture.dir, 'calls.log');
    await writeFile(log, '');
    try {
      await fixture.provider.getMetrics([...names.slice(0, 3), 'm-ghost']);
      expect.unreachable('an unknown VM was accepted');
    } catch (error) {
      expect(isImsError(error) && error.code).toBe('IMS_VM_NOT_FOUND');
      expect(String(error)).toContain('m-ghost');
    }
    expect((await readFile(log, 'utf8')).includes('metrics query')).toBe(false);
  });
});
