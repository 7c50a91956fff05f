/** Looking VMs up through VBoxManage, with IMS's errors. */
import { ImsError, isImsError } from '@ims/spi';
import type { ProviderEnv } from './env.js';
import { type MachineInfo, machineInfo } from './parse/machine-info.js';
import { type ListedVm, parseVmList } from './parse/vm-list.js';

/** The VM's settings and state; `IMS_VM_NOT_FOUND` when VirtualBox has no VM of that name. */
export async function showVm(env: ProviderEnv, name: string): Promise<MachineInfo> {
  const outcome = await env.vbox.run(['showvminfo', name, '--machinereadable'], { vm: name });
  return machineInfo(outcome.stdout);
}

/** The VM's settings and state, or undefined when VirtualBox has no VM of that name. */
export async function findVm(env: ProviderEnv, name: string): Promise<MachineInfo | undefined> {
  try {
    return await showVm(env, name);
  } catch (error) {
    if (isImsError(error) && error.code === 'IMS_VM_NOT_FOUND') return undefined;
    throw error;
  }
}

/** Every registered VM (`list vms`). */
export async function listRegistered(env: ProviderEnv): Promise<ListedVm[]> {
  return parseVmList((await env.vbox.run(['list', 'vms'])).stdout);
}

/** `IMS_VM_NOT_FOUND` for a VM VirtualBox does not have. */
export function vmNotFound(env: ProviderEnv, name: string): ImsError {
  return new ImsError('IMS_VM_NOT_FOUND', `VM ${name} does not exist in VirtualBox on ${env.host.target}.`, {
    hint: 'Check the name with `ims vm list --all`; it may have been removed outside IMS.',
    details: { vm: name },
  });
}

/** `IMS_INVALID_STATE` for an operation the VM's state does not allow. */
export function invalidState(vm: string, operation: string, state: string, hint: string): ImsError {
  return new ImsError('IMS_INVALID_STATE', `Cannot ${operation} VM ${vm}: it is ${state}.`, {
    hint,
    details: { vm, state },
  });
}
