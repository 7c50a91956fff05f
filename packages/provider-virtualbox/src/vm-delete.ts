/**
 * Deleting a VM: `unregistervm --delete` (its settings, its differencing disks, its saved state),
 * then the boot ISO IMS wrote beside it and its folder, then the records. Only VMs this
 * configuration created are deleted, never a template VM or a VM made outside IMS.
 */
import { posix } from 'node:path';
import { assertValidName, type DeleteOptions } from '@ims/spi';
import type { ProviderEnv } from './env.js';
import { invalidState, showVm } from './machines.js';
import { bootIsoPath, vmFolderOf } from './names.js';
import { isOffState } from './parse/states.js';

/** Deletes a VM and all its storage; a running or suspended one only with `force`. */
export async function deleteVm(env: ProviderEnv, name: string, options: DeleteOptions): Promise<void> {
  assertValidName('vm', name);
  const info = await showVm(env, name);
  const record = await env.records.vms.get(name);
  if (record === undefined || record.uuid !== info.uuid) {
    throw invalidState(
      name,
      'delete',
      `not a VM of configuration ${env.context.configName} (IMS did not create it here)`,
      'Delete it with VBoxManage if you mean to.',
    );
  }
  const state = info.vmState;
  if (!(isOffState(state) && state !== 'saved')) {
    if (!options.force) {
      throw invalidState(
        name,
        'delete',
        state === 'saved' || state === 'paused' ? 'suspended' : 'running',
        'Stop it first, or delete it with --force.',
      );
    }
    if (!isOffState(state)) {
      const outcome = await env.vbox.run(['controlvm', name, 'poweroff'], { vm: name, allowFailure: true });
      if (!outcome.ok && !isOffState((await showVm(env, name)).vmState)) {
        await env.vbox.run(['controlvm', name, 'poweroff'], { vm: name });
      }
    }
  }
  // Locks linger after a power-off; the call retries while VirtualBox still holds one.
  await env.vbox.run(['unregistervm', name, '--delete'], { vm: name });
  await env.records.vms.remove(name);
  await env.records.cpu.remove(name);
  const ours = vmFolderOf(env.vmFolder, name);
  const directory = info.configFile === undefined ? ours : posix.dirname(info.configFile);
  try {
    await env.host.removeFile(bootIsoPath(directory, name));
    // Only the folder IMS chose for it; a VM moved elsewhere keeps whatever else is in its folder.
    if (directory === ours) await env.host.removeTree(ours);
  } catch (error) {
    env.context.logger.warn('VM deleted, but its folder could not be cleaned up', {
      vm: name,
      error: error instanceof Error ? error.message : String(error),
    });
  }
  env.context.logger.info('VM deleted', { vm: name });
}
