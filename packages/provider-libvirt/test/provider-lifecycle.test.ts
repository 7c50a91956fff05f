/**
 * Lifecycle rules beyond the conformance kit, on the real daemon: the graceful stop's time limit,
 * starting a suspended VM, templates in use, foreign domains, copy-on-write disks, console logs.
 */
import { existsSync } from 'node:fs';
import { type ErrorCode, isImsError } from '@ims/spi';
import { defaultBootParams } from '@ims/spi/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltTemplate } from './busybox-template.js';
import { uniqueName } from './libvirtd.js';
import { createBusyboxFixture, type ProviderFixture } from './provider-fixture.js';

async function expectRefused(promise: Promise<unknown>, code: ErrorCode): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(isImsError(error) && error.code, String(error)).toBe(code);
    return error as Error;
  }
  throw new Error(`expected ${code}`);
}

async function waitForAddress(vm: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while ((await fixture.provider.getAddresses(vm)).length === 0) {
    if (Date.now() > deadline) throw new Error(`${vm} reported no address within 90 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let fixture: ProviderFixture;
let template: BuiltTemplate;
let templateName: string;

beforeAll(async () => {
  ({ fixture, template, templateName } = await createBusyboxFixture('life'));
}, 180_000);

afterAll(async () => {
  await fixture?.teardown();
});

describe('a VM of the busybox template', () => {
  it('gets copy-on-write disks, a console log, and loses both on delete', async () => {
    const { provider, client, poolName } = fixture;
    const vm = uniqueName('ims-life-cow');
    const { macs } = await provider.createVm({
      name: vm,
      template: templateName,
      cpus: 1,
      memoryMiB: 128,
      nics: [{}],
    });
    const pool = await client.lookupStoragePoolByName(poolName);
    const overlay = await client.getStorageVolInfo(
      await client.lookupStorageVolByName(pool, `${vm}-system.qcow2`),
    );
    const systemDisk = template.metadata.disks.find((d) => d.role === 'system');
    expect(overlay.capacity).toBe(systemDisk?.sizeBytes);
    // An overlay holds only its own changes: a fraction of the 64 MiB base.
    expect(overlay.allocation).toBeLessThan(1024 * 1024);
    await provider.startVm(vm, { bootParams: defaultBootParams(vm, macs[0] ?? '') });
    const log = `${fixture.logDir}/${vm}.console`;
    expect(existsSync(log)).toBe(true);
    await provider.deleteVm(vm, { force: true });
    expect(existsSync(log)).toBe(false);
    expect((await fixture.volumes()).filter((v) => v.startsWith(vm))).toEqual([]);
  });

  it('fails a graceful stop with IMS_TIMEOUT when the time is up, and leaves the VM to a forced stop', async () => {
    const { provider } = fixture;
    const vm = uniqueName('ims-life-stop');
    const { macs } = await provider.createVm({
      name: vm,
      template: templateName,
      cpus: 1,
      memoryMiB: 128,
      nics: [{}],
    });
    try {
      await provider.startVm(vm, { bootParams: defaultBootParams(vm, macs[0] ?? '') });
      const error = await expectRefused(provider.stopVm(vm, { force: false, timeoutMs: 1 }), 'IMS_TIMEOUT');
      expect(error.message).toContain(vm);
      expect((error as { hint?: string }).hint).toContain('--force');
      await provider.stopVm(vm, { force: true, timeoutMs: 1 });
      expect((await provider.getStatus(vm)).state).toBe('stopped');
    } finally {
      await provider.deleteVm(vm, { force: true });
    }
  });

  it('refuses to start a suspended VM and to delete a template a VM boots from', async () => {
    const { provider } = fixture;
    const vm = uniqueName('ims-life-susp');
    const { macs } = await provider.createVm({
      name: vm,
      template: templateName,
      cpus: 1,
      memoryMiB: 128,
      nics: [{}],
    });
    try {
      const bootParams = defaultBootParams(vm, macs[0] ?? '');
      await provider.startVm(vm, { bootParams });
      // Booted far enough to react to a shutdown request once resumed.
      await waitForAddress(vm);
      await provider.suspendVm(vm);
      await expectRefused(provider.startVm(vm, { bootParams }), 'IMS_INVALID_STATE');
      expect((await provider.getStatus(vm)).state).toBe('suspended');
      const inUse = await expectRefused(provider.deleteTemplate(templateName), 'IMS_INVALID_STATE');
      expect(inUse.message).toContain(vm);
      expect((await provider.listTemplates()).map((t) => t.name)).toContain(templateName);
      // A graceful stop of a suspended guest resumes it first, so it can react.
      await provider.stopVm(vm, { force: false, timeoutMs: 60_000 });
      expect((await provider.getStatus(vm)).state).toBe('stopped');
    } finally {
      await provider.deleteVm(vm, { force: true });
    }
  }, 120_000);

  it('refuses more than one NIC', async () => {
    const vm = uniqueName('ims-life-nics');
    await expectRefused(
      fixture.provider.createVm({
        name: vm,
        template: templateName,
        cpus: 1,
        memoryMiB: 128,
        nics: [{}, {}],
      }),
      'IMS_INVALID_ARGUMENT',
    );
    await expectRefused(fixture.provider.getStatus(vm), 'IMS_VM_NOT_FOUND');
  });
});

describe('a domain IMS did not create', () => {
  it('is listed only with includeUnmanaged, and never deleted', async () => {
    const { provider, client } = fixture;
    const name = uniqueName('ims-life-foreign');
    const domain = await client.defineDomainXml(
      `<domain type='qemu'><name>${name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>` +
        `<os><type arch='x86_64'>hvm</type></os></domain>`,
    );
    try {
      expect((await provider.listVms({ includeUnmanaged: false })).map((v) => v.name)).not.toContain(name);
      expect(await provider.listVms({ includeUnmanaged: true })).toContainEqual({
        name,
        state: 'stopped',
        providerState: 'shutoff',
      });
      const refused = await expectRefused(provider.deleteVm(name, { force: true }), 'IMS_INVALID_STATE');
      expect(refused.message).toContain('IMS did not create it');
      expect((await client.lookupDomainByName(name)).name).toBe(name);
      await expectRefused(
        provider.createVm({ name, template: templateName, cpus: 1, memoryMiB: 64, nics: [{}] }),
        'IMS_ALREADY_EXISTS',
      );
    } finally {
      await client.undefineDomain(domain);
    }
  });
});
