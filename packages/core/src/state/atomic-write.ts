import { type FileHandle, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive } from './process-alive.js';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Permission bits of the written file, applied exactly (the umask does not narrow or widen them). */
  mode: number;
}

let tempCounter = 0;

/** `name.<pid>.<random>.tmp` beside the target, so the final rename never crosses file systems. */
function tempPathFor(target: string): string {
  tempCounter += 1;
  const random = `${Math.random().toString(36).slice(2, 10)}${tempCounter.toString(36)}`;
  return join(dirname(target), `${basename(target)}.${process.pid}.${random}.tmp`);
}

/**
 * Replaces `target` with `data` so that readers and crashes see either the old or the new content:
 * write a temp file, fsync it, rename it over the target, fsync the directory.
 */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions,
): Promise<void> {
  const temp = tempPathFor(target);
  const handle = await open(temp, 'wx', options.mode);
  try {
    await handle.chmod(options.mode);
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dirname(target));
}

/** Makes a rename in `dir` durable; skipped where directories cannot be opened for fsync. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Windows and some network file systems refuse to open or fsync a directory.
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw error;
  } finally {
    await handle?.close();
  }
}

/** Options of {@link removeStaleTempFiles}. */
export interface StaleTempOptions {
  /** A temp file older than this is stale whoever wrote it (default 60 000 ms). */
  maxAgeMs?: number;
}

const TEMP_SUFFIX = /^\.(\d+)\.[a-z0-9]+\.tmp$/;

/**
 * Deletes temp files left by {@link writeFileAtomic} for the given target names in `dir` when their
 * writer is dead or they are older than `maxAgeMs`. Returns the paths removed.
 */
export async function removeStaleTempFiles(
  dir: string,
  targets: readonly string[],
  options: StaleTempOptions = {},
): Promise<string[]> {
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return removed;
    throw error;
  }
  for (const name of names) {
    const match = targets
      .filter((target) => name.startsWith(`${target}.`))
      .map((target) => TEMP_SUFFIX.exec(name.slice(target.length)))
      .find((found) => found !== null);
    if (match === undefined) continue;
    const pid = Number(match[1]);
    const path = join(dir, name);
    const writerGone = pid !== process.pid && !isProcessAlive(pid);
    if (!writerGone) {
      const info = await stat(path).catch(() => undefined);
      if (info === undefined || Date.now() - info.mtimeMs <= maxAgeMs) continue;
    }
    await rm(path, { force: true });
    removed.push(path);
  }
  return removed;
}
