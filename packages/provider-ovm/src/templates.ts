/**
 * Templates: a template is a directory in dom0's seed_pool registered with the Manager and
 * approved. An import goes through a staging directory and is moved into place only when
 * complete; whatever fails or is cancelled, everything it made is removed again.
 */
import { lstat, readdir, rm } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import { assertValidName, ImsError, type TemplateImportRequest, type TemplateInfo } from '@ims/spi';
import { type CheckedArchive, checkTemplateArchive } from './archive-check.js';
import {
  type ExpectedEntry,
  extractAndList,
  verifyExtracted,
  verifyListing,
} from './dom0/verify-extracted.js';
import type { OvmEnv } from './env.js';
import { isFault } from './soap/faults.js';
import { isActiveTemplate } from './states.js';
import { type PackEntry, type PackedTemplate, packTemplate } from './template-pack.js';

/** Where one import puts things on dom0. */
interface ImportPaths {
  /** The final template directory, `seed_pool/<name>`. */
  seed: string;
  /** Where the files are assembled, `seed_pool/.ims-staging-<name>`. */
  staging: string;
  /** Where IMS's archive of the template is uploaded, `seed_pool/.ims-upload-<name>.tar`. */
  upload: string;
}

/** A file of a template directory to upload. */
interface LocalFile {
  /** Absolute local path. */
  path: string;
  /** Path relative to the template directory, `/`-separated. */
  relative: string;
  /** Size in bytes. */
  size: number;
}

/** How far an import got, so a failure undoes exactly that. */
interface ImportProgress {
  seedCreated: boolean;
  registerAttempted: boolean;
}

/** Imports a template into seed_pool and registers and approves it. */
export async function importTemplate(env: OvmEnv, request: TemplateImportRequest): Promise<TemplateInfo> {
  const name = assertValidName('template', request.name);
  const { signal } = env.context;
  const files = await templateFiles(request.directory);
  if (!files.some((f) => f.relative === 'vm.cfg')) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `The template in ${request.directory} has no vm.cfg, so Oracle VM cannot use it.`,
      {
        hint: 'Build the template with ims-template-build, which writes an OVM 2.2 vm.cfg.',
        details: { directory: request.directory },
      },
    );
  }
  await refuseExisting(env, name);
  const archive =
    request.archivePath === undefined ? undefined : await checkTemplateArchive(request.archivePath, signal);
  const paths: ImportPaths = {
    seed: posix.join(env.seedPool, name),
    staging: posix.join(env.seedPool, `.ims-staging-${name}`),
    upload: posix.join(env.seedPool, `.ims-upload-${name}.tar`),
  };
  const progress: ImportProgress = { seedCreated: false, registerAttempted: false };
  try {
    // Leftovers of an import that was killed outright are in the way: they are no template.
    // Earlier versions uploaded the user's archive as `.ims-upload-<name>.tgz`; that goes too.
    await env.dom0.removeTree(paths.staging);
    await env.dom0.removeTree(paths.upload);
    await env.dom0.removeTree(posix.join(env.seedPool, `.ims-upload-${name}.tgz`));
    await env.dom0.mkdir(paths.staging);
    const source =
      archive === undefined || request.archivePath === undefined
        ? await copyFiles(env, name, files, paths)
        : await unpackArchive(env, name, request.archivePath, archive, files, paths);
    // Whatever was written, only exactly the files IMS sent become the template (an archive sent
    // over SSH was listed and compared by the command that extracted it).
    const listedAlready = archive !== undefined && !env.localDom0;
    if (!listedAlready) await verifyExtracted(env.dom0, source, expectedEntries(files), name);
    await env.dom0.rename(source, paths.seed);
    progress.seedCreated = true;
    await env.dom0.removeTree(paths.staging);
    await env.dom0.removeTree(paths.upload);
    progress.registerAttempted = true;
    await env.manager.registerTemplate(env.config.serverPool, name);
    await env.manager.approveTemplate(env.config.serverPool, name);
  } catch (error) {
    await rollBack(env, name, paths, progress);
    throw error;
  }
  env.context.logger.info('template imported', { template: name, serverPool: env.config.serverPool });
  const info: TemplateInfo = { name, sizeBytes: files.reduce((sum, f) => sum + f.size, 0) };
  if (request.metadata?.os !== undefined) info.os = request.metadata.os;
  return info;
}

