/**
 * Checks a template archive on the IMS host before any byte of it goes to dom0, where GNU tar
 * extracts what IMS packs from the host's extraction of it: only regular files and directories, no
 * absolute names, no `..`, no links, no devices, and no header that GNU tar would read differently
 * from tar-stream (see tar-header-scan.ts). Reads the archive once.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ImsError, isImsError } from '@ims/spi';
import { extract, type Header } from 'tar-stream';
import { createHashingTap } from './hashing-tap.js';
import { createTarHeaderScan, TarHeaderRefusal } from './tar-header-scan.js';

/** What the check found out about a safe archive. */
export interface CheckedArchive {
  /** SHA-256 of the archive file, lower-case hex. */
  sha256: string;
  /** Size of the archive file in bytes. */
  sizeBytes: number;
  /** Number of entries. */
  entries: number;
  /**
   * The directory inside the archive that holds `vm.cfg`: `''` when the template's files are at
   * the archive's root, else the single top-level directory they are in.
   */
  root: string;
}

/** Archives with more entries than this are refused (a template has a handful). */
const MAX_ENTRIES = 100_000;

/** Checks `archivePath` (a gzip-compressed tar); `IMS_ARCHIVE_UNSAFE`, `IMS_ARCHIVE_CORRUPT` or `IMS_INVALID_ARGUMENT` when it must not be used. */
export async function checkTemplateArchive(
  archivePath: string,
  signal?: AbortSignal,
): Promise<CheckedArchive> {
  const tap = createHashingTap();
  const files = new Set<string>();
  const topLevel = new Set<string>();
  let entries = 0;
  const source = createReadStream(archivePath);
  const tar = extract();
  // Failures are taken from the pipeline below; these listeners only keep them from being unhandled.
  tar.on('error', () => {});
  source.on('error', () => {});
  // The iterator must listen before bytes flow, or the first entries would be missed.
  const iterator = tar[Symbol.asyncIterator]();
  // A second, strict reading of the headers refuses whatever GNU tar would read differently.
  const scan = createTarHeaderScan();
  let refusal: TarHeaderRefusal | undefined;
  scan.on('error', (error) => {
    if (error instanceof TarHeaderRefusal) refusal ??= error;
  });
  const flowing = pipeline(source, tap.stream, createGunzip(), scan, tar, ...(signal ? [{ signal }] : []));
  flowing.catch(() => undefined);
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      const entry = next.value;
      entries += 1;
      const problem =
        entries > MAX_ENTRIES
          ? `the archive has more than ${MAX_ENTRIES} entries`
          : entryProblem(entry.header);
      if (problem !== undefined) throw unsafe(archivePath, entry.header.name, problem);
      const components = entry.header.name.split('/').filter((part) => part !== '' && part !== '.');
      if (components[0] !== undefined) topLevel.add(components[0]);
      if (entry.header.type === 'file') files.add(components.join('/'));
      for await (const _chunk of entry) {
        // Only the names matter; the data is drained (and hashed on the way in).
      }
    }
    await flowing;
  } catch (error) {
    source.destroy();
    tar.destroy();
    await flowing.catch(() => undefined);
    if (refusal !== undefined && !isImsError(error))
      throw unsafe(archivePath, refusal.entry, refusal.problem);
    throw readFailure(archivePath, error);
  }
  return { ...tap.digest(), entries, root: templateRoot(archivePath, files, topLevel) };
}

/** Why an entry must not be extracted, or `undefined` when it is fine. */
export function entryProblem(
  header: Pick<Header, 'name' | 'linkname'> & { type?: Header['type'] | null },
): string | undefined {
  const { name, type } = header;
  if (type !== 'file' && type !== 'directory') {
    if (type === 'symlink') return `it is a symbolic link (to ${JSON.stringify(header.linkname ?? '')})`;
    if (type === 'link') return `it is a hard link (to ${JSON.stringify(header.linkname ?? '')})`;
    return `it is a ${type ?? 'entry of an unknown type'}; only regular files and directories are allowed`;
  }
  if (name === '') return 'it has an empty name';
  if (name.includes('\0')) return 'its name contains a NUL byte';
  if (name.startsWith('/')) return 'its name is an absolute path';
  if (name.split('/').includes('..')) return 'its name contains a ".." component';
  return undefined;
}

function templateRoot(
  archivePath: string,
  files: ReadonlySet<string>,
  topLevel: ReadonlySet<string>,
): string {
  if (files.has('vm.cfg')) return '';
  const [only] = topLevel;
  if (topLevel.size === 1 && only !== undefined && files.has(`${only}/vm.cfg`)) return only;
  throw new ImsError(
    'IMS_INVALID_ARGUMENT',
    `${archivePath} is not an Oracle VM template: it has no vm.cfg.`,
    {
      hint: 'Build the template with ims-template-build, which writes vm.cfg at the root of the archive.',
      details: { archive: archivePath },
    },
  );
}

function unsafe(archivePath: string, entry: string, problem: string): ImsError {
  return new ImsError(
    'IMS_ARCHIVE_UNSAFE',
    `Refusing ${archivePath}: entry ${JSON.stringify(entry)} is unsafe: ${problem}.`,
    {
      hint: 'Only use template archives from a source you trust; rebuild this one with ims-template-build.',
      details: { archive: archivePath, entry },
    },
  );
}

function readFailure(archivePath: string, error: unknown): ImsError {
  if (isImsError(error)) return error;
  const e = error as NodeJS.ErrnoException;
  if (e.name === 'AbortError')
    return new ImsError('IMS_ABORTED', `The check of ${archivePath} was cancelled.`, { cause: error });
  if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR') {
    return new ImsError('IMS_IO_FAILED', `Cannot read ${archivePath}: ${e.message}`, { cause: error });
  }
  return new ImsError(
    'IMS_ARCHIVE_CORRUPT',
    `${archivePath} is not a readable gzip-compressed tar archive: ${e.message}.`,
    {
      cause: error,
      hint: 'Check that the file is complete; template archives are .tgz files.',
      details: { archive: archivePath },
    },
  );
}
