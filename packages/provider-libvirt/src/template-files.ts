/**
 * The files of a template directory the provider uploads, found through its `template.json` and
 * checked before anything reaches libvirt: present, regular files, inside the directory.
 */
import { open } from 'node:fs/promises';
import {
  invalidTemplate,
  type ResolvedTemplateFile,
  type TemplateDisk,
  type TemplateMetadata,
  templateFile,
  templateMetadata,
  templateRoot,
} from '@ims/spi';

/** A file of the template to upload. */
export type TemplateFile = ResolvedTemplateFile;

/** A disk image of the template to upload. */
export interface TemplateDiskFile extends TemplateFile {
  /** Image format. */
  format: 'raw' | 'qcow2';
  /** Size the guest sees, in bytes. */
  capacityBytes: number;
}

/** Everything the provider takes from a template directory. */
export interface TemplateFiles {
  /** The parsed `template.json`. */
  metadata: TemplateMetadata;
  /** Kernel for direct boot. */
  kernel: TemplateFile;
  /** Initial ramdisk. */
  initrd: TemplateFile;
  /** The system disk. */
  system: TemplateDiskFile;
  /** The application disk, if the template has one. */
  app?: TemplateDiskFile;
}

/** Reads and checks the template in `directory`; `metadata` is its template.json when the host already parsed it. */
export async function readTemplateFiles(
  directory: string,
  metadata: TemplateMetadata | undefined,
): Promise<TemplateFiles> {
  const root = await templateRoot(directory);
  const meta = await templateMetadata(root, metadata);
  const missing: string[] = [];
  if (typeof meta.kernel !== 'string' || meta.kernel === '') missing.push('"kernel"');
  if (typeof meta.initrd !== 'string' || meta.initrd === '') missing.push('"initrd"');
  const disks = Array.isArray(meta.disks) ? meta.disks : [];
  const systemDisk = disks.find((d) => d?.role === 'system');
  if (systemDisk === undefined) missing.push('a disk with role "system"');
  if (missing.length > 0) {
    throw invalidTemplate(
      `The template in ${directory} cannot be imported: its template.json is missing ${listed(missing)}. ` +
        'The libvirt provider boots templates directly from their own kernel and initrd.',
      { directory, missing },
    );
  }
  const appDisk = disks.find((d) => d?.role === 'application');
  const files: TemplateFiles = {
    metadata: meta,
    kernel: await templateFile(root, meta.kernel, 'kernel file'),
    initrd: await templateFile(root, meta.initrd, 'initrd file'),
    system: await diskFile(root, systemDisk as TemplateDisk),
  };
  if (appDisk !== undefined) files.app = await diskFile(root, appDisk);
  return files;
}

function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

async function diskFile(root: string, disk: TemplateDisk): Promise<TemplateDiskFile> {
  const role = `${disk.role} disk`;
  const file = await templateFile(root, disk.file, role);
  if (disk.format === 'raw' || disk.format === undefined) {
    return { ...file, format: 'raw', capacityBytes: file.sizeBytes };
  }
  if (disk.format === 'qcow2')
    return { ...file, format: 'qcow2', capacityBytes: await qcow2VirtualSize(file) };
  throw invalidTemplate(
    `The ${role} ${disk.file} is in format ${JSON.stringify(disk.format)}; only raw and qcow2 are supported.`,
  );
}

/** The virtual size recorded in a qcow2 header (big-endian u64 at offset 24, after the magic `QFI\xfb`). */
async function qcow2VirtualSize(file: TemplateFile): Promise<number> {
  const handle = await open(file.path, 'r');
  try {
    const header = Buffer.alloc(32);
    const { bytesRead } = await handle.read(header, 0, 32, 0);
    if (bytesRead < 32 || header.readUInt32BE(0) !== 0x514649fb) {
      throw invalidTemplate(`${file.path} is declared qcow2 but has no qcow2 header.`);
    }
    return Number(header.readBigUInt64BE(24));
  } finally {
    await handle.close();
  }
}
