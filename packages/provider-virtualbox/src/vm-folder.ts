/**
 * Which folders may hold IMS's VMs and templates. VirtualBox puts a VM's files into
 * `<vm-folder>/<vm>/` whether or not that folder already exists, so a VM folder that is also a
 * system folder or a home directory would mix IMS's files with other people's. IMS never removes a
 * folder recursively, but it refuses such a VM folder when the configuration is written (the
 * schema's pattern) and again before anything is created or deleted in it (the configuration may
 * have been written before this rule, or by hand).
 */
import { homedir } from 'node:os';
import { posix } from 'node:path';
import { ImsError } from '@ims/spi';
import { VM_FOLDER_PATTERN } from './vm-folder-pattern.js';

export { VM_FOLDER_PATTERN };

/** Compiled as JSON-schema validators compile it: no flags, so `.` stops at line breaks. */
const PATTERN = new RegExp(VM_FOLDER_PATTERN);

/** Why `folder` must not hold VMs, or undefined when it may. */
export function unsafeVmFolderReason(folder: string): string | undefined {
  if (!folder.startsWith('/')) return 'it is not an absolute path';
  if (folder !== posix.normalize(folder) || (folder.length > 1 && folder.endsWith('/')))
    return 'it is not a normalised path (it has `.`, `..`, `//` or a trailing `/`)';
  if (folder === '/') return 'it is the root folder';
  if ([...folder].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f'))
    return 'it contains a control character';
  if (!PATTERN.test(folder)) return 'it is a system folder or a home directory';
  if (folder === homedir()) return 'it is the home directory of the user running IMS';
  return undefined;
}

/** `folder` itself, or `IMS_CONFIG_INVALID` when it must not hold VMs (`/`, `/etc`, a home directory...). */
export function assertSafeVmFolder(folder: string, configName: string): string {
  const reason = unsafeVmFolderReason(folder);
  if (reason === undefined) return folder;
  throw new ImsError(
    'IMS_CONFIG_INVALID',
    `The VM folder ${folder} of configuration ${configName} cannot hold VMs: ${reason}.`,
    {
      hint: `Give the configuration a folder of its own, e.g. \`ims config update ${configName} --vm-folder /srv/ims/vms\`; nothing was created or deleted.`,
      details: { option: 'vmFolder', vmFolder: folder },
    },
  );
}
