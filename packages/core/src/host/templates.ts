import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  type ArchiveExtractor,
  assertValidName,
  ImsError,
  isImsError,
  type ProgressReporter,
  type TemplateMetadata,
  TOKENS,
} from '@ims/spi';
import { compareText } from '../compare-text.js';
import type { FileLock } from '../state/lock.js';
import { pendingId, type TemplateRecord } from '../state/model.js';
import { checkDeclaredSizes, expansionOptions, withExpansionHint } from './declared-sizes.js';
import { type DownloadLimits, downloadToFile, readDownloadLimits } from './download.js';
import { lockTemplateImport } from './import-lock.js';
import type { ImsHost } from './ims-host.js';
import { busyError, forget, newPendingOperation, reserve, settleLeftover, undoAtOnce } from './journal.js';
import { ownerOf } from './process-owner.js';
import { createWorkDir, removeDeadWorkDirs } from './work-dirs.js';

/** A template row of `ims template list`. */
export interface TemplateView extends TemplateRecord {
  /** The configuration holding it. */
  config: string;
}

/** Options of {@link importTemplate}. */
export interface ImportOptions {
  /** Name to store the template under (default: from template.json, else from the source's name). */
  name?: string;
  /** Bounds of an http(s) download (default: from the environment, see {@link readDownloadLimits}). */
  downloadLimits?: DownloadLimits;
}

const ARCHIVE_SUFFIX = /\.(tgz|tar\.gz|tar)$/i;

/** Reads and checks `template.json` when the template has one. */
async function readMetadata(directory: string): Promise<TemplateMetadata | undefined> {
  let text: string;
  try {
    text = await readFile(join(directory, 'template.json'), 'utf8');
  } catch {
    return undefined;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `The template's template.json is not valid JSON: ${(cause as Error).message}.`,
      { cause, hint: 'Rebuild the template with ims-template-build.' },
    );
  }
  const meta = doc as Partial<TemplateMetadata>;
  if (
    typeof meta !== 'object' ||
    meta === null ||
    typeof meta.name !== 'string' ||
    !Array.isArray(meta.disks)
  ) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      'The template\'s template.json must be an object with a "name" string and a "disks" array.',
      {
        hint: 'Rebuild the template with ims-template-build (see docs/boot-parameters.md).',
      },
    );
  }
  return meta as TemplateMetadata;
}

/**
 * Imports a template into a configuration from a .tgz/.tar.gz/.tar file, a directory, or an
 * http(s) URL. Archives are extracted safely on the IMS host first; the provider gets a directory.
 */
export async function importTemplate(
  host: ImsHost,
  configName: string,
  source: string,
  options: ImportOptions = {},
): Promise<TemplateView> {
  assertValidName('configuration', configName);
  if (options.name !== undefined) assertValidName('template', options.name);
  const expansion = expansionOptions();
  const { provider } = await host.provider(configName);
  const progress = host.service<ProgressReporter>(TOKENS.Progress);
  const signal = host.service<AbortSignal>(TOKENS.Signal);
  // Downloads and extractions of imports that were killed would otherwise stay for ever.
  for (const left of await removeDeadWorkDirs(host)) {
    host.logger.warn(`removed ${left.path}, left by an interrupted import (${left.sizeBytes} bytes)`);
  }
  const work = await createWorkDir(host, 'import-');
  let lock: FileLock | undefined;
  try {
    let archivePath: string | undefined;
    let directory: string;
    let sourceName: string;
    if (/^https?:\/\//i.test(source)) {
      sourceName = basename(new URL(source).pathname);
      archivePath = join(work, 'download');
      await downloadToFile(
        source,
        archivePath,
        progress,
        signal,
        options.downloadLimits ?? readDownloadLimits(),
      );
    } else {
      sourceName = basename(source);
      const info = await stat(source).catch(() => undefined);
      if (info === undefined) {
        throw new ImsError('IMS_INVALID_ARGUMENT', `Template source ${source} does not exist.`, {
          hint: 'Give a .tgz file, a template directory, or an http(s) URL.',
        });
      }
      if (info.isDirectory()) directory = source;
      else archivePath = source;
    }
    if (archivePath !== undefined) {
      directory = join(work, 'template');
      await mkdir(directory);
      const archiveSize = (await stat(archivePath)).size;
      const task = progress.start(`extract ${sourceName}`, archiveSize, 'bytes');
      try {
        await host
          .service<ArchiveExtractor>(TOKENS.Archives)
          .extract(archivePath, directory, { onProgress: (done) => task.update(done), signal, ...expansion });
      } catch (error) {
        throw withExpansionHint(error);
      } finally {
        task.done();
      }
    }
    directory ??= source;
    const metadata = await readMetadata(directory);
    await checkDeclaredSizes(directory, metadata);
    const name = options.name ?? metadata?.name ?? sourceName.replace(ARCHIVE_SUFFIX, '');
    assertValidName('template', name);

    // Held until the template is recorded (or the provider has cleaned up after a failure), so
    // that no other process imports, or rolls back, this name meanwhile.
    lock = await lockTemplateImport(host.home, configName, name);
    // An earlier import of this name that died half-way is undone first.
    await settleLeftover(host, 'template-import', configName, name);
    const entry = newPendingOperation('template-import', configName, name, { workDir: work });
    await host.store.update((state) => {
      if (state.configs[configName]?.templates[name]) {
        throw new ImsError(
          'IMS_ALREADY_EXISTS',
          `Configuration "${configName}" already has a template named "${name}".`,
          {
            hint: 'Import it under another name with --name, or delete the old one with `ims template delete`.',
          },
        );
      }
      reserve(state, entry);
    });
    let record: TemplateRecord;
    try {
      const info = await provider.importTemplate({
        name,
        directory,
        ...(archivePath !== undefined ? { archivePath } : {}),
        ...(metadata ? { metadata } : {}),
      });
      record = {
        name,
        importedAt: new Date().toISOString(),
        ...(info.sizeBytes !== undefined ? { sizeBytes: info.sizeBytes } : {}),
        ...((info.os ?? metadata?.os) !== undefined ? { os: (info.os ?? metadata?.os) as string } : {}),
      };
      const done = record;
      // One write: the template appears and the journal entry goes together.
      await host.store.update((s) => {
        if (s.pending[entry.id]?.token === entry.token) delete s.pending[entry.id];
        const config = s.configs[configName];
        if (config) config.templates[name] = done;
      });
    } catch (error) {
      if (isImsError(error) && error.code === 'IMS_ALREADY_EXISTS') await forget(host, entry);
      else await undoAtOnce(host, entry);
      throw error;
    }
    host.noteOutcome(`Template "${name}" is imported into ${configName}.`);
    return { ...record, config: configName };
  } finally {
    await lock?.release();
    await rm(work, { recursive: true, force: true });
  }
}

