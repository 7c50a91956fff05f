import { randomBytes } from 'node:crypto';
import { link, lstat, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ImsError } from '@ims/spi';

/** Options of {@link writeOutputFile}. */
export interface OutputFileOptions {
  /** Replace an existing regular file (never anything else). */
  force?: boolean;
  /** Permission bits of a new file. */
  mode?: number;
}

/**
 * Writes a file the user named on the command line (`--out`), atomically: the data goes to a new
 * temp file beside it (O_EXCL, so never through a planted link), is synced, and only then appears
 * under the name. Without `force` the name must not exist at all — a hard link of the temp file
 * fails on any existing name, a symlink included, without following it; with `force` an existing
 * regular file is replaced by rename, and a symlink, directory or device is still refused.
 */
export async function writeOutputFile(
  target: string,
  data: Uint8Array,
  options: OutputFileOptions = {},
): Promise<void> {
  if (options.force) await refuseUnlessRegular(target);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', options.mode ?? 0o600).catch((cause: NodeJS.ErrnoException) => {
    throw cannotWrite(target, cause);
  });
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.force) await rename(temp, target);
    else await link(temp, target);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new ImsError('IMS_ALREADY_EXISTS', `${target} already exists; it was left unchanged.`, {
        hint: 'Give another file name, or --force to replace a regular file.',
      });
    }
    throw cannotWrite(target, cause as NodeJS.ErrnoException);
  } finally {
    await rm(temp, { force: true });
  }
}

async function refuseUnlessRegular(target: string): Promise<void> {
  const stats = await lstat(target).catch(() => undefined);
  if (stats === undefined || stats.isFile()) return;
  const kind = stats.isSymbolicLink()
    ? 'a symbolic link'
    : stats.isDirectory()
      ? 'a directory'
      : 'not a regular file';
  throw new ImsError('IMS_INVALID_ARGUMENT', `${target} is ${kind}; IMS writes only new or regular files.`, {
    hint: 'Give the path of a new file (IMS never writes through a symbolic link).',
  });
}

function cannotWrite(target: string, cause: NodeJS.ErrnoException): ImsError {
  return new ImsError('IMS_IO_FAILED', `Cannot write ${target}: ${cause.code ?? cause.message}.`, {
    cause,
    hint: 'Check that the directory exists and is writable.',
  });
}
