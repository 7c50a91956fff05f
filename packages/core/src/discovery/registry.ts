import { basename } from 'node:path';
import { ImsError, type ProviderPlugin, SPI_VERSION } from '@ims/spi';
import { compareText } from '../compare-text.js';
import { listCandidates, type SearchRoot } from './candidates.js';
import { type Inspection, inspectPackage } from './inspect-package.js';
import { loadPlugin } from './load-plugin.js';
import type { DiscoveredProvider, DiscoveryResult, PluginFailure, PluginStatus } from './types.js';

/** Options of a {@link PluginRegistry}. */
export interface RegistryOptions {
  /** Directories to scan, in precedence order. */
  roots: readonly SearchRoot[];
  /** The SPI version to check ranges against (tests pin it). */
  hostSpi?: string;
}

/** One row of `ims plugins`: a usable provider or a failure. */
export interface PluginRow {
  /** npm package name. */
  package: string;
  /** npm package version. */
  version: string | undefined;
  /** Provider id. */
  provider: string | undefined;
  /** Declared SPI range. */
  spi: string | undefined;
  /** Classification. */
  status: PluginStatus;
  /** The error, for anything but `ok`. */
  error?: ImsError;
  /** Package directory. */
  dir: string;
}

const STATUS_OF_LOAD_ERROR: Partial<Record<string, PluginFailure['status']>> = {
  IMS_PLUGIN_IMPORT_FAILED: 'failed',
  IMS_PLUGIN_NOT_A_PROVIDER: 'invalid',
  IMS_PLUGIN_SPI_INCOMPATIBLE: 'incompatible',
};

/** How many plugins are verified at once, each in its own process. */
const VERIFY_CONCURRENCY = 4;
let verifyingNow = 0;
const waitingToVerify: (() => void)[] = [];

/** Runs `task` when fewer than {@link VERIFY_CONCURRENCY} verifications are running. */
async function verifying<T>(task: () => Promise<T>): Promise<T> {
  if (verifyingNow >= VERIFY_CONCURRENCY) await new Promise<void>((go) => waitingToVerify.push(go));
  verifyingNow += 1;
  try {
    return await task();
  } finally {
    verifyingNow -= 1;
    waitingToVerify.shift()?.();
  }
}

/** A package whose inspection threw (a bug, or input no limit foresaw) fails alone. */
function inspectionCrashed(dir: string) {
  return (cause: unknown): Inspection => ({
    kind: 'failure',
    failure: {
      packageName: basename(dir),
      version: undefined,
      dir,
      provider: undefined,
      spi: undefined,
      status: 'invalid',
      error: new ImsError(
        'IMS_PLUGIN_MANIFEST_INVALID',
        `Package at ${dir} cannot be read as a plugin: ${String(cause)}.`,
        {
          cause,
          hint: 'Reinstall the package, or remove it from the plugin directory.',
        },
      ),
    },
  });
}

/**
 * The discovery pipeline (steps 1–6 and 8). Manifests are read once; provider code is imported only
 * by {@link plugin} or {@link verify}. No step throws out of the loop: every package ends up loaded
 * or as a failure, and one broken package never hides the others.
 */
export class PluginRegistry {
  readonly #options: RegistryOptions;
  #discovery: Promise<DiscoveryResult> | undefined;
  readonly #plugins = new Map<string, Promise<ProviderPlugin>>();

  constructor(options: RegistryOptions) {
    this.#options = options;
  }

  /** Steps 1–4 and 8: reads manifests only. Cached for the registry's life. */
  discover(): Promise<DiscoveryResult> {
    this.#discovery ??= this.#discover();
    return this.#discovery;
  }

