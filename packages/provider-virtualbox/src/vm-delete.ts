/**
 * Deleting a VM removes what IMS made for it and nothing else: `unregistervm --delete` removes what
 * VirtualBox made (its settings file and their backups, its hard disks, saved states and log files,
 * and its folder when that is empty — VBoxManage manual, `unregistervm`), then IMS removes the boot
 * ISO its record names and the VM's folder if that is now empty. A folder that holds anything else
 * stays, with everything in it. Only VMs this configuration created are deleted, never a template
 * VM or a VM made outside IMS.
 */
import { posix } from 'node:path';
import { assertValidName, type DeleteOptions } from '@ims/spi';
import type { ProviderEnv } from './env.js';
import { findVm, invalidState, showVm, vmNotFound } from './machines.js';
import { bootIsoPath, vmFolderOf } from './names.js';
import type { MachineInfo } from './parse/machine-info.js';
import { isOffState } from './parse/states.js';
import type { VmRecord } from './records.js';
import { assertSafeVmFolder, unsafeVmFolderReason } from './vm-folder.js';

/** Deletes a VM and all its storage; a running or suspended one only with `force`. */
export async function deleteVm(env: ProviderEnv, name: string, options: DeleteOptions): Promise<void> {
  assertValidName('vm', name);
  assertSafeVmFolder(env.vmFolder, env.context.configName);
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
  const isos = bootIsosOf(record, info);
  // Locks linger after a power-off; the call retries while VirtualBox still holds one.
  await env.vbox.run(['unregistervm', name, '--delete'], { vm: name });
  await env.records.vms.remove(name);
  await env.records.cpu.remove(name);
  try {
    for (const iso of isos) await env.host.removeFile(iso);
    const folder = ownFolderOf(env, info);
    // VirtualBox left the folder because the ISO was still in it; anything else keeps it.
    if (folder !== undefined) await env.host.removeEmptyFolder(folder);
  } catch (error) {
    env.context.logger.warn('VM deleted, but its boot ISO or empty folder could not be removed', {
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
 * registered VM (a clone killed half-way) loses the files VirtualBox and IMS name after the VM, and
 * is removed if that empties it; anything else in it stays. `IMS_VM_NOT_FOUND` when nothing was there.
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
  await removeCloneLeftovers(env, name, ours);
  if (info === undefined && record === undefined) throw vmNotFound(env, name);
  env.context.logger.info('half-made VM removed', { vm: name });
}

/**
 * What a clone killed before VirtualBox registered it can leave in `<vm folder>/<name>/`: the
 * settings file and its backups, IMS's boot ISO, logs, and the empty `Logs`/`Snapshots` folders.
 * Only those names are removed, never the folder's other contents: the folder is named after the
 * VM, so it may be a user's own.
 */
async function removeCloneLeftovers(env: ProviderEnv, name: string, folder: string): Promise<void> {
  for (const file of [`${name}.vbox`, `${name}.vbox-prev`, `${name}.vbox-tmp`, 'Logs/VBox.log']) {
    await env.host.removeFile(posix.join(folder, file));
  }
  await env.host.removeFile(bootIsoPath(folder, name));
  for (const sub of ['Logs', 'Snapshots']) await env.host.removeEmptyFolder(posix.join(folder, sub));
  await env.host.removeEmptyFolder(folder);
}

/**
 * The boot ISOs IMS wrote for this VM: the one its record names, and the one in its DVD drive
 * when that has the name IMS gives it beside the settings file (records of older versions do not
 * name it). VirtualBox's `--delete` leaves DVD images alone.
 */
function bootIsosOf(record: VmRecord, info: MachineInfo): string[] {
  const name = record.name;
  const isos = new Set<string>();
  const isImsIso = (path: string | undefined): path is string =>
    path !== undefined && posix.isAbsolute(path) && bootIsoPath(posix.dirname(path), name) === path;
  if (isImsIso(record.bootIso)) isos.add(record.bootIso);
  const dvd = info.raw.get('IDE-1-0');
  if (info.configFile !== undefined && dvd === bootIsoPath(posix.dirname(info.configFile), name)) {
    isos.add(dvd);
  }
  return [...isos];
}

/**
 * The folder VirtualBox made for the VM (the settings file's folder, named after the VM, as
 * VirtualBox itself requires before removing it), unless it is the VM folder itself or one that
 * must never be touched.
 */
function ownFolderOf(env: ProviderEnv, info: MachineInfo): string | undefined {
  if (info.configFile === undefined) return undefined;
  const folder = posix.dirname(info.configFile);
  if (posix.basename(folder) !== info.name || folder === env.vmFolder) return undefined;
  return unsafeVmFolderReason(folder) === undefined ? folder : undefined;
}
