/**
 * The VM process's log files in `<machine folder>/Logs`: `VBox.log`, rotated at each start to
 * `VBox.log.1` … `VBox.log.3`, and what `unregistervm --delete` removes of them.
 */
import { mkdir, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SimVm } from './state/types.js';

/** Rotated logs VirtualBox keeps besides the current one. */
const LOG_HISTORY = 3;

/** The VM's log folder (`LogFldr` in `showvminfo`). */
export function logFolderOf(vm: SimVm): string {
  return join(dirname(vm.cfgFile), 'Logs');
}

/** Rotates the logs and starts a new `VBox.log`, as a VM process does when it starts. */
export async function startVmLog(vm: SimVm, atMs: number): Promise<void> {
  // modelled: Console::powerUpThread rotates VBox.log → VBox.log.1 … (history of 3); content is ours
  const folder = logFolderOf(vm);
  await rm(join(folder, `VBox.log.${LOG_HISTORY}`), { force: true });
  for (let i = LOG_HISTORY - 1; i >= 0; i--) {
    const from = join(folder, i === 0 ? 'VBox.log' : `VBox.log.${i}`);
    await rename(from, join(folder, `VBox.log.${i + 1}`)).catch(() => {});
  }
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'VBox.log'), `${new Date(atMs).toISOString()} VM '${vm.name}' powering up\n`);
}

/**
 * What `unregistervm --delete` removes of the logs: `VBox.log`, `VBox.png` and their numbered
 * copies 0 to 3, then the folder only if that left it empty. Anything else in it stays.
 */
export async function deleteVmLogs(vm: SimVm): Promise<void> {
  // confirmed: MachineImpl.cpp, Machine::DeleteSettings/deleteConfigHandler ("Delete all
  // VBox.log[.N] files from the Logs folder ... Also, delete the VBox.png[.N] files", then
  // RTDirRemove(logFolder), which removes only an empty folder)
  const folder = logFolderOf(vm);
  const names = ['VBox.log', 'VBox.png'];
  for (let i = 0; i <= LOG_HISTORY; i++) names.push(`VBox.log.${i}`, `VBox.png.${i}`);
  for (const name of names) await rm(join(folder, name), { force: true });
  await removeIfEmpty(folder);
}

/** RTDirRemove: removes a folder only when it is empty; a missing or non-empty one stays as it is. */
export async function removeIfEmpty(dir: string): Promise<void> {
  try {
    if ((await readdir(dir)).length === 0) await rmdir(dir);
  } catch {
    // missing already, or not empty: VirtualBox leaves foreign files alone
  }
}
