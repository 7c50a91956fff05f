/**
 * Work directories under `IMS_HOME/tmp` (a template import downloads and extracts there: gigabytes).
 * Each holds `owner.json` naming the process using it, so that the directories of processes that
 * died — killed, crashed, the machine rebooted — can be told from those still in use and removed.
 */
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ImsHost } from './ims-host.js';
import { newOwner, ownerOf, type PendingOwner } from './process-owner.js';

/** The file in a work directory that names its process. */
const OWNER_FILE = 'owner.json';

/** Prefix of every work directory's name. */
const PREFIXES = ['import-'] as const;

/**
 * A directory without an owner file is a leftover once it is this old: IMS writes the file right
 * after creating the directory, so only a process killed in between (or an IMS from before owner
 * files, which cannot run beside this one: it refuses the newer state.json) leaves one.
 */
const UNOWNED_GRACE_MS = 60_000;

/** The directory holding every work directory. */
export function tmpRoot(host: ImsHost): string {
  return join(host.home, 'tmp');
}

/** Creates a work directory `IMS_HOME/tmp/<prefix>XXXXXX` (mode 0700) owned by this process. */
export async function createWorkDir(host: ImsHost, prefix: (typeof PREFIXES)[number]): Promise<string> {
  await mkdir(tmpRoot(host), { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(tmpRoot(host), prefix));
  await writeFile(join(dir, OWNER_FILE), `${JSON.stringify(newOwner())}\n`, { mode: 0o600 });
  return dir;
}

/** True for a path that is a work directory of this IMS home (a journal entry is not trusted blindly). */
function isWorkDir(host: ImsHost, dir: string): boolean {
  const path = resolve(dir);
  return dirname(path) === resolve(tmpRoot(host)) && PREFIXES.some((p) => basename(path).startsWith(p));
}

/** Removes a work directory; a path that is not one of this home's work directories is left alone. */
export async function removeWorkDir(host: ImsHost, dir: string): Promise<void> {
  if (!isWorkDir(host, dir)) {
    host.logger.warn(`not removing ${dir}: it is not a work directory under ${tmpRoot(host)}`);
    return;
  }
  await rm(dir, { recursive: true, force: true });
}

/** A work directory whose process is gone. */
export interface WorkDirLeftover {
  /** Its path. */
  path: string;
  /** Bytes of the files in it. */
  sizeBytes: number;
  /** The dead owner's pid, when it left an owner file. */
  pid?: number;
}

/** Work directories whose process is gone (or never said who it was, long enough ago). */
export async function workDirLeftovers(host: ImsHost, now = Date.now()): Promise<WorkDirLeftover[]> {
  const names = await readdir(tmpRoot(host)).catch(() => [] as string[]);
  const found: WorkDirLeftover[] = [];
  for (const name of names.sort()) {
    const path = join(tmpRoot(host), name);
    if (!isWorkDir(host, path)) continue;
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isDirectory()) continue;
    const owner = await readOwner(path);
    let state: PendingOwner | 'unowned';
    if (owner === undefined) state = now - info.mtimeMs > UNOWNED_GRACE_MS ? 'dead' : 'unowned';
    else state = ownerOf(owner);
    if (state !== 'dead') continue;
    found.push({ path, sizeBytes: await treeSize(path), ...(owner ? { pid: owner.pid } : {}) });
  }
  return found;
}

async function readOwner(
  dir: string,
): Promise<{ pid: number; hostname: string; token: string; processStart?: string } | undefined> {
  try {
    const value = JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8')) as Record<string, unknown>;
    const { pid, hostname, token, processStart } = value;
    if (typeof pid === 'number' && typeof hostname === 'string' && typeof token === 'string') {
      return { pid, hostname, token, ...(typeof processStart === 'string' ? { processStart } : {}) };
    }
  } catch {
    // Missing or unreadable: treated as unowned.
  }
  return undefined;
}

async function treeSize(path: string): Promise<number> {
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined) return 0;
  if (!info.isDirectory()) return info.isFile() ? info.size : 0;
  let total = 0;
  for (const name of await readdir(path).catch(() => [] as string[]))
    total += await treeSize(join(path, name));
  return total;
}

/** Removes the work directories of dead processes; returns what it removed. */
export async function removeDeadWorkDirs(host: ImsHost): Promise<WorkDirLeftover[]> {
  const leftovers = await workDirLeftovers(host);
  for (const leftover of leftovers) await removeWorkDir(host, leftover.path);
  return leftovers;
}
