import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BootParams, ImsError, isProviderPlugin, type Provider, type ProviderPlugin } from '@ims/spi';
import type { ConformanceFixture } from '@ims/spi/conformance';
import { createTestContext } from './test-context.js';

/** The fixture provider package's directory. */
export const MEMORY_PACKAGE_DIR = new URL('../fixtures/plugins/ims-provider-memory/', import.meta.url);

/** Bytes of the disk file in {@link makeTemplateDir}. */
export const TEMPLATE_DISK_BYTES = 4096;

/** Imports the memory provider's entry the way discovery does: by file URL, at run time. */
export async function loadMemoryPlugin(): Promise<ProviderPlugin> {
  const entry: { default?: unknown } = await import(new URL('index.js', MEMORY_PACKAGE_DIR).href);
  if (!isProviderPlugin(entry.default)) {
    throw new ImsError(
      'IMS_PLUGIN_NOT_A_PROVIDER',
      'The memory fixture does not default-export a provider plugin.',
      {
        hint: 'Build @ims/spi (npx tsc -p packages/spi/tsconfig.json) and check the fixture index.js.',
      },
    );
  }
  return entry.default;
}

/** An extracted template: `template.json` and one raw disk. */
export async function makeTemplateDir(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'ims-template-'));
  await writeFile(join(directory, 'system.img'), Buffer.alloc(TEMPLATE_DISK_BYTES));
  const metadata = {
    name: 'conformance-tiny',
    os: 'busybox (fake)',
    disks: [{ file: 'system.img', role: 'system', format: 'raw', sizeBytes: TEMPLATE_DISK_BYTES }],
  };
  await writeFile(join(directory, 'template.json'), JSON.stringify(metadata));
  return directory;
}

/** How a test may change the fixture: swap the plugin object or wrap the provider instance. */
export interface MemoryFixtureOptions {
  /** Options of the memory provider's configuration. */
  config?: { persist?: boolean; bootDelayMs?: number };
  /** Replaces the plugin object the kit checks. */
  plugin?(real: ProviderPlugin): unknown;
  /** Wraps the provider instance the kit exercises. */
  wrap?(real: Provider): Provider;
  /** The fixture's boot parameters (default: the kit's). */
  bootParams?(vm: string, mac: string): BootParams;
}

/** A conformance fixture over a fresh memory provider, its context and a template directory. */
export async function memoryFixture(options: MemoryFixtureOptions = {}): Promise<ConformanceFixture> {
  const plugin = await loadMemoryPlugin();
  const test = await createTestContext();
  const templateDir = await makeTemplateDir();
  const real = await plugin.create(test.context, options.config ?? {});
  return {
    plugin: (options.plugin?.(plugin) ?? plugin) as ProviderPlugin,
    provider: options.wrap?.(real) ?? real,
    template: 'tiny',
    templateDir,
    ...(options.bootParams === undefined ? {} : { bootParams: options.bootParams }),
    async teardown() {
      await rm(templateDir, { recursive: true, force: true });
      await test.cleanup();
    },
  };
}
