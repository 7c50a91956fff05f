/**
 * Names and paths IMS gives things on the VirtualBox host. Each is built from a name that passed
 * `assertValidName`, so it never holds `/`, spaces or shell characters.
 */
import { posix } from 'node:path';
import { assertValidName, ImsError } from '@ims/spi';

/** The start of every template VM's name. */
export const TEMPLATE_VM_PREFIX = 'ims-template-';

/** The snapshot every VM of a template is a linked clone of. */
export const BASE_SNAPSHOT = 'ims-base';

/** The folder under the VM folder that holds the templates. */
export const TEMPLATES_FOLDER = 'ims-templates';

/** The registered VM holding template `template`'s disks and base snapshot. */
export function templateVmName(template: string): string {
  return `${TEMPLATE_VM_PREFIX}${assertValidName('template', template)}`;
}

/** The folder of template `template`: its disks and its VM's folder. */
export function templateFolder(vmFolder: string, template: string): string {
  return posix.join(vmFolder, TEMPLATES_FOLDER, assertValidName('template', template));
}

/** The converted disk of a template for a role (`System.vdi`, `Application.vdi`). */
export function templateDiskPath(folder: string, role: 'system' | 'application'): string {
  return posix.join(folder, role === 'system' ? 'System.vdi' : 'Application.vdi');
}

/** Where a raw disk is uploaded before conversion on a remote host. */
export function rawUploadPath(folder: string, role: 'system' | 'application'): string {
  return posix.join(folder, role === 'system' ? 'System.img' : 'Application.img');
}

/** The folder VirtualBox makes for VM `vm` under `--basefolder vmFolder`. */
export function vmFolderOf(vmFolder: string, vm: string): string {
  return posix.join(vmFolder, assertValidName('vm', vm));
}

/** The boot-parameter ISO of VM `vm`, next to its settings file. */
export function bootIsoPath(vmDirectory: string, vm: string): string {
  return posix.join(vmDirectory, `${assertValidName('vm', vm)}-bootparams.iso`);
}

/** A VM name, refused when it could be taken for a template VM. */
export function assertVmName(name: unknown): string {
  const vm = assertValidName('vm', name);
  if (vm.startsWith(TEMPLATE_VM_PREFIX)) {
    throw new ImsError(
      'IMS_INVALID_NAME',
      `Invalid vm name "${vm}": names starting with "${TEMPLATE_VM_PREFIX}" are reserved for the VMs that hold templates.`,
      { hint: 'Choose a name with another beginning.', details: { kind: 'vm' } },
    );
  }
  return vm;
}
