/**
 * Rolling back an interrupted create on the real daemon: a create killed after it made the VM's
 * volumes but before it defined the domain leaves volumes no domain names; the host's rollback
 * (`deleteVm` with `incomplete`) removes them, and says IMS_VM_NOT_FOUND once nothing is left.
 */
import { type ErrorCode, isImsError } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allVmVolumes } from '../src/names.js';
import { uniqueName } from './libvirtd.js';
import { createBusyboxFixture, type ProviderFixture } from './provider-fixture.js';

async function expectRefused(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(isImsError(error) && error.code, String(error)).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

let fixture: ProviderFixture;
let templateName: string;

beforeAll(async () => {
  ({ fixture, templateName } = await createBusyboxFixture('rollback'));
}, 180_000);

afterAll(async () => {
  await fixture?.teardown();
});

describe('rolling back an interrupted create (libvirt)', () => {
  it('removes the volumes of a VM whose domain was never defined', async () => {
    const { provider, client } = fixture;
    const vm = uniqueName('ims-rb');
    await provider.createVm({ name: vm, template: templateName, cpus: 1, memoryMiB: 128, nics: [{}] });
    // What a kill just before the domain was defined leaves: its volumes only.
    await client.undefineDomain(await client.lookupDomainByName(vm));
    const made = allVmVolumes(vm).filter((v) => !v.endsWith('-app.qcow2'));
    for (const volume of made) expect(await fixture.volumes()).toContain(volume);
    await expectRefused(provider.deleteVm(vm, { force: true }), 'IMS_VM_NOT_FOUND');

    await provider.deleteVm(vm, { force: true, incomplete: true });
    const left = await fixture.volumes();
    for (const volume of allVmVolumes(vm)) expect(left).not.toContain(volume);
    await expectRefused(provider.deleteVm(vm, { force: true, incomplete: true }), 'IMS_VM_NOT_FOUND');
  }, 120_000);

  it('rolls back a VM whose domain was defined like a delete', async () => {
    const { provider } = fixture;
    const vm = uniqueName('ims-rb-def');
    await provider.createVm({ name: vm, template: templateName, cpus: 1, memoryMiB: 128, nics: [{}] });
    await provider.deleteVm(vm, { force: false, incomplete: true });
    await expectRefused(provider.getStatus(vm), 'IMS_VM_NOT_FOUND');
    for (const volume of allVmVolumes(vm)) expect(await fixture.volumes()).not.toContain(volume);
  }, 120_000);
});
