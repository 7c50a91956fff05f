/** VM status and listing, from the Manager; "this configuration's VMs" are those in its records. */
import { assertValidName, type VmListing, type VmStatus } from '@ims/spi';
import type { OvmEnv } from './env.js';
import { ovmStatus } from './states.js';
import { lookupVm } from './vms.js';

/** The state of one VM. */
export async function getStatus(env: OvmEnv, name: string): Promise<VmStatus> {
  assertValidName('vm', name);
  const vm = await lookupVm(env, name);
  return ovmStatus(vm.status, vm.statusCode);
}

/** The VMs of the configured pool (only those this configuration made, unless `includeUnmanaged`), sorted by name. */
export async function listVms(env: OvmEnv, options: { includeUnmanaged: boolean }): Promise<VmListing[]> {
  const vms = await env.manager.allVms(await env.pool());
  const records = options.includeUnmanaged ? undefined : await env.records.all();
  return vms
    .filter((vm) => records === undefined || records.get(vm.name)?.imgId === vm.imgId)
    .map((vm) => ({ name: vm.name, ...ovmStatus(vm.status, vm.statusCode) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
