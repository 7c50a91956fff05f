/**
 * VM status and listing: `list vms` for what exists, `showvminfo` per VM (a few at a time) for its
 * state. This configuration's VMs are those with a record whose UUID VirtualBox still has.
 */
import { assertValidName, isImsError, mapLimited, type VmListing, type VmStatus } from '@ims/spi';
import type { ProviderEnv } from './env.js';
import { listRegistered, showVm } from './machines.js';
import { vmStatus } from './parse/states.js';

/** How many `showvminfo` calls run at once. */
export const SHOWVMINFO_IN_FLIGHT = 8;

/** The state of one VM; `IMS_VM_NOT_FOUND` when VirtualBox has none of that name. */
export async function getStatus(env: ProviderEnv, name: string): Promise<VmStatus> {
  assertValidName('vm', name);
  return vmStatus((await showVm(env, name)).vmState);
}

/** This configuration's VMs, or every VM VirtualBox can read, with their states, sorted by name. */
export async function listVms(
  env: ProviderEnv,
  options: { includeUnmanaged: boolean },
): Promise<VmListing[]> {
  const listed = (await listRegistered(env)).filter((vm) => vm.accessible);
  let names: string[];
  if (options.includeUnmanaged) {
    names = listed.map((vm) => vm.name);
  } else {
    const uuids = new Set(listed.map((vm) => vm.uuid));
    names = (await env.records.vms.all()).filter((r) => uuids.has(r.uuid)).map((r) => r.name);
  }
  const listings = await mapLimited([...new Set(names)], SHOWVMINFO_IN_FLIGHT, async (name) => {
    try {
      return { name, ...vmStatus((await showVm(env, name)).vmState) };
    } catch (error) {
      // Deleted between the listing and this look.
      if (isImsError(error) && error.code === 'IMS_VM_NOT_FOUND') return undefined;
      throw error;
    }
  });
  return listings
    .filter((l): l is VmListing => l !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
