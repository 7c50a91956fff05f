/**
 * The disks of an ovm-templates template directory, found through its `template.json` and checked
 * before anything reaches VirtualBox: present, regular files, inside the directory, raw.
 */
import {
  invalidTemplate,
  type TemplateDisk,
  type TemplateMetadata,
  templateFile,
  templateMetadata,
  templateRoot,
} from '@ims/spi';

/** A raw disk image of the template. */
export interface TemplateDiskFile {
  /** What it is for. */
  role: 'system' | 'application';
  /** Absolute path on the IMS host. */
  path: string;
  /** Size in bytes. */
  sizeBytes: number;
}

/** What the provider takes from a template directory. */
export interface TemplateFiles {
  /** The parsed `template.json`. */
  metadata: TemplateMetadata;
  /** The system disk, then the application disk when there is one. */
  disks: TemplateDiskFile[];
}

/** Reads and checks the template in `directory`; `metadata` is its template.json when the host already parsed it. */
export async function readTemplateFiles(
  directory: string,
  metadata: TemplateMetadata | undefined,
): Promise<TemplateFiles> {
  const root = await templateRoot(directory);
  const meta = await templateMetadata(root, metadata);
  const disks = Array.isArray(meta.disks) ? meta.disks : [];
  const system = disks.find((d) => d?.role === 'system');
  if (system === undefined) {
    throw invalidTemplate(
      `The template in ${directory} cannot be imported: its template.json has no disk with role "system".`,
      { directory, missing: ['system disk'] },
    );
  }
  const files: TemplateDiskFile[] = [await diskFile(root, system, 'system')];
  const app = disks.find((d) => d?.role === 'application');
  if (app !== undefined) files.push(await diskFile(root, app, 'application'));
  return { metadata: meta, disks: files };
}

async function diskFile(
  root: string,
  disk: TemplateDisk,
  role: TemplateDiskFile['role'],
): Promise<TemplateDiskFile> {
  if (disk.format !== undefined && disk.format !== 'raw') {
    throw invalidTemplate(
      `The ${role} disk ${String(disk.file)} is in format ${JSON.stringify(disk.format)}; VBoxManage convertfromraw needs raw images.`,
      { role, file: disk.file },
    );
  }
  const file = await templateFile(root, disk.file, `${role} disk`);
  return { role, ...file };
}