  async #discover(): Promise<DiscoveryResult> {
    const candidates = listCandidates(this.#options.roots);
    const inspections = await Promise.all(
      candidates.map((c) =>
        inspectPackage(c, this.#options.hostSpi ?? SPI_VERSION).catch(inspectionCrashed(c.dir)),
      ),
    );
    const loaded: DiscoveredProvider[] = [];
    const failures: PluginFailure[] = [];
    const byId = new Map<string, DiscoveredProvider>();
    for (const inspection of inspections) {
      if (inspection.kind === 'failure') failures.push(inspection.failure);
      if (inspection.kind !== 'provider') continue;
      const p = inspection.provider;
      const winner = byId.get(p.manifest.provider);
      if (winner === undefined) {
        byId.set(p.manifest.provider, p);
        loaded.push(p);
        continue;
      }
      failures.push({
        packageName: p.packageName,
        version: p.version,
        dir: p.dir,
        provider: p.manifest.provider,
        spi: p.manifest.spi,
        status: 'invalid',
        error: new ImsError(
          'IMS_PLUGIN_DUPLICATE',
          `Provider "${p.manifest.provider}" of ${p.packageName}@${p.version} (${p.dir}) is shadowed by ${winner.packageName}@${winner.version} (${winner.dir}).`,
          {
            hint: 'Remove one of the two packages; packages in IMS_PLUGIN_PATH, then IMS_HOME/plugins, take precedence.',
          },
        ),
      });
    }
    return { loaded, failures };
  }

  /** Steps 5–6 for one provider id, cached: the plugin object, or the coded error why not. */
  plugin(providerId: string): Promise<ProviderPlugin> {
    let loading = this.#plugins.get(providerId);
    if (loading === undefined) {
      loading = this.#load(providerId);
      this.#plugins.set(providerId, loading);
    }
    return loading;
  }

  async #load(providerId: string): Promise<ProviderPlugin> {
    const { loaded, failures } = await this.discover();
    const found = loaded.find((p) => p.manifest.provider === providerId);
    if (found) return loadPlugin(found, this.#options.hostSpi ?? SPI_VERSION);
    const failed = failures.find((f) => f.provider === providerId && f.error.code !== 'IMS_PLUGIN_DUPLICATE');
    if (failed) throw failed.error;
    const available = loaded.map((p) => p.manifest.provider).sort();
    throw new ImsError(
      'IMS_PROVIDER_NOT_FOUND',
      `No installed package provides the provider "${providerId}".`,
      {
        hint:
          available.length > 0
            ? `Installed providers: ${available.join(', ')}. Install another with \`ims plugin install <package>\`.`
            : 'No provider is installed: install one with `ims plugin install <package>`.',
        details: { provider: providerId, available },
      },
    );
  }

  /** Every package as a row; with `verify`, each usable provider's code is imported and checked too. */
  async rows(verify: boolean): Promise<PluginRow[]> {
    const { loaded, failures } = await this.discover();
    // Loaded only to verify: node:child_process alone costs a plain `ims plugins` a few ms.
    const { verifyInChild } = verify ? await import('./verify-in-child.js') : { verifyInChild: undefined };
    const good = await Promise.all(
      loaded.map(async (p): Promise<PluginRow> => {
        const row: PluginRow = {
          package: p.packageName,
          version: p.version,
          provider: p.manifest.provider,
          spi: p.manifest.spi,
          status: 'ok',
          dir: p.dir,
        };
        if (verifyInChild === undefined) return row;
        // In a child process of its own, within a time limit: verifying must survive the plugin.
        const error = await verifying(() => verifyInChild(p, { hostSpi: this.#options.hostSpi }));
        return error ? { ...row, status: STATUS_OF_LOAD_ERROR[error.code] ?? 'failed', error } : row;
      }),
    );
    const bad = failures.map(
      (f): PluginRow => ({
        package: f.packageName,
        version: f.version,
        provider: f.provider,
        spi: f.spi,
        status: f.status,
        error: f.error,
        dir: f.dir,
      }),
    );
    return [...good, ...bad].sort((a, b) => compareText(a.package, b.package) || compareText(a.dir, b.dir));
  }
}
