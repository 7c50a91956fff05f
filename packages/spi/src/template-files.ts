/**
 * Reading a template directory the way every provider must: its `template.json`, and the files it
 * names resolved inside the directory (links followed) — present, regular, never outside. The host
 * has already extracted the template safely; these checks keep a hand-made directory or a
 * template.json naming `../x` from reaching a hypervisor.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ImsError } from './errors.js';
import type { TemplateMetadata } from './provider.js';

const HINT = 'Build the template with ims-template-build, or fix its template.json.';

/** An `IMS_INVALID_ARGUMENT` about a template, with the hint every template problem shares. */
export function invalidTemplate(message: string, details: Record<string, unknown> = {}): ImsError {
  return new ImsError('IMS_INVALID_ARGUMENT', message, { hint: HINT, details });
}

/** A file of a template, resolved. */
export interface ResolvedTemplateFile {
  /** Absolute path on the IMS host, links resolved. */
  path: string;
  /** Size in bytes. */
  sizeBytes: number;
}

/** The directory's real path; `IMS_INVALID_ARGUMENT` when it does not exist. */
export async function templateRoot(directory: string): Promise<string> {
  return realpath(directory).catch(() => {
    throw invalidTemplate(`Template directory ${directory} does not exist.`, { directory });
  });
}

/** `given` when the host already parsed template.json, else the directory's template.json. */
export async function templateMetadata(root: string, given?: TemplateMetadata): Promise<TemplateMetadata> {
  if (given !== undefined) return given;
  let text: string;
  try {
    text = await readFile(join(root, 'template.json'), 'utf8');
  } catch {
    throw invalidTemplate(`The template in ${root} has no template.json, which names its disks.`, {
      directory: root,
      missing: ['template.json'],
    });
  }
  try {
    const parsed = JSON.parse(text) as TemplateMetadata;
    if (typeof parsed === 'object' && parsed !== null) return parsed;
  } catch {
    // Reported below.
  }
  throw invalidTemplate(`The template.json in ${root} is not a JSON object.`, { directory: root });
}

/** The file template.json names as `what` (e.g. `kernel`, `system disk`), inside `root`. */
export async function templateFile(root: string, name: unknown, what: string): Promise<ResolvedTemplateFile> {
  if (typeof name !== 'string' || name === '') {
    throw invalidTemplate(`The ${what} in template.json has no file name.`, { role: what });
  }
  if (isAbsolute(name) || name.split(/[/\\]/).includes('..')) {
    throw invalidTemplate(
      `template.json names ${JSON.stringify(name)} as the ${what}: it must be a path inside the template.`,
      { role: what, file: name },
    );
  }
  let path: string;
  try {
    path = await realpath(join(root, name));
  } catch {
    throw invalidTemplate(`The ${what} ${name} named in template.json is missing from the template.`, {
      role: what,
      file: name,
      missing: [name],
    });
  }
  const inside = relative(root, path);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw invalidTemplate(`The ${what} ${name} leads outside the template directory.`, {
      role: what,
      file: name,
    });
  }
  const info = await stat(path);
  if (!info.isFile())
    throw invalidTemplate(`The ${what} ${name} is not a regular file.`, { role: what, file: name });
  return { path, sizeBytes: info.size };
}
