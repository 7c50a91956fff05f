import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ImsError, type ProviderPlugin, pluginShapeProblems, SPI_VERSION } from '@ims/spi';
import { importModule } from '../import-module.js';
import { rangeIncludes } from './spi-range.js';
import type { DiscoveredProvider } from './types.js';

function label(p: DiscoveredProvider): string {
  return `provider "${p.manifest.provider}" (package ${p.packageName}@${p.version})`;
}

/**
 * Steps 5–6: imports a discovered provider's entry and checks its default export. Called only when
 * the provider is first used, so listing plugins never runs provider code.
 */
export async function loadPlugin(
  discovered: DiscoveredProvider,
  hostSpi: string = SPI_VERSION,
): Promise<ProviderPlugin> {
  const entry = resolve(discovered.dir, discovered.manifest.entry);
  let module: { default?: unknown };
  try {
    module = await importModule<{ default?: unknown }>(pathToFileURL(entry).href);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new ImsError(
      'IMS_PLUGIN_IMPORT_FAILED',
      `Loading ${label(discovered)} failed: importing ${entry} threw: ${why}`,
      {
        cause,
        hint: `Reinstall ${discovered.packageName}, or run with --debug for the full error and report it to its authors.`,
        details: { package: discovered.packageName, entry },
      },
    );
  }

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
