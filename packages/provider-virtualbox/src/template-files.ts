/**
 * The disks of an ovm-templates template directory, found through its `template.json` and checked
 * before anything reaches VirtualBox: present, regular files, inside the directory, raw.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ImsError, type TemplateDisk, type TemplateMetadata } from '@ims/spi';

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
  const disks = Array.isArray(meta.disks) ? meta.disks : [];
  const system = disks.find((d) => d?.role === 'system');
  if (system === undefined) {
    throw invalid(
      `The template in ${directory} cannot be imported: its template.json has no disk with role "system".`,
      {
        directory,
        missing: ['system disk'],
      },
    );
  }
  const files: TemplateDiskFile[] = [await diskFile(root, system, 'system')];
  const app = disks.find((d) => d?.role === 'application');
  if (app !== undefined) files.push(await diskFile(root, app, 'application'));
  return { metadata: meta, disks: files };
}

async function readMetadata(root: string): Promise<TemplateMetadata> {
  let text: string;
  try {
    text = await readFile(join(root, 'template.json'), 'utf8');
  } catch {
    throw invalid(
      `The template in ${root} has no template.json; the VirtualBox provider needs it to find the disks.`,
      {
        directory: root,
        missing: ['template.json'],
      },
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

async function diskFile(
  root: string,
  disk: TemplateDisk,
  role: TemplateDiskFile['role'],
): Promise<TemplateDiskFile> {
  const name = disk.file;
  if (typeof name !== 'string' || name === '')
    throw invalid(`The ${role} disk in template.json has no "file".`);
  if (disk.format !== undefined && disk.format !== 'raw') {
    throw invalid(
      `The ${role} disk ${name} is in format ${JSON.stringify(disk.format)}; VBoxManage convertfromraw needs raw images.`,
      { role, file: name },
    );
  }
  if (isAbsolute(name) || name.split(/[/\\]/).includes('..')) {
    throw invalid(
      `template.json names ${JSON.stringify(name)} as the ${role} disk: it must be a path inside the template.`,
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
    throw invalid(`The ${role} disk ${name} named in template.json is missing from the template.`, {
      role,
      file: name,
      missing: [name],
    });
  }
  const inside = relative(root, path);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw invalid(`The ${role} disk ${name} leads outside the template directory.`, { role, file: name });
  }
  const info = await stat(path);
  if (!info.isFile()) throw invalid(`The ${role} disk ${name} is not a regular file.`, { role, file: name });
  return { role, path, sizeBytes: info.size };
}
