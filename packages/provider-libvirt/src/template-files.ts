/**
 * The files of a template directory the provider uploads, found through its `template.json` and
 * checked before anything reaches libvirt: present, regular files, inside the directory.
 */
import { open, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ImsError, type TemplateDisk, type TemplateMetadata } from '@ims/spi';

/** A file of the template to upload. */
export interface TemplateFile {
  /** Absolute path on the IMS host. */
  path: string;
  /** Its size in bytes. */
  sizeBytes: number;
}

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

const HINT = 'Build the template with ims-template-build, or fix its template.json.';

function invalid(message: string, details: Record<string, unknown> = {}): ImsError {
  return new ImsError('IMS_INVALID_ARGUMENT', message, { hint: HINT, details });
}

/** Reads and checks the template in `directory`; `metadata` is its template.json when the host already parsed it. */
export async function readTemplateFiles(
  directory: string,
  metadata: TemplateMetadata | undefined,
): Promise<TemplateFiles> {
  const root = await realpath(directory).catch(() => {
    throw invalid(`Template directory ${directory} does not exist.`, { directory });
  });
  const meta = metadata ?? (await readMetadata(root));
  const missing: string[] = [];
  if (typeof meta.kernel !== 'string' || meta.kernel === '') missing.push('"kernel"');
  if (typeof meta.initrd !== 'string' || meta.initrd === '') missing.push('"initrd"');
  const disks = Array.isArray(meta.disks) ? meta.disks : [];
  const systemDisk = disks.find((d) => d?.role === 'system');
  if (systemDisk === undefined) missing.push('a disk with role "system"');
  if (missing.length > 0) {
    throw invalid(
      `The template in ${directory} cannot be imported: its template.json is missing ${listed(missing)}. ` +
        'The libvirt provider boots templates directly from their own kernel and initrd.',
      { directory, missing },
    );
  }
  const appDisk = disks.find((d) => d?.role === 'application');
  const files: TemplateFiles = {
    metadata: meta,
    kernel: await templateFile(root, meta.kernel as string, 'kernel'),
    initrd: await templateFile(root, meta.initrd as string, 'initrd'),
    system: await diskFile(root, systemDisk as TemplateDisk),
  };
  if (appDisk !== undefined) files.app = await diskFile(root, appDisk);
  return files;
}

function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

async function readMetadata(root: string): Promise<TemplateMetadata> {
  let text: string;
  try {
    text = await readFile(join(root, 'template.json'), 'utf8');
  } catch {
    throw invalid(
      `The template in ${root} has no template.json; the libvirt provider needs it to find the kernel, initrd and disks.`,
      { directory: root, missing: ['template.json'] },
    );
  }
  try {
    const parsed = JSON.parse(text) as TemplateMetadata;
    if (typeof parsed === 'object' && parsed !== null) return parsed;
  } catch {
    // Reported below.
  }
  throw invalid(`The template.json in ${root} is not a JSON object.`, { directory: root });
}

/** A file named by template.json, which must stay inside the template directory once links are resolved. */
async function templateFile(root: string, name: string, role: string): Promise<TemplateFile> {
  if (isAbsolute(name) || name.split(/[/\\]/).includes('..')) {
    throw invalid(
      `template.json names ${JSON.stringify(name)} as the ${role}: it must be a path inside the template.`,
      {
        role,
        file: name,
      },
    );
  }
  let path: string;
  try {
    path = await realpath(join(root, name));
  } catch {
    throw invalid(`The ${role} file ${name} named in template.json is missing from the template.`, {
      role,
      file: name,
      missing: [name],
    });
  }
  const inside = relative(root, path);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    throw invalid(`The ${role} file ${name} leads outside the template directory.`, { role, file: name });
  }
  const info = await stat(path);
  if (!info.isFile()) throw invalid(`The ${role} ${name} is not a regular file.`, { role, file: name });
  return { path, sizeBytes: info.size };
}

async function diskFile(root: string, disk: TemplateDisk): Promise<TemplateDiskFile> {
  const role = `${disk.role} disk`;
  if (typeof disk.file !== 'string') throw invalid(`The ${role} in template.json has no "file".`);
  const file = await templateFile(root, disk.file, role);
  if (disk.format === 'raw' || disk.format === undefined) {
    return { ...file, format: 'raw', capacityBytes: file.sizeBytes };
  }
  if (disk.format === 'qcow2')
    return { ...file, format: 'qcow2', capacityBytes: await qcow2VirtualSize(file) };
  throw invalid(
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
      throw invalid(`${file.path} is declared qcow2 but has no qcow2 header.`);
    }
    return Number(header.readBigUInt64BE(24));
  } finally {
    await handle.close();
  }
}