/** `IMS_ALREADY_EXISTS` when the Manager knows the template or seed_pool has its directory. */
async function refuseExisting(env: OvmEnv, name: string): Promise<void> {
  const registered = await env.manager.templates(env.config.serverPool);
  const seed = posix.join(env.seedPool, name);
  if (registered.some((t) => t.name === name)) {
    throw new ImsError(
      'IMS_ALREADY_EXISTS',
      `Template ${name} already exists in server pool ${env.config.serverPool}.`,
      {
        hint: 'Import it under another name, or delete the old one with `ims template delete`.',
        details: { template: name },
      },
    );
  }
  if (await env.dom0.exists(seed)) {
    throw new ImsError(
      'IMS_ALREADY_EXISTS',
      `${seed} already exists on dom0 (a template directory the Manager has not registered).`,
      {
        hint: 'Import the template under another name, or remove that directory on dom0.',
        details: { template: name, path: seed },
      },
    );
  }
}

/**
 * Puts the template's files into the staging directory; returns the directory to move into place.
 * With dom0 on this machine, the host's safe extractor unpacks the archive. Over SSH the user's
 * archive is never sent: IMS packs the files the host already extracted and checked into an
 * archive of its own, checks that it arrived intact, and extracts that.
 */
async function unpackArchive(
  env: OvmEnv,
  name: string,
  archivePath: string,
  archive: CheckedArchive,
  files: readonly LocalFile[],
  paths: ImportPaths,
): Promise<string> {
  if (env.localDom0) {
    const task = env.context.progress.start(`extract template ${name}`, archive.sizeBytes, 'bytes');
    try {
      await env.context.archives.extract(archivePath, paths.staging, {
        signal: env.context.signal,
        onProgress: (done, total) => task.update(done, total),
      });
    } finally {
      task.done();
    }
    return archive.root === '' ? paths.staging : posix.join(paths.staging, archive.root);
  }
  await removeDeadPacks(env.context.dataDir, name);
  const packed = join(
    env.context.dataDir,
    `.ims-pack-${name}-${process.pid}-${Math.random().toString(36).slice(2, 10)}.tar`,
  );
  try {
    const total = files.reduce((sum, f) => sum + f.size, 0);
    const packTask = env.context.progress.start(`pack template ${name}`, total, 'bytes');
    const gzip = worthCompressing(archive.sizeBytes, total);
    let ours: PackedTemplate;
    try {
      ours = await packTemplate(packEntries(files), packed, {
        gzip,
        signal: env.context.signal,
        onProgress: (done) => packTask.update(done, total),
      });
    } finally {
      packTask.done();
    }
    const task = env.context.progress.start(`upload template ${name}`, ours.sizeBytes, 'bytes');
    try {
      await env.dom0.upload(packed, paths.upload, (done, all) => task.update(done, all));
    } finally {
      task.done();
    }
    // One command checks the checksum, extracts and lists what tar wrote; the listing is compared
    // with what was sent before anything is moved into place.
    const listing = await extractAndList(env.dom0, {
      archive: paths.upload,
      staging: paths.staging,
      sha256: ours.sha256,
      gzip,
      template: name,
    });
    verifyListing(listing, expectedEntries(files), name);
  } finally {
    await rm(packed, { force: true });
  }
  return paths.staging;
}

/**
 * Removes the packed archives of this template that processes killed while packing or uploading
 * left in the data directory (`.ims-pack-<name>-<pid>-<random>.tar`): only those whose process is
 * gone, so a live import elsewhere keeps its file.
 */
async function removeDeadPacks(dataDir: string, name: string): Promise<void> {
  const prefix = `.ims-pack-${name}-`;
  const entries = await readdir(dataDir).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = /^(\d+)-[a-z0-9]+\.tar$/.exec(entry.slice(prefix.length))?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) await rm(join(dataDir, entry), { force: true });
  }
}

/** Whether a process of this host has `pid` (a process of another user counts as alive). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Disk images are mostly zeros and compress well, so gzip level 1 (fast) pays for itself on the
 * wire. When the user's archive hardly compressed its content, compressing again would cost a core
 * for nothing (random data: 256 MiB take about 9 s at level 1, 2 s as a plain tar).
 */
export function worthCompressing(archiveBytes: number, contentBytes: number): boolean {
  return !(contentBytes > 0 && archiveBytes / contentBytes > 0.8);
}

/** The files and their directories, parents first. */
function packEntries(files: readonly LocalFile[]): PackEntry[] {
  const directories = new Set<string>();
  for (const file of files) {
    const parts = file.relative.split('/');
    for (let i = 1; i < parts.length; i += 1) directories.add(parts.slice(0, i).join('/'));
  }
  return [
    ...[...directories].sort().map((relative) => ({ relative, type: 'directory' as const, size: 0 })),
    ...files.map((f) => ({ relative: f.relative, path: f.path, type: 'file' as const, size: f.size })),
  ];
}