/** Templates of one configuration, or of all, sorted. */
export async function listTemplates(host: ImsHost, configName?: string): Promise<TemplateView[]> {
  if (configName !== undefined) await host.config(assertValidName('configuration', configName));
  const state = await host.store.read();
  return Object.values(state.configs)
    .filter((c) => configName === undefined || c.name === configName)
    .flatMap((c) => Object.values(c.templates).map((t) => ({ ...t, config: c.name })))
    .sort((a, b) => compareText(a.config, b.config) || compareText(a.name, b.name));
}

/**
 * Deletes a template; refused while VMs created from it exist. A template whose import was
 * interrupted is rolled back instead (`rolledBack`).
 */
export async function deleteTemplate(
  host: ImsHost,
  configName: string,
  name: string,
): Promise<{ rolledBack: boolean }> {
  assertValidName('configuration', configName);
  assertValidName('template', name);
  const { provider, plugin, record } = await host.provider(configName);
  if (!record.templates[name]) {
    const pending = (await host.store.read()).pending[pendingId('template-import', configName, name)];
    if (pending !== undefined && ownerOf(pending) !== 'dead') throw busyError(pending);
    if (pending !== undefined) {
      await settleLeftover(host, 'template-import', configName, name);
      return { rolledBack: true };
    }
    throw new ImsError(
      'IMS_TEMPLATE_NOT_FOUND',
      `Configuration "${configName}" has no template named "${name}".`,
      { hint: `See \`ims template list ${configName}\`.` },
    );
  }
  if (!plugin.capabilities.templateDelete) {
    throw new ImsError('IMS_OPERATION_UNSUPPORTED', `The ${plugin.id} provider cannot delete templates.`, {
      hint: 'Delete it on the hypervisor by hand.',
    });
  }
  const users = Object.values((await host.store.read()).vms)
    .filter((v) => v.config === configName && v.template === name)
    .map((v) => v.name);
  if (users.length > 0) {
    throw new ImsError(
      'IMS_INVALID_STATE',
      `Template "${name}" is used by VM(s) ${users.sort().join(', ')}.`,
      { hint: 'Delete those VMs first.' },
    );
  }
  try {
    await provider.deleteTemplate(name);
  } catch (error) {
    // Already gone on the hypervisor: forgetting it is all that is left to do.
    if (!(isImsError(error) && error.code === 'IMS_TEMPLATE_NOT_FOUND')) throw error;
    host.logger.warn(`template "${name}" was already gone from the hypervisor`);
  }
  await host.store.update((s) => {
    delete s.configs[configName]?.templates[name];
  });
  return { rolledBack: false };
}
