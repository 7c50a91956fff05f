/**
 * The names IMS gives its storage volumes and files. Every name here is built from a name that
 * already passed `assertValidName`, so it never holds `/`, spaces or shell characters.
 */
import { posix } from 'node:path';
import { assertValidName } from '@ims/spi';

/** The start of every template volume's name; VM volumes can never start with it (see {@link vmVolumes}). */
export const TEMPLATE_VOLUME_PREFIX = 'ims-tpl-';

/** The volumes of one template. */
export interface TemplateVolumeNames {
  /** The system disk, uploaded as it is. */
  system: string;
  /** The application disk, when the template has one. */
  app: string;
  /** The kernel for direct boot. */
  kernel: string;
  /** The initial ramdisk. */
  initrd: string;
}

/** The volume names of template `template`. */
export function templateVolumes(template: string): TemplateVolumeNames {
  const base = `${TEMPLATE_VOLUME_PREFIX}${assertValidName('template', template)}`;
  return {
    system: `${base}-system`,
    app: `${base}-app`,
    kernel: `${base}-kernel`,
    initrd: `${base}-initrd`,
  };
}

/** The volumes of one VM. */
export interface VmVolumeNames {
  /** Copy-on-write overlay of the template's system disk (`vda`). */
  system: string;
  /** The boot-parameter ISO, replaced at every start (`vdb`, read-only). */
  bootparams: string;
  /** Copy-on-write overlay of the template's application disk (`vdc`). */
  app: string;
}

/**
 * The volume names of VM `vm`. They end in suffixes no template volume has, so a VM named like
 * `ims-tpl-x` still cannot collide with template `x`'s volumes.
 */
export function vmVolumes(vm: string): VmVolumeNames {
  assertValidName('vm', vm);
  return {
    system: `${vm}-system.qcow2`,
    bootparams: `${vm}-bootparams.iso`,
    app: `${vm}-app.qcow2`,
  };
}

/** Every volume name a VM may own, for deletion. */
export function allVmVolumes(vm: string): string[] {
  return Object.values(vmVolumes(vm));
}

/**
 * The serial console log of VM `vm` in `dir` on the libvirt host. It ends in `.console`, not
 * `.log`, so it can never be the log libvirt itself keeps for another domain in the same directory.
 */
export function consoleLogPath(dir: string, vm: string): string {
  return posix.join(dir, `${assertValidName('vm', vm)}.console`);
}
