/**
 * Deleting a VM: `unregistervm --delete` (its settings, its differencing disks, its saved state),
 * then the boot ISO IMS wrote beside it and its folder, then the records. Only VMs this
 * configuration created are deleted, never a template VM or a VM made outside IMS.
 */
import { posix } from 'node:path';
import { assertValidName, type DeleteOptions } from '@ims/spi';
import type { ProviderEnv } from './env.js';
import { findVm, invalidState, showVm, vmNotFound } from './machines.js';
import { bootIsoPath, vmFolderOf } from './names.js';
import { isOffState } from './parse/states.js';

/** Deletes a VM and all its storage; a running or suspended one only with `force`. */
export async function deleteVm(env: ProviderEnv, name: string, options: DeleteOptions): Promise<void> {
  assertValidName('vm', name);
  if (options.incomplete) {
    await deleteIncomplete(env, name);
    return;
  }
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

/**
 * Rolls back a creation that was interrupted anywhere between `clonevm` and the record: the VM is
 * this configuration's when VirtualBox keeps its settings in the folder IMS cloned it into
 * (`--basefolder <vm folder>` puts them in `<vm folder>/<name>/`), whether or not the record was
 * written; a VM of that name elsewhere was made outside IMS and is left alone. A folder without a
 * registered VM (a clone killed half-way) is removed too. `IMS_VM_NOT_FOUND` when nothing was there.
 */
async function deleteIncomplete(env: ProviderEnv, name: string): Promise<void> {
  const ours = vmFolderOf(env.vmFolder, name);
  const info = await findVm(env, name);
  const record = await env.records.vms.get(name);
  if (info !== undefined) {
    const isOurs =
      (record !== undefined && record.uuid === info.uuid) ||
      (info.configFile !== undefined && posix.dirname(info.configFile) === ours);
    if (!isOurs) {
      throw invalidState(
        name,
        'roll back the creation of',
        `registered with its settings in ${info.configFile ?? 'an unknown place'}, not in ${ours} where IMS creates it`,
        'It was not made by this configuration: if the creation is to be forgotten anyway, delete that VM with VBoxManage first.',
      );
    }
    if (!isOffState(info.vmState))
      await env.vbox.run(['controlvm', name, 'poweroff'], { vm: name, allowFailure: true });
    await env.vbox.run(['unregistervm', name, '--delete'], { vm: name });
  }
  if (record !== undefined) {
    await env.records.vms.remove(name);
    await env.records.cpu.remove(name);
  }
  await env.host.removeTree(ours);
  if (info === undefined && record === undefined) throw vmNotFound(env, name);
  env.context.logger.info('half-made VM removed', { vm: name });
}
