/**
 * A template's `template.json` declares the size of every disk image. An archive whose images are
 * larger than declared, or that holds much more than its images, is not the template it claims to
 * be (a decompression bomb hides behind a small declaration): it is refused before any of it is
 * handed to a provider.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ImsError, isImsError, type TemplateMetadata } from '@ims/spi';

/** What a template may hold beside its declared disks: kernel, initrd, vm.cfg, README. */
export const UNDECLARED_ALLOWANCE_BYTES = 512 * 1024 ** 2;

/** `IMS_ARCHIVE_UNSAFE` when a disk is larger than declared or the whole exceeds the declaration. */
export async function checkDeclaredSizes(
  directory: string,
  metadata: TemplateMetadata | undefined,
): Promise<void> {
  if (metadata === undefined) return;
  let declaredTotal = 0;
  for (const disk of metadata.disks) {
    if (typeof disk?.file !== 'string' || typeof disk.sizeBytes !== 'number' || !(disk.sizeBytes >= 0))
      continue;
    declaredTotal += disk.sizeBytes;
    const info = await lstat(join(directory, disk.file)).catch(() => undefined);
    if (info?.isFile() && info.size > disk.sizeBytes) {
      throw new ImsError(
        'IMS_ARCHIVE_UNSAFE',
        `The template's ${disk.file} has ${info.size} bytes, but its template.json declares ${disk.sizeBytes}.`,
        {
          hint: 'Use only templates from a source you trust; rebuild this one with ims-template-build.',
          details: { file: disk.file, sizeBytes: info.size, declaredBytes: disk.sizeBytes },
        },
      );
    }
  }
  const total = await totalFileBytes(directory);
  const bound = declaredTotal + UNDECLARED_ALLOWANCE_BYTES;
  if (total > bound) {
    throw new ImsError(
      'IMS_ARCHIVE_UNSAFE',
      `The template holds ${total} bytes, more than its template.json declares for its disks (${declaredTotal}) plus ${UNDECLARED_ALLOWANCE_BYTES} bytes for other files.`,
      {
        hint: 'Declare every disk image in template.json (ims-template-build does), or remove what does not belong.',
        details: { totalBytes: total, declaredBytes: declaredTotal },
      },
    );
  }
}

async function totalFileBytes(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await lstat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/**
 * The extraction's expansion bound for an import: `IMS_IMPORT_MAX_EXPANSION_RATIO` when set (a
 * legitimate template with a large, mostly empty disk can exceed the default), else the extractor's
 * default.
 */
export function expansionOptions(env: NodeJS.ProcessEnv = process.env): { maxExpansionRatio?: number } {
  const text = env.IMS_IMPORT_MAX_EXPANSION_RATIO;
  if (text === undefined || text === '') return {};
  const ratio = /^[0-9]+(\.[0-9]+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(ratio >= 1)) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `IMS_IMPORT_MAX_EXPANSION_RATIO=${JSON.stringify(text)} is not a number of 1 or more.`,
      {
        hint: 'Set it to how many times an archive may expand (default 200), or unset it (see docs/cli.md).',
        details: { variable: 'IMS_IMPORT_MAX_EXPANSION_RATIO', value: text },
      },
    );
  }
  return { maxExpansionRatio: ratio };
}

/** An expansion refusal, with the hint that says how to import a legitimate sparse template. */
export function withExpansionHint(error: unknown): unknown {
  if (!isImsError(error) || error.details.limit !== 'maxExpansionRatio') return error;
  return new ImsError(error.code, error.message, {
    cause: error,
    hint: 'Use only templates from a source you trust. A template whose disk is large and mostly empty can expand this much legitimately: raise IMS_IMPORT_MAX_EXPANSION_RATIO for it.',
    details: error.details,
  });
}
