import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { SimContext } from '../context.js';
import { ApiError, UsageError } from '../errors.js';
import { findMachine, isSessionLocked } from '../machines.js';
import type { SimVm } from '../state/types.js';
import { sanitizeMachineFilename } from '../vbox-file.js';
import { deleteVmLogs, removeIfEmpty } from '../vm-logs.js';

const FILE = 'VBoxManageMisc.cpp';
const UNREGISTER_CALL =
  'Unregister(CleanupMode_DetachAllReturnHardDisksOnly, ComSafeArrayAsOutParam(aMedia))';

/** Hard disks this VM uses (current and snapshot ones) that no other registered VM uses. */
function ownedDisks(ctx: SimContext, vm: SimVm): string[] {
  const usedBy = (m: SimVm) =>
    [...m.attachments, ...m.snapshots.flatMap((s) => s.disks)]
      .filter((a) => a.type === 'hdd' && a.medium)
      .map((a) => a.medium!);
  const others = new Set(
    ctx.store
      .list()
      .filter((m) => m !== vm)
      .flatMap(usedBy),
  );
  return [...new Set(usedBy(vm))].filter((p) => !others.has(p));
}

/** `unregistervm <vm> [--delete]`. */
export async function unregistervm(ctx: SimContext, argv: string[]): Promise<void> {
  const names = argv.filter((a) => !a.startsWith('-'));
  const flags = argv.filter((a) => a.startsWith('-'));
  const unknown = flags.find((f) => !['--delete', '-delete', '--delete-all'].includes(f));
  if (unknown) throw new UsageError(`Invalid parameter '${unknown}'`, 'unregistervm');
  if (names.length !== 1) throw new UsageError('VM name required', 'unregistervm');
  const vm = findMachine(ctx, names[0]!, {
    call: 'FindMachine(Bstr(VMName).raw(), machine.asOutParam())',
    line: 144,
    file: FILE,
  });
  if (isSessionLocked(ctx, vm)) {
    // confirmed: reference "Errors and exit codes" (message, VBOX_E_INVALID_OBJECT_STATE)
    throw new ApiError(
      `Cannot unregister the machine '${vm.name}' while it is locked`,
      'VBOX_E_INVALID_OBJECT_STATE',
      { component: 'Machine', iface: 'IMachine' },
      { call: UNREGISTER_CALL, line: 154, file: FILE },
    );
  }
  const media = ctx.store.registry.media;
  const disks = ownedDisks(ctx, vm);
  if (flags.length === 0) {
    ctx.store.remove(vm.uuid);
    for (const disk of disks) delete media[disk];
    return;
  }
  const doomed = new Set(disks);
  for (const disk of disks) {
    const children = Object.entries(media).filter(([p, m]) => m.parent === disk && !doomed.has(p));
    if (children.length > 0) {
      // modelled: Medium::close refusal — a linked clone still builds on this image
      throw new ApiError(
        `Cannot close medium '${disk}' because it has ${children.length} child media`,
        'VBOX_E_OBJECT_IN_USE',
        { component: 'Medium', iface: 'IMedium' },
        {
          call: 'DeleteConfig(ComSafeArrayAsInParam(aMedia), pProgress.asOutParam())',
          line: 171,
          file: FILE,
        },
      );
    }
  }
  ctx.store.remove(vm.uuid);
  for (const disk of disks) {
    await rm(disk, { force: true });
    delete media[disk];
  }
  // confirmed: VBoxManage manual, unregistervm --delete (hard disks with their differencing
  // images, saved states, the settings file and its backups, log files, and "the empty directory
  // associated with the unregistered VM"); MachineImpl.cpp DeleteConfig removes the Snapshots and
  // machine folders with RTDirRemove, which leaves a folder that still holds anything. DVD images
  // stay (only --delete-all, 7.x, removes those attached to this VM alone).
  const folder = dirname(vm.cfgFile);
  await rm(vm.cfgFile, { force: true });
  await rm(`${vm.cfgFile}-prev`, { force: true });
  await rm(`${vm.cfgFile}-tmp`, { force: true });
  await deleteVmLogs(vm);
  await removeIfEmpty(join(folder, 'Snapshots'));
  // confirmed: MachineImpl.cpp DeleteConfig ("delete the directory that contains the settings
  // file, but only if it matches the VM name", i_isInOwnDir)
  if (basename(folder) === sanitizeMachineFilename(vm.name)) await removeIfEmpty(folder);
  // confirmed: reference "Output formats" (unregistervm --delete: progress on stderr only)
  ctx.out.progress();
}