/** Uploads the template directory's files one by one into the staging directory; returns it. */
async function copyFiles(
  env: OvmEnv,
  name: string,
  files: readonly LocalFile[],
  paths: ImportPaths,
): Promise<string> {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const task = env.context.progress.start(`upload template ${name}`, total, 'bytes');
  let before = 0;
  try {
    const made = new Set<string>([paths.staging]);
    for (const file of files) {
      const target = posix.join(paths.staging, file.relative);
      const parent = posix.dirname(target);
      if (!made.has(parent)) {
        await env.dom0.mkdir(parent);
        made.add(parent);
      }
      const base = before;
      await env.dom0.upload(file.path, target, (done) => task.update(base + done, total));
      before += file.size;
      task.update(before, total);
      if (env.context.signal.aborted)
        throw new ImsError('IMS_ABORTED', `The import of template ${name} was cancelled.`);
    }
  } finally {
    task.done();
  }
  return paths.staging;
}

/** The files sent and the directories holding them. */
function expectedEntries(files: readonly LocalFile[]): ExpectedEntry[] {
  return packEntries(files).map(({ relative, type, size }) => ({ relative, type, size }));
}

/** Removes everything an import made: registration, template directory, staging directory, upload. */
async function rollBack(
  env: OvmEnv,
  name: string,
  paths: ImportPaths,
  progress: ImportProgress,
): Promise<void> {
  const { logger } = env.context;
  if (progress.registerAttempted) {
    try {
      await env.manager.deleteTemplate(env.config.serverPool, name, true);
    } catch (error) {
      if (!isFault(error, 'OVM-1002')) {
        logger.warn('could not unregister the half-imported template from the OVM Manager', {
          template: name,
          error: (error as Error).message,
        });
      }
    }
  }
  const leftovers = [paths.staging, paths.upload, ...(progress.seedCreated ? [paths.seed] : [])];
  for (const path of leftovers) {
    await env.dom0.removeTree(path).catch((error: unknown) => {
      logger.warn('could not remove a file of the failed import on dom0', {
        path,
        error: (error as Error).message,
      });
    });
  }
}

/** The regular files under `directory`, sorted; anything but files and directories is refused. */
async function templateFiles(directory: string): Promise<LocalFile[]> {
  const found: LocalFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: string[];
    try {
      entries = (await readdir(dir)).sort();
    } catch (error) {
      throw new ImsError(
        'IMS_INVALID_ARGUMENT',
        `Cannot read the template directory ${dir}: ${(error as Error).message}`,
        {
          details: { directory },
        },
      );
    }
    for (const entry of entries) {
      const path = join(dir, entry);
      const info = await lstat(path);
      if (info.isDirectory()) await walk(path);
      else if (info.isFile())
        found.push({ path, relative: relative(directory, path).split(sep).join('/'), size: info.size });
      else {
        throw new ImsError(
          'IMS_INVALID_ARGUMENT',
          `The template directory holds ${relative(directory, path)}, which is not a regular file; only files and directories are imported.`,
          {
            hint: 'Remove links and special files from the template.',
            details: { directory, entry: relative(directory, path) },
          },
        );
      }
    }
  };
  await walk(directory);
  return found;
}

/** The active templates of the configured pool. */
export async function listTemplates(env: OvmEnv): Promise<TemplateInfo[]> {
  const templates = await env.manager.templates(env.config.serverPool);
  return templates
    .filter((t) => isActiveTemplate(t.status))
    .map((t) => ({ name: t.name }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Unregisters a template; the Manager removes its seed_pool directory. */
export async function deleteTemplate(env: OvmEnv, name: string): Promise<void> {
  assertValidName('template', name);
  const templates = await env.manager.templates(env.config.serverPool);
  if (!templates.some((t) => t.name === name)) throw templateNotFound(name, env.config.serverPool);
  try {
    await env.manager.deleteTemplate(env.config.serverPool, name);
  } catch (error) {
    if (isFault(error, 'OVM-1002')) throw templateNotFound(name, env.config.serverPool);
    throw error;
  }
  env.context.logger.info('template deleted', { template: name });
}

/** `IMS_TEMPLATE_NOT_FOUND` for a template the pool does not have. */
export function templateNotFound(name: string, pool: string): ImsError {
  return new ImsError('IMS_TEMPLATE_NOT_FOUND', `Template ${name} does not exist in server pool ${pool}.`, {
    hint: 'See `ims template list`.',
    details: { template: name, serverPool: pool },
  });
}
