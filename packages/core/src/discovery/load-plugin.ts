import { writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  escapeForDisplay,
  ImsError,
  isImsError,
  type ProviderPlugin,
  pluginShapeProblems,
  SPI_VERSION,
} from '@ims/spi';
import { importModule } from '../import-module.js';
import { formatSeconds, pluginTimeoutMs } from './plugin-timeout.js';
import { rangeIncludes } from './spi-range.js';

/** The exit code of a plugin failure (docs/cli.md); the CLI's table lives above discovery. */
const EXIT_CODE_PLUGIN = 4;

import type { DiscoveredProvider } from './types.js';

function label(p: DiscoveredProvider): string {
  return `provider "${p.manifest.provider}" (package ${p.packageName}@${p.version})`;
}

/** How a plugin may misbehave while its entry is imported, as the reason in its error. */
export function loadFailure(discovered: DiscoveredProvider, why: string, cause?: unknown): ImsError {
  const entry = resolve(discovered.dir, discovered.manifest.entry);
  return new ImsError('IMS_PLUGIN_IMPORT_FAILED', `Loading ${label(discovered)} failed: ${why}`, {
    ...(cause === undefined ? {} : { cause }),
    hint: `Reinstall ${discovered.packageName}, or remove it (\`ims plugin remove\`) and report it to its authors; --debug shows the full error.`,
    details: { package: discovered.packageName, entry },
  });
}

/** The reason for a plugin that ended the process while it was being imported. */
export function exitedWhileLoading(code: number | string | null | undefined): string {
  return `its code exited the process (code ${code ?? 'none'}) while it was loading.`;
}

/** The reason for a plugin whose import did not finish in time. */
export function hungWhileLoading(timeoutMs: number): string {
  return `it did not finish loading within ${formatSeconds(timeoutMs)} (its module hangs while being imported; IMS_PLUGIN_TIMEOUT_MS sets the limit).`;
}

/** How {@link loadPlugin} guards the importing process. */
export interface LoadOptions {
  /** Time limit on the import (default: {@link pluginTimeoutMs}). */
  timeoutMs?: number;
  /**
   * Report a plugin that ends the process while loading, and make the exit code 4 instead of the
   * plugin's (default true). The verifying child process watches for that itself.
   */
  guardExit?: boolean;
}

/**
 * Imports an entry within a time limit. An import that never settles (a top-level await of
 * nothing) fails with the reason instead of hanging the command; a process.exit() at import is
 * reported with exit code 4 instead of passing for the command's own result. A synchronous
 * endless loop cannot be bounded in this thread: `ims plugins --verify` and `ims plugin install`
 * import in a child process for that (verify-in-child.ts).
 */
async function importEntry(
  discovered: DiscoveredProvider,
  options: LoadOptions,
): Promise<{ default?: unknown }> {
  const entry = resolve(discovered.dir, discovered.manifest.entry);
  const timeoutMs = options.timeoutMs ?? pluginTimeoutMs();
  const onExit = (code: number) => {
    const error = loadFailure(discovered, exitedWhileLoading(code));
    writeSync(2, `${escapeForDisplay(`ims: ${error.message}\n  hint: ${error.hint}`, true)}\n`);
    process.exitCode = EXIT_CODE_PLUGIN;
  };
  if (options.guardExit !== false) process.on('exit', onExit);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(loadFailure(discovered, hungWhileLoading(timeoutMs))), timeoutMs);
  });
  try {
    return await Promise.race([importModule<{ default?: unknown }>(pathToFileURL(entry).href), timeout]);
  } catch (cause) {
    if (isImsError(cause) && cause.code === 'IMS_PLUGIN_IMPORT_FAILED') throw cause;
    const why = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw loadFailure(discovered, `importing ${entry} threw: ${why}`, cause);
  } finally {
    clearTimeout(timer);
    process.off('exit', onExit);
  }
}

/**
 * Steps 5–6: imports a discovered provider's entry and checks its default export. Called only when
 * the provider is first used, so listing plugins never runs provider code.
 */
export async function loadPlugin(
  discovered: DiscoveredProvider,
  hostSpi: string = SPI_VERSION,
  options: LoadOptions = {},
): Promise<ProviderPlugin> {
  const module = await importEntry(discovered, options);

  const plugin = module.default;
  const problems = pluginShapeProblems(plugin);
  const candidate = plugin as Partial<ProviderPlugin> | undefined;
  if (problems.length === 0 && candidate?.id !== discovered.manifest.provider) {
    problems.push(
      `id: the plugin says "${String(candidate?.id)}" but the manifest says "${discovered.manifest.provider}"`,
    );
  }
  if (problems.length > 0) {
    throw new ImsError(
      'IMS_PLUGIN_NOT_A_PROVIDER',
      `The default export of ${label(discovered)} is not a provider plugin: ${problems.join('; ')}.`,
      {
        hint: 'A provider entry must `export default defineProvider({...})` from @ims/spi (see docs/provider-guide.md).',
        details: { package: discovered.packageName, problems },
      },
    );
  }
  const ok = plugin as ProviderPlugin;
  if (!(await rangeIncludes(hostSpi, ok.spi))) {
    throw new ImsError(
      'IMS_PLUGIN_SPI_INCOMPATIBLE',
      `${label(discovered)}: its code supports SPI ${ok.spi}, but this IMS host implements SPI ${hostSpi} (its manifest claimed ${discovered.manifest.spi}).`,
      {
        hint: `Install a version of ${discovered.packageName} built for SPI ${hostSpi}, and make its manifest and code agree.`,
        details: { package: discovered.packageName, range: ok.spi, hostSpi },
      },
    );
  }
  return ok;
}
